"""Shared helpers: deterministic ids and random streams, code systems, FHIR datatype builders."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Any
from zoneinfo import ZoneInfo

# --- Systems and URLs of the sandbox's own conventions (documented in docs/sandbox.md) -------------

BASE = "https://frontdesk.dev"
MRN_SYSTEM = f"{BASE}/sandbox/mrn"
PROVIDER_ID_SYSTEM = f"{BASE}/sandbox/provider-id"
VISIT_TYPE_SYSTEM = f"{BASE}/fhir/CodeSystem/visit-type"
INVOICE_KIND_SYSTEM = f"{BASE}/fhir/CodeSystem/invoice-kind"
MED_CATEGORY_SYSTEM = f"{BASE}/fhir/CodeSystem/medication-request-category"
DEA_SCHEDULE_SYSTEM = f"{BASE}/fhir/CodeSystem/dea-schedule"
ACCOUNT_BALANCE_EXT = f"{BASE}/fhir/StructureDefinition/account-balance"
REFILLS_REMAINING_EXT = f"{BASE}/fhir/StructureDefinition/refills-remaining"
CONTROLLED_SUBSTANCE_EXT = f"{BASE}/fhir/StructureDefinition/controlled-substance"
PREFERRED_PHARMACY_EXT = f"{BASE}/fhir/StructureDefinition/preferred-pharmacy"
TIMEZONE_EXT = "http://hl7.org/fhir/StructureDefinition/timezone"

SSN_SYSTEM = "http://hl7.org/fhir/sid/us-ssn"
SNOMED = "http://snomed.info/sct"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
NUCC = "http://nucc.org/provider-taxonomy"
UCUM = "http://unitsofmeasure.org"
BCP47 = "urn:ietf:bcp:47"
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
V2_0276 = "http://terminology.hl7.org/CodeSystem/v2-0276"
V3_ACTCODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
V3_ROLECODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
ORG_TYPE = "http://terminology.hl7.org/CodeSystem/organization-type"
PRACTITIONER_ROLE = "http://terminology.hl7.org/CodeSystem/practitioner-role"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VER = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
ALLERGY_VER = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
MEDREQ_CATEGORY = "http://terminology.hl7.org/CodeSystem/medicationrequest-category"
COVERAGE_CLASS = "http://terminology.hl7.org/CodeSystem/coverage-class"
SUBSCRIBER_RELATIONSHIP = "http://terminology.hl7.org/CodeSystem/subscriber-relationship"
CANCEL_REASON = "http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason"
ORDERABLE_DRUG_FORM = "http://terminology.hl7.org/CodeSystem/v3-orderableDrugForm"

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Ids:
    """Deterministic resource ids: uuid5 over a namespace derived from the seed."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"{BASE}/sandbox/synthetic/seed/{seed}")

    def make(self, resource_type: str, key: str) -> str:
        return str(uuid.uuid5(self.namespace, f"{resource_type}/{key}"))

    def rng(self, *parts: object) -> random.Random:
        """An independent random stream per topic, so one part of the data does not shift another."""
        return random.Random(":".join([str(self.seed), *map(str, parts)]))


def ref(resource_type: str, rid: str, display: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"reference": f"{resource_type}/{rid}"}
    if display:
        out["display"] = display
    return out


def coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    out = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def concept(system: str, code: str, display: str | None = None, text: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"coding": [coding(system, code, display)]}
    if text or display:
        out["text"] = text or display
    return out


def money(cents: int) -> dict[str, Any]:
    """FHIR Money in USD. Values are whole cents turned into a JSON number with at most 2 decimals."""
    value: float | int = cents // 100 if cents % 100 == 0 else round(cents / 100, 2)
    return {"value": value, "currency": "USD"}


def instant(moment: dt.datetime) -> str:
    """An aware datetime as a FHIR instant with the zone's UTC offset, e.g. 2026-12-01T09:30:00-05:00."""
    if moment.tzinfo is None:
        raise ValueError("instant() needs an aware datetime")
    return moment.isoformat(timespec="seconds")


def local(day: dt.date, hour: int, minute: int, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def age_on(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def weighted(rng: random.Random, options: list[tuple[Any, float]]) -> Any:
    values = [o for o, _ in options]
    weights = [w for _, w in options]
    return rng.choices(values, weights=weights, k=1)[0]
