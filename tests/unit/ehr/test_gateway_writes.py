"""Writes through the gateway against a small stateful fake FHIR server.

Tried: an EHR whose CapabilityStatement is read-only (book, cancel and refill
raise NotSupported without sending a write), an Appointment create that fails
after the Slot was marked busy (the Slot is freed again), a Slot already
busy when read, and an EHR without JSON Patch (the changed resources are PUT
back whole, with If-Match on the version read).
"""

from __future__ import annotations

import json
import re

import httpx
import pytest

from actions.ehr import EHRSettings, EHRUnavailable, FhirGateway, NotSupported, VersionConflict

BASE = "http://ehr.test/fhir"


def capability(appointment: list[str], slot: list[str], task: list[str]) -> dict:
    def resource(kind: str, codes: list[str]) -> dict:
        return {"type": kind, "interaction": [{"code": c} for c in codes]}

    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-11-28",
        "kind": "instance",
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "rest": [
            {
                "mode": "server",
                "resource": [
                    resource("Appointment", appointment),
                    resource("Slot", slot),
                    resource("Task", task),
                ],
            }
        ],
    }


class FakeFhirServer:
    """Read, search by _id, create, JSON-Patch and update with If-Match over an in-memory dict;
    records writes."""

    def __init__(self, statement: dict, *, fail_create: bool = False) -> None:
        self.statement = statement
        self.fail_create = fail_create
        self.store: dict[str, dict] = {}
        self.writes: list[str] = []

    def put(self, resource: dict) -> None:
        resource.setdefault("meta", {})["versionId"] = "1"
        self.store[f"{resource['resourceType']}/{resource['id']}"] = resource

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/fhir/")
        if path == "metadata":
            return httpx.Response(200, json=self.statement)
        if request.method != "GET":
            self.writes.append(f"{request.method} {path}")
        if request.method == "GET" and path in self.store:
            return httpx.Response(200, json=self.store[path])
        if request.method == "GET" and "_id" in request.url.params:  # the directory's lookups
            ids = request.url.params["_id"].split(",")
            found = [self.store[f"{path}/{i}"] for i in ids if f"{path}/{i}" in self.store]
            bundle = {
                "resourceType": "Bundle",
                "type": "searchset",
                "entry": [{"resource": r} for r in found],
            }
            return httpx.Response(200, json=bundle)
        if request.method == "PATCH" and path in self.store:
            current = self.store[path]
            if request.headers.get("If-Match") != f'W/"{current["meta"]["versionId"]}"':
                return httpx.Response(412, json={"resourceType": "OperationOutcome", "issue": []})
            for op in json.loads(request.content):
                current[op["path"].strip("/")] = op["value"]
            current["meta"]["versionId"] = str(int(current["meta"]["versionId"]) + 1)
            return httpx.Response(200, json=current)
        if request.method == "PUT" and path in self.store:
            current = self.store[path]
            if request.headers.get("If-Match") != f'W/"{current["meta"]["versionId"]}"':
                return httpx.Response(412, json={"resourceType": "OperationOutcome", "issue": []})
            resource = json.loads(request.content)
            resource["meta"] = {"versionId": str(int(current["meta"]["versionId"]) + 1)}
            self.store[path] = resource
            return httpx.Response(200, json=resource)
        if request.method == "POST" and re.fullmatch(r"[A-Za-z]+", path):
            if self.fail_create:
                return httpx.Response(500, json={"resourceType": "OperationOutcome", "issue": []})
            resource = json.loads(request.content) | {"id": f"new{len(self.store)}"}
            self.put(resource)
            return httpx.Response(201, json=resource)
        return httpx.Response(404, json={"resourceType": "OperationOutcome", "issue": []})


def seeded(server: FakeFhirServer, slot_status: str = "free") -> FakeFhirServer:
    server.put(
        {
            "resourceType": "Slot",
            "id": "s1",
            "schedule": {"reference": "Schedule/sc1"},
            "status": slot_status,
            "start": "2026-12-01T14:00:00Z",
            "end": "2026-12-01T14:30:00Z",
        }
    )
    server.put({"resourceType": "Schedule", "id": "sc1", "actor": [{"reference": "Practitioner/dr1"}]})
    server.put(
        {
            "resourceType": "Appointment",
            "id": "a1",
            "status": "booked",
            "participant": [{"actor": {"reference": "Patient/p1"}, "status": "accepted"}],
        }
    )
    return server


def gateway_for(server: FakeFhirServer) -> FhirGateway:
    return FhirGateway(EHRSettings(base_url=BASE, retries=0), transport=httpx.MockTransport(server))


@pytest.mark.asyncio
async def test_read_only_ehr_refuses_writes_without_sending_them():
    server = seeded(FakeFhirServer(capability(["read", "search-type"], ["read"], [])))
    async with gateway_for(server) as gateway:
        with pytest.raises(NotSupported):
            await gateway.book("p1", "s1")
        with pytest.raises(NotSupported):
            await gateway.cancel("a1")
        with pytest.raises(NotSupported):
            await gateway.request_refill("p1", "m1")
    assert server.writes == []


@pytest.mark.asyncio
async def test_failed_appointment_create_gives_the_slot_back():
    full = capability(["read", "create", "patch"], ["read", "patch"], ["create"])
    server = seeded(FakeFhirServer(full, fail_create=True))
    async with gateway_for(server) as gateway:
        with pytest.raises(EHRUnavailable):
            await gateway.book("p1", "s1")
    assert server.store["Slot/s1"]["status"] == "free"
    assert server.writes == ["PATCH Slot/s1", "POST Appointment", "PATCH Slot/s1"]


@pytest.mark.asyncio
async def test_busy_slot_is_a_version_conflict_and_nothing_is_written():
    full = capability(["read", "create", "patch"], ["read", "patch"], ["create"])
    server = seeded(FakeFhirServer(full), slot_status="busy")
    async with gateway_for(server) as gateway:
        with pytest.raises(VersionConflict):
            await gateway.book("p1", "s1")
    assert server.writes == []


@pytest.mark.asyncio
async def test_an_ehr_without_json_patch_gets_the_changed_resources_put_back_whole():
    """Book then cancel where the EHR takes updates but no JSON Patch: the Slot and the
    Appointment go back whole by PUT (If-Match on the version read), with the changed fields."""
    no_patch = capability(["read", "create", "update"], ["read", "update"], ["create"])
    server = seeded(FakeFhirServer(no_patch))
    server.put(
        {"resourceType": "Practitioner", "id": "dr1", "name": [{"family": "Patel", "given": ["Priya"]}]}
    )
    async with gateway_for(server) as gateway:
        booked = await gateway.book("p1", "s1")
        assert server.store["Slot/s1"]["status"] == "busy"
        await gateway.cancel(booked.id)
    appointment = server.store[f"Appointment/{booked.id}"]
    assert appointment["status"] == "cancelled"
    assert appointment["cancelationReason"] == {"text": "Cancelled by patient via Frontdesk"}
    assert appointment["slot"] == [{"reference": "Slot/s1"}]  # the rest of it kept
    assert server.store["Slot/s1"]["status"] == "free"
    assert server.store["Slot/s1"]["start"] in ("2026-12-01T14:00:00Z", "2026-12-01T14:00:00+00:00")
    assert server.writes == [
        "PUT Slot/s1",
        "POST Appointment",
        f"PUT Appointment/{booked.id}",
        "PUT Slot/s1",
    ]
