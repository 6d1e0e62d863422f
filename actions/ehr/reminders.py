"""What the reminder job needs of the EHR: appointments starting in a window with where to text
each patient, the patient's confirmation of one, and who agreed to billing texts.

Patients are fetched in batches by ``_id`` (the sandbox, like many EHRs, refuses ``_include``).
A billing-text consent is an active FHIR Consent whose category carries
``BILLING_TEXT_CONSENT`` (docs/reminders.md shows one).
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from .client import FhirClient
from .domain import DueAppointment
from .errors import NotFound
from .fhir_values import fhir_instant, in_zone, reference_id
from .phones import to_e164

CONSENT_CATEGORY_SYSTEM = "https://frontdesk.dev/fhir/CodeSystem/consent-category"
BILLING_TEXT_CONSENT = (CONSENT_CATEGORY_SYSTEM, "billing-sms")
_BATCH = 50
_PAGE = 1000  # per page: with the client's page limit (EHR_MAX_PAGES, 20) at most 20,000 per search


async def appointments_starting(
    client: FhirClient, zone: ZoneInfo, start: datetime, end: datetime, *, today: date, limit: int
) -> list[DueAppointment]:
    """Booked appointments starting in [start, end), soonest first, with each patient's mobile."""
    query = [
        ("status", "booked"),
        ("date", f"ge{fhir_instant(start)}"),
        ("date", f"lt{fhir_instant(end)}"),
        ("_sort", "date"),
        ("_count", str(_PAGE)),
    ]
    found = [
        r for r in await client.search("Appointment", query, limit=limit) if r.resource_type == "Appointment"
    ]
    patient_of = {a.id: _patient_participant(a) for a in found}
    patients = await _patients(client, {p[0] for p in patient_of.values() if p})
    result = []
    for appointment in found:
        who = patient_of[appointment.id]
        if who is None or appointment.start is None:
            continue
        patient_id, status = who
        patient = patients.get(patient_id)
        result.append(
            DueAppointment(
                id=appointment.id,
                start=in_zone(appointment.start, zone),
                patient_id=patient_id,
                mobile=_mobile(patient) if patient is not None else None,
                patient_status=status,
                minor=_is_minor(patient, today) if patient is not None else False,
                deceased=_is_deceased(patient) if patient is not None else False,
            )
        )
    return sorted(result, key=lambda a: a.start)


async def confirm_attendance(
    client: FhirClient, appointment_id: str, patient_id: str, *, use_patch: bool
) -> None:
    """Mark the patient's participation in the appointment accepted (If-Match on the version read)."""
    current = await client.read("Appointment", appointment_id)
    for index, participant in enumerate(current.participant or []):
        if reference_id(participant.actor, "Patient") == patient_id:
            if participant.status == "accepted":
                return
            version = current.meta.versionId if current.meta else None
            if use_patch:
                operation = [{"op": "replace", "path": f"/participant/{index}/status", "value": "accepted"}]
                await client.patch("Appointment", appointment_id, operation, version_id=version)
            else:
                body: dict[str, Any] = json.loads(current.json())
                body["participant"][index]["status"] = "accepted"
                await client.update(body, version_id=version)
            return
    raise NotFound("the patient is not a participant of this appointment")


async def billing_text_consenters(client: FhirClient, *, limit: int) -> list[str]:
    """Ids of the patients with an active consent to billing text messages."""
    system, code = BILLING_TEXT_CONSENT
    query = {"status": "active", "category": f"{system}|{code}", "_count": str(_PAGE)}
    found = await client.search("Consent", query, limit=limit)
    ids = (reference_id(c.patient, "Patient") for c in found if c.resource_type == "Consent")
    return sorted({i for i in ids if i})


async def patient_mobiles(client: FhirClient, patient_ids: set[str], *, today: date) -> dict[str, str]:
    """The mobile number (E.164) of each adult, living patient among ``patient_ids`` that has one."""
    patients = await _patients(client, patient_ids)
    result = {}
    for patient_id, patient in patients.items():
        mobile = _mobile(patient)
        if mobile and not _is_minor(patient, today) and not _is_deceased(patient):
            result[patient_id] = mobile
    return result


def _patient_participant(appointment: Any) -> tuple[str, str | None] | None:
    for participant in appointment.participant or []:
        patient_id = reference_id(participant.actor, "Patient")
        if patient_id:
            return patient_id, participant.status
    return None


async def _patients(client: FhirClient, ids: set[str]) -> dict[str, Any]:
    ordered = sorted(ids)
    found: dict[str, Any] = {}
    for first in range(0, len(ordered), _BATCH):
        batch = ordered[first : first + _BATCH]
        for resource in await client.search("Patient", {"_id": ",".join(batch)}, limit=len(batch)):
            if resource.resource_type == "Patient":
                found[resource.id] = resource
    return found


def _mobile(patient: Any) -> str | None:
    for point in patient.telecom or []:
        if point.system == "phone" and point.use == "mobile" and point.value and not _ended(point.period):
            number = to_e164(point.value)
            if number:
                return number
    return None


def _ended(period: Any) -> bool:
    return period is not None and period.end is not None and period.end < datetime.now(timezone.utc)


def _is_minor(patient: Any, today: date) -> bool:
    born = patient.birthDate
    if born is None:
        return False
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return age < 18


def _is_deceased(patient: Any) -> bool:
    return bool(patient.deceasedBoolean) or patient.deceasedDateTime is not None
