"""What an agent sees of a verified patient: who they are, links, and a short summary.

Fetched from the EHR (``actions.ehr.FhirGateway``) once, when the conversation enters the queue,
and held with the queue entry in memory only until the conversation ends. Nothing here is
fetched, or shown, for a patient who is not verified: the queue entry has no patient id then.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import quote

from actions.ehr import EHRError
from actions.ehr.domain import Allergy, Appointment, Condition, Medication, Patient
from settings.clinic import ClinicSettings

log = logging.getLogger("frontdesk.console")

UPCOMING_LIMIT = 5
EHR_TIMEOUT_SECONDS = 10.0


class RecordSource(Protocol):
    """What the console needs of the EHR (``actions.ehr.FhirGateway`` has it)."""

    async def get_patient(self, patient_id: str) -> Patient: ...
    async def upcoming_appointments(self, patient_id: str, *, limit: int = 10) -> list[Appointment]: ...
    async def active_medications(self, patient_id: str) -> list[Medication]: ...
    async def active_conditions(self, patient_id: str) -> list[Condition]: ...
    async def allergies(self, patient_id: str) -> list[Allergy]: ...


@dataclass(frozen=True)
class PatientContext:
    patient_reference: str  # "Patient/<id>": what the audit log records
    name: str | None = None
    mrn: str | None = None
    chart_url: str | None = None
    crm_url: str | None = None
    appointments: tuple[str, ...] = ()
    medications: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    allergies: tuple[str, ...] = ()
    problem: str | None = None  # why the summary is missing or partial, for the agent
    complete: bool = field(default=True)

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "mrn": self.mrn,
            "chart_url": self.chart_url,
            "crm_url": self.crm_url,
            "appointments": list(self.appointments),
            "medications": list(self.medications),
            "conditions": list(self.conditions),
            "allergies": list(self.allergies),
            "problem": self.problem,
        }


def fill(template: str | None, patient_id: str, mrn: str | None) -> str | None:
    """A clinic URL template with the patient's id and MRN, URL-quoted; None if it needs a missing MRN."""
    if not template:
        return None
    if "{mrn}" in template and not mrn:
        return None
    return template.format(patient_id=quote(patient_id, safe=""), mrn=quote(mrn or "", safe=""))


def describe_appointment(appointment: Appointment, clinic: ClinicSettings) -> str:
    start = appointment.start.astimezone(clinic.zone)
    parts = [f"{start:%a %Y-%m-%d %H:%M}", clinic.visit_label(appointment.visit_type)]
    if appointment.clinician is not None:
        parts.append(f"with {appointment.clinician.name}")
    if appointment.location is not None:
        parts.append(f"at {appointment.location.name}")
    return " ".join(parts)


def describe_allergy(allergy: Allergy) -> str:
    text = allergy.substance
    if allergy.reactions:
        text += f" ({', '.join(allergy.reactions)})"
    if allergy.criticality:
        text += f", criticality {allergy.criticality}"
    return text


async def fetch_context(source: RecordSource, patient_id: str, clinic: ClinicSettings) -> PatientContext:
    """The verified patient's context; an EHR failure gives what could be read, and says so."""
    reference = f"Patient/{patient_id}"
    try:
        patient = await asyncio.wait_for(source.get_patient(patient_id), EHR_TIMEOUT_SECONDS)
    except (EHRError, asyncio.TimeoutError) as error:
        log.warning("the console could not read a patient from the EHR: %s", type(error).__name__)
        return PatientContext(reference, problem="The record could not be read from the EHR.", complete=False)
    name = f"{patient.given_name} {patient.family_name}".strip()
    results = await asyncio.gather(
        asyncio.wait_for(source.upcoming_appointments(patient_id, limit=UPCOMING_LIMIT), EHR_TIMEOUT_SECONDS),
        asyncio.wait_for(source.active_medications(patient_id), EHR_TIMEOUT_SECONDS),
        asyncio.wait_for(source.active_conditions(patient_id), EHR_TIMEOUT_SECONDS),
        asyncio.wait_for(source.allergies(patient_id), EHR_TIMEOUT_SECONDS),
        return_exceptions=True,
    )
    failed = [r for r in results if isinstance(r, BaseException)]
    for failure in failed:
        if not isinstance(failure, (EHRError, asyncio.TimeoutError)):
            raise failure
        log.warning("part of a patient's summary could not be read: %s", type(failure).__name__)
    appointments = results[0] if isinstance(results[0], list) else []
    medications = results[1] if isinstance(results[1], list) else []
    conditions = results[2] if isinstance(results[2], list) else []
    allergies = results[3] if isinstance(results[3], list) else []
    return PatientContext(
        reference,
        name=name or None,
        mrn=patient.mrn,
        chart_url=fill(clinic.ehr_chart_url_template, patient_id, patient.mrn),
        crm_url=fill(clinic.crm_url_template, patient_id, patient.mrn),
        appointments=tuple(describe_appointment(a, clinic) for a in appointments),
        medications=tuple(m.name for m in medications),
        conditions=tuple(c.name for c in conditions),
        allergies=tuple(describe_allergy(a) for a in allergies),
        problem="Part of the summary could not be read from the EHR." if failed else None,
        complete=not failed,
    )
