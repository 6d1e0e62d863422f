"""Search on the sandbox EHR after writes, and the narrowed search expressions: updates, patches and
transactions are seen by the next search and rolled-back ones are not; the FHIRPath expressions the
sandbox narrows for speed (sandbox/server/expressions.mjs) give what the R4 ones give.

The server (conftest.py) is shared with test_search_semantics.py and holds the default dataset.
"""

from __future__ import annotations

import json
import subprocess
import textwrap
import uuid
from pathlib import Path

import pytest

from sandbox.server import SANDBOX_DIR
from tests.integration.sandbox.fhir_helpers import FHIR_JSON, JSON_PATCH
from tests.integration.sandbox.search_model import (
    Resource,
    Server,
)

pytestmark = pytest.mark.integration

INVOICE_KIND = "https://frontdesk.dev/fhir/CodeSystem/invoice-kind"
ACTIVE_APPOINTMENT = "booked,pending,arrived,checked-in"


# --- writes are seen by the next search, and rolled-back ones are not -----------------------------


def test_searches_see_updates_patches_and_not_rolled_back_transactions(server: Server) -> None:
    http = server.http
    phone = "617-555-" + str(uuid.uuid4().int)[:4]
    family = "Zz" + uuid.uuid4().hex[:10]
    patient = {
        "resourceType": "Patient",
        "name": [{"family": family}],
        "telecom": [{"system": "phone", "value": phone}],
    }
    created = http.post("/Patient", json=patient, headers=FHIR_JSON).json()
    pid = created["id"]
    assert server.ids("Patient", {"phone": phone}) == [pid]

    moved = f"({phone[:3]}) {phone[4:]}"
    updated = {**created, "telecom": [{"system": "phone", "value": moved}]}
    assert http.put(f"/Patient/{pid}", json=updated, headers=FHIR_JSON).status_code == 200
    assert server.ids("Patient", {"phone": phone}) == []
    assert server.ids("Patient", {"phone": moved}) == [pid]

    request = {
        "resourceType": "MedicationRequest",
        "status": "active",
        "intent": "order",
        "medicationCodeableConcept": {"text": "test"},
        "subject": {"reference": f"Patient/{pid}"},
    }
    med = http.post("/MedicationRequest", json=request, headers=FHIR_JSON).json()
    active = {"patient": f"Patient/{pid}", "status": "active"}
    assert server.ids("MedicationRequest", active) == [med["id"]]
    patch = [{"op": "replace", "path": "/status", "value": "stopped"}]
    assert http.patch(f"/MedicationRequest/{med['id']}", json=patch, headers=JSON_PATCH).status_code == 200
    assert server.ids("MedicationRequest", active) == []
    assert server.ids("MedicationRequest", {"patient": pid, "status": "stopped"}) == [med["id"]]

    # A transaction that would reactivate it, move the phone back and add a prescription, then fails.
    new_id = str(uuid.uuid4())
    failing = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "resource": {**med, "status": "active"},
                "request": {"method": "PUT", "url": f"MedicationRequest/{med['id']}"},
            },
            {
                "resource": {**updated, "telecom": [{"system": "phone", "value": phone}]},
                "request": {"method": "PUT", "url": f"Patient/{pid}"},
            },
            {
                "resource": {**request, "id": new_id},
                "request": {"method": "PUT", "url": f"MedicationRequest/{new_id}"},
            },
            {
                "resource": {"resourceType": "Patient", "gender": "bogus"},
                "request": {"method": "POST", "url": "Patient"},
            },
        ],
    }
    assert http.post("", json=failing, headers=FHIR_JSON).status_code == 400
    assert server.ids("MedicationRequest", active) == []
    assert server.ids("MedicationRequest", {"patient": pid}) == [med["id"]]
    assert server.ids("Patient", {"phone": phone}) == []
    assert server.ids("Patient", {"phone": moved}) == [pid]

    failing["entry"].pop()
    assert http.post("", json=failing, headers=FHIR_JSON).status_code == 200
    assert server.ids("MedicationRequest", active) == [med["id"], new_id]
    assert server.ids("Patient", {"phone": phone}) == [pid]
    server.forget()


# --- the narrowed FHIRPath expressions give what the R4 ones give ----------------------------------

NARROWING_CHECK = textwrap.dedent(
    """
    import { readFileSync } from 'node:fs';
    import { evalFhirPathTyped, toTypedValue } from '@medplum/core';
    import { loadDefinitions } from './server/definitions.mjs';
    import { searchExpression } from './server/expressions.mjs';
    import { supportedSearchParams } from './server/search.mjs';

    loadDefinitions();
    const resources = JSON.parse(readFileSync(process.argv[2], 'utf8'));
    let checked = 0;
    const differ = [];
    const terms = {};
    for (const resource of resources) {
      for (const param of supportedSearchParams(resource.resourceType)) {
        if (!param.expression) continue;
        const narrowed = searchExpression(resource.resourceType, param);
        const want = JSON.stringify(evalFhirPathTyped(param.expression, [toTypedValue(resource)]));
        const got = JSON.stringify(evalFhirPathTyped(narrowed, [toTypedValue(resource)]));
        checked += 1;
        if (want !== got) differ.push(`${resource.resourceType}.${param.code}`);
        terms[`${resource.resourceType}.${param.code}`] = narrowed.toString();
      }
    }
    process.stdout.write(JSON.stringify({ checked, differ, terms }));
    """
)


def test_narrowed_expressions_yield_exactly_what_the_r4_expressions_yield(
    server: Server, tmp_path: Path
) -> None:
    """For a sample of every resource type in the dataset and every parameter it supports."""
    sample: list[Resource] = []
    for resource_type in server.dataset.counts():
        sample += server.every(resource_type)[:25]
    sample.append(
        {"resourceType": "Patient", "id": "dup", "telecom": [{"system": "phone", "value": "1"}] * 2}
    )
    data = tmp_path / "resources.json"
    data.write_text(json.dumps(sample))
    # A module read from stdin resolves its imports from the working directory: sandbox/.
    done = subprocess.run(
        ["node", "--input-type=module", "-", str(data)],
        input=NARROWING_CHECK,
        cwd=SANDBOX_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result["checked"] > 3000
    assert result["differ"] == []
    # and they are narrowed: the 32-type union behind `patient` is down to the one term
    assert "CarePlan" not in result["terms"]["MedicationRequest.patient"]
    assert "MedicationRequest.subject" in result["terms"]["MedicationRequest.patient"]
    assert "Practitioner" not in result["terms"]["Patient.phone"]
