"""Callback requests through the gateway against the small fake FHIR server of the write tests.

Tried: an EHR that takes Tasks (the Task's status, intent, code, patient, reason and no message
text), one whose CapabilityStatement refuses Task create (nothing sent), and one that answers 500.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from actions.ehr import EHRUnavailable, NotSupported
from actions.ehr.callbacks import CALLBACK_SYSTEM, HANDOFF_REASON_SYSTEM, callback_task
from tests.unit.ehr.test_gateway_writes import FakeFhirServer, capability, gateway_for

TASKS = capability(["read"], ["read"], ["create", "read"])


def test_the_task_says_what_staff_need_and_nothing_the_patient_wrote():
    task = callback_task(
        "p1",
        reason="requested",
        reason_text="asked for a person",
        description="Call the patient back (asked for a person by web chat)",
        now=datetime(2026, 11, 28, 17, 0, tzinfo=timezone.utc),
    )
    assert task["status"] == "requested" and task["intent"] == "order"
    assert task["code"]["coding"][0] == {
        "system": CALLBACK_SYSTEM,
        "code": "callback",
        "display": "Call the patient back",
    }
    assert task["for"] == {"reference": "Patient/p1"} and task["authoredOn"] == "2026-11-28T17:00:00+00:00"
    assert task["reasonCode"] == {
        "coding": [{"system": HANDOFF_REASON_SYSTEM, "code": "requested"}],
        "text": "asked for a person",
    }


@pytest.mark.asyncio
async def test_a_callback_is_created_as_a_task():
    server = FakeFhirServer(TASKS)
    async with gateway_for(server) as gateway:
        filed = await gateway.request_callback(
            "p1", reason="requested", reason_text="asked for a person", description="Call the patient back"
        )
    assert server.writes == ["POST Task"]
    stored = server.store[f"Task/{filed.task_id}"]
    assert filed.status == "requested" and stored["for"] == {"reference": "Patient/p1"}
    assert json.dumps(stored).count("p1") == 2  # for and requester, nothing else about the patient


@pytest.mark.asyncio
async def test_an_ehr_without_task_create_is_not_sent_one_and_a_failing_one_raises():
    server = FakeFhirServer(capability(["read"], ["read"], ["read"]))
    async with gateway_for(server) as gateway:
        with pytest.raises(NotSupported):
            await gateway.request_callback("p1", reason="requested", reason_text="x", description="y")
    assert server.writes == []
    failing = FakeFhirServer(TASKS, fail_create=True)
    async with gateway_for(failing) as gateway:
        with pytest.raises(EHRUnavailable):
            await gateway.request_callback("p1", reason="requested", reason_text="x", description="y")
