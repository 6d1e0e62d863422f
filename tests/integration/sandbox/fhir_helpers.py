"""Small helpers the sandbox server's tests share: raw FHIR resources and requests."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[3]
FHIR_JSON = {"Content-Type": "application/fhir+json"}
JSON_PATCH = {"Content-Type": "application/json-patch+json"}


def marker() -> str:
    """A family name no other test uses, so searches see only this test's patients."""
    return "Zz" + uuid.uuid4().hex[:10]


def patient(family: str, **fields: Any) -> dict[str, Any]:
    return {"resourceType": "Patient", "name": [{"family": family, "given": ["Test"]}], **fields}


def outcome_text(response: httpx.Response) -> str:
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    return " ".join(issue.get("details", {}).get("text", "") for issue in body["issue"])


def create(fhir: httpx.Client, resource: dict[str, Any]) -> dict[str, Any]:
    response = fhir.post(f"/{resource['resourceType']}", json=resource, headers=FHIR_JSON)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def etag(resource: dict[str, Any]) -> str:
    return f'W/"{resource["meta"]["versionId"]}"'
