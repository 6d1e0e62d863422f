"""The request chokepoint's observers, against fake EHR servers (httpx.MockTransport), and the
action server's EHR counters.

Tried: a search, a read, a write, a 404, a timeout after retries, a paging link to a foreign host,
an observer that raises, URLs holding a name and a birth date, data types and lower-case names
where a resource type belongs, and an outcome name outside the error tree. Every operation and
outcome is from a fixed set; no value from a URL reaches a label.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from actions.ehr.errors import BadResponse, EHRTimeout, NotFound
from actions.ehr.observe import INTERACTIONS, add_request_observer, operation_of, remove_request_observer
from actions.metrics import OUTCOMES, EHRMetrics
from tests.unit.ehr.test_client import BASE, PATIENT, ScriptedEHR, fhir, make_client

Heard = list[tuple[str, str, float]]


@pytest.fixture
def heard() -> Iterator[Heard]:
    calls: Heard = []

    def observer(operation: str, outcome: str, seconds: float) -> None:
        calls.append((operation, outcome, seconds))

    add_request_observer(observer)
    add_request_observer(observer)  # twice: still told once
    yield calls
    remove_request_observer(observer)


@pytest.mark.asyncio
async def test_every_request_is_told_once_with_its_operation_and_outcome(heard: Heard) -> None:
    """A search, a read and a create that succeed, then a read answered 404: one call each."""
    bundle = {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": PATIENT}]}
    server = ScriptedEHR(fhir(200, bundle), fhir(200, PATIENT), fhir(201, PATIENT), fhir(404, {}))
    client = make_client(server)
    await client.search("Patient", {"name": "Zelda Quixotica", "birthdate": "1970-01-01"})
    await client.read("Patient", "p1")
    await client.create({"resourceType": "Patient", "name": [{"family": "Quixotica"}]})
    with pytest.raises(NotFound):
        await client.read("Patient", "p2")
    assert [(op, outcome) for op, outcome, _ in heard] == [
        ("Patient.search", "success"),
        ("Patient.read", "success"),
        ("Patient.create", "success"),
        ("Patient.read", "NotFound"),
    ]
    assert all(seconds >= 0 for _, _, seconds in heard)


@pytest.mark.asyncio
async def test_retries_are_one_request_and_its_time_includes_them(heard: Heard) -> None:
    """A read that times out on every attempt (two retries): told once, as EHRTimeout."""
    server = ScriptedEHR(httpx.ReadTimeout("slow"))
    client = make_client(server, retries=2)
    with pytest.raises(EHRTimeout):
        await client.read("Appointment", "a1")
    assert len(server.requests) == 3
    assert [(op, outcome) for op, outcome, _ in heard] == [("Appointment.read", "EHRTimeout")]


@pytest.mark.asyncio
async def test_a_foreign_paging_link_is_counted_without_its_path(heard: Heard) -> None:
    """A next link to another host is refused (BadResponse) and counted as other.other."""
    page = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": PATIENT}],
        "link": [{"relation": "next", "url": "http://evil.test/Zelda/1970-01-01"}],
    }
    client = make_client(ScriptedEHR(fhir(200, page)))
    with pytest.raises(BadResponse):
        await client.search("Patient", {"name": "Zelda"})
    assert [(op, outcome) for op, outcome, _ in heard] == [
        ("Patient.search", "success"),
        ("other.other", "BadResponse"),
    ]


@pytest.mark.asyncio
async def test_an_observer_that_fails_does_not_fail_the_request(heard: Heard) -> None:
    """An observer raising: the request still returns, the other observers are still told."""

    def broken(operation: str, outcome: str, seconds: float) -> None:
        raise RuntimeError("boom")

    add_request_observer(broken)
    try:
        patient = await make_client(ScriptedEHR(fhir(200, PATIENT))).read("Patient", "p1")
    finally:
        remove_request_observer(broken)
    assert patient.id == "p1"
    assert [op for op, _, _ in heard] == ["Patient.read"]


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "Patient", "Patient.search"),
        ("POST", "Patient/_search", "Patient.search"),
        ("GET", "/Appointment/a-1", "Appointment.read"),
        ("PUT", "Appointment/a-1", "Appointment.update"),
        ("PATCH", "Appointment/a-1", "Appointment.patch"),
        ("DELETE", "Appointment/a-1", "Appointment.delete"),
        ("GET", "Patient/p1/_history/2", "Patient.vread"),
        ("GET", "Patient/p1/_history", "Patient.history"),
        ("POST", "Appointment/$find", "Appointment.operation"),
        ("POST", "Appointment/a1/$book", "Appointment.operation"),
        ("GET", "metadata", "system.capabilities"),
        ("POST", "", "system.transaction"),
        ("POST", "$export", "system.operation"),
        ("GET", "Zelda Quixotica/1970-01-01", "other.read"),
        ("GET", "HumanName/1", "other.read"),  # a data type, not a resource
        ("GET", "patient/1", "other.read"),
        ("HEAD", "Patient/p1/extra/parts", "Patient.other"),
    ],
)
def test_operations_come_from_fixed_sets(method: str, path: str, expected: str) -> None:
    """URLs of every shape, some holding a name and a birth date: the operation names neither."""
    operation = operation_of(method, path)
    assert operation == expected
    assert operation.split(".", 1)[1] in INTERACTIONS


def test_the_action_servers_counters_bound_the_outcome() -> None:
    """Two requests, one with an outcome name outside the error tree: that one is "other"; the
    text parses, and its histogram counted both."""
    metrics = EHRMetrics()
    metrics.observe("Patient.search", "success", 0.2)
    metrics.observe("Patient.search", "Traceback: Zelda Quixotica", -1.0)
    text = metrics.render().decode()
    assert "Zelda" not in text
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    search = ("operation", "Patient.search")
    assert samples[("frontdesk_ehr_requests_total", (search, ("outcome", "success")))] == 1
    assert samples[("frontdesk_ehr_requests_total", (search, ("outcome", "other")))] == 1
    assert samples[("frontdesk_ehr_request_seconds_count", (search,))] == 2
    assert samples[("frontdesk_ehr_request_seconds_bucket", (("le", "0.025"), search))] == 1
    assert {"success", "other", "EHRTimeout", "NotFound", "BadResponse"} <= OUTCOMES
    assert not any(name.endswith("_created") for name, _ in samples)


@pytest.mark.asyncio
async def test_unobserved_requests_are_not_timed() -> None:
    """With no observer, a request still works (the client skips the timing)."""
    patient = await make_client(ScriptedEHR(fhir(200, PATIENT))).read("Patient", "p1")
    assert patient.id == "p1"
    assert BASE.endswith("/fhir")
