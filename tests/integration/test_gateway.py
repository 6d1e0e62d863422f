"""Every gateway operation against the real sandbox EHR, checked against the generated data."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import httpx
import pytest
import pytest_asyncio

from actions.ehr import EHRSettings, FhirGateway, NotFound, VersionConflict
from actions.ehr.phones import to_e164

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]

ZONE = "America/New_York"


@pytest_asyncio.fixture
async def gateway(sandbox):
    async with FhirGateway(EHRSettings(base_url=sandbox.base_url, clinic_timezone=ZONE)) as gateway:
        yield gateway


async def test_capabilities_of_the_sandbox(gateway):
    caps = await gateway.capabilities()
    assert caps.fhir_version and caps.fhir_version.startswith("4.0")
    assert caps.can_book and caps.can_cancel and caps.can_request_refill
    assert caps.supports_patch and caps.supports_transaction
    assert {"Patient", "Appointment", "Slot", "Task"} <= caps.resource_types


# -- finding patients ---------------------------------------------------------


async def test_phone_search_finds_every_stored_format(gateway, sandbox):
    cases = sandbox.case("phone_formats")
    assert len({c.phone_format for c in cases}) >= 4
    for info in cases:
        typed = info.phone_e164[2:]  # as a patient types it: ten bare digits
        found = await gateway.find_patients_by_phone(typed)
        assert info.id in [p.id for p in found], info.phone_format


async def test_phone_search_by_sms_sender_in_e164(gateway, sandbox):
    info = sandbox.patient("demo")
    found = await gateway.find_patients_by_phone(to_e164(info.phone))
    assert [p.id for p in found] == [info.id]
    patient = found[0]
    assert (patient.given_name, patient.family_name) == (info.given, info.family)
    assert patient.birth_date == date.fromisoformat(info.birth_date)
    assert patient.mrn == info.mrn
    assert patient.general_practitioner_id == info.general_practitioner_id


async def test_family_sharing_a_phone_returns_both(gateway, sandbox):
    family = sandbox.case("family")
    assert len({f.phone_e164 for f in family}) == 1
    found = await gateway.find_patients_by_phone(family[0].phone_e164)
    assert {f.id for f in family} <= {p.id for p in found}


async def test_unknown_or_garbage_number_finds_no_one(gateway):
    assert await gateway.find_patients_by_phone("not a number") == []
    assert await gateway.find_patients_by_phone("+1 900 555 0000") == []


@pytest.mark.parametrize("case", ["accented", "apostrophe", "hyphenated", "demo"])
async def test_name_and_birth_date_match_however_typed(gateway, sandbox, case):
    for info in sandbox.case(case):
        plain_given = info.given.split()[0].lower()
        found = await gateway.find_patients_by_name_and_birth_date(
            plain_given, info.family.upper(), date.fromisoformat(info.birth_date)
        )
        assert [p.id for p in found] == [info.id]


async def test_accents_dropped_by_the_patient_still_match(gateway, sandbox):
    import unicodedata

    def strip(text: str) -> str:
        return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))

    for info in sandbox.case("accented"):
        found = await gateway.find_patients_by_name_and_birth_date(
            strip(info.given.split()[0]), strip(info.family), date.fromisoformat(info.birth_date)
        )
        assert [p.id for p in found] == [info.id]


async def test_wrong_birth_date_finds_no_one(gateway, sandbox):
    info = sandbox.patient("demo")
    wrong = date.fromisoformat(info.birth_date) + timedelta(days=1)
    assert await gateway.find_patients_by_name_and_birth_date(info.given, info.family, wrong) == []


async def test_mrn_lookup(gateway, sandbox):
    info = sandbox.patient("demo")
    patient = await gateway.find_patient_by_mrn(info.mrn)
    assert patient is not None and patient.id == info.id
    assert await gateway.find_patient_by_mrn("NO-SUCH-MRN") is None


async def test_ssn_last_four_and_postal_code_are_read(gateway, sandbox):
    info = sandbox.patient("with_ssn")
    patient = await gateway.get_patient(info.id)
    assert patient.ssn_last4 == info.ssn[-4:]
    assert patient.postal_code == info.postal_code


async def test_deceased_and_minor_are_recognisable(gateway, sandbox):
    deceased = await gateway.get_patient(sandbox.patient("deceased").id)
    assert deceased.deceased
    minor = await gateway.get_patient(sandbox.patient("minor").id)
    assert minor.age_on(date.today()) < 18


async def test_unknown_patient_id_is_not_found(gateway):
    with pytest.raises(NotFound):
        await gateway.get_patient("00000000-0000-0000-0000-000000000000")


# -- scheduling -----------------------------------------------------------------


async def test_upcoming_appointments_in_the_clinic_zone(gateway, sandbox):
    info = sandbox.patient("demo")
    appointments = await gateway.upcoming_appointments(info.id)
    assert [a.id for a in appointments] == info.upcoming_appointments
    first = appointments[0]
    assert str(first.start.tzinfo) == ZONE
    assert first.start > datetime.now(timezone.utc)
    assert first.clinician is not None and first.clinician.name
    assert first.location is not None and first.location.name and first.location.address
    assert first.status == "booked"
    assert first.visit_type in ("new-patient", "follow-up", "annual-physical", "sick-visit", "telehealth")


async def test_no_appointments(gateway, sandbox):
    assert await gateway.upcoming_appointments(sandbox.patient("no_appointments").id) == []


async def test_free_slots_are_free_sorted_and_in_range(gateway):
    start = datetime.now(timezone.utc) + timedelta(days=3)
    end = start + timedelta(days=7)
    slots = await gateway.free_slots(start=start, end=end, limit=15)
    assert len(slots) == 15
    assert [s.start for s in slots] == sorted(s.start for s in slots)
    for slot in slots:
        assert start <= slot.start < end
        assert str(slot.start.tzinfo) == ZONE
        assert 8 <= slot.start.hour < 17 and slot.start.weekday() < 5
        assert slot.clinician is not None and slot.location is not None


async def test_free_slots_for_one_clinician(gateway, sandbox):
    info = sandbox.patient("demo")
    start = datetime.now(timezone.utc) + timedelta(days=1)
    slots = await gateway.free_slots(
        start=start, end=start + timedelta(days=14), clinician_id=info.general_practitioner_id
    )
    assert slots
    assert {s.clinician.id for s in slots} == {info.general_practitioner_id}


async def _a_free_slot(gateway, days_ahead: int):
    start = datetime.now(timezone.utc) + timedelta(days=days_ahead)
    slots = await gateway.free_slots(start=start, end=start + timedelta(days=5), limit=1)
    assert slots
    return slots[0]


async def test_book_then_cancel_frees_the_slot(gateway, sandbox):
    patient = sandbox.patient("no_appointments")
    slot = await _a_free_slot(gateway, 20)
    booked = await gateway.book(patient.id, slot.id)
    assert booked.status == "booked" and booked.start == slot.start
    assert slot.id in booked.slot_ids
    assert [a.id for a in await gateway.upcoming_appointments(patient.id)] == [booked.id]
    with pytest.raises(VersionConflict):
        await gateway.book(sandbox.patient("demo").id, slot.id)

    cancelled = await gateway.cancel(booked.id)
    assert cancelled.status == "cancelled"
    assert await gateway.upcoming_appointments(patient.id) == []
    again = await gateway.free_slots(start=slot.start, end=slot.end, limit=50)
    assert slot.id in [s.id for s in again]


async def test_two_patients_racing_for_one_slot_one_wins(gateway, sandbox):
    slot = await _a_free_slot(gateway, 30)
    first, second = sandbox.patient("no_medications"), sandbox.patient("no_balance")
    results = await asyncio.gather(
        gateway.book(first.id, slot.id), gateway.book(second.id, slot.id), return_exceptions=True
    )
    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1 and len(losers) == 1
    assert isinstance(losers[0], VersionConflict)
    await gateway.cancel(winners[0].id)


# -- billing ---------------------------------------------------------------------


async def test_balance_statement_payment_and_coverage(gateway, sandbox):
    info = sandbox.patient("demo")
    balance = await gateway.outstanding_balance(info.id)
    assert balance is not None and balance.due.amount == info.balance
    assert balance.due.amount > 0
    statement = await gateway.last_statement(info.id)
    assert statement is not None and statement.id == info.statements[-1]
    payment = await gateway.last_payment(info.id)
    assert payment is not None and payment.id == info.payments[-1]
    coverage = await gateway.coverage(info.id)
    assert [(c.payor, c.plan) for c in coverage] == [(info.insurer, info.plan)]
    assert coverage[0].member_id_last4 == info.subscriber_id[-4:]


async def test_no_balance(gateway, sandbox):
    info = sandbox.patient("no_balance")
    balance = await gateway.outstanding_balance(info.id)
    assert balance is None or balance.due.amount == Decimal(0)


# -- prescriptions -----------------------------------------------------------------


async def test_active_medications_with_refills(gateway, sandbox):
    info = sandbox.patient("demo")
    meds = await gateway.active_medications(info.id)
    expected = {m.id: m for m in info.active_medications}
    assert {m.id for m in meds} == set(expected)
    for med in meds:
        assert med.name == expected[med.id].display
        assert med.refills_left == expected[med.id].refills_remaining
        assert med.controlled == bool(expected[med.id].controlled)


async def test_no_refills_and_controlled_substance_are_flagged(gateway, sandbox):
    no_refills = await gateway.active_medications(sandbox.patient("no_refills").id)
    assert any(m.refills_left == 0 for m in no_refills)
    controlled = await gateway.active_medications(sandbox.patient("controlled").id)
    assert any(m.controlled for m in controlled)


async def test_no_medications(gateway, sandbox):
    assert await gateway.active_medications(sandbox.patient("no_medications").id) == []


async def test_refill_request_is_a_task_focused_on_the_prescription(gateway, sandbox):
    info = sandbox.patient("demo")
    med = next(m for m in info.active_medications if m.refills_remaining > 0 and not m.controlled)
    pharmacies = await gateway.pharmacies()
    assert info.pharmacy_id in [p.id for p in pharmacies]
    request = await gateway.request_refill(info.id, med.id, pharmacy_id=info.pharmacy_id)
    assert request.status == "requested"
    async with httpx.AsyncClient() as raw:
        task = (await raw.get(f"{sandbox.base_url}/Task/{request.task_id}")).json()
    assert task["focus"]["reference"] == f"MedicationRequest/{med.id}"
    assert task["for"]["reference"] == f"Patient/{info.id}"
    assert task["input"][0]["valueReference"]["reference"] == f"Organization/{info.pharmacy_id}"


async def test_refill_of_someone_elses_prescription_is_refused(gateway, sandbox):
    demo_med = sandbox.patient("demo").active_medications[0]
    with pytest.raises(NotFound):
        await gateway.request_refill(sandbox.patient("no_medications").id, demo_med.id)


# -- clinical summary ---------------------------------------------------------------


async def test_conditions_and_allergies(gateway, sandbox):
    info = sandbox.patient("demo")
    conditions = await gateway.active_conditions(info.id)
    assert sorted(c.name for c in conditions) == sorted(info.conditions)
    allergies = await gateway.allergies(info.id)
    assert sorted(a.substance for a in allergies) == sorted(info.allergies)
