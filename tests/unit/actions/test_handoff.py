"""action_handoff with and without someone to take the conversation, callback requests for
verified, unverified and locked-out patients, an EHR that fails, and the availability client
against a fake Rasa server (garbled answers, errors, refusal, silence)."""

from __future__ import annotations

import logging
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import httpx
import pytest

from actions.ehr import EHRTimeout, EHRUnavailable, Patient
from actions.handoff import (
    ActionHandoff,
    ActionHoldCallback,
    ActionRequestCallback,
    reference,
    wait_phrase,
)
from actions.handoff_availability import Availability, AvailabilityClient, parse
from settings import ClinicSettings
from settings.hours import parse_opening_hours
from tests.unit.actions.conversation import VERIFIED, run, tracker
from tests.unit.fakes import READ_ONLY, FakeGateway

NY = ZoneInfo("America/New_York")
DANA = Patient("p-demo", "Dana", "Whitfield", date(1984, 3, 14), phones=("+16175550123",))
CLINIC = ClinicSettings(
    name="Test Clinic",
    timezone="America/New_York",
    phone="(555) 010-0100",
    hours="Monday to Friday, 8 AM to 5 PM.",
    opening_hours=parse_opening_hours(
        {d: "08:00-17:00" for d in ("monday", "tuesday", "wednesday", "thursday", "friday")}, None, NY
    ),
)
SATURDAY_NOON = datetime(2026, 11, 28, 12, 0, tzinfo=NY)
TUESDAY_10AM = datetime(2026, 12, 1, 10, 0, tzinfo=NY)
MONDAY_8AM = datetime(2026, 11, 30, 8, 0, tzinfo=NY)


def staffed(open_: bool = True, agents: int = 1, wait: int | None = 5, next_open: datetime | None = None):
    async def source() -> Availability | None:
        return Availability(open_, agents, 0, wait if open_ and agents else None, next_open)

    return source


async def unknown() -> Availability | None:
    return None


def handoff(source, now: datetime = TUESDAY_10AM) -> ActionHandoff:
    return ActionHandoff(clinic=CLINIC, availability=source, clock=lambda: now)


def events_named(result, kind: str) -> list[dict]:
    return [e for e in result.events if e.get("event") == kind]


@pytest.mark.asyncio
async def test_open_with_an_agent_says_the_wait_and_pauses():
    """Tried: an agent signed in and a 25-minute wait; the patient hears it and the bot pauses."""
    result = await run(handoff(staffed(wait=25)), tracker("agent", "request_human"))
    assert result.texts == [
        "I'm connecting you with a member of our staff. The wait is about 25 minutes right now; "
        "please stay in this chat."
    ]
    assert result.slot("handoff_reason") == "requested" and result.slot("handoff_priority") == "normal"
    assert result.slot("offer") is None
    assert result.events[-1]["event"] == "pause"


@pytest.mark.parametrize(
    ("minutes", "said"),
    [
        (1, "only take a few minutes"),
        (5, "only take a few minutes"),
        (7, "about 5 minutes"),
        (8, "about 10 minutes"),
        (58, "about 60 minutes"),
        (61, "more than an hour"),
    ],
)
def test_the_wait_is_rounded_honestly(minutes, said):
    assert said in wait_phrase(minutes)


@pytest.mark.asyncio
async def test_closed_says_when_it_opens_and_offers_a_callback_without_pausing():
    """Tried: Saturday noon, the clinic opens Monday at 8; an unverified patient is told they will
    be asked who they are first; the bot does not pause."""
    source = staffed(open_=False, agents=1, next_open=MONDAY_8AM)
    result = await run(handoff(source, SATURDAY_NOON), tracker("a person please", "request_human"))
    assert result.texts == [
        "We're closed right now; we open again Monday at 8:00 AM. Would you like a member of our "
        "staff to call you back? I'll need to confirm who you are first."
    ]
    assert result.slot("offer") == "callback" and result.slot("handoff_reason") == "requested"
    assert not events_named(result, "pause")


@pytest.mark.asyncio
async def test_nobody_signed_in_says_so_and_offers_a_callback():
    """Tried: open, no agent, a verified patient whose reason was frustration (kept)."""
    t = tracker("yes", "affirm", slots={**VERIFIED, "handoff_reason": "frustration", "offer": "handoff"})
    result = await run(handoff(staffed(agents=0)), t)
    assert result.texts == [
        "No one is available to chat right now. Would you like a member of our staff to call you back?"
    ]
    assert result.slot("offer") == "callback" and result.slot("handoff_reason") == "frustration"
    assert not events_named(result, "pause")


@pytest.mark.asyncio
async def test_an_emergency_is_queued_whoever_is_there_and_never_asks():
    """Tried: an emergency with the clinic closed and nobody signed in: queued, ahead of everyone;
    the availability is not even asked."""
    asked = []

    async def source():
        asked.append(True)
        return Availability(False, 0, 0, None, MONDAY_8AM)

    for reason in ("emergency", "self_harm"):
        result = await run(handoff(source, SATURDAY_NOON), tracker("", slots={"handoff_reason": reason}))
        assert result.slot("handoff_priority") == "urgent" and result.events[-1]["event"] == "pause"
        assert "ahead of other conversations" in result.texts[0]
    assert asked == []


@pytest.mark.asyncio
async def test_unknown_availability_hands_off_as_before():
    """Tried: the availability could not be told: today's words, and the bot pauses."""
    result = await run(handoff(unknown), tracker("agent", "request_human"))
    assert "usually takes a few minutes" in result.texts[0]
    assert result.events[-1]["event"] == "pause" and result.slot("offer") is None


@pytest.mark.asyncio
async def test_a_verified_patients_callback_is_a_task_and_says_when(caplog):
    """Tried: verified, asked for a person by web chat on a Saturday: a Task with the reason's
    text and the channel (no message text), the reference and Monday 8 AM in the reply; the log
    names neither the patient nor the conversation nor the Task."""
    caplog.set_level(logging.DEBUG, logger="frontdesk.actions")
    gateway = FakeGateway(patients=[DANA])
    action = ActionRequestCallback(gateway=gateway, clinic=CLINIC, clock=lambda: SATURDAY_NOON)
    t = tracker(
        "yes",
        "affirm",
        slots={**VERIFIED, "offer": "callback", "handoff_reason": "requested"},
        sender_id="web:abc",
    )
    result = await run(action, t)
    assert gateway.callbacks == [
        (
            "p-demo",
            "requested",
            "asked for a person",
            "Call the patient back (asked for a person by web chat)",
        )
    ]
    assert result.texts == [
        "Done: I've asked our staff to call you back at the phone number on your record. Expect a "
        "call after we open Monday at 8:00 AM. Your request reference is TASK1. If it can't wait, "
        "call us at (555) 010-0100."
    ]
    assert result.slot("offer") is None and result.slot("callback_requested") is True  # counted
    assert "callback: filed, reason=requested" in caplog.text
    for secret in ("p-demo", "Dana", "web:abc", "task-1", "TASK1"):
        assert secret not in caplog.text


@pytest.mark.asyncio
async def test_a_callback_filed_while_open_expects_a_call_today():
    gateway = FakeGateway(patients=[DANA])
    action = ActionRequestCallback(gateway=gateway, clinic=CLINIC, clock=lambda: TUESDAY_10AM)
    t = tracker("yes", "affirm", slots={**VERIFIED, "pending_request": "callback"}, sender_id="sms:x")
    result = await run(action, t)
    assert "as soon as someone is free" in result.texts[0]
    assert gateway.callbacks[0][3] == "Call the patient back (asked for a person by text message)"
    assert result.slot("pending_request") is None


@pytest.mark.asyncio
@pytest.mark.parametrize("failure", [EHRUnavailable("down"), EHRTimeout("slow"), None])
async def test_an_ehr_that_fails_or_takes_no_tasks_gets_an_apology_and_the_phone(failure):
    """Tried: the EHR answering 5xx, timing out, and an EHR that takes no Tasks over its API."""
    gateway = FakeGateway(patients=[DANA], fail_with=failure)
    if failure is None:
        gateway = FakeGateway(patients=[DANA], capabilities_=READ_ONLY)
    action = ActionRequestCallback(gateway=gateway, clinic=CLINIC, clock=lambda: SATURDAY_NOON)
    result = await run(action, tracker("yes", "affirm", slots={**VERIFIED, "offer": "callback"}))
    assert result.texts == [
        "I'm sorry, I couldn't file your callback request just now. Please call us at (555) 010-0100. "
        "Our hours: Monday to Friday, 8 AM to 5 PM."
    ]
    assert gateway.callbacks == [] and result.slot("offer") is None
    assert all(e.get("name") != "callback_requested" for e in result.events)  # nothing to count


@pytest.mark.asyncio
async def test_a_record_without_a_phone_is_not_filed_and_gets_the_clinics_phone():
    """Tried: a verified patient whose record has no phone number: no Task, the clinic's phone."""
    gateway = FakeGateway(patients=[Patient("p-demo", "Dana", "Whitfield", date(1984, 3, 14))])
    action = ActionRequestCallback(gateway=gateway, clinic=CLINIC, clock=lambda: SATURDAY_NOON)
    result = await run(action, tracker("yes", "affirm", slots={**VERIFIED, "offer": "callback"}))
    assert result.texts[0].startswith("There's no phone number on your record")
    assert "(555) 010-0100" in result.texts[0]
    assert gateway.callbacks == [] and "request_callback" not in gateway.calls
    assert all(e.get("name") != "callback_requested" for e in result.events)


@pytest.mark.asyncio
async def test_nothing_is_filed_for_an_unverified_patient():
    """Tried: the filing action run without verification (a rule mistake): refused, nothing written."""
    gateway = FakeGateway()
    action = ActionRequestCallback(gateway=gateway, clinic=CLINIC)
    result = await run(action, tracker("yes", "affirm", slots={"offer": "callback"}))
    assert result.texts == [""] and result.responses == ["utter_verify_first"]
    assert gateway.calls == []


@pytest.mark.asyncio
async def test_an_unverified_patient_verifies_first_and_a_locked_out_one_gets_the_phone():
    held = await run(ActionHoldCallback(clinic=CLINIC), tracker("yes", "affirm", slots={"offer": "callback"}))
    assert held.slot("pending_request") == "callback" and held.slot("offer") is None
    assert "once I've confirmed who you are" in held.texts[0]
    locked = await run(
        ActionHoldCallback(clinic=CLINIC),
        tracker("yes", "affirm", slots={"offer": "callback", "verification": "locked"}),
    )
    assert locked.slot("pending_request") is None
    assert "(555) 010-0100" in locked.texts[0] and "Monday to Friday" in locked.texts[0]


def test_the_reference_is_short():
    assert reference("3f2a9c1b-0000-4000-8000-000000000000") == "3F2A9C1B"


# --- the availability client, against a fake Rasa server -------------------------------------

GOOD = {"open": True, "agents_signed_in": 2, "waiting_ahead": 1, "wait_minutes": 8, "next_open": None}


def client_for(handler, env=None) -> AvailabilityClient:
    env = {"FRONTDESK_SERVER_URL": "http://rasa.test/", "FRONTDESK_INTERNAL_TOKEN": "s3cret", **(env or {})}
    return AvailabilityClient(env, transport=httpx.MockTransport(handler))


@pytest.mark.asyncio
async def test_the_client_asks_with_the_token_and_reads_the_answer():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((str(request.url), request.headers.get("authorization")))
        return httpx.Response(200, json=GOOD)

    found = await client_for(handler)()
    assert found == Availability(True, 2, 1, 8, None)
    assert seen == [("http://rasa.test/internal/handoff/availability", "Bearer s3cret")]


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        "open",
        {**GOOD, "open": "yes"},
        {**GOOD, "agents_signed_in": -1},
        {**GOOD, "agents_signed_in": True},
        {**GOOD, "waiting_ahead": "2"},
        {**GOOD, "wait_minutes": 0},
        {**GOOD, "wait_minutes": None},  # someone is there: a wait is required
        {**GOOD, "open": False, "wait_minutes": None, "next_open": "monday"},
        {**GOOD, "open": False, "wait_minutes": None, "next_open": "2026-11-30T08:00:00"},  # no zone
        {**GOOD, "open": False, "wait_minutes": None, "next_open": 5},
    ],
)
def test_garbled_answers_are_not_understood(body):
    assert parse(body) is None


def test_a_closed_answer_is_read_with_its_zone():
    found = parse({**GOOD, "open": False, "wait_minutes": None, "next_open": "2026-11-30T08:00:00-05:00"})
    assert found is not None and not found.can_connect
    assert found.next_open == datetime(2026, 11, 30, 13, 0, tzinfo=timezone.utc)


@pytest.mark.asyncio
async def test_errors_refusals_and_silence_are_unknown_and_logged_by_kind_only(caplog):
    """Tried: 401, 503, a body that is not JSON, a refused connection, a timeout; and the switch off."""

    def status(code: int, text: str = ""):
        return lambda request: httpx.Response(code, text=text)

    def refused(request):
        raise httpx.ConnectError("refused")

    def slow(request):
        raise httpx.ReadTimeout("slow")

    caplog.set_level(logging.WARNING, logger="frontdesk.actions")
    for handler in (status(401), status(503), status(200, "<html>"), refused, slow):
        assert await client_for(handler)() is None
    assert "ConnectError" in caplog.text and "ReadTimeout" in caplog.text and "HTTP 401" in caplog.text
    assert "s3cret" not in caplog.text and "rasa.test" not in caplog.text

    called = []
    off = client_for(
        lambda request: called.append(1) or httpx.Response(200, json=GOOD), {"HANDOFF_AVAILABILITY": "0"}
    )
    assert await off() is None and called == []


@pytest.mark.asyncio
async def test_handoff_over_a_garbled_server_hands_off_as_before():
    """Tried: the whole path: the Rasa server answers nonsense; the patient is still queued."""
    client = client_for(lambda request: httpx.Response(200, json={"open": 1}))
    result = await run(handoff(client), tracker("agent", "request_human"))
    assert "usually takes a few minutes" in result.texts[0] and result.events[-1]["event"] == "pause"
