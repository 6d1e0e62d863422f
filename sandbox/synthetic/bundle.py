"""generate(): the whole dataset, as FHIR R4 transaction Bundles in load order."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from .billing import account_resource, billing_resources, billing_text_consent, coverage_resource
from .cases import Cases, case_plans, group_cases, reserved_phones
from .clinic import Directory, build_directory
from .clinical import build_allergies, build_conditions
from .common import Ids, age_on
from .medications import build_medication_requests
from .model import PatientInfo, PatientPlan
from .names import phone_pool
from .patients import make_info, patient_resource, random_plan
from .scheduling import Scheduler

BUNDLE_SIZE = 400  # entries per transaction Bundle (a patient's resources never straddle two Bundles)
DEFAULT_PATIENTS = 500
DEFAULT_SEED = 20261128
DEFAULT_TIMEZONE = "America/New_York"


@dataclass
class Dataset:
    seed: int
    today: dt.date
    timezone: str
    bundles: list[dict[str, Any]]
    patients: list[PatientInfo]  # every patient, cases first
    cases: Cases
    directory: Directory = field(repr=False)

    def resources(self) -> Iterator[dict[str, Any]]:
        for bundle in self.bundles:
            for entry in bundle["entry"]:
                yield entry["resource"]

    def counts(self) -> dict[str, int]:
        """Number of resources of each type."""
        return dict(sorted(Counter(r["resourceType"] for r in self.resources()).items()))

    def patient(self, patient_id: str) -> PatientInfo:
        return next(p for p in self.patients if p.id == patient_id)

    def samples(self, n: int = 5) -> list[PatientInfo]:
        """Easy adult patients to try in the demo: the `demo` case first, then patients who are
        alive, adult, have a phone number and a name nobody else has, an upcoming appointment, a
        balance and an active medicine with refills left. Fewer than n if the dataset is small."""
        phones = Counter(p.phone_e164 for p in self.patients if p.phone_e164)
        names = Counter((p.given, p.family) for p in self.patients)
        chosen = list(self.cases["demo"])
        for p in self.patients:
            if len(chosen) >= n:
                break
            if p.case is not None:
                continue
            if (
                p.deceased is None
                and p.age(self.today) >= 18
                and p.phone_e164
                and phones[p.phone_e164] == 1
                and names[(p.given, p.family)] == 1
                and p.upcoming_appointments
                and p.balance_cents > 0
                and any(m.refills_remaining > 0 and not m.controlled for m in p.active_medications)
            ):
                chosen.append(p)
        return chosen[:n]

    def to_json(self) -> str:
        """The bundles as one JSON document (a list), byte-identical for the same seed and day."""
        return json.dumps(self.bundles, ensure_ascii=False, sort_keys=False, separators=(",", ":"))


def _transaction(entries: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"resource": r, "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}}
            for r in entries
        ],
    }


def _chunks(groups: list[list[dict[str, Any]]], size: int) -> list[list[dict[str, Any]]]:
    out: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    for group in groups:
        if current and len(current) + len(group) > size:
            out.append(current)
            current = []
        current.extend(group)
    if current:
        out.append(current)
    return out


def _assign_mrns(ids: Ids, plans: list[PatientPlan]) -> None:
    rng = ids.rng("mrn")
    used: set[str] = set()
    for plan in plans:
        while True:
            mrn = str(rng.randint(1_000_000, 9_999_999))
            if mrn not in used:
                used.add(mrn)
                plan.mrn = mrn
                break


def generate(
    patients: int = DEFAULT_PATIENTS,
    seed: int = DEFAULT_SEED,
    today: dt.date | None = None,
    timezone: str = DEFAULT_TIMEZONE,
) -> Dataset:
    """Make the synthetic dataset. Same seed and same `today` give byte-identical bundles."""
    zone = ZoneInfo(timezone)
    if today is None:
        today = dt.datetime.now(zone).date()
    elif isinstance(today, dt.datetime):
        today = today.astimezone(zone).date() if today.tzinfo else today.date()
    ids = Ids(seed)
    directory = build_directory(ids, timezone)
    plans = case_plans(today)
    if patients < len(plans):
        raise ValueError(f"need at least {len(plans)} patients for the special cases, got {patients}")
    taken_names = {(p.given, p.family) for p in plans}
    pool = phone_pool(ids.rng("phones"), reserved_phones())
    for n in range(patients - len(plans)):
        # past the pool's size (3,500 numbers) numbers repeat, as in any large practice
        phone = pool[n % len(pool)]
        plans.append(random_plan(f"random/{n}", ids.rng("patient", n), today, directory, phone, taken_names))
    _assign_mrns(ids, plans)

    scheduler = Scheduler(ids, directory, today, zone)
    infos: list[PatientInfo] = []
    groups: list[list[dict[str, Any]]] = []
    for plan in plans:
        info = make_info(ids, plan, directory)
        infos.append(info)
        patient = patient_resource(plan, info, directory)
        account = account_resource(ids, plan, info, directory)
        coverage = coverage_resource(ids, plan, info, directory, today, ids.rng(plan.key, "coverage"))
        if coverage and plan.deceased:
            coverage["status"] = "cancelled"
        conditions, condition_ids = build_conditions(ids, plan, info, today, ids.rng(plan.key, "conditions"))
        allergies = build_allergies(ids, plan, info, today, ids.rng(plan.key, "allergies"))
        meds = build_medication_requests(
            ids, plan, info, today, condition_ids, info.pharmacy_id, ids.rng(plan.key, "meds")
        )
        visits, past = scheduler.book_patient(plan, info, ids.rng(plan.key, "visits"))
        invoices = billing_resources(ids, plan, info, directory, past, today, ids.rng(plan.key, "billing"))
        group = [patient, account]
        if coverage:
            group.append(coverage)
        group += conditions + allergies + meds + visits + invoices
        consent = billing_text_consent(ids, plan, info, today, ids.rng(plan.key, "consent"))
        if consent:
            group.append(consent)
        groups.append(group)

    bundles = [_transaction(directory.resources + scheduler.schedules())]
    bundles += [_transaction(chunk) for chunk in _chunks(groups, BUNDLE_SIZE)]
    free = scheduler.free_slots()
    bundles += [_transaction(free[i : i + BUNDLE_SIZE]) for i in range(0, len(free), BUNDLE_SIZE)]
    return Dataset(seed, today, timezone, bundles, infos, group_cases(infos), directory)


__all__ = ["Dataset", "age_on", "generate"]
