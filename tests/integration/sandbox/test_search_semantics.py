"""Search on the sandbox EHR (sandbox/server/search.mjs, matching.mjs, expressions.mjs) over the default
synthetic dataset: the searches the gateway makes give what a brute-force pass over every stored
resource says they must. Writes, and the narrowed expressions, are in test_search_writes.py; speed is
measured by `python -m bench sandbox_search`.

The brute force reads the server's own contents (an unfiltered, paged search per type), so it holds
whatever other tests have written; its order is the server's storage order, which is also the order
of unsorted results and of ties in sorted ones.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from actions.ehr.phones import search_spellings
from sandbox.synthetic.common import MRN_SYSTEM
from tests.integration.sandbox.fhir_helpers import FHIR_JSON
from tests.integration.sandbox.search_model import (
    REFERENCES,
    Resource,
    Server,
    codes,
    date_matches,
    ref,
    token_matches,
)

pytestmark = pytest.mark.integration

INVOICE_KIND = "https://frontdesk.dev/fhir/CodeSystem/invoice-kind"
ACTIVE_APPOINTMENT = "booked,pending,arrived,checked-in"


def some_patients(server: Server) -> list[Any]:
    """The special cases and every fifth other patient."""
    patients = server.dataset.patients
    return [p for n, p in enumerate(patients) if p.case is not None or n % 5 == 0]


# --- reference parameters: patient, subject, beneficiary, actor, schedule ------------------------


@pytest.mark.parametrize(("resource_type", "code"), sorted(REFERENCES))
def test_reference_search_finds_exactly_the_resources_that_point_there(
    server: Server, resource_type: str, code: str
) -> None:
    every = server.every(resource_type)
    extract = REFERENCES[(resource_type, code)]
    for patient in some_patients(server):
        target = f"Patient/{patient.id}"
        expected = [r["id"] for r in every if target in extract(r)]
        # unsorted results come in storage order, like the brute force
        assert server.ids(resource_type, {code: target, "_count": "1000"}) == expected, (code, patient.case)
        assert server.ids(resource_type, {code: patient.id, "_count": "1000"}) == expected, "a bare id"


def test_patient_and_subject_agree_where_the_subject_is_a_patient(server: Server) -> None:
    for patient in some_patients(server)[:40]:
        for resource_type in ("MedicationRequest", "Condition"):
            by_patient = server.ids(resource_type, {"patient": f"Patient/{patient.id}"})
            assert server.ids(resource_type, {"subject": f"Patient/{patient.id}"}) == by_patient


def test_patient_is_a_subject_that_is_a_patient(server: Server) -> None:
    """`patient` is `subject.where(resolve() is Patient)`: a Group subject is a subject, not a patient."""
    same_id = server.dataset.cases.demo.id
    ids = []
    for resource_type, body in (
        ("Condition", {"code": {"text": "test"}}),
        (
            "MedicationRequest",
            {"status": "active", "intent": "order", "medicationCodeableConcept": {"text": "x"}},
        ),
    ):
        resource = {"resourceType": resource_type, **body, "subject": {"reference": f"Group/{same_id}"}}
        response = server.http.post(f"/{resource_type}", json=resource, headers=FHIR_JSON)
        assert response.status_code == 201, response.text
        created = response.json()["id"]
        ids.append(created)
        assert server.ids(resource_type, {"subject": f"Group/{same_id}"}) == [created]
        assert created in server.ids(resource_type, {"subject": same_id, "_count": "1000"})
        assert server.ids(resource_type, {"patient": f"Group/{same_id}"}) == []
        assert created not in server.ids(resource_type, {"patient": same_id, "_count": "1000"})
    assert len(ids) == 2
    server.forget()


def test_slot_by_a_list_of_schedules_and_schedule_by_actor(server: Server) -> None:
    slots = server.every("Slot")
    schedules = server.every("Schedule")
    ids = [s["id"] for s in schedules]
    for k in range(1, len(ids) + 1, 3):
        chosen = {f"Schedule/{i}" for i in ids[:k]}
        expected = [s["id"] for s in slots if s["schedule"]["reference"] in chosen]
        found = server.bundle("Slot", {"schedule": ",".join(sorted(chosen)), "_count": "0"})["total"]
        assert found == len(expected)
        page = server.ids("Slot", {"schedule": ",".join(sorted(chosen)), "_count": "50", "_offset": "20"})
        assert page == expected[20:70]
    for practitioner in server.every("Practitioner"):
        actor = f"Practitioner/{practitioner['id']}"
        theirs = [s for s in schedules if actor in ref(s["actor"]) and s.get("active") is True]
        assert server.ids("Schedule", {"active": "true", "actor": actor}) == [s["id"] for s in theirs]
        for visit_type in ("follow-up", "telehealth"):
            offered = [s["id"] for s in theirs if token_matches(codes(s.get("serviceType", [])), visit_type)]
            query = {"active": "true", "actor": actor, "service-type": visit_type}
            assert server.ids("Schedule", query) == offered


# --- phone numbers, stored in five formats --------------------------------------------------------


def phones(patient: Resource) -> list[str]:
    return [t["value"].lower() for t in patient.get("telecom", []) if t.get("system") == "phone"]


def test_phone_search_matches_the_stored_string_in_every_format(server: Server) -> None:
    patients = server.every("Patient")
    formats = {info.phone_format for info in server.dataset.patients if info.phone}
    assert formats == {"paren", "dashes", "e164", "digits", "dots"}
    for info in server.dataset.patients:
        if not info.phone:
            continue
        stored = [p["id"] for p in patients if info.phone.lower() in phones(p)]
        assert info.id in stored
        assert server.ids("Patient", {"phone": info.phone}) == stored
        spellings = search_spellings(info.phone)
        assert info.phone in spellings
        any_spelling = [p["id"] for p in patients if {s.lower() for s in spellings} & set(phones(p))]
        assert server.ids("Patient", {"phone": ",".join(spellings)}) == any_spelling
        # one other spelling alone finds only those who stored that spelling
        other = next(s for s in spellings if s != info.phone)
        assert server.ids("Patient", {"phone": other}) == [
            p["id"] for p in patients if other.lower() in phones(p)
        ]


def test_phone_formats_case_and_a_shared_household_number(server: Server) -> None:
    for info in server.dataset.cases["phone_formats"]:
        assert info.id in server.ids("Patient", {"phone": ",".join(search_spellings(info.phone))})
    family = server.dataset.cases["family"]
    assert set(server.ids("Patient", {"phone": family[0].phone})) >= {p.id for p in family}
    assert server.ids("Patient", {"phone": "(999) 555-0100"}) == []


def test_identifier_family_birthdate_and_id(server: Server) -> None:
    patients = server.every("Patient")
    for info in some_patients(server):
        assert server.ids("Patient", {"identifier": f"{MRN_SYSTEM}|{info.mrn}"}) == [info.id]
        assert server.ids("Patient", {"_id": info.id}) == [info.id]
        same_day = [p["id"] for p in patients if p.get("birthDate") == info.birth_date]
        assert server.ids("Patient", {"birthdate": info.birth_date}) == same_day
        assert info.id in server.ids("Patient", {"family": info.family, "birthdate": info.birth_date})
    ids = [p["id"] for p in patients[10:14]]
    assert server.ids("Patient", {"_id": ",".join(ids)}) == ids


# --- dates, statuses, sorting and paging ----------------------------------------------------------


@pytest.mark.parametrize("prefix", ["", "eq", "ne", "lt", "gt", "le", "ge", "sa", "eb", "ap"])
def test_date_prefixes_and_precisions(server: Server, prefix: str) -> None:
    appointments = server.every("Appointment")
    for value in ("2026", "2026-12", "2026-12-01", "2026-12-01T09:30:00-05:00", "2025-06-23T15:00:00Z"):
        expected = [a["id"] for a in appointments if date_matches(a.get("start"), prefix + value)]
        assert server.all_ids("Appointment", {"date": prefix + value}) == expected, prefix + value
    patients = server.every("Patient")
    for value in ("1984", "1984-03", "1984-03-14", "1958-06-10T00:00:00-05:00"):
        expected = [p["id"] for p in patients if date_matches(p.get("birthDate"), prefix + value)]
        assert server.all_ids("Patient", {"birthdate": prefix + value}) == expected, prefix + value


def test_slot_windows_sorted_by_start_and_paged(server: Server) -> None:
    """The gateway's free-slot search: schedules, status, a start window, _sort=start, _count."""
    slots = server.every("Slot")
    schedules = sorted(f"Schedule/{s['id']}" for s in server.every("Schedule"))
    today = dt.datetime.combine(server.dataset.today, dt.time(0), dt.timezone.utc)
    for days in (0, 1, 6, 20, 45):
        start = today + dt.timedelta(days=days, hours=13)
        end = start + dt.timedelta(days=7)
        low, high = f"ge{start.isoformat()}", f"lt{end.isoformat()}"
        expected = sorted(
            (
                s
                for s in slots
                if s["status"] == "free" and date_matches(s["start"], low) and date_matches(s["start"], high)
            ),
            key=lambda s: s["start"],
        )
        query = [
            ("schedule", ",".join(schedules)),
            ("status", "free"),
            ("start", low),
            ("start", high),
            ("_sort", "start"),
        ]
        assert server.ids("Slot", [*query, ("_count", "10")]) == [s["id"] for s in expected[:10]]
        descending = sorted(
            expected, key=lambda s: s["start"], reverse=True
        )  # stable: ties keep storage order
        assert server.ids("Slot", [*query[:-1], ("_sort", "-start"), ("_count", "10")]) == [
            s["id"] for s in descending[:10]
        ]
        # following `next` links walks the whole result once, in order
        seen: list[str] = []
        body = server.bundle("Slot", [*query, ("_count", "40")])
        assert body["total"] == len(expected)
        while True:
            seen += [e["resource"]["id"] for e in body.get("entry", [])]
            nxt = next((link["url"] for link in body["link"] if link["relation"] == "next"), None)
            if nxt is None:
                break
            body = server.http.get(nxt).json()
        assert seen == [s["id"] for s in expected]
    assert (
        server.ids("Slot", {"status": "free", "_count": "10"})
        == [s["id"] for s in slots if s["status"] == "free"][:10]
    )


def test_upcoming_appointments_by_status_list_sorted_by_date(server: Server) -> None:
    appointments = server.every("Appointment")
    now = dt.datetime.combine(server.dataset.today, dt.time(10), dt.timezone(dt.timedelta(hours=-5)))
    for patient in some_patients(server):
        target = f"Patient/{patient.id}"
        mine = [a for a in appointments if target in REFERENCES[("Appointment", "patient")](a)]
        upcoming = sorted(
            (
                a
                for a in mine
                if a["status"] in ACTIVE_APPOINTMENT.split(",")
                and date_matches(a["start"], f"ge{now.isoformat()}")
            ),
            key=lambda a: a["start"],
        )
        query = {
            "patient": target,
            "date": f"ge{now.isoformat()}",
            "status": ACTIVE_APPOINTMENT,
            "_sort": "date",
            "_count": "10",
        }
        assert server.ids("Appointment", query) == [a["id"] for a in upcoming[:10]]
        cancelled_or_no_show = [a["id"] for a in mine if a["status"] in ("cancelled", "noshow")]
        assert (
            server.ids("Appointment", {"patient": target, "status": "cancelled,noshow"})
            == cancelled_or_no_show
        )
        not_cancelled = [a["id"] for a in mine if a["status"] != "cancelled"]
        assert server.ids("Appointment", {"patient": target, "status:not": "cancelled"}) == not_cancelled


def test_statements_sorted_by_date_descending_and_counted(server: Server) -> None:
    invoices = server.every("Invoice")
    for patient in some_patients(server):
        target = f"Patient/{patient.id}"
        statements = [
            i
            for i in invoices
            if i["subject"]["reference"] == target
            and token_matches(codes(i["type"]), f"{INVOICE_KIND}|statement")
        ]
        newest_first = sorted(statements, key=lambda i: i["date"], reverse=True)
        query = {"subject": target, "type": f"{INVOICE_KIND}|statement", "_sort": "-date"}
        assert server.ids("Invoice", {**query, "_count": "1"}) == [i["id"] for i in newest_first[:1]]
        assert server.ids("Invoice", {**query, "_count": "50"}) == [i["id"] for i in newest_first]
        issued = [i["id"] for i in newest_first if i["status"] == "issued"]
        assert server.ids("Invoice", {**query, "status": "issued", "_count": "50"}) == issued
        # two sort keys: status first, then newest first within a status
        two_keys = sorted(newest_first, key=lambda i: i["status"])
        assert server.ids("Invoice", {**query, "_sort": "status,-date", "_count": "50"}) == [
            i["id"] for i in two_keys
        ]


def test_medications_conditions_allergies_coverage_and_accounts(server: Server) -> None:
    requests = server.every("MedicationRequest")
    conditions = server.every("Condition")
    coverages = server.every("Coverage")
    accounts = server.every("Account")
    for patient in some_patients(server):
        target = f"Patient/{patient.id}"
        mine = [r for r in requests if r["subject"]["reference"] == target]
        active = [r["id"] for r in mine if r["status"] == "active" and r["intent"] == "order"]
        query = {"patient": target, "status": "active", "intent": "order"}
        assert server.ids("MedicationRequest", query) == active
        either = [r["id"] for r in mine if r["status"] in ("active", "stopped")]
        assert server.ids("MedicationRequest", {"patient": target, "status": "active,stopped"}) == either
        problems = [
            c["id"]
            for c in conditions
            if c["subject"]["reference"] == target and token_matches(codes(c.get("clinicalStatus")), "active")
        ]
        assert server.ids("Condition", {"patient": target, "clinical-status": "active"}) == problems
        covered = [
            c["id"] for c in coverages if c["beneficiary"]["reference"] == target and c["status"] == "active"
        ]
        assert server.ids("Coverage", {"beneficiary": target, "status": "active"}) == covered
        billed = [
            a["id"] for a in accounts if target in ref(a.get("subject", [])) and a["status"] == "active"
        ]
        assert server.ids("Account", {"patient": target, "status": "active"}) == billed


def test_directory_searches(server: Server) -> None:
    for resource_type in ("Practitioner", "Location", "Organization"):
        every = [r["id"] for r in server.every(resource_type)]
        chosen = every[1:4]
        assert server.ids(resource_type, {"_id": ",".join(sorted(chosen))}) == chosen
    pharmacies = [
        o["id"]
        for o in server.every("Organization")
        if o.get("active") is True
        and token_matches(codes(o.get("type", [])), "http://nucc.org/provider-taxonomy|3336C0003X")
    ]
    assert len(pharmacies) == 5
    assert (
        server.ids("Organization", {"type": "http://nucc.org/provider-taxonomy|3336C0003X", "active": "true"})
        == pharmacies
    )
    assert server.ids("Schedule", {"active": "true"}) == [
        s["id"] for s in server.every("Schedule") if s.get("active")
    ]


def test_count_offset_and_total(server: Server) -> None:
    every = [p["id"] for p in server.every("Patient")]
    for count, offset in ((7, 0), (7, 493), (1, 250), (0, 0), (20, 499), (1000, 0)):
        body = server.bundle("Patient", {"_count": str(count), "_offset": str(offset)})
        assert body["total"] == len(every)
        assert [e["resource"]["id"] for e in body.get("entry", [])] == every[offset : offset + count]
    assert server.bundle("Patient", {"gender": "female", "_count": "0"})["total"] == sum(
        1 for p in server.every("Patient") if p.get("gender") == "female"
    )
