"""The small typed objects the gateway returns: the assistant's view of the record.

They hold only what the assistant says or acts on. Fields that identify a
person are left out of ``repr()`` so that an object printed into a log or an
exception message names no one; the FHIR id is kept, being an opaque key.
Datetimes are timezone-aware and already converted to the clinic's zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True)
class Patient:
    id: str
    given_name: str = field(repr=False)
    family_name: str = field(repr=False)
    birth_date: date | None = field(repr=False)
    phones: tuple[str, ...] = field(default=(), repr=False)  # E.164 where parseable
    mrn: str | None = field(default=None, repr=False)
    postal_code: str | None = field(default=None, repr=False)
    ssn_last4: str | None = field(default=None, repr=False)
    deceased: bool = False
    language: str | None = None
    general_practitioner_id: str | None = None  # their usual clinician (a Practitioner id)

    def age_on(self, day: date) -> int | None:
        """Whole years of age on ``day``, or None when the birth date is unknown."""
        if self.birth_date is None:
            return None
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@dataclass(frozen=True)
class Clinician:
    id: str
    name: str


@dataclass(frozen=True)
class Place:
    id: str
    name: str
    address: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class Appointment:
    id: str
    start: datetime
    end: datetime
    status: str
    visit_type: str | None = None  # the clinic's visit-type code where the EHR gives one, else its text
    clinician: Clinician | None = None
    location: Place | None = None
    instructions: str | None = field(default=None, repr=False)
    slot_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Slot:
    id: str
    start: datetime
    end: datetime
    schedule_id: str
    clinician: Clinician | None = None
    location: Place | None = None
    visit_types: tuple[str, ...] = ()


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str = "USD"

    def __str__(self) -> str:
        symbol = "$" if self.currency == "USD" else f"{self.currency} "
        return f"{symbol}{self.amount:,.2f}"


@dataclass(frozen=True)
class Balance:
    account_id: str
    due: Money


@dataclass(frozen=True)
class Statement:
    id: str
    date: date
    amount: Money
    paid: bool


@dataclass(frozen=True)
class Payment:
    id: str
    date: date
    amount: Money


@dataclass(frozen=True)
class CoverageInfo:
    id: str
    payor: str
    plan: str | None = None
    member_id_last4: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Pharmacy:
    id: str
    name: str
    address: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class Medication:
    id: str  # the MedicationRequest id
    name: str
    status: str
    refills_left: int | None
    controlled: bool = False
    prescriber: Clinician | None = None
    pharmacy_id: str | None = None
    instructions: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class RefillRequest:
    task_id: str
    medication_id: str
    status: str


@dataclass(frozen=True)
class Condition:
    id: str
    name: str
    clinical_status: str


@dataclass(frozen=True)
class Allergy:
    id: str
    substance: str
    criticality: str | None = None
    reactions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Capabilities:
    """What the EHR lets us do over its API, read from its CapabilityStatement."""

    fhir_version: str | None
    can_book: bool
    can_cancel: bool
    can_request_refill: bool
    supports_patch: bool
    supports_transaction: bool
    resource_types: frozenset[str] = frozenset()


@dataclass(frozen=True)
class DueAppointment:
    """A booked appointment seen from the reminder job: when, whose, and where to text them.

    ``mobile`` is the patient's mobile number (E.164) when the record has one; reminders go to
    mobile numbers only, since a text to a landline is lost."""

    id: str
    start: datetime
    patient_id: str
    mobile: str | None = field(default=None, repr=False)
    patient_status: str | None = None  # the patient participant's status: needs-action, accepted, ...
    minor: bool = False
    deceased: bool = False
