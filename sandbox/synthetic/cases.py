"""The named special cases: patients made on purpose so that tests know what to expect.

Each case is a tuple of PatientInfo (most have one patient). `Cases` maps a name to its case and also
allows attribute access: `dataset.cases.demo.phone`, `dataset.cases["family"][1].birth_date`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

from .model import PatientInfo, PatientPlan

CASE_NAMES = (
    "demo",
    "family",
    "minor",
    "deceased",
    "phone_formats",
    "accented",
    "apostrophe",
    "hyphenated",
    "no_phone",
    "no_appointments",
    "no_balance",
    "no_statements",
    "no_medications",
    "no_refills",
    "controlled",
    "with_ssn",
    "spanish",
    "namesake",
    "namesake_same_dob",
)


class Case(tuple):
    """The patients of one case. Attribute access reads the first patient: `cases.demo.name`."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or not self:
            raise AttributeError(name)
        return getattr(self[0], name)

    @property
    def patients(self) -> tuple[PatientInfo, ...]:
        return tuple(self)

    @property
    def ids(self) -> list[str]:
        return [p.id for p in self]


class Cases(Mapping):
    def __init__(self, cases: dict[str, Case]) -> None:
        self._cases = cases

    def __getitem__(self, name: str) -> Case:
        return self._cases[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._cases)

    def __len__(self) -> int:
        return len(self._cases)

    def __getattr__(self, name: str) -> Case:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._cases[name]
        except KeyError:
            raise AttributeError(name) from None

    def __repr__(self) -> str:
        return f"Cases({', '.join(f'{k}={len(v)}' for k, v in self._cases.items())})"


def _plan(
    case: str,
    n: int,
    given: str,
    family: str,
    gender: str,
    birth: dt.date,
    phone: tuple[str, int, str] | None,
    **fields: Any,
) -> PatientPlan:
    defaults: dict[str, Any] = {
        "address": ("27 Willow Way", "Medford", "02155"),
        "gp": "hart",
        "pharmacy": "maple",
        "insurance": ("harborlight", 0),
        "allergies": "nka",
        "past_visits": 2,
        "future_visits": 1,
        "future_types": ["follow-up"],
        "billing": "open",
        "open_amount_cents": 6000,
        "paid_statements": 1,
        "conditions": [("hypertension", True)],
    }
    defaults.update(fields)
    return PatientPlan(
        key=f"case/{case}/{n}",
        case=case,
        given=given,
        family=family,
        gender=gender,
        birth_date=birth,
        phone=phone,
        **defaults,
    )


def reserved_phones() -> set[tuple[str, int]]:
    """Numbers the cases use, kept out of the random pool (the guardian's too)."""
    return {(p.phone[0], p.phone[1]) for p in case_plans(dt.date(2000, 1, 1)) if p.phone} | {("508", 118)}


def case_plans(today: dt.date) -> list[PatientPlan]:
    year = today.year
    d = dt.date
    # fmt: off
    return [
        _plan("demo", 0, "Dana", "Whitfield", "female", d(1984, 3, 14), ("617", 123, "dashes"),
              email="dana.whitfield@example.com", address=("42 Orchard Lane", "Medford", "02155"),
              conditions=[("hypertension", True), ("hyperlipidemia", True), ("allergic_rhinitis", True),
                          ("sinusitis", False)],
              medication_overrides={
                  "lisinopril": {"refills_authorized": 3, "refills_remaining": 2, "days_ago": 120},
                  "atorvastatin": {"refills_authorized": 3, "refills_remaining": 3, "days_ago": 40},
              },
              allergies=["penicillin"], past_visits=4, future_visits=2,
              future_types=["follow-up", "telehealth"], billing="open", open_amount_cents=14520,
              paid_statements=2),
        # one household number, two people
        _plan("family", 0, "Maria", "Delgado", "female", d(1979, 7, 2), ("781", 150, "paren"),
              phone_use="home", address=("118 Chestnut Street", "Malden", "02148"), gp="ortiz",
              pharmacy="apothecary", conditions=[("hypothyroidism", True)], open_amount_cents=8250),
        _plan("family", 1, "Luis", "Delgado", "male", d(2001, 11, 19), ("781", 150, "paren"),
              phone_use="home", address=("118 Chestnut Street", "Malden", "02148"), gp="ortiz",
              pharmacy="apothecary", conditions=[("asthma", True)], billing="never",
              future_types=["sick-visit"]),
        _plan("minor", 0, "Ethan", "Park", "male", d(year - 15, 5, 20), ("508", 117, "digits"),
              guardian=("Grace", "Park", "(508) 555-0118"), gp="fischer", pharmacy="cedar",
              address=("9 Brook Street", "Arlington", "02474"), conditions=[("asthma", True)],
              future_types=["annual-physical"], billing="never"),
        _plan("deceased", 0, "Arthur", "Pembrook", "male", d(1938, 4, 9), ("413", 160, "dashes"),
              deceased=d(year - 1, 2, 11), gp="reilly", insurance=("summit", 0), past_visits=3,
              future_visits=0, billing="paid", paid_statements=1,
              address=("5 Hillside Avenue", "Belmont", "02478")),
        # the same kind of number, stored five ways
        _plan("phone_formats", 0, "Priya", "Raman", "female", d(1990, 2, 17), ("617", 142, "paren")),
        _plan("phone_formats", 1, "Kevin", "Osei", "male", d(1972, 10, 5), ("857", 171, "dashes"),
              gp="ortiz"),
        _plan("phone_formats", 2, "Hannah", "Lindqvist", "female", d(1995, 6, 28), ("978", 133, "e164"),
              gp="whitaker"),
        _plan("phone_formats", 3, "Marcus", "Bell", "male", d(1966, 12, 1), ("774", 109, "digits"),
              gp="mensah"),
        _plan("phone_formats", 4, "Aiko", "Tanaka", "female", d(1988, 8, 8), ("413", 188, "dots"),
              gp="reilly"),
        _plan("accented", 0, "José", "Núñez", "male", d(1969, 3, 22), ("617", 177, "paren"),
              language="es", gp="ortiz"),
        _plan("accented", 1, "Zoë", "Ashford", "female", d(1998, 11, 30), ("339", 104, "dashes"),
              gp="blake"),
        _plan("accented", 2, "Renée", "Côté", "female", d(1957, 5, 14), ("781", 112, "e164"),
              gp="whitaker"),
        _plan("apostrophe", 0, "Siobhan", "O'Brien", "female", d(1983, 1, 9), ("617", 131, "dashes")),
        _plan("hyphenated", 0, "Rebecca", "Smith-Jones", "female", d(1976, 9, 17), ("857", 146, "paren"),
              gp="sato"),
        _plan("no_phone", 0, "Gerald", "Hoffman", "male", d(1949, 7, 23), None, gp="reilly",
              insurance=("summit", 0)),
        _plan("no_appointments", 0, "Nina", "Petrova", "female", d(1993, 4, 4), ("978", 155, "dashes"),
              past_visits=0, future_visits=0, billing="never", conditions=[]),
        _plan("no_balance", 0, "Samuel", "Adeyemi", "male", d(1980, 12, 12), ("617", 158, "paren"),
              billing="paid", paid_statements=3, gp="whitaker"),
        _plan("no_statements", 0, "Olivia", "Brandt", "female", d(2000, 5, 5), ("339", 127, "digits"),
              billing="never", gp="blake"),
        _plan("no_medications", 0, "Claire", "Dubois", "female", d(1991, 10, 10), ("781", 139, "dashes"),
              conditions=[("gerd", True), ("strep_throat", False)], gp="sato"),
        _plan("no_refills", 0, "Robert", "Kim", "male", d(1962, 2, 25), ("617", 164, "paren"),
              conditions=[("depression", True), ("hyperlipidemia", True)], gp="whitaker",
              medication_overrides={
                  "sertraline": {"refills_authorized": 5, "refills_remaining": 0, "days_ago": 200},
                  "atorvastatin": {"refills_authorized": 3, "refills_remaining": 2, "days_ago": 100},
              }),
        _plan("controlled", 0, "Tyler", "Brooks", "male", d(1994, 8, 19), ("857", 183, "dashes"),
              conditions=[("adhd", True), ("asthma", True)], gp="blake",
              medication_overrides={
                  "methylphenidate": {"days_ago": 12},
                  "albuterol": {"refills_authorized": 5, "refills_remaining": 4, "days_ago": 60},
              }),
        _plan("with_ssn", 0, "Linda", "Carver", "female", d(1955, 3, 3), ("508", 166, "paren"),
              ssn="912-55-0303", gp="mensah"),
        _plan("spanish", 0, "Rosa", "Mendoza", "female", d(1961, 6, 15), ("617", 105, "dashes"),
              language="es", gp="ortiz", address=("77 Union Street", "Everett", "02149")),
        # same name, different birth dates
        _plan("namesake", 0, "James", "Miller", "male", d(1958, 6, 10), ("781", 133, "paren"), gp="mensah"),
        _plan("namesake", 1, "James", "Miller", "male", d(1990, 1, 23), ("617", 166, "dashes"), gp="ortiz",
              address=("300 Summer Street", "Somerville", "02144")),
        # same name and birth date: only the phone number (or ZIP, MRN) tells them apart
        _plan("namesake_same_dob", 0, "Sarah", "Lee", "female", d(1987, 9, 30), ("339", 120, "paren"),
              address=("14 Grove Street", "Medford", "02155")),
        _plan("namesake_same_dob", 1, "Sarah", "Lee", "female", d(1987, 9, 30), ("508", 145, "e164"),
              address=("61 Forest Road", "Woburn", "01801"), gp="sato"),
    ]
    # fmt: on


def group_cases(infos: list[PatientInfo]) -> Cases:
    grouped: dict[str, list[PatientInfo]] = {name: [] for name in CASE_NAMES}
    for info in infos:
        if info.case:
            grouped[info.case].append(info)
    return Cases({name: Case(members) for name, members in grouped.items()})
