"""The gateway's reminder operations against the real sandbox EHR, checked against its contents."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx
import pytest
import pytest_asyncio

from actions.ehr import EHRSettings, FhirGateway, NotFound
from actions.ehr.phones import to_e164

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]

ZONE = "America/New_York"


@pytest_asyncio.fixture
async def gateway(sandbox):
    async with FhirGateway(EHRSettings(base_url=sandbox.base_url, clinic_timezone=ZONE)) as gateway:
        yield gateway


def _read(sandbox, path: str) -> dict:
    response = httpx.get(f"{sandbox.base_url}/{path}", timeout=30)
    response.raise_for_status()
    return response.json()


async def test_appointments_starting_in_a_window_with_each_patients_mobile(gateway, sandbox):
    """Every booked appointment of the window and nothing else, each with its patient and the
    patient's mobile number exactly when the record has one (read back from the sandbox)."""
    now = datetime.now(timezone.utc)
    end = now + timedelta(hours=72)
    found = await gateway.appointments_starting(now, end)
    assert found and [a.start for a in found] == sorted(a.start for a in found)
    owner = {a: p for p in sandbox.dataset.patients for a in p.upcoming_appointments}
    expected = set()
    for appointment_id in owner:
        resource = _read(sandbox, f"Appointment/{appointment_id}")
        start = datetime.fromisoformat(resource["start"].replace("Z", "+00:00"))
        if resource["status"] == "booked" and now <= start < end:
            expected.add(appointment_id)
    assert {a.id for a in found} == expected
    for appointment in found[:40]:
        assert appointment.patient_id == owner[appointment.id].id
        patient = _read(sandbox, f"Patient/{appointment.patient_id}")
        mobiles = [
            t["value"]
            for t in patient.get("telecom", [])
            if t.get("use") == "mobile" and t["system"] == "phone"
        ]
        assert appointment.mobile == (to_e164(mobiles[0]) if mobiles else None)
        assert str(appointment.start.tzinfo) == ZONE


async def test_billing_text_consenters_are_exactly_the_consenting_patients(gateway, sandbox):
    consenting = {p.id for p in sandbox.dataset.patients if p.billing_text_consent}
    assert consenting and sandbox.patient("demo").id in consenting
    assert set(await gateway.billing_text_consenters()) == consenting


async def test_patient_mobiles_leave_out_minors_the_deceased_and_landlines(gateway, sandbox):
    today = datetime.now(timezone.utc).date()
    people = sandbox.dataset.patients[:120]
    mobiles = await gateway.patient_mobiles({p.id for p in people})
    for person in people:
        resource = _read(sandbox, f"Patient/{person.id}")
        uses = {t.get("use") for t in resource.get("telecom", []) if t["system"] == "phone"}
        should = "mobile" in uses and person.age(today) >= 18 and not person.deceased
        assert (person.id in mobiles) == should, person.case
        if should:
            assert mobiles[person.id] == person.phone_e164


async def test_confirming_attendance_marks_the_patient_accepted_once(gateway, sandbox):
    """Tried: a visit awaiting the patient's answer (accepted after), the same again (no new
    version), and a patient who is not on the appointment (NotFound, nothing changed)."""
    patient = sandbox.patient("demo")
    slots = await gateway.free_slots(
        start=datetime.now(timezone.utc) + timedelta(days=20),
        end=datetime.now(timezone.utc) + timedelta(days=40),
        limit=1,
    )
    booked = await gateway.book(patient.id, slots[0].id)
    resource = _read(sandbox, f"Appointment/{booked.id}")
    index = next(
        i for i, p in enumerate(resource["participant"]) if p["actor"]["reference"] == f"Patient/{patient.id}"
    )
    httpx.patch(
        f"{sandbox.base_url}/Appointment/{booked.id}",
        json=[{"op": "replace", "path": f"/participant/{index}/status", "value": "needs-action"}],
        headers={"Content-Type": "application/json-patch+json"},
        timeout=30,
    ).raise_for_status()
    try:
        await gateway.confirm_attendance(booked.id, patient.id)
        after = _read(sandbox, f"Appointment/{booked.id}")
        assert after["participant"][index]["status"] == "accepted"
        await gateway.confirm_attendance(booked.id, patient.id)
        assert _read(sandbox, f"Appointment/{booked.id}")["meta"]["versionId"] == after["meta"]["versionId"]
        with pytest.raises(NotFound):
            await gateway.confirm_attendance(booked.id, sandbox.dataset.patients[-1].id)
        assert _read(sandbox, f"Appointment/{booked.id}")["meta"]["versionId"] == after["meta"]["versionId"]
    finally:
        await gateway.cancel(booked.id)
