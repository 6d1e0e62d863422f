"""JSON Patch, If-Match, transactions and batches, and loading at synthetic scale."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import pytest

from tests.integration.sandbox.fhir_helpers import (
    FHIR_JSON,
    JSON_PATCH,
    create,
    etag,
    marker,
    outcome_text,
    patient,
)

pytestmark = pytest.mark.integration


# --- JSON Patch and If-Match ------------------------------------------------------------------


def test_json_patch(fhir: httpx.Client) -> None:
    stored = create(fhir, patient(marker(), gender="female"))
    url = f"/Patient/{stored['id']}"
    response = fhir.patch(
        url, json=[{"op": "replace", "path": "/gender", "value": "other"}], headers=JSON_PATCH
    )
    assert response.status_code == 200
    assert response.json()["gender"] == "other"
    assert response.headers["etag"] == etag(response.json()) != etag(stored)
    assert fhir.get(url).json()["gender"] == "other"

    failed_test = fhir.patch(
        url, json=[{"op": "test", "path": "/gender", "value": "female"}], headers=JSON_PATCH
    )
    assert failed_test.status_code == 400
    moved = fhir.patch(url, json=[{"op": "replace", "path": "/id", "value": "elsewhere"}], headers=JSON_PATCH)
    assert moved.status_code == 400
    assert fhir.get("/Patient/elsewhere").status_code == 404
    assert fhir.patch("/Patient/missing", json=[], headers=JSON_PATCH).status_code == 404
    assert fhir.patch(url, json={"op": "remove"}, headers=JSON_PATCH).status_code == 400


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_if_match_guards_against_lost_updates(fhir: httpx.Client, method: str) -> None:
    v1 = create(fhir, patient(marker(), gender="female"))
    url = f"/Patient/{v1['id']}"

    def write(version: str, gender: str) -> httpx.Response:
        if method == "PUT":
            return fhir.put(url, json={**v1, "gender": gender}, headers={**FHIR_JSON, "If-Match": version})
        ops = [{"op": "replace", "path": "/gender", "value": gender}]
        return fhir.patch(url, json=ops, headers={**JSON_PATCH, "If-Match": version})

    current = write(etag(v1), "male")
    assert current.status_code == 200
    stale = write(etag(v1), "other")
    assert stale.status_code == 412
    assert stale.json()["resourceType"] == "OperationOutcome"
    assert fhir.get(url).json()["gender"] == "male"
    assert write(etag(current.json()), "other").status_code == 200
    assert write("no quotes", "other").status_code == 400


# --- transaction and batch --------------------------------------------------------------------


def test_transaction_resolves_references_and_returns_every_result(fhir: httpx.Client) -> None:
    family, placeholder, practitioner_id = marker(), f"urn:uuid:{uuid.uuid4()}", str(uuid.uuid4())
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": placeholder,
                "resource": patient(family),
                "request": {"method": "POST", "url": "Patient"},
            },
            {
                "resource": {
                    "resourceType": "Practitioner",
                    "id": practitioner_id,
                    "name": [{"family": "Doc"}],
                },
                "request": {"method": "PUT", "url": f"Practitioner/{practitioner_id}"},
            },
            {
                "resource": {
                    "resourceType": "Appointment",
                    "status": "proposed",
                    "participant": [{"actor": {"reference": placeholder}, "status": "needs-action"}],
                },
                "request": {"method": "POST", "url": "Appointment"},
            },
        ],
    }
    response = fhir.post("", json=bundle, headers=FHIR_JSON)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["type"] == "transaction-response"
    assert [e["response"]["status"] for e in result["entry"]] == ["201", "201", "201"]
    patient_id = result["entry"][0]["resource"]["id"]
    appointment = fhir.get(f"/Appointment/{result['entry'][2]['resource']['id']}").json()
    assert appointment["participant"][0]["actor"]["reference"] == f"Patient/{patient_id}"
    assert fhir.get(f"/Practitioner/{practitioner_id}").status_code == 200


def test_a_failed_transaction_changes_nothing(fhir: httpx.Client) -> None:
    existing = create(fhir, patient(marker(), gender="female"))
    family, new_id = marker(), str(uuid.uuid4())
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"resource": patient(family), "request": {"method": "POST", "url": "Patient"}},
            {
                "resource": patient(family, id=new_id),
                "request": {"method": "PUT", "url": f"Patient/{new_id}"},
            },
            {
                "resource": {**existing, "gender": "male"},
                "request": {"method": "PUT", "url": f"Patient/{existing['id']}"},
            },
            {"resource": patient(family, birthDate="never"), "request": {"method": "POST", "url": "Patient"}},
        ],
    }
    response = fhir.post("", json=bundle, headers=FHIR_JSON)
    assert response.status_code == 400
    assert "Bundle.entry[3]" in outcome_text(response)
    assert fhir.get("/Patient", params={"family": family}).json()["total"] == 0
    assert fhir.get(f"/Patient/{new_id}").status_code == 404
    assert fhir.get(f"/Patient/{existing['id']}").json() == existing

    stale = {
        **bundle,
        "entry": [
            {
                **bundle["entry"][2],
                "request": {"method": "PUT", "url": f"Patient/{existing['id']}", "ifMatch": 'W/"stale"'},
            }
        ],
    }
    assert fhir.post("", json=stale, headers=FHIR_JSON).status_code == 412


def test_batch_entries_succeed_or_fail_on_their_own(fhir: httpx.Client) -> None:
    family = marker()
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [
            {"resource": patient(family), "request": {"method": "POST", "url": "Patient"}},
            {"resource": patient(family, birthDate="never"), "request": {"method": "POST", "url": "Patient"}},
            {"request": {"method": "GET", "url": "Patient/does-not-exist"}},
        ],
    }
    response = fhir.post("", json=bundle, headers=FHIR_JSON)
    assert response.status_code == 200
    result = response.json()
    assert result["type"] == "batch-response"
    assert [e["response"]["status"] for e in result["entry"]] == ["201", "400", "404"]
    assert fhir.get("/Patient", params={"family": family}).json()["total"] == 1


def test_bad_bundles_are_refused(fhir: httpx.Client) -> None:
    for body in (
        patient("x"),
        {"resourceType": "Bundle", "type": "collection", "entry": [{}]},
        {"resourceType": "Bundle", "type": "transaction"},
    ):
        response = fhir.post("", json=body, headers=FHIR_JSON)
        assert response.status_code == 400, body
    pid = str(uuid.uuid4())
    twice = {"resource": patient("x", id=pid), "request": {"method": "PUT", "url": f"Patient/{pid}"}}
    response = fhir.post(
        "", json={"resourceType": "Bundle", "type": "transaction", "entry": [twice, twice]}, headers=FHIR_JSON
    )
    assert response.status_code == 400


def test_loads_synthetic_scale_data_fast(fhir: httpx.Client) -> None:
    """The data generator PUTs every resource in transactions of a few hundred entries."""
    entries = []
    for _ in range(125):
        pid = str(uuid.uuid4())
        entries.append(patient(marker(), id=pid, birthDate="1970-01-01", gender="male"))
        for _ in range(39):
            entries.append(
                {
                    "resourceType": "Observation",
                    "id": str(uuid.uuid4()),
                    "status": "final",
                    "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
                    "subject": {"reference": f"Patient/{pid}"},
                    "effectiveDateTime": "2025-01-01T10:00:00Z",
                    "valueQuantity": {
                        "value": 72,
                        "unit": "/min",
                        "system": "http://unitsofmeasure.org",
                        "code": "/min",
                    },
                }
            )
    started = time.monotonic()
    for start in range(0, len(entries), 250):
        chunk = entries[start : start + 250]
        bundle = {
            "resourceType": "Bundle",
            "type": "transaction",
            "entry": [
                {"resource": r, "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}}
                for r in chunk
            ],
        }
        response = fhir.post("", json=bundle, headers=FHIR_JSON)
        assert response.status_code == 200, response.text[:500]
    rate = len(entries) / (time.monotonic() - started)
    # 500 patients x 40 resources must load in well under 30 s.
    assert rate > 20_000 / 30, f"{rate:.0f} resources/s"
