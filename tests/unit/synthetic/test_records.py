"""Scheduling, billing, coverage, medications and clinical records of the generated patients.

Loading into the real sandbox is tested in tests/integration/sandbox/test_synthetic_load.py."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal

from sandbox.synthetic.common import (
    ACCOUNT_BALANCE_EXT,
    CONTROLLED_SUBSTANCE_EXT,
    INVOICE_KIND_SYSTEM,
    PREFERRED_PHARMACY_EXT,
    REFILLS_REMAINING_EXT,
    VISIT_TYPE_SYSTEM,
)
from tests.unit.synthetic.records import (
    PHONE_PATTERNS,
    TODAY,
    ZONE,
    extension,
    instant,
)

# --- scheduling ------------------------------------------------------------------------------


def test_slots_are_in_clinic_hours_in_the_clinic_zone(by_type):
    offsets = set()
    for slot in by_type["Slot"]:
        start, end = instant(slot["start"]), instant(slot["end"])
        assert start.utcoffset() == start.astimezone(ZONE).utcoffset(), slot["start"]
        offsets.add(slot["start"][-6:])
        local = start.astimezone(ZONE)
        assert local.weekday() < 5
        assert dt.time(8, 0) <= local.time() and (end.astimezone(ZONE)).time() <= dt.time(17, 0)
        assert end - start == dt.timedelta(minutes=30)
        assert slot["serviceType"][0]["coding"][0]["system"] == VISIT_TYPE_SYSTEM
    assert offsets == {"-05:00", "-04:00"}


def test_free_slots_cover_the_next_60_days(by_type):
    free = [instant(s["start"]).astimezone(ZONE).date() for s in by_type["Slot"] if s["status"] == "free"]
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
        start = instant(appt["start"])
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
        key = (practitioner, instant(slot["start"]))
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
        balance = extension(account, ACCOUNT_BALANCE_EXT)["valueMoney"]
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
                extension(patient, PREFERRED_PHARMACY_EXT)["valueReference"]["reference"]
                == request["performer"]["reference"]
            )
        remaining = extension(m, REFILLS_REMAINING_EXT)
        if m["status"] == "active":
            assert 0 <= remaining["valueUnsignedInt"] <= request["numberOfRepeatsAllowed"]
            assert dt.date.fromisoformat(request["validityPeriod"]["end"]) >= TODAY
        else:
            assert remaining is None
        schedule = extension(m, CONTROLLED_SUBSTANCE_EXT)
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
