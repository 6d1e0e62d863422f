"""Read, create, update, and the searches the gateway relies on."""

from __future__ import annotations

import uuid

import httpx
import pytest

from sandbox.server import SandboxEHR
from tests.integration.sandbox.fhir_helpers import (
    FHIR_JSON,
    create,
    etag,
    marker,
    outcome_text,
    patient,
)

pytestmark = pytest.mark.integration


# --- read, create, update, search -------------------------------------------------------------


def test_create_read_update_vread(fhir: httpx.Client, ehr: SandboxEHR) -> None:
    family = marker()
    response = fhir.post(
        "/Patient", json=patient(family, id="client-choice", gender="female"), headers=FHIR_JSON
    )
    assert response.status_code == 201
    created = response.json()
    assert created["id"] != "client-choice", "the server assigns ids on create"
    assert response.headers["etag"] == etag(created)
    assert response.headers["location"] == (
        f"{ehr.base_url}/Patient/{created['id']}/_history/{created['meta']['versionId']}"
    )

    read = fhir.get(f"/Patient/{created['id']}")
    assert read.status_code == 200
    assert read.json() == created
    assert read.headers["etag"] == etag(created)

    changed = {**created, "gender": "male"}
    updated = fhir.put(f"/Patient/{created['id']}", json=changed, headers=FHIR_JSON)
    assert updated.status_code == 200
    assert updated.json()["gender"] == "male"
    assert updated.json()["meta"]["versionId"] != created["meta"]["versionId"]

    old = fhir.get(f"/Patient/{created['id']}/_history/{created['meta']['versionId']}")
    assert old.status_code == 200 and old.json()["gender"] == "female"


def test_put_with_a_client_id_creates(fhir: httpx.Client) -> None:
    pid = str(uuid.uuid4())
    response = fhir.put(f"/Patient/{pid}", json=patient(marker(), id=pid), headers=FHIR_JSON)
    assert response.status_code == 201
    assert fhir.get(f"/Patient/{pid}").json()["id"] == pid
    again = fhir.put(f"/Patient/{pid}", json=patient(marker(), id=pid), headers=FHIR_JSON)
    assert again.status_code == 200
    mismatch = fhir.put(f"/Patient/{pid}", json=patient(marker(), id="other"), headers=FHIR_JSON)
    assert mismatch.status_code == 400


def test_search_by_the_fields_the_gateway_uses(fhir: httpx.Client) -> None:
    family = marker()
    phone = "+1555" + str(uuid.uuid4().int)[:7]
    ann = create(
        fhir,
        patient(
            family, birthDate="1971-04-05", telecom=[{"system": "phone", "value": phone}], gender="female"
        ),
    )
    create(fhir, patient(family, birthDate="1980-01-01"))
    create(fhir, patient("Q" + family))

    def ids(**params: str) -> set[str]:
        response = fhir.get("/Patient", params=params)
        assert response.status_code == 200, response.text
        return {e["resource"]["id"] for e in response.json().get("entry", [])}

    assert ids(phone=phone) == {ann["id"]}
    assert ids(family=family, birthdate="1971-04-05") == {ann["id"]}
    assert ids(family=family.lower()[:-3], birthdate="lt1975") == {ann["id"]}
    assert len(ids(family=family)) == 2, "string search matches the start of a value, not the middle"
    assert len(ids(**{"family:contains": family})) == 3
    assert ids(**{"family:exact": family.lower()}) == set()
    assert ids(family=family, gender="female") == {ann["id"]}

    appt = create(
        fhir,
        {
            "resourceType": "Appointment",
            "status": "booked",
            "start": "2030-01-02T09:00:00Z",
            "end": "2030-01-02T09:30:00Z",
            "participant": [{"actor": {"reference": f"Patient/{ann['id']}"}, "status": "accepted"}],
        },
    )
    for value in (ann["id"], f"Patient/{ann['id']}"):
        found = fhir.get("/Appointment", params={"patient": value, "date": "ge2030-01-01"}).json()
        assert [e["resource"]["id"] for e in found["entry"]] == [appt["id"]]


def test_search_modifiers_prefixes_and_sort(fhir: httpx.Client) -> None:
    family = marker()
    a = create(
        fhir,
        patient(
            family,
            birthDate="1950-01-01",
            gender="male",
            identifier=[{"system": "urn:example:mrn", "value": "A-1"}],
        ),
    )
    b = create(fhir, patient(family, birthDate="1960-06-15", gender="female", active=True))
    c = create(fhir, patient(family, birthDate="1970-12-31", gender="other"))

    def ids(**params: str) -> list[str]:
        response = fhir.get("/Patient", params={"family": family, **params})
        assert response.status_code == 200, response.text
        return [e["resource"]["id"] for e in response.json().get("entry", [])]

    assert ids(_sort="birthdate") == [a["id"], b["id"], c["id"]]
    assert ids(_sort="-birthdate") == [c["id"], b["id"], a["id"]]
    assert ids(_sort="-gender,birthdate") == [c["id"], a["id"], b["id"]]
    assert ids(_sort="birthdate", _count="1", _offset="1") == [b["id"]]
    assert set(ids(birthdate="ge1960-01-01")) == {b["id"], c["id"]}
    assert set(ids(birthdate="ne1960-06-15")) == {a["id"], c["id"]}
    assert ids(birthdate="1960-06") == [b["id"]]
    assert set(ids(gender="male,other")) == {a["id"], c["id"]}
    assert set(ids(**{"gender:not": "male"})) == {b["id"], c["id"]}
    assert ids(identifier="urn:example:mrn|A-1") == [a["id"]]
    assert ids(identifier="A-1") == [a["id"]]
    assert ids(identifier="urn:other|A-1") == []
    assert ids(**{"active:missing": "false"}) == [b["id"]]
    assert set(ids(**{"active:missing": "true"})) == {a["id"], c["id"]}
    assert ids(_id=b["id"]) == [b["id"]]
    assert ids(_id=b["id"], _format="json") == [b["id"]]
    assert fhir.get("/Patient", params={"_format": "xml"}).status_code == 400
    assert fhir.get("/Patient", params={"family": family, "_count": "0"}).json()["total"] == 3


def test_unsupported_search_is_refused_not_silently_empty(fhir: httpx.Client) -> None:
    for params in (
        {"nonsense": "1"},
        {"family:below": "x"},
        {"_include": "Patient:organization"},
        {"general-practitioner.name": "x"},
        {"birthdate": "not-a-date"},
        {"_count": "-1"},
        {"_sort": "nonsense"},
    ):
        response = fhir.get("/Patient", params=params)
        assert response.status_code == 400, params
        assert outcome_text(response)


def test_paging_links_carry_the_real_base_url(fhir: httpx.Client, ehr: SandboxEHR) -> None:
    family = marker()
    made = {create(fhir, patient(family))["id"] for _ in range(7)}
    page = fhir.get("/Patient", params={"family": family, "_count": "3"}).json()
    assert page["total"] == 7
    seen: list[str] = []
    relations: list[set[str]] = []
    while True:
        seen += [e["resource"]["id"] for e in page.get("entry", [])]
        assert all(e["fullUrl"].startswith(f"{ehr.base_url}/Patient/") for e in page["entry"])
        links = {link["relation"]: link["url"] for link in page["link"]}
        relations.append(set(links))
        assert all(url.startswith(f"{ehr.base_url}/Patient?") for url in links.values())
        if "next" not in links:
            break
        page = httpx.get(links["next"]).json()
    assert len(seen) == 7 and set(seen) == made
    assert relations == [{"self", "next"}, {"self", "next", "previous"}, {"self", "previous"}]
