"""Invalid resources and malformed requests are refused, and change nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

import sandbox.server as sandbox_server
from sandbox.server import SandboxEHR, SandboxError
from tests.integration.sandbox.fhir_helpers import (
    FHIR_JSON,
    JSON_PATCH,
    create,
    marker,
    outcome_text,
    patient,
)

pytestmark = pytest.mark.integration


# --- validation and malformed input -----------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "resource", "expected"),
    [
        ("/Patient", {"resourceType": "Patient", "birthDate": "not-a-date"}, "Invalid date format"),
        ("/Patient", {"resourceType": "Patient", "favouriteColour": "blue"}, "Invalid additional property"),
        ("/Patient", {"resourceType": "Patient", "gender": "bogus"}, "administrative-gender"),
        ("/Patient", {"resourceType": "Patient", "name": {"family": "x"}}, "Expected array"),
        ("/Foo", {"resourceType": "Foo"}, "Unknown data type: Foo"),
        ("/Patient", {"resourceType": "Observation", "status": "final", "code": {"text": "x"}}, "Incorrect"),
        (
            "/Appointment",
            {
                "resourceType": "Appointment",
                "status": "booked",
                "participant": [{"actor": {"reference": "Patient/x"}, "status": "accepted"}],
            },
            "app-3",
        ),
    ],
)
def test_invalid_resources_are_refused_with_400(
    fhir: httpx.Client, path: str, resource: dict[str, Any], expected: str
) -> None:
    response = fhir.post(path, json=resource, headers=FHIR_JSON)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/fhir+json")
    assert expected in outcome_text(response)


def test_invalid_update_and_patch_change_nothing(fhir: httpx.Client) -> None:
    stored = create(fhir, patient(marker(), birthDate="1990-01-01"))
    bad_put = fhir.put(
        f"/Patient/{stored['id']}", json={**stored, "birthDate": "not-a-date"}, headers=FHIR_JSON
    )
    assert bad_put.status_code == 400
    bad_patch = fhir.patch(
        f"/Patient/{stored['id']}",
        json=[{"op": "replace", "path": "/birthDate", "value": "1990-13-45"}],
        headers=JSON_PATCH,
    )
    assert bad_patch.status_code == 400
    assert "Patient.birthDate" in json.dumps(bad_patch.json())
    assert fhir.get(f"/Patient/{stored['id']}").json() == stored


@pytest.mark.parametrize(
    ("method", "path", "body", "headers", "status"),
    [
        ("POST", "/Patient", b'{"resourceType": "Patient",', FHIR_JSON, 400),
        ("POST", "/Patient", b"", FHIR_JSON, 400),
        ("POST", "/Patient", b"[1, 2]", FHIR_JSON, 400),
        ("PUT", "/Patient/x", b"not json at all", FHIR_JSON, 400),
        ("POST", "", b"{]", FHIR_JSON, 400),
        ("PATCH", "/Patient/x", b"[{", JSON_PATCH, 400),
        ("POST", "/Patient", b'{"resourceType": "Patient"}', {"Content-Type": "text/plain"}, 415),
        ("PATCH", "/Patient/x", b"[]", FHIR_JSON, 415),
    ],
)
def test_malformed_requests_get_an_operation_outcome(
    fhir: httpx.Client, method: str, path: str, body: bytes, headers: dict[str, str], status: int
) -> None:
    response = fhir.request(method, path, content=body, headers=headers)
    assert response.status_code == status
    assert response.json()["resourceType"] == "OperationOutcome"
    assert fhir.get("/metadata").status_code == 200, "the server is still up"


def test_a_body_over_64_mib_is_refused(fhir: httpx.Client) -> None:
    body = b'{"resourceType": "Patient", "text": "' + b"x" * (64 * 1024 * 1024) + b'"}'
    response = fhir.post("/Patient", content=body, headers=FHIR_JSON)
    assert response.status_code == 413
    assert response.json()["resourceType"] == "OperationOutcome"


def test_missing_node_modules_says_run_make_setup(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sandbox_server, "SANDBOX_DIR", tmp_path)
    with pytest.raises(SandboxError, match="run make setup"):
        SandboxEHR().start()
