"""Callback requests through the gateway against the small fake FHIR server of the write tests.

Tried: an EHR that takes Tasks (the Task's status, intent, code, patient, reason and no message
text), one whose CapabilityStatement refuses Task create (nothing sent), and one that answers 500.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import httpx
import pytest

from actions.ehr import EHRUnavailable, NotFound, NotSupported
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


class TaskServer(FakeFhirServer):
    """The write tests' fake, with Task search (every stored Task whose status is in the query)
    and PUT with If-Match, for EHRs without JSON Patch."""

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/fhir/")
        if request.method == "GET" and path == "Task":
            wanted = request.url.params.get("status", "").split(",")
            tasks = [r for k, r in self.store.items() if k.startswith("Task/") and r["status"] in wanted]
            bundle = {
                "resourceType": "Bundle",
                "type": "searchset",
                "entry": [{"resource": t, "search": {"mode": "match"}} for t in tasks],
            }
            return httpx.Response(200, json=bundle)
        if request.method == "PUT" and path in self.store:
            current = self.store[path]
            if request.headers.get("If-Match") != f'W/"{current["meta"]["versionId"]}"':
                return httpx.Response(412, json={"resourceType": "OperationOutcome", "issue": []})
            self.writes.append(f"PUT {path}")
            body = json.loads(request.content)
            body["meta"] = {"versionId": str(int(current["meta"]["versionId"]) + 1)}
            self.store[path] = body
            return httpx.Response(200, json=body)
        return super().__call__(request)


async def _file(gateway, patient_id: str) -> str:
    filed = await gateway.request_callback(
        patient_id, reason="requested", reason_text="asked for a person", description="Call back"
    )
    return filed.task_id


@pytest.mark.asyncio
@pytest.mark.parametrize("patch", [True, False])
async def test_open_callbacks_are_listed_oldest_first_and_done_closes_one(patch):
    """Tried: two callbacks and a refill Task; one marked done (by JSON Patch, and by PUT where
    the EHR has no patch), then done again (a second agent's click: no second write)."""
    codes = ["create", "read", "search-type", "update"] + (["patch"] if patch else [])
    server = TaskServer(capability(["read"], ["read"], codes))
    server.put({"resourceType": "Task", "id": "refill", "status": "requested", "intent": "order"})
    async with gateway_for(server) as gateway:
        first, second = await _file(gateway, "p1"), await _file(gateway, "p2")
        server.store[f"Task/{first}"]["authoredOn"] = "2026-11-27T10:00:00+00:00"
        listed = await gateway.open_callbacks()
        assert [c.task_id for c in listed] == [first, second]
        assert listed[0].patient_id == "p1" and listed[0].reason == "asked for a person"
        assert await gateway.complete_callback(first) == "p1"
        assert server.store[f"Task/{first}"]["status"] == "completed"
        assert server.writes[-1] == ("PATCH" if patch else "PUT") + f" Task/{first}"
        writes = len(server.writes)
        assert await gateway.complete_callback(first) == "p1"
        assert len(server.writes) == writes
        assert [c.task_id for c in await gateway.open_callbacks()] == [second]


@pytest.mark.asyncio
async def test_completing_a_task_that_is_not_a_callback_is_refused():
    """Tried: a refill request's Task id, and an id that does not exist: NotFound, nothing written."""
    server = TaskServer(TASKS)
    server.put({"resourceType": "Task", "id": "refill", "status": "requested", "intent": "order"})
    async with gateway_for(server) as gateway:
        for task_id in ("refill", "nope"):
            with pytest.raises(NotFound):
                await gateway.complete_callback(task_id)
    assert server.writes == []
