"""The sandbox's CapabilityStatement says what it supports, and it supports what it says."""

from __future__ import annotations

import httpx
import pytest

from sandbox.server import SandboxEHR
from tests.integration.sandbox.fhir_helpers import (
    FHIR_JSON,
)

pytestmark = pytest.mark.integration


# --- CapabilityStatement ----------------------------------------------------------------------


def test_metadata_states_what_the_server_supports(fhir: httpx.Client, ehr: SandboxEHR) -> None:
    response = fhir.get("/metadata")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+json")
    cs = response.json()
    assert cs["resourceType"] == "CapabilityStatement"
    assert cs["fhirVersion"] == "4.0.1"
    assert cs["implementation"]["url"] == ehr.base_url
    assert "application/json-patch+json" in cs["patchFormat"]
    rest = cs["rest"][0]
    assert {i["code"] for i in rest["interaction"]} == {"transaction", "batch"}
    by_type = {r["type"]: r for r in rest["resource"]}
    assert {"Patient", "Appointment", "Slot", "MedicationRequest", "Account"} <= set(by_type)
    pat = by_type["Patient"]
    assert {i["code"] for i in pat["interaction"]} == {
        "read",
        "vread",
        "create",
        "update",
        "patch",
        "search-type",
    }
    assert pat["versioning"] == "versioned-update"
    assert pat["updateCreate"] is True
    assert pat["conditionalCreate"] is False and pat["conditionalUpdate"] is False
    names = {p["name"] for p in pat["searchParam"]}
    assert {"birthdate", "phone", "family", "given", "name", "identifier", "_id"} <= names
    assert not names & {"_compartment", "phonetic"}


@pytest.mark.parametrize("resource_type", ["Patient", "Appointment", "Slot", "MedicationRequest"])
def test_every_claimed_search_parameter_is_accepted(fhir: httpx.Client, resource_type: str) -> None:
    cs = fhir.get("/metadata").json()
    params = next(r for r in cs["rest"][0]["resource"] if r["type"] == resource_type)["searchParam"]
    sample = {"date": "2020-01-01", "reference": "Patient/x", "token": "x", "string": "x", "uri": "http://x"}
    for param in params:
        response = fhir.get(f"/{resource_type}", params={param["name"]: sample[param["type"]]})
        assert response.status_code == 200, (param, response.text)
        response = fhir.get(f"/{resource_type}", params={f"{param['name']}:missing": "true"})
        assert response.status_code == 200, (param, response.text)


def test_other_routes_say_405_or_404(fhir: httpx.Client) -> None:
    gone = fhir.delete("/Patient/anything")
    assert gone.status_code == 405
    assert set(gone.headers["allow"].split(", ")) == {"GET", "PUT", "PATCH"}
    assert fhir.post("/metadata", json={}, headers=FHIR_JSON).status_code == 405
    assert fhir.get("/Patient/anything").status_code == 404
    assert fhir.get("/NoSuchType").status_code == 404
    assert fhir.get("/Patient/x/_history").status_code == 404
    outside = httpx.get(str(fhir.base_url).replace("/fhir", "/elsewhere"))
    assert outside.status_code == 404
    assert outside.json()["resourceType"] == "OperationOutcome"
