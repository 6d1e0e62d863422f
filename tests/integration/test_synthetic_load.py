"""The default synthetic dataset (500 patients) loads into the real sandbox EHR (Medplum's engine and
validator) fast enough, and the searches the gateway relies on find what the dataset says is there."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from sandbox.server import SandboxEHR
from sandbox.synthetic import Dataset, LoadError, generate, load
from sandbox.synthetic.common import (
    ACCOUNT_BALANCE_EXT,
    MED_CATEGORY_SYSTEM,
    MRN_SYSTEM,
    SSN_SYSTEM,
    VISIT_TYPE_SYSTEM,
)

pytestmark = pytest.mark.integration

LOAD_BUDGET_SECONDS = 30.0


@dataclass
class Loaded:
    base_url: str
    dataset: Dataset
    seconds: float
    http: httpx.Client

    def search(self, query: str) -> list[dict[str, Any]]:
        response = self.http.get(f"{self.base_url}/{query}")
        assert response.status_code == 200, (query, response.text[:500])
        bundle = response.json()
        assert bundle["resourceType"] == "Bundle" and bundle["type"] == "searchset"
        return [e["resource"] for e in bundle.get("entry", [])]

    def total(self, query: str) -> int:
        response = self.http.get(f"{self.base_url}/{query}")
        assert response.status_code == 200, (query, response.text[:500])
        return response.json()["total"]


@pytest.fixture(scope="module")
def loaded() -> Iterator[Loaded]:
    dataset = generate()  # the default: 500 patients, seed 20261128, today in America/New_York
    with SandboxEHR() as ehr, httpx.Client(timeout=60) as http:
        started = time.monotonic()
        load(ehr.base_url, dataset)
        seconds = time.monotonic() - started
        total = sum(dataset.counts().values())
        print(f"\nload() of {len(dataset.patients)} patients, {total} resources: {seconds:.1f} s")
        yield Loaded(ehr.base_url, dataset, seconds, http)


def test_the_default_dataset_loads_in_under_30_seconds(loaded):
    assert len(loaded.dataset.patients) == 500
    assert loaded.seconds < LOAD_BUDGET_SECONDS


def test_every_resource_is_on_the_server(loaded):
    for resource_type, count in loaded.dataset.counts().items():
        assert loaded.total(f"{resource_type}?_count=0") == count, resource_type


def test_find_the_demo_patient_by_mrn_name_birth_date_and_phone(loaded):
    demo = loaded.dataset.cases.demo
    (by_mrn,) = loaded.search(f"Patient?identifier={MRN_SYSTEM}|{demo.mrn}")
    assert by_mrn["id"] == demo.id
    by_name = loaded.search(f"Patient?family={demo.family}&birthdate={demo.birth_date}")
    assert [p["id"] for p in by_name] == [demo.id]
    assert [p["id"] for p in loaded.search(f"Patient?phone={demo.phone}")] == [demo.id]


def test_phone_and_name_collisions_are_visible_to_searches(loaded):
    cases = loaded.dataset.cases
    family = {p["id"] for p in loaded.search(f"Patient?phone={cases.family.phone}")}
    assert family == set(cases.family.ids)
    namesakes = loaded.search(f"Patient?family={cases.namesake.family}&given={cases.namesake.given}")
    assert {p["id"] for p in namesakes} == set(cases.namesake.ids)
    twin = cases.namesake_same_dob
    same = loaded.search(f"Patient?family={twin.family}&given={twin.given}&birthdate={twin.birth_date}")
    assert {p["id"] for p in same} == set(twin.ids)


def test_accented_and_punctuated_names_and_ssn(loaded):
    cases = loaded.dataset.cases
    jose = next(p for p in cases.accented if p.given == "José")
    assert jose.id in {p["id"] for p in loaded.search("Patient?family=Núñez")}
    assert [p["id"] for p in loaded.search("Patient?family=O'Brien")] == [cases.apostrophe.id]
    assert [p["id"] for p in loaded.search("Patient?family=Smith-Jones")] == [cases.hyphenated.id]
    assert [p["id"] for p in loaded.search(f"Patient?identifier={SSN_SYSTEM}|{cases.with_ssn.ssn}")] == [
        cases.with_ssn.id
    ]


def test_upcoming_appointments_and_free_slots(loaded):
    demo = loaded.dataset.cases.demo
    today = loaded.dataset.today
    booked = loaded.search(f"Appointment?patient=Patient/{demo.id}&status=booked&date=ge{today.isoformat()}")
    assert {a["id"] for a in booked} == set(demo.upcoming_appointments)
    assert loaded.search(f"Appointment?patient=Patient/{loaded.dataset.cases.no_appointments.id}") == []

    zone = ZoneInfo(loaded.dataset.timezone)
    schedule = loaded.search("Schedule?actor=Practitioner/" + demo.general_practitioner_id)[0]
    slots = loaded.search(
        f"Slot?schedule=Schedule/{schedule['id']}&status=free&service-type={VISIT_TYPE_SYSTEM}|follow-up"
        f"&start=ge{today.isoformat()}&_count=100"
    )
    assert len(slots) == 100
    for slot in slots:
        start = dt.datetime.fromisoformat(slot["start"]).astimezone(zone)
        assert start.weekday() < 5 and 8 <= start.hour < 17 and start.date() > today


def test_billing_convention_through_the_api(loaded):
    demo = loaded.dataset.cases.demo
    (account,) = loaded.search(f"Account?subject=Patient/{demo.id}")
    balance = next(e for e in account["extension"] if e["url"] == ACCOUNT_BALANCE_EXT)["valueMoney"]
    assert Decimal(str(balance["value"])) == demo.balance > 0
    (statement,) = loaded.search(f"Invoice?subject=Patient/{demo.id}&status=issued")
    assert statement["id"] == demo.open_statement
    assert Decimal(str(statement["totalNet"]["value"])) == demo.balance
    invoices = loaded.search(f"Invoice?account=Account/{demo.account_id}")
    assert len(invoices) == len(demo.statements) + len(demo.payments)
    no_balance = loaded.dataset.cases.no_balance
    assert loaded.search(f"Invoice?subject=Patient/{no_balance.id}&status=issued") == []


def test_medications_pharmacies_and_coverage(loaded):
    cases = loaded.dataset.cases
    controlled = loaded.search(
        f"MedicationRequest?subject=Patient/{cases.controlled.id}&status=active"
        f"&category={MED_CATEGORY_SYSTEM}|controlled-substance"
    )
    expected = [m.id for m in cases.controlled.active_medications if m.controlled]
    assert [m["id"] for m in controlled] == expected
    active = loaded.search(f"MedicationRequest?subject=Patient/{cases.demo.id}&status=active")
    assert {m["id"] for m in active} == {m.id for m in cases.demo.active_medications}
    assert loaded.search(f"MedicationRequest?subject=Patient/{cases.no_medications.id}") == []
    pharmacies = loaded.search("Organization?type=http://nucc.org/provider-taxonomy|3336C0003X")
    assert len(pharmacies) == 5 and cases.demo.pharmacy_id in {p["id"] for p in pharmacies}
    (coverage,) = loaded.search(f"Coverage?beneficiary=Patient/{cases.demo.id}")
    assert coverage["subscriberId"] == cases.demo.subscriber_id


def test_load_raises_with_the_operation_outcome_summary(loaded):
    bad = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "resource": {"resourceType": "Patient", "id": "not-valid-1", "gender": "bogus"},
                "request": {"method": "PUT", "url": "Patient/not-valid-1"},
            }
        ],
    }
    with pytest.raises(LoadError) as raised:
        load(loaded.base_url, SimpleNamespace(bundles=[bad]), client=loaded.http)
    assert raised.value.status == 400 and raised.value.index == 0
    assert "gender" in str(raised.value) or "bogus" in str(raised.value)
    response = loaded.http.get(f"{loaded.base_url}/Patient/not-valid-1")
    assert response.status_code == 404
