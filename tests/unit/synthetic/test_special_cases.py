"""Every special case the tests and the demo rely on is in the generated data, as described.

Loading into the real sandbox is tested in tests/integration/sandbox/test_synthetic_load.py."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sandbox.synthetic import CASE_NAMES
from sandbox.synthetic.common import (
    ACCOUNT_BALANCE_EXT,
    CONTROLLED_SUBSTANCE_EXT,
    DEA_SCHEDULE_SYSTEM,
    MED_CATEGORY_SYSTEM,
    REFILLS_REMAINING_EXT,
    SSN_SYSTEM,
)
from tests.unit.synthetic.records import (
    PHONE_PATTERNS,
    TODAY,
    digits_of,
    extension,
    instant,
    of_patient,
)

# --- special cases ---------------------------------------------------------------------------


def test_every_special_case_is_present(dataset):
    assert list(dataset.cases) == list(CASE_NAMES)
    for name in CASE_NAMES:
        assert len(dataset.cases[name]) >= 1, name
        assert getattr(dataset.cases, name) is dataset.cases[name]
    assert dataset.cases.demo.name == dataset.cases["demo"][0].name == "Dana Whitfield"


def test_family_shares_one_number(dataset, index):
    a, b = dataset.cases.family
    assert a.phone == b.phone and a.phone_e164 == b.phone_e164
    assert a.given != b.given and a.birth_date != b.birth_date and a.family == b.family
    for p in (a, b):
        assert index[f"Patient/{p.id}"]["telecom"][0]["value"] == a.phone


def test_minor(dataset, index):
    (minor,) = dataset.cases.minor
    assert minor.age(TODAY) < 18
    assert index[f"Patient/{minor.id}"]["contact"][0]["name"]["family"] == minor.family


def test_deceased(dataset, index, by_type):
    (dead,) = dataset.cases.deceased
    p = index[f"Patient/{dead.id}"]
    assert p["deceasedDateTime"] == dead.deceased
    assert dt.date.fromisoformat(dead.deceased) < TODAY
    assert not dead.upcoming_appointments
    assert all(a["status"] != "booked" for a in of_patient(by_type, "Appointment", dead.id))
    assert all(m["status"] != "active" for m in of_patient(by_type, "MedicationRequest", dead.id))


def test_phone_format_cases_cover_each_format(dataset):
    cases = dataset.cases.phone_formats
    assert sorted(p.phone_format for p in cases) == sorted(PHONE_PATTERNS)
    for p in cases:
        assert PHONE_PATTERNS[p.phone_format].match(p.phone)
        assert digits_of(p.phone) == p.phone_e164[2:]
    stored = {p.phone_format: p.phone for p in cases}
    assert stored["paren"] == "(617) 555-0142"


def test_names_with_accents_apostrophes_and_hyphens(dataset, index):
    accented = {p.name for p in dataset.cases.accented}
    assert {"José Núñez", "Zoë Ashford"} <= accented
    for p in dataset.cases.accented:
        assert not p.name.isascii()
        assert index[f"Patient/{p.id}"]["name"][0]["family"] == p.family
    assert dataset.cases.apostrophe.family == "O'Brien"
    assert dataset.cases.hyphenated.family == "Smith-Jones"


def test_no_phone(dataset, index):
    p = index[f"Patient/{dataset.cases.no_phone.id}"]
    assert dataset.cases.no_phone.phone is None
    assert not [t for t in p.get("telecom", []) if t["system"] == "phone"]


def test_no_appointments(dataset, by_type):
    assert of_patient(by_type, "Appointment", dataset.cases.no_appointments.id) == []


def test_no_balance_has_paid_statements(dataset, by_type, index):
    case = dataset.cases.no_balance
    assert case.balance == 0
    account = index[f"Account/{case.account_id}"]
    assert extension(account, ACCOUNT_BALANCE_EXT)["valueMoney"] == {"value": 0, "currency": "USD"}
    invoices = of_patient(by_type, "Invoice", case.id)
    statements = [i for i in invoices if i["type"]["coding"][0]["code"] == "statement"]
    assert statements and all(s["status"] == "balanced" for s in statements)
    assert len(case.payments) == len(statements)


def test_no_statements(dataset, by_type):
    case = dataset.cases.no_statements
    assert case.balance == 0 and not case.statements
    assert of_patient(by_type, "Invoice", case.id) == []


def test_no_medications(dataset, by_type):
    case = dataset.cases.no_medications
    assert case.medications == []
    assert of_patient(by_type, "MedicationRequest", case.id) == []


def test_no_refills(dataset, index):
    case = dataset.cases.no_refills
    empty = [m for m in case.active_medications if m.refills_remaining == 0]
    assert len(empty) == 1 and empty[0].controlled is None
    mr = index[f"MedicationRequest/{empty[0].id}"]
    assert mr["status"] == "active"
    assert extension(mr, REFILLS_REMAINING_EXT)["valueUnsignedInt"] == 0
    assert mr["dispenseRequest"]["numberOfRepeatsAllowed"] > 0  # all used up, not none written
    assert any(m.refills_remaining > 0 for m in case.active_medications)
    others = [p for name, members in dataset.cases.items() if name != "no_refills" for p in members]
    for p in others:
        assert all(m.refills_remaining > 0 for m in p.active_medications if not m.controlled), p.name


def test_controlled(dataset, index):
    case = dataset.cases.controlled
    (controlled,) = [m for m in case.active_medications if m.controlled]
    mr = index[f"MedicationRequest/{controlled.id}"]
    assert {
        "system": MED_CATEGORY_SYSTEM,
        "code": "controlled-substance",
        "display": "Controlled substance",
    } in [c for cat in mr["category"] for c in cat["coding"]]
    assert extension(mr, CONTROLLED_SUBSTANCE_EXT)["valueCoding"]["system"] == DEA_SCHEDULE_SYSTEM
    assert extension(mr, CONTROLLED_SUBSTANCE_EXT)["valueCoding"]["code"] == "CII"
    assert mr["dispenseRequest"]["numberOfRepeatsAllowed"] == 0  # Schedule II: no refills


def test_with_ssn(dataset, index):
    case = dataset.cases.with_ssn
    ssns = [i for i in index[f"Patient/{case.id}"]["identifier"] if i["system"] == SSN_SYSTEM]
    assert [i["value"] for i in ssns] == [case.ssn]
    assert ssns[0]["type"]["coding"][0]["code"] == "SS"
    assert case.ssn.startswith("9") and case.ssn_last4 == case.ssn[-4:]


def test_spanish(dataset):
    assert dataset.cases.spanish.language == "es"


def test_namesakes(dataset):
    a, b = dataset.cases.namesake
    assert (
        (a.given, a.family) == (b.given, b.family)
        and a.birth_date != b.birth_date
        and a.phone_e164 != b.phone_e164
    )
    c, d = dataset.cases.namesake_same_dob
    assert (c.given, c.family, c.birth_date) == (d.given, d.family, d.birth_date)
    assert c.phone_e164 != d.phone_e164 and c.postal_code != d.postal_code and c.mrn != d.mrn


def test_demo_patient_has_everything(dataset, index, by_type):
    demo = dataset.cases.demo
    assert demo.age(TODAY) >= 18 and demo.deceased is None and demo.phone
    assert len(demo.upcoming_appointments) >= 2
    for aid in demo.upcoming_appointments:
        appt = index[f"Appointment/{aid}"]
        assert appt["status"] == "booked" and instant(appt["start"]).date() > TODAY
    types = {
        index[f"Appointment/{a}"]["serviceType"][0]["coding"][0]["code"] for a in demo.upcoming_appointments
    }
    assert "telehealth" in types
    assert demo.past_appointments
    assert demo.balance > 0 and demo.open_statement
    assert len(demo.statements) >= 2 and len(demo.payments) >= 1
    assert demo.coverage_id and index[f"Coverage/{demo.coverage_id}"]["status"] == "active"
    assert demo.active_medications and all(
        m.refills_remaining > 0 and not m.controlled for m in demo.active_medications
    )
    assert demo.allergies and not demo.no_known_allergies
    assert of_patient(by_type, "AllergyIntolerance", demo.id)
    assert demo.pharmacy_id


def test_samples_are_easy_adults(dataset):
    samples = dataset.samples(n=5)
    assert len(samples) == 5
    assert samples[0] is dataset.cases.demo[0]
    phones = Counter(p.phone_e164 for p in dataset.patients)
    for s in samples:
        assert isinstance(s.name, str) and s.birth_date and s.phone
        assert s.age(TODAY) >= 18 and s.deceased is None and phones[s.phone_e164] == 1
        assert s.upcoming_appointments and s.balance > 0 and s.active_medications
    assert len({s.id for s in samples}) == 5
    assert dataset.samples(n=2) == samples[:2]
