"""The operations the assistant needs from an EHR, and nothing more.

Actions depend on this protocol, not on FHIR: the FHIR implementation lives in
``gateway.py`` and unit tests pass a fake. Every method raises only the
errors of ``errors.py``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

from .callbacks import CallbackRequest
from .domain import (
    Allergy,
    Appointment,
    Balance,
    Capabilities,
    Condition,
    CoverageInfo,
    Medication,
    Patient,
    Payment,
    Pharmacy,
    RefillRequest,
    Slot,
    Statement,
)


class EHRGateway(Protocol):
    async def capabilities(self) -> Capabilities:
        """What this EHR allows over its API (read once, then cached)."""

    # -- finding a patient; callers decide what counts as verified --
    async def find_patients_by_phone(self, phone: str) -> list[Patient]:
        """Every patient with this number on file, however the EHR stored it."""

    async def find_patients_by_name_and_birth_date(
        self, given: str, family: str, birth_date: date
    ) -> list[Patient]:
        """Patients born that day whose name matches, ignoring case, accents and punctuation."""

    async def find_patient_by_mrn(self, mrn: str) -> Patient | None:
        """The patient with this medical record number, or None."""

    async def get_patient(self, patient_id: str) -> Patient:
        """One patient by FHIR id; NotFound if there is none."""

    # -- scheduling --
    async def upcoming_appointments(self, patient_id: str, *, limit: int = 10) -> list[Appointment]:
        """Booked appointments from now on, soonest first."""

    async def free_slots(
        self,
        *,
        start: datetime,
        end: datetime,
        visit_type: str | None = None,
        clinician_id: str | None = None,
        limit: int = 10,
    ) -> list[Slot]:
        """Free slots starting in [start, end), soonest first."""

    async def book(self, patient_id: str, slot_id: str, *, visit_type: str | None = None) -> Appointment:
        """Book the slot for the patient; VersionConflict if it was taken meanwhile."""

    async def cancel(self, appointment_id: str, *, reason: str = "patient") -> Appointment:
        """Cancel the appointment and free its slot."""

    async def confirm_attendance(self, appointment_id: str, patient_id: str) -> None:
        """The patient will come: their participation becomes accepted. NotFound when the
        patient is not on that appointment."""

    # -- billing --
    async def outstanding_balance(self, patient_id: str) -> Balance | None:
        """What the patient owes now, or None when they have no billing account."""

    async def last_statement(self, patient_id: str) -> Statement | None:
        """The most recent statement."""

    async def last_payment(self, patient_id: str) -> Payment | None:
        """The most recent payment received."""

    async def coverage(self, patient_id: str) -> list[CoverageInfo]:
        """Active insurance on file."""

    # -- prescriptions --
    async def active_medications(self, patient_id: str) -> list[Medication]:
        """Active prescriptions with refills left where known."""

    async def pharmacies(self) -> list[Pharmacy]:
        """Pharmacies a refill can be sent to."""

    async def request_refill(
        self, patient_id: str, medication_id: str, *, pharmacy_id: str | None = None
    ) -> RefillRequest:
        """File a refill request (a Task focused on the MedicationRequest)."""

    # -- callbacks --
    async def request_callback(
        self, patient_id: str, *, reason: str, reason_text: str, description: str
    ) -> CallbackRequest:
        """File a callback request for the patient (a Task for staff; actions/ehr/callbacks.py)."""

    # -- clinical summary --
    async def active_conditions(self, patient_id: str) -> list[Condition]:
        """Active problems on the patient's list."""

    async def allergies(self, patient_id: str) -> list[Allergy]:
        """Recorded allergies and intolerances."""
