"""The synthetic-data generator: determinism, shape, special cases, references, slots, and that every
resource parses as FHIR (fhir.resources R4B models). Loading into the real sandbox is tested in
tests/integration/test_synthetic_load.py."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections import Counter, defaultdict
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from fhir.resources.R4B import construct_fhir_element

from sandbox.synthetic import CASE_NAMES, generate
from sandbox.synthetic.bundle import BUNDLE_SIZE
from sandbox.synthetic.common import (
    ACCOUNT_BALANCE_EXT,
    CONTROLLED_SUBSTANCE_EXT,
    DEA_SCHEDULE_SYSTEM,
    INVOICE_KIND_SYSTEM,
    MED_CATEGORY_SYSTEM,
    MRN_SYSTEM,
    PREFERRED_PHARMACY_EXT,
    REFILLS_REMAINING_EXT,
    SSN_SYSTEM,
    VISIT_TYPE_SYSTEM,
)

ZONE_NAME = "America/New_York"
ZONE = ZoneInfo(ZONE_NAME)
# The 60 days after this date cross the start of daylight saving time (8 March 2026), so slots are
# stored with both -05:00 and -04:00 offsets.
TODAY = dt.date(2026, 2, 20)
PATIENTS = 500

PHONE_PATTERNS = {
    "paren": re.compile(r"^\((\d{3})\) 555-(01\d\d)$"),
    "dashes": re.compile(r"^(\d{3})-555-(01\d\d)$"),
    "e164": re.compile(r"^\+1(\d{3})555(01\d\d)$"),
    "digits": re.compile(r"^(\d{3})555(01\d\d)$"),
    "dots": re.compile(r"^(\d{3})\.555\.(01\d\d)$"),
}


def _digits(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    return digits[1:] if len(digits) == 11 and digits.startswith("1") else digits


@pytest.fixture(scope="module")
def dataset():
    return generate(patients=PATIENTS, seed=20261128, today=TODAY, timezone=ZONE_NAME)


@pytest.fixture(scope="module")
def resources(dataset):
    return list(dataset.resources())


@pytest.fixture(scope="module")
def by_type(resources):
    out = defaultdict(list)
    for r in resources:
        out[r["resourceType"]].append(r)
    return out


@pytest.fixture(scope="module")
def index(resources):
    return {f"{r['resourceType']}/{r['id']}": r for r in resources}


def _of_patient(by_type, resource_type, patient_id):
    field = {"Account": "subject", "AllergyIntolerance": "patient", "Coverage": "beneficiary"}.get(
        resource_type, "subject"
    )
    out = []
    for r in by_type[resource_type]:
        target = r.get(field)
        refs = target if isinstance(target, list) else [target]
        if resource_type == "Appointment":
            refs = [p["actor"] for p in r["participant"]]
        if any(x and x.get("reference") == f"Patient/{patient_id}" for x in refs):
            out.append(r)
    return out


def _ext(resource, url):
    return next((e for e in resource.get("extension", []) if e["url"] == url), None)


def _instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


# --- determinism and shape ---------------------------------------------------------------------


def test_same_seed_and_day_give_byte_identical_bundles(dataset):
    again = generate(patients=PATIENTS, seed=20261128, today=TODAY, timezone=ZONE_NAME)
    assert again.to_json() == dataset.to_json()
    assert json.dumps(again.bundles) == json.dumps(dataset.bundles)


def test_another_seed_gives_other_data_and_ids():
    one = generate(patients=60, seed=1, today=TODAY)
    two = generate(patients=60, seed=2, today=TODAY)
    assert one.to_json() != two.to_json()
    assert not {p.id for p in one.patients} & {p.id for p in two.patients}


def test_patient_ids_and_demographics_do_not_move_with_the_day(dataset):
    later = generate(patients=PATIENTS, seed=20261128, today=TODAY + dt.timedelta(days=3), timezone=ZONE_NAME)
    before = {p.id: (p.name, p.birth_date, p.phone, p.mrn) for p in dataset.patients}
    after = {p.id: (p.name, p.birth_date, p.phone, p.mrn) for p in later.patients}
    assert before == after


def test_today_defaults_to_the_date_in_the_clinic_time_zone():
    zone = "Pacific/Kiritimati"  # UTC+14: most of the time a different date from UTC
    before = dt.datetime.now(ZoneInfo(zone)).date()
    data = generate(patients=40, timezone=zone)
    after = dt.datetime.now(ZoneInfo(zone)).date()
    assert data.today in (before, after)
    assert data.timezone == zone


def test_too_few_patients_for_the_special_cases_is_refused():
    with pytest.raises(ValueError, match="special cases"):
        generate(patients=5, today=TODAY)


def test_counts(dataset, by_type):
    counts = dataset.counts()
    assert counts["Patient"] == PATIENTS == len(dataset.patients)
    assert counts["Account"] == PATIENTS
    assert counts["Practitioner"] == counts["PractitionerRole"] == 10
    assert counts["Organization"] == 1 + 5 + 4  # clinic, pharmacies, insurers
    assert counts["Location"] == 3 + 5  # clinic sites, one per pharmacy
    assert counts["Schedule"] >= 10
    assert 0.8 * PATIENTS <= counts["Coverage"] < PATIENTS
    for kind in ("Appointment", "Invoice", "MedicationRequest", "Condition", "AllergyIntolerance"):
        assert counts[kind] >= PATIENTS // 2, kind
    assert 2_000 < counts["Slot"] < 8_000  # the load must stay fast
    assert sum(counts.values()) == len(list(dataset.resources()))


def test_bundles_are_transactions_of_puts_with_uuid5_ids(dataset):
    seen = set()
    assert len(dataset.bundles) >= 10
    for bundle in dataset.bundles:
        assert bundle["resourceType"] == "Bundle" and bundle["type"] == "transaction"
        assert 0 < len(bundle["entry"]) <= BUNDLE_SIZE
        for entry in bundle["entry"]:
            r = entry["resource"]
            assert entry["request"] == {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}
            assert uuid.UUID(r["id"]).version == 5
            seen.add(entry["request"]["url"])
    assert len(seen) == sum(len(b["entry"]) for b in dataset.bundles), "duplicate resource"
    # a few hundred entries per Bundle, not thousands of tiny ones
    assert sum(len(b["entry"]) for b in dataset.bundles) / len(dataset.bundles) > 200


def test_every_reference_resolves_inside_the_dataset_and_earlier_or_in_the_same_bundle(dataset):
    loaded: set[str] = set()
    for bundle in dataset.bundles:
        here = {f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in bundle["entry"]}
        available = loaded | here
        for entry in bundle["entry"]:
            for reference in re.findall(r'"reference": "([^"]+)"', json.dumps(entry["resource"])):
                assert reference in available, f"{entry['request']['url']} -> {reference}"
        loaded |= here


def test_every_resource_parses_as_r4b(resources):
    for r in resources:
        model = construct_fhir_element(r["resourceType"], r)
        assert model.id == r["id"]


# --- patients --------------------------------------------------------------------------------


def test_patient_resources_match_the_patient_directory(dataset, index):
    for info in dataset.patients:
        p = index[f"Patient/{info.id}"]
        assert p["name"][0] == {"use": "official", "family": info.family, "given": [info.given]}
        assert p["birthDate"] == info.birth_date
        phones = [t["value"] for t in p.get("telecom", []) if t["system"] == "phone"]
        assert phones == ([info.phone] if info.phone else [])
        mrns = [i["value"] for i in p["identifier"] if i["system"] == MRN_SYSTEM]
        assert mrns == [info.mrn]
        assert p["identifier"][0]["type"]["coding"][0]["code"] == "MR"
        assert p["generalPractitioner"][0]["reference"] == f"Practitioner/{info.general_practitioner_id}"
        assert re.fullmatch(r"\d{5}", p["address"][0]["postalCode"])


def test_mrns_are_unique_and_ssns_never_issued(dataset, by_type):
    mrns = [p.mrn for p in dataset.patients]
    assert len(set(mrns)) == len(mrns)
    ssns = [i["value"] for p in by_type["Patient"] for i in p["identifier"] if i["system"] == SSN_SYSTEM]
    assert len(ssns) > 50
    for ssn in ssns:
        assert re.fullmatch(r"9\d\d-\d\d-\d{4}", ssn), ssn


def test_phone_numbers_are_fictional_and_stored_in_every_format(dataset):
    formats = Counter()
    area_codes = set()
    for info in dataset.patients:
        if info.phone is None:
            continue
        matched = [name for name, pattern in PHONE_PATTERNS.items() if pattern.match(info.phone)]
        assert matched == [info.phone_format], info.phone
        formats[info.phone_format] += 1
        area, line = PHONE_PATTERNS[info.phone_format].match(info.phone).groups()
        area_codes.add(area)
        assert 100 <= int(line) <= 199
        assert info.phone_e164 == f"+1{area}555{line}"
    assert set(formats) == set(PHONE_PATTERNS)
    assert min(formats.values()) >= 20
    assert len(area_codes) >= 10
    assert sum(1 for p in dataset.patients if p.email) > 50
    for p in dataset.patients:
        if p.email:
            assert p.email.split("@")[1] in ("example.com", "example.org", "example.net")


def test_only_the_intended_phone_and_name_collisions(dataset):
    by_phone = defaultdict(list)
    by_name = defaultdict(list)
    for p in dataset.patients:
        if p.phone_e164:
            by_phone[p.phone_e164].append(p)
        by_name[(p.given, p.family)].append(p)
    shared_phones = [ps for ps in by_phone.values() if len(ps) > 1]
    assert [{p.case for p in ps} for ps in shared_phones] == [{"family"}]
    shared_names = sorted(({p.case for p in ps} for ps in by_name.values() if len(ps) > 1), key=str)
    assert shared_names == [{"namesake"}, {"namesake_same_dob"}]


def test_some_patients_speak_spanish_and_some_are_children(dataset, index):
    spanish = [p for p in dataset.patients if p.language == "es"]
    assert len(spanish) >= 10
    for p in spanish:
        comm = index[f"Patient/{p.id}"]["communication"][0]
        assert comm["language"]["coding"][0] == {
            "system": "urn:ietf:bcp:47",
            "code": "es",
            "display": "Spanish",
        }
    children = [p for p in dataset.patients if p.age(TODAY) < 18]
    assert len(children) >= 15
    for child in children:
        assert index[f"Patient/{child.id}"]["contact"][0]["relationship"][0]["coding"][0]["code"] == "GUARD"


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
    assert all(a["status"] != "booked" for a in _of_patient(by_type, "Appointment", dead.id))
    assert all(m["status"] != "active" for m in _of_patient(by_type, "MedicationRequest", dead.id))


def test_phone_format_cases_cover_each_format(dataset):
    cases = dataset.cases.phone_formats
    assert sorted(p.phone_format for p in cases) == sorted(PHONE_PATTERNS)
    for p in cases:
        assert PHONE_PATTERNS[p.phone_format].match(p.phone)
        assert _digits(p.phone) == p.phone_e164[2:]
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
    assert _of_patient(by_type, "Appointment", dataset.cases.no_appointments.id) == []


def test_no_balance_has_paid_statements(dataset, by_type, index):
    case = dataset.cases.no_balance
    assert case.balance == 0
    account = index[f"Account/{case.account_id}"]
    assert _ext(account, ACCOUNT_BALANCE_EXT)["valueMoney"] == {"value": 0, "currency": "USD"}
    invoices = _of_patient(by_type, "Invoice", case.id)
    statements = [i for i in invoices if i["type"]["coding"][0]["code"] == "statement"]
    assert statements and all(s["status"] == "balanced" for s in statements)
    assert len(case.payments) == len(statements)


def test_no_statements(dataset, by_type):
    case = dataset.cases.no_statements
    assert case.balance == 0 and not case.statements
    assert _of_patient(by_type, "Invoice", case.id) == []


def test_no_medications(dataset, by_type):
    case = dataset.cases.no_medications
    assert case.medications == []
    assert _of_patient(by_type, "MedicationRequest", case.id) == []


def test_no_refills(dataset, index):
    case = dataset.cases.no_refills
    empty = [m for m in case.active_medications if m.refills_remaining == 0]
    assert len(empty) == 1 and empty[0].controlled is None
    mr = index[f"MedicationRequest/{empty[0].id}"]
    assert mr["status"] == "active"
    assert _ext(mr, REFILLS_REMAINING_EXT)["valueUnsignedInt"] == 0
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
    assert _ext(mr, CONTROLLED_SUBSTANCE_EXT)["valueCoding"]["system"] == DEA_SCHEDULE_SYSTEM
    assert _ext(mr, CONTROLLED_SUBSTANCE_EXT)["valueCoding"]["code"] == "CII"
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
        assert appt["status"] == "booked" and _instant(appt["start"]).date() > TODAY
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
    assert _of_patient(by_type, "AllergyIntolerance", demo.id)
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


# --- scheduling ------------------------------------------------------------------------------


def test_slots_are_in_clinic_hours_in_the_clinic_zone(by_type):
    offsets = set()
    for slot in by_type["Slot"]:
        start, end = _instant(slot["start"]), _instant(slot["end"])
        assert start.utcoffset() == start.astimezone(ZONE).utcoffset(), slot["start"]
        offsets.add(slot["start"][-6:])
        local = start.astimezone(ZONE)
        assert local.weekday() < 5
        assert dt.time(8, 0) <= local.time() and (end.astimezone(ZONE)).time() <= dt.time(17, 0)
        assert end - start == dt.timedelta(minutes=30)
        assert slot["serviceType"][0]["coding"][0]["system"] == VISIT_TYPE_SYSTEM
    assert offsets == {"-05:00", "-04:00"}


def test_free_slots_cover_the_next_60_days(by_type):
    free = [_instant(s["start"]).astimezone(ZONE).date() for s in by_type["Slot"] if s["status"] == "free"]
    assert min(free) > TODAY and max(free) <= TODAY + dt.timedelta(days=60)
    assert max(free) >= TODAY + dt.timedelta(days=55)
    assert len(free) > 2_000


def test_appointments_and_busy_slots_match(by_type, index):
    booked_slots = Counter()
    now = dt.datetime.combine(TODAY + dt.timedelta(days=1), dt.time(0), ZONE)
    statuses = Counter(a["status"] for a in by_type["Appointment"])
    assert {"booked", "fulfilled", "noshow", "cancelled"} <= set(statuses)
    for appt in by_type["Appointment"]:
        actors = {p["actor"]["reference"].split("/")[0]: p for p in appt["participant"]}
        assert set(actors) == {"Patient", "Practitioner", "Location"}
        assert actors["Patient"]["status"] == "accepted"
        assert appt["serviceType"][0]["coding"][0]["system"] == VISIT_TYPE_SYSTEM
        start = _instant(appt["start"])
        if appt["status"] == "booked":
            assert start >= now
        if appt["status"] in ("fulfilled", "noshow"):
            assert start < now
        if appt["status"] == "cancelled":
            assert "slot" not in appt and appt["cancelationReason"]
            continue
        (slot_ref,) = appt["slot"]
        slot = index[slot_ref["reference"]]
        assert slot["status"] == "busy" and slot["start"] == appt["start"] and slot["end"] == appt["end"]
        schedule = index[slot["schedule"]["reference"]]
        assert {a["reference"] for a in schedule["actor"]} == {
            actors["Practitioner"]["actor"]["reference"],
            actors["Location"]["actor"]["reference"],
        }
        booked_slots[slot_ref["reference"]] += 1
    assert all(n == 1 for n in booked_slots.values())
    busy = {f"Slot/{s['id']}" for s in by_type["Slot"] if s["status"] == "busy"}
    assert busy == set(booked_slots)
    assert any("patientInstruction" in a for a in by_type["Appointment"])


def test_no_clinician_is_double_booked(by_type, index):
    seen = set()
    for slot in by_type["Slot"]:
        practitioner = index[slot["schedule"]["reference"]]["actor"][0]["reference"]
        key = (practitioner, _instant(slot["start"]))
        assert key not in seen
        seen.add(key)


def test_schedules_offer_the_visit_types(by_type):
    offered = {c["coding"][0]["code"] for s in by_type["Schedule"] for c in s["serviceType"]}
    assert offered == {"new-patient", "follow-up", "annual-physical", "sick-visit", "telehealth"}
    for s in by_type["Schedule"]:
        assert [a["reference"].split("/")[0] for a in s["actor"]] == ["Practitioner", "Location"]


# --- billing, coverage, medications, clinical --------------------------------------------------


def test_billing_convention_holds_for_every_patient(dataset, by_type, index):
    invoices = defaultdict(list)
    for inv in by_type["Invoice"]:
        invoices[inv["subject"]["reference"]].append(inv)
    kinds = Counter()
    for p in dataset.patients:
        account = index[f"Account/{p.account_id}"]
        assert account["status"] == "active"
        assert account["type"]["coding"][0]["code"] == "PBILLACCT"
        assert (
            account["subject"][0]["reference"]
            == account["guarantor"][0]["party"]["reference"]
            == f"Patient/{p.id}"
        )
        balance = _ext(account, ACCOUNT_BALANCE_EXT)["valueMoney"]
        assert balance["currency"] == "USD" and Decimal(str(balance["value"])) == p.balance
        mine = invoices[f"Patient/{p.id}"]
        open_statements = [
            i for i in mine if i["type"]["coding"][0]["code"] == "statement" and i["status"] == "issued"
        ]
        assert len(open_statements) == (1 if p.balance > 0 else 0)
        if open_statements:
            assert Decimal(str(open_statements[0]["totalNet"]["value"])) == p.balance
            assert open_statements[0]["id"] == p.open_statement
        for inv in mine:
            kind = inv["type"]["coding"][0]
            assert kind["system"] == INVOICE_KIND_SYSTEM and kind["code"] in ("statement", "payment")
            assert inv["account"]["reference"] == f"Account/{p.account_id}"
            assert dt.date.fromisoformat(inv["date"]) <= TODAY
            assert inv["totalNet"]["value"] > 0
            if kind["code"] == "payment":
                assert inv["status"] == "balanced"
            else:
                total = sum(
                    Decimal(str(li["priceComponent"][0]["amount"]["value"])) for li in inv["lineItem"]
                )
                assert total == Decimal(str(inv["totalNet"]["value"]))
        kinds["owes" if p.balance > 0 else ("paid" if mine else "never")] += 1
    assert min(kinds.values()) >= 50, kinds


def test_coverage(by_type, index):
    for cov in by_type["Coverage"]:
        payor = index[cov["payor"][0]["reference"]]
        assert payor["type"][0]["coding"][0]["code"] == "ins"
        assert cov["subscriberId"] and cov["class"][0]["name"]
        assert cov["status"] in ("active", "cancelled")


def test_medication_requests(dataset, by_type, index):
    meds = by_type["MedicationRequest"]
    assert {m["status"] for m in meds} == {"active", "stopped"}
    displays = {m["medicationCodeableConcept"]["coding"][0]["display"] for m in meds}
    for name in (
        "lisinopril",
        "atorvastatin",
        "metformin",
        "levothyroxine",
        "albuterol",
        "sertraline",
        "amlodipine",
    ):
        assert any(name in d for d in displays), name
    controlled = 0
    for m in meds:
        coding = m["medicationCodeableConcept"]["coding"][0]
        assert coding["system"] == "http://www.nlm.nih.gov/research/umls/rxnorm" and coding["code"].isdigit()
        assert m["intent"] == "order" and m["dosageInstruction"][0]["text"]
        request = m["dispenseRequest"]
        assert (
            request["numberOfRepeatsAllowed"] >= 0 and request["validityPeriod"]["start"] == m["authoredOn"]
        )
        assert index[m["requester"]["reference"]]["resourceType"] == "Practitioner"
        if "performer" in request:
            pharmacy = index[request["performer"]["reference"]]
            assert any(c["code"] == "3336C0003X" for t in pharmacy["type"] for c in t["coding"])
            patient = index[m["subject"]["reference"]]
            assert (
                _ext(patient, PREFERRED_PHARMACY_EXT)["valueReference"]["reference"]
                == request["performer"]["reference"]
            )
        remaining = _ext(m, REFILLS_REMAINING_EXT)
        if m["status"] == "active":
            assert 0 <= remaining["valueUnsignedInt"] <= request["numberOfRepeatsAllowed"]
            assert dt.date.fromisoformat(request["validityPeriod"]["end"]) >= TODAY
        else:
            assert remaining is None
        schedule = _ext(m, CONTROLLED_SUBSTANCE_EXT)
        category_codes = {c["code"] for cat in m["category"] for c in cat["coding"]}
        assert (schedule is not None) == ("controlled-substance" in category_codes)
        if schedule:
            controlled += 1
            assert request["numberOfRepeatsAllowed"] == 0
    assert controlled >= 2
    active_zero = [
        m
        for p in dataset.patients
        for m in p.active_medications
        if m.refills_remaining == 0 and not m.controlled
    ]
    with_refills = [m for p in dataset.patients for m in p.active_medications if m.refills_remaining > 0]
    assert active_zero and len(with_refills) > 100


def test_conditions_and_allergies(dataset, by_type):
    statuses = Counter(c["clinicalStatus"]["coding"][0]["code"] for c in by_type["Condition"])
    assert statuses["active"] > 200 and statuses["resolved"] > 50
    for c in by_type["Condition"]:
        assert c["code"]["coding"][0]["system"] == "http://snomed.info/sct"
        assert ("abatementDateTime" in c) == (c["clinicalStatus"]["coding"][0]["code"] == "resolved")
    nka = [a for a in by_type["AllergyIntolerance"] if a["code"]["coding"][0]["code"] == "716186003"]
    real = [a for a in by_type["AllergyIntolerance"] if a["code"]["coding"][0]["code"] != "716186003"]
    assert len(nka) > 100 and len(real) > 50
    assert sum(1 for p in dataset.patients if p.no_known_allergies) == len(nka)
    nothing_recorded = [p for p in dataset.patients if not p.allergies and not p.no_known_allergies]
    assert len(nothing_recorded) > 50


def test_pharmacies_and_locations_have_address_phone_and_hours(by_type):
    for loc in by_type["Location"]:
        assert loc["address"]["postalCode"] and loc["telecom"][0]["value"] and loc["hoursOfOperation"]
    pharmacies = [
        o
        for o in by_type["Organization"]
        if any(c["code"] == "3336C0003X" for t in o["type"] for c in t["coding"])
    ]
    assert len(pharmacies) == 5
    for o in pharmacies:
        assert o["address"][0]["line"] and PHONE_PATTERNS["paren"].match(o["telecom"][0]["value"])
