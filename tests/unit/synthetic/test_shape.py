"""The generator's determinism and shape, and its patients: every resource parses as FHIR R4B,
every reference resolves, ids, MRNs, phones and names are what the sandbox promises.

Loading into the real sandbox is tested in tests/integration/sandbox/test_synthetic_load.py."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections import Counter, defaultdict
from zoneinfo import ZoneInfo

import pytest
from fhir.resources.R4B import construct_fhir_element

from sandbox.synthetic import generate
from sandbox.synthetic.bundle import BUNDLE_SIZE
from sandbox.synthetic.common import (
    MRN_SYSTEM,
    SSN_SYSTEM,
)
from tests.unit.synthetic.records import (
    PATIENTS,
    PHONE_PATTERNS,
    TODAY,
    ZONE_NAME,
)

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
