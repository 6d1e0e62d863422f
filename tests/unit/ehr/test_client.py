"""Fault tests of the request chokepoint, against fake EHR servers (httpx.MockTransport).

Tried: timeouts, connection refused, 500, 502-504 and 429 with and without
Retry-After (seconds and HTTP date), writes that must not be retried, 401, 404,
412, an OperationOutcome, a body that is not JSON, JSON that is not FHIR, a
resource that fails validation, and a paging link to a foreign host. Every case
ends in a typed error or a success, and no log line or message names the patient.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx
import pytest

from actions.ehr.client import FhirClient
from actions.ehr.errors import (
    BadResponse,
    EHRTimeout,
    EHRUnauthorized,
    EHRUnavailable,
    NotFound,
    Rejected,
    VersionConflict,
)

BASE = "http://ehr.test/fhir"
SECRET_NAME = "Zelda Quixotica"
PATIENT = {
    "resourceType": "Patient",
    "id": "p1",
    "name": [{"family": "Quixotica", "given": ["Zelda"]}],
    "birthDate": "1970-01-01",
}


class ScriptedEHR:
    """A fake server answering from a list of responses (or exceptions), recording requests."""

    def __init__(self, *answers: httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]):
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        if callable(answer) and not isinstance(answer, httpx.Response):
            return answer(request)
        return answer


def fhir(status: int, body: object, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(
        status, json=body, headers={"Content-Type": "application/fhir+json", **(headers or {})}
    )


def outcome(code: str, diagnostics: str) -> dict:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": diagnostics}],
    }


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def make_client(server: ScriptedEHR, sleeps: Sleeps | None = None, **options) -> FhirClient:
    http = httpx.AsyncClient(transport=httpx.MockTransport(server))
    return FhirClient(BASE, http, sleep=sleeps or Sleeps(), **options)


@pytest.fixture(autouse=True)
def no_phi_in_logs(caplog):
    caplog.set_level(logging.DEBUG, logger="frontdesk.ehr")
    yield
    # At teardown caplog.text holds only teardown's records: read the call's.
    logged = "\n".join(record.getMessage() for record in caplog.get_records("call"))
    assert "GET Patient" in logged or "POST Patient" in logged or "PATCH Patient" in logged
    for text in (SECRET_NAME, "Zelda", "Quixotica", "1970-01-01"):
        assert text not in logged


@pytest.mark.asyncio
async def test_read_parses_the_resource_and_logs_without_phi(caplog):
    server = ScriptedEHR(fhir(200, PATIENT))
    patient = await make_client(server).read("Patient", "p1")
    assert patient.name[0].family == "Quixotica"
    assert str(server.requests[0].url) == f"{BASE}/Patient/p1"
    assert server.requests[0].headers["Accept"] == "application/fhir+json"
    assert "GET Patient -> 200" in caplog.text


@pytest.mark.asyncio
async def test_timeout_is_retried_then_raises_ehr_timeout():
    server = ScriptedEHR(httpx.ReadTimeout("slow"))
    sleeps = Sleeps()
    with pytest.raises(EHRTimeout):
        await make_client(server, sleeps, retries=2).read("Patient", "p1")
    assert len(server.requests) == 3
    assert len(sleeps.waits) == 2


@pytest.mark.asyncio
async def test_connection_refused_then_success():
    server = ScriptedEHR(httpx.ConnectError("refused"), fhir(200, PATIENT))
    patient = await make_client(server).read("Patient", "p1")
    assert patient.id == "p1"
    assert len(server.requests) == 2


@pytest.mark.asyncio
async def test_500_is_not_retried_and_is_unavailable():
    server = ScriptedEHR(fhir(500, outcome("exception", f"crash while reading {SECRET_NAME}")))
    with pytest.raises(EHRUnavailable) as caught:
        await make_client(server).read("Patient", "p1")
    assert caught.value.status == 500
    assert len(server.requests) == 1
    assert SECRET_NAME not in str(caught.value)


@pytest.mark.asyncio
async def test_503_with_retry_after_waits_that_long_then_succeeds():
    server = ScriptedEHR(fhir(503, outcome("transient", "busy"), {"Retry-After": "2"}), fhir(200, PATIENT))
    sleeps = Sleeps()
    patient = await make_client(server, sleeps).read("Patient", "p1")
    assert patient.id == "p1"
    assert sleeps.waits == [2.0]


@pytest.mark.asyncio
async def test_retry_after_as_http_date_is_honoured():
    server = ScriptedEHR(fhir(503, {}, {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}), fhir(200, PATIENT))
    sleeps = Sleeps()
    await make_client(server, sleeps).read("Patient", "p1")
    assert sleeps.waits == [0.0]  # a date in the past means "now"


@pytest.mark.asyncio
async def test_retry_after_longer_than_we_wait_fails_at_once_with_the_hint():
    server = ScriptedEHR(fhir(429, {}, {"Retry-After": "120"}))
    sleeps = Sleeps()
    with pytest.raises(EHRUnavailable) as caught:
        await make_client(server, sleeps, max_retry_wait=5).read("Patient", "p1")
    assert caught.value.retry_after == 120
    assert sleeps.waits == []
    assert len(server.requests) == 1


@pytest.mark.asyncio
@pytest.mark.parametrize("status", [429, 502, 503, 504])
async def test_retryable_status_exhausts_attempts(status):
    server = ScriptedEHR(fhir(status, {}))
    with pytest.raises(EHRUnavailable) as caught:
        await make_client(server, retries=2).read("Patient", "p1")
    assert caught.value.status == status
    assert len(server.requests) == 3


@pytest.mark.asyncio
async def test_writes_are_never_retried():
    server = ScriptedEHR(fhir(503, {}, {"Retry-After": "1"}), fhir(201, PATIENT))
    with pytest.raises(EHRUnavailable):
        await make_client(server).create(dict(PATIENT))
    assert len(server.requests) == 1


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, EHRUnauthorized),
        (403, EHRUnauthorized),
        (404, NotFound),
        (410, NotFound),
        (409, VersionConflict),
        (412, VersionConflict),
        (400, Rejected),
        (422, Rejected),
    ],
)
async def test_status_maps_to_typed_error(status, error):
    server = ScriptedEHR(fhir(status, outcome("processing", f"about {SECRET_NAME}")))
    with pytest.raises(error) as caught:
        await make_client(server).read("Patient", "p1")
    assert caught.value.status == status
    assert len(server.requests) == 1


@pytest.mark.asyncio
async def test_operation_outcome_issues_are_kept_but_not_printed():
    server = ScriptedEHR(fhir(400, outcome("invalid", f"birthDate of {SECRET_NAME} is wrong")))
    with pytest.raises(Rejected) as caught:
        await make_client(server).create(dict(PATIENT))
    error = caught.value
    assert [(i.severity, i.code) for i in error.issues] == [("error", "invalid")]
    assert SECRET_NAME in (error.issues[0].diagnostics or "")
    assert "issues=invalid" in str(error)
    assert SECRET_NAME not in str(error)


@pytest.mark.asyncio
async def test_body_that_is_not_json_is_a_bad_response():
    server = ScriptedEHR(httpx.Response(200, text="<html>gateway</html>"))
    with pytest.raises(BadResponse):
        await make_client(server).read("Patient", "p1")


@pytest.mark.asyncio
async def test_json_of_the_wrong_type_is_a_bad_response():
    server = ScriptedEHR(fhir(200, {"resourceType": "Observation", "id": "o1", "status": "final"}))
    with pytest.raises(BadResponse):
        await make_client(server).read("Patient", "p1")


@pytest.mark.asyncio
async def test_invalid_resource_is_a_bad_response_without_the_values():
    broken = dict(PATIENT, birthDate=f"born {SECRET_NAME}")
    server = ScriptedEHR(fhir(200, broken))
    with pytest.raises(BadResponse) as caught:
        await make_client(server).read("Patient", "p1")
    assert "birthDate" in str(caught.value)
    assert SECRET_NAME not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def bundle(entries: list[dict], next_url: str | None = None) -> dict:
    links = [{"relation": "self", "url": f"{BASE}/Patient"}]
    if next_url:
        links.append({"relation": "next", "url": next_url})
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "link": links,
        "entry": [{"resource": e, "search": {"mode": "match"}} for e in entries],
    }


def patient(n: int) -> dict:
    return dict(PATIENT, id=f"p{n}")


@pytest.mark.asyncio
async def test_search_follows_next_links_under_the_base_url():
    server = ScriptedEHR(
        fhir(200, bundle([patient(1), patient(2)], f"{BASE}/Patient?_page=2")),
        fhir(200, bundle([patient(3)])),
    )
    found = await make_client(server).search("Patient", {"birthdate": "1970-01-01"})
    assert [p.id for p in found] == ["p1", "p2", "p3"]
    assert str(server.requests[1].url) == f"{BASE}/Patient?_page=2"


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "foreign",
    [
        "http://evil.test/fhir/Patient?_page=2",
        "https://ehr.test/fhir/Patient?_page=2",  # another scheme is another origin
        "http://ehr.test/other/Patient?_page=2",
        "http://ehr.test/fhirx/Patient?_page=2",
    ],
)
async def test_search_refuses_a_next_link_outside_the_base_url(foreign):
    server = ScriptedEHR(fhir(200, bundle([patient(1)], foreign)))
    with pytest.raises(BadResponse):
        await make_client(server).search("Patient", {"birthdate": "1970-01-01"})
    assert len(server.requests) == 1


@pytest.mark.asyncio
async def test_search_stops_at_the_limit_and_at_max_pages():
    endless = ScriptedEHR(fhir(200, bundle([patient(1)], f"{BASE}/Patient?_page=n")))
    found = await make_client(endless, max_pages=4).search("Patient", {})
    assert len(found) == 4 and len(endless.requests) == 4
    limited = ScriptedEHR(fhir(200, bundle([patient(1), patient(2)], f"{BASE}/Patient?_page=n")))
    found = await make_client(limited).search("Patient", {}, limit=3)
    assert len(found) == 3 and len(limited.requests) == 2


@pytest.mark.asyncio
async def test_patch_sends_json_patch_with_if_match():
    server = ScriptedEHR(fhir(200, dict(PATIENT, active=False)))
    await make_client(server).patch(
        "Patient", "p1", [{"op": "add", "path": "/active", "value": False}], version_id="3"
    )
    sent = server.requests[0]
    assert sent.method == "PATCH"
    assert sent.headers["Content-Type"] == "application/json-patch+json"
    assert sent.headers["If-Match"] == 'W/"3"'
