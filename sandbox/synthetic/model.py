"""Plain data the generator works from (PatientPlan) and hands out (PatientInfo, MedicationInfo)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass
class PatientPlan:
    """Every decision about one patient, made before any resource is written."""

    key: str  # stable key the ids derive from, e.g. "case/demo/0" or "random/17"
    case: str | None
    given: str
    family: str
    gender: str
    birth_date: dt.date
    phone: tuple[str, int, str] | None  # (area code, line 100-199, storage format)
    phone_use: str = "mobile"
    email: str | None = None
    ssn: str | None = None
    mrn: str = ""
    address: tuple[str, str, str] = ("", "", "")  # line, city, ZIP
    language: str = "en"
    deceased: dt.date | None = None
    gp: str = ""  # practitioner key
    pharmacy: str | None = None  # pharmacy key
    insurance: tuple[str, int] | None = None  # (insurer key, plan index)
    guardian: tuple[str, str, str] | None = None  # (given, family, phone as stored) for minors
    # content profile, read by the topic modules
    conditions: list[tuple[str, bool]] = field(default_factory=list)  # (condition key, active?)
    medication_overrides: dict[str, dict] = field(default_factory=dict)  # med key -> fields
    extra_meds: list[str] = field(default_factory=list)  # med keys prescribed without a condition
    allergies: list[str] | str | None = None  # list of allergy keys, "nka", or None (nothing recorded)
    past_visits: int = 0
    future_visits: int = 0
    future_types: list[str] = field(default_factory=list)  # forced visit types for future visits
    future_cancelled: int = 0
    billing: str = "never"  # "open", "paid" or "never"
    open_amount_cents: int = 0
    paid_statements: int = 0


@dataclass
class MedicationInfo:
    id: str
    display: str
    rxnorm: str
    status: str
    refills_authorized: int
    refills_remaining: int
    controlled: str | None  # DEA schedule code, e.g. "CII", or None


@dataclass
class PatientInfo:
    """What a test or a demo needs to know about one synthetic patient."""

    id: str
    key: str
    case: str | None
    given: str
    family: str
    gender: str
    birth_date: str
    phone: str | None  # exactly as stored in Patient.telecom
    phone_e164: str | None
    phone_format: str | None  # paren, dashes, e164, digits or dots
    email: str | None
    mrn: str
    ssn: str | None
    address_line: str
    city: str
    postal_code: str
    language: str
    deceased: str | None
    general_practitioner_id: str
    general_practitioner: str
    pharmacy_id: str | None = None
    pharmacy: str | None = None
    account_id: str = ""
    balance_cents: int = 0
    coverage_id: str | None = None
    insurer: str | None = None
    plan: str | None = None
    subscriber_id: str | None = None
    upcoming_appointments: list[str] = field(default_factory=list)  # booked, in the future, soonest first
    cancelled_appointments: list[str] = field(default_factory=list)
    past_appointments: list[str] = field(default_factory=list)
    statements: list[str] = field(default_factory=list)  # Invoice ids, oldest first
    open_statement: str | None = None
    payments: list[str] = field(default_factory=list)
    medications: list[MedicationInfo] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)  # displays of active conditions
    allergies: list[str] = field(
        default_factory=list
    )  # displays; empty with no_known_allergies or none recorded
    no_known_allergies: bool = False
    billing_text_consent: bool = False  # an active Consent to billing texts

    @property
    def name(self) -> str:
        return f"{self.given} {self.family}"

    @property
    def balance(self) -> Decimal:
        return Decimal(self.balance_cents) / 100

    @property
    def ssn_last4(self) -> str | None:
        return self.ssn[-4:] if self.ssn else None

    @property
    def active_medications(self) -> list[MedicationInfo]:
        return [m for m in self.medications if m.status == "active"]

    def age(self, on: dt.date) -> int:
        born = dt.date.fromisoformat(self.birth_date)
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
