"""Appointments and slots: what is booked, what is free, booking and cancelling.

Booking by REST marks the Slot busy with If-Match on the version we read, so
two patients can never take the same slot: the loser gets VersionConflict.
Only then is the Appointment created; if that fails the Slot is freed again.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from .client import FhirClient
from .directory import Directory
from .domain import Appointment, Slot
from .errors import EHRError, VersionConflict
from .fhir_values import (
    codeable_text,
    fhir_instant,
    in_zone,
    reference_id,
    reference_type,
)

log = logging.getLogger("frontdesk.ehr")

ACTIVE_APPOINTMENT = "booked,pending,arrived,checked-in"
VISIT_TYPE_SYSTEM = "https://frontdesk.dev/fhir/CodeSystem/visit-type"


def _actor_ids(participants: list[Any] | None, kind: str) -> list[str]:
    ids = []
    for participant in participants or []:
        actor = getattr(participant, "actor", participant)
        ident = reference_id(actor, kind)
        if ident:
            ids.append(ident)
    return ids


async def upcoming(
    client: FhirClient, directory: Directory, zone: ZoneInfo, patient_id: str, *, now: datetime, limit: int
) -> list[Appointment]:
    found = await client.search(
        "Appointment",
        {
            "patient": f"Patient/{patient_id}",
            "date": f"ge{fhir_instant(now)}",
            "status": ACTIVE_APPOINTMENT,
            "_sort": "date",
            "_count": str(limit),
        },
        limit=limit,
    )
    resources = [r for r in found if r.resource_type == "Appointment" and r.start is not None]
    resources.sort(key=lambda r: r.start)
    return await _to_appointments(directory, zone, resources)


async def _to_appointments(directory: Directory, zone: ZoneInfo, resources: list[Any]) -> list[Appointment]:
    clinician_ids = {i for r in resources for i in _actor_ids(r.participant, "Practitioner")}
    place_ids = {i for r in resources for i in _actor_ids(r.participant, "Location")}
    clinicians = await directory.clinicians(clinician_ids)
    places = await directory.places(place_ids)
    appointments = []
    for r in resources:
        who = _actor_ids(r.participant, "Practitioner")
        where = _actor_ids(r.participant, "Location")
        appointments.append(
            Appointment(
                id=r.id,
                start=in_zone(r.start, zone),
                end=in_zone(r.end or r.start, zone),
                status=r.status,
                visit_type=_visit_type(r),
                clinician=clinicians.get(who[0]) if who else None,
                location=places.get(where[0]) if where else None,
                instructions=r.patientInstruction,
                slot_ids=tuple(i for s in r.slot or [] if (i := reference_id(s, "Slot"))),
            )
        )
    return appointments


def _visit_type(appointment: Any) -> str | None:
    """The clinic's visit-type code from serviceType; else the best text the EHR gives."""
    concepts = [*(appointment.serviceType or []), appointment.appointmentType]
    for concept in concepts:
        for coding in getattr(concept, "coding", None) or []:
            if coding.system == VISIT_TYPE_SYSTEM and coding.code:
                return str(coding.code)
    for concept in concepts:
        text = codeable_text(concept)
        if text:
            return text
    return None


async def free(
    client: FhirClient,
    directory: Directory,
    zone: ZoneInfo,
    *,
    start: datetime,
    end: datetime,
    visit_type: str | None,
    clinician_id: str | None,
    limit: int,
) -> list[Slot]:
    schedule_query: dict[str, str] = {"active": "true"}
    if clinician_id:
        schedule_query["actor"] = f"Practitioner/{clinician_id}"
    if visit_type:
        schedule_query["service-type"] = visit_type
    schedules = [
        s for s in await client.search("Schedule", schedule_query, limit=200) if s.resource_type == "Schedule"
    ]
    if not schedules:
        return []
    by_id = {s.id: s for s in schedules}
    query = [
        ("schedule", ",".join(f"Schedule/{i}" for i in sorted(by_id))),
        ("status", "free"),
        ("start", f"ge{fhir_instant(start)}"),
        ("start", f"lt{fhir_instant(end)}"),
        ("_sort", "start"),
        ("_count", str(limit)),
    ]
    if visit_type:
        # A schedule may keep some of its slots for one kind of visit (video-only hours): the
        # slot's own service type decides, not just its schedule's.
        query.append(("service-type", visit_type))
    found = await client.search("Slot", query, limit=limit)
    slots = sorted((s for s in found if s.resource_type == "Slot"), key=lambda s: s.start)
    clinician_ids = {i for s in schedules for i in _actor_ids(s.actor, "Practitioner")}
    place_ids = {i for s in schedules for i in _actor_ids(s.actor, "Location")}
    clinicians = await directory.clinicians(clinician_ids)
    places = await directory.places(place_ids)
    result = []
    for slot in slots:
        schedule_id = reference_id(slot.schedule, "Schedule") or ""
        schedule = by_id.get(schedule_id)
        actors = schedule.actor if schedule else []
        who = _actor_ids(actors, "Practitioner")
        where = _actor_ids(actors, "Location")
        types = [codeable_text(c) for c in (schedule.serviceType if schedule else None) or []]
        result.append(
            Slot(
                id=slot.id,
                start=in_zone(slot.start, zone),
                end=in_zone(slot.end, zone),
                schedule_id=schedule_id,
                clinician=clinicians.get(who[0]) if who else None,
                location=places.get(where[0]) if where else None,
                visit_types=tuple(t for t in types if t),
            )
        )
    return result


async def book(
    client: FhirClient,
    directory: Directory,
    zone: ZoneInfo,
    patient_id: str,
    slot_id: str,
    *,
    visit_type: str | None,
    use_patch: bool,
) -> Appointment:
    slot = await client.read("Slot", slot_id)
    if slot.status != "free":
        raise VersionConflict("Slot is no longer free")
    await client.set_fields(slot, {"status": "busy"}, use_patch=use_patch)
    try:
        schedule = await client.read("Schedule", reference_id(slot.schedule, "Schedule") or "")
        participants: list[dict[str, Any]] = [
            {"actor": {"reference": f"Patient/{patient_id}"}, "status": "accepted"}
        ]
        for actor in schedule.actor or []:
            if reference_type(actor) in ("Practitioner", "Location"):
                participants.append({"actor": {"reference": actor.reference}, "status": "accepted"})
        appointment: dict[str, Any] = {
            "resourceType": "Appointment",
            "status": "booked",
            "start": slot.start.isoformat(),
            "end": slot.end.isoformat(),
            "slot": [{"reference": f"Slot/{slot_id}"}],
            "created": datetime.now(zone).isoformat(timespec="seconds"),
            "participant": participants,
        }
        concept = _visit_concept(visit_type, schedule)
        if concept:
            appointment["serviceType"] = [concept]
        created = await client.create(appointment)
    except EHRError:
        # Give the slot back: a half-finished booking must not leave it busy for no one.
        await _release_slot(client, slot_id, use_patch)
        raise
    return (await _to_appointments(directory, zone, [created]))[0]


def _visit_concept(visit_type: str | None, schedule: Any) -> dict[str, Any] | None:
    for concept in schedule.serviceType or []:
        for coding in concept.coding or []:
            if visit_type is None or coding.code == visit_type:
                return _as_json(concept)
    if visit_type:
        return {"coding": [{"system": VISIT_TYPE_SYSTEM, "code": visit_type}]}
    return None


async def cancel(
    client: FhirClient,
    directory: Directory,
    zone: ZoneInfo,
    appointment_id: str,
    *,
    reason: str,
    use_patch: bool,
) -> Appointment:
    current = await client.read("Appointment", appointment_id)
    if current.status != "cancelled":
        reason_concept = {"text": f"Cancelled by {reason} via Frontdesk"}
        current = await client.set_fields(
            current, {"status": "cancelled"}, {"cancelationReason": reason_concept}, use_patch=use_patch
        )
        for slot in current.slot or []:
            slot_id = reference_id(slot, "Slot")
            if slot_id:
                await _release_slot(client, slot_id, use_patch)
    return (await _to_appointments(directory, zone, [current]))[0]


async def _release_slot(client: FhirClient, slot_id: str, use_patch: bool) -> None:
    """Mark a slot free again; a failure is logged, not raised (the caller's outcome stands)."""
    try:
        slot = await client.read("Slot", slot_id)
        if slot.status != "free":
            await client.set_fields(slot, {"status": "free"}, use_patch=use_patch)
    except EHRError as exc:
        log.warning("could not free a slot after a change: %s", type(exc).__name__)


def _as_json(model: Any) -> dict[str, Any]:
    """A parsed model back to FHIR JSON, as fhir.resources serialises it."""
    data: dict[str, Any] = json.loads(model.json())
    return data
