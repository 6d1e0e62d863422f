"""An in-memory EHR gateway for unit tests of actions. Fakes belong in unit tests only.

It implements ``actions.ehr.EHRGateway`` over plain lists and dicts. Set ``fail_with`` to an
EHRError to make every call raise it (an EHR that is down), or ``capabilities_`` to a read-only
``Capabilities`` to see writes refused. ``calls`` records what was called, in order.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from actions.ehr import (
    Allergy,
    Appointment,
    Balance,
    CallbackRequest,
    Capabilities,
    Condition,
    CoverageInfo,
    EHRError,
    Medication,
    NotFound,
    NotSupported,
    Patient,
    Payment,
    Pharmacy,
    RefillRequest,
    Slot,
    Statement,
    VersionConflict,
)
from actions.ehr.patients import names_match
from actions.ehr.phones import to_e164

FULL = Capabilities(
    fhir_version="4.0.1",
    can_book=True,
    can_cancel=True,
    can_request_refill=True,
    supports_patch=True,
    supports_transaction=True,
)
READ_ONLY = replace(FULL, can_book=False, can_cancel=False, can_request_refill=False)


@dataclass
class FakeGateway:
    patients: list[Patient] = field(default_factory=list)
    appointments: dict[str, list[Appointment]] = field(default_factory=dict)  # by patient id
    slots: list[Slot] = field(default_factory=list)  # free ones
    balances: dict[str, Balance] = field(default_factory=dict)
    statements: dict[str, Statement] = field(default_factory=dict)
    payments: dict[str, Payment] = field(default_factory=dict)
    coverages: dict[str, list[CoverageInfo]] = field(default_factory=dict)
    medications: dict[str, list[Medication]] = field(default_factory=dict)
    pharmacy_list: list[Pharmacy] = field(default_factory=list)
    conditions: dict[str, list[Condition]] = field(default_factory=dict)
    allergy_list: dict[str, list[Allergy]] = field(default_factory=dict)
    refills: list[RefillRequest] = field(default_factory=list)
    callbacks: list[tuple[str, str, str, str]] = field(default_factory=list)  # patient, reason, texts
    confirmed: set[tuple[str, str]] = field(default_factory=set)  # (appointment id, patient id)
    capabilities_: Capabilities = FULL
    fail_with: EHRError | None = None
    calls: list[str] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def _call(self, name: str) -> None:
        self.calls.append(name)
        if self.fail_with is not None:
            raise self.fail_with

    async def capabilities(self) -> Capabilities:
        self._call("capabilities")
        return self.capabilities_

    async def find_patients_by_phone(self, phone: str) -> list[Patient]:
        self._call("find_patients_by_phone")
        wanted = to_e164(phone)
        return [p for p in self.patients if wanted and wanted in p.phones]

    async def find_patients_by_name_and_birth_date(
        self, given: str, family: str, birth_date: date
    ) -> list[Patient]:
        self._call("find_patients_by_name_and_birth_date")
        return [p for p in self.patients if p.birth_date == birth_date and names_match(p, given, family)]

    async def find_patient_by_mrn(self, mrn: str) -> Patient | None:
        self._call("find_patient_by_mrn")
        return next((p for p in self.patients if p.mrn == mrn), None)

    async def get_patient(self, patient_id: str) -> Patient:
        self._call("get_patient")
        for patient in self.patients:
            if patient.id == patient_id:
                return patient
        raise NotFound("Patient")

    async def upcoming_appointments(self, patient_id: str, *, limit: int = 10) -> list[Appointment]:
        self._call("upcoming_appointments")
        booked = [a for a in self.appointments.get(patient_id, []) if a.status == "booked"]
        return sorted(booked, key=lambda a: a.start)[:limit]

    async def free_slots(
        self,
        *,
        start: datetime,
        end: datetime,
        visit_type: str | None = None,
        clinician_id: str | None = None,
        limit: int = 10,
    ) -> list[Slot]:
        self._call("free_slots")
        found = [
            s
            for s in self.slots
            if start <= s.start < end
            and (visit_type is None or visit_type in s.visit_types)
            and (clinician_id is None or (s.clinician is not None and s.clinician.id == clinician_id))
        ]
        return sorted(found, key=lambda s: s.start)[:limit]

    async def book(self, patient_id: str, slot_id: str, *, visit_type: str | None = None) -> Appointment:
        self._call("book")
        if not self.capabilities_.can_book:
            raise NotSupported("book")
        slot = next((s for s in self.slots if s.id == slot_id), None)
        if slot is None:
            raise VersionConflict("Slot is no longer free")
        self.slots.remove(slot)
        appointment = Appointment(
            id=f"appt-{next(self._ids)}",
            start=slot.start,
            end=slot.end,
            status="booked",
            visit_type=visit_type,
            clinician=slot.clinician,
            location=slot.location,
            slot_ids=(slot.id,),
        )
        self.appointments.setdefault(patient_id, []).append(appointment)
        return appointment

    async def cancel(self, appointment_id: str, *, reason: str = "patient") -> Appointment:
        self._call("cancel")
        if not self.capabilities_.can_cancel:
            raise NotSupported("cancel")
        for booked in self.appointments.values():
            for index, appointment in enumerate(booked):
                if appointment.id == appointment_id:
                    booked[index] = replace(appointment, status="cancelled")
                    return booked[index]
        raise NotFound("Appointment")

    async def confirm_attendance(self, appointment_id: str, patient_id: str) -> None:
        self._call("confirm_attendance")
        if not self.capabilities_.can_cancel:
            raise NotSupported("confirm_attendance")
        if not any(a.id == appointment_id for a in self.appointments.get(patient_id, [])):
            raise NotFound("Appointment")
        self.confirmed.add((appointment_id, patient_id))

    async def outstanding_balance(self, patient_id: str) -> Balance | None:
        self._call("outstanding_balance")
        return self.balances.get(patient_id)

    async def last_statement(self, patient_id: str) -> Statement | None:
        self._call("last_statement")
        return self.statements.get(patient_id)

    async def last_payment(self, patient_id: str) -> Payment | None:
        self._call("last_payment")
        return self.payments.get(patient_id)

    async def coverage(self, patient_id: str) -> list[CoverageInfo]:
        self._call("coverage")
        return self.coverages.get(patient_id, [])

    async def active_medications(self, patient_id: str) -> list[Medication]:
        self._call("active_medications")
        return self.medications.get(patient_id, [])

    async def pharmacies(self) -> list[Pharmacy]:
        self._call("pharmacies")
        return self.pharmacy_list

    async def request_refill(
        self, patient_id: str, medication_id: str, *, pharmacy_id: str | None = None
    ) -> RefillRequest:
        self._call("request_refill")
        if not self.capabilities_.can_request_refill:
            raise NotSupported("refill")
        if medication_id not in {m.id for m in self.medications.get(patient_id, [])}:
            raise NotFound("MedicationRequest")
        request = RefillRequest(
            task_id=f"task-{next(self._ids)}", medication_id=medication_id, status="requested"
        )
        self.refills.append(request)
        return request

    async def request_callback(
        self, patient_id: str, *, reason: str, reason_text: str, description: str
    ) -> CallbackRequest:
        self._call("request_callback")
        if not self.capabilities_.can_request_refill:  # creating a Task, as a refill request
            raise NotSupported("task")
        request = CallbackRequest(task_id=f"task-{next(self._ids)}", status="requested")
        self.callbacks.append((patient_id, reason, reason_text, description))
        return request

    async def active_conditions(self, patient_id: str) -> list[Condition]:
        self._call("active_conditions")
        return self.conditions.get(patient_id, [])

    async def allergies(self, patient_id: str) -> list[Allergy]:
        self._call("allergies")
        return self.allergy_list.get(patient_id, [])
