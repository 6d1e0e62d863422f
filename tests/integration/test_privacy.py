"""After a conversation ends, nothing about the patient is left: proof against the real servers.

One assistant of its own (real Rasa server and action server, the session's sandbox EHR) with a
4-second idle timeout and debug logging. For each kind of end this module can drive (goodbye;
the internal end route, as "End chat", a closed page, the agent console and an SMS opt-out use
it; the idle sweep), a patient first fails verification once (so the action server holds a
failure count for the conversation), then verifies and reads their appointments or balance.
After the end: the tracker fetched through Rasa's HTTP API, the store (its size, whether the
conversation is live) and the action server's state for the conversation contain none of the
patient's identifiers (name, birth date in both writings, phone, MRN, FHIR id, ZIP). At the end
of the module both servers' debug logs are searched for every special-case patient's identifiers
and FHIR ids.

Also tried: Rasa's HTTP API asked for an unknown conversation's tracker (must not create a live
conversation), the internal routes without or with a wrong token, an unknown end reason.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.integration.stack import INTERNAL_TOKEN, RASA_TOKEN, Chat, start_assistant

pytestmark = pytest.mark.integration

IDLE_SECONDS = 4
AUTH = {"Authorization": f"Bearer {INTERNAL_TOKEN}"}
NEUTRAL = "couldn't verify those details"


@dataclass
class Stack:
    rasa_url: str
    actions_url: str
    logs: Path

    def live(self, chat: Chat) -> bool:
        response = httpx.get(f"{self.rasa_url}/internal/conversations/{chat.conversation_id}", headers=AUTH)
        response.raise_for_status()
        return bool(response.json()["live"])

    def store_size(self) -> int:
        response = httpx.get(f"{self.rasa_url}/internal/store", headers=AUTH)
        response.raise_for_status()
        return int(response.json()["conversations"])

    def action_server_state(self, chat: Chat) -> dict:
        response = httpx.get(
            f"{self.actions_url}/internal/conversations/{chat.conversation_id}", headers=AUTH
        )
        response.raise_for_status()
        return response.json()

    def end(self, chat: Chat, reason: str) -> httpx.Response:
        return httpx.post(
            f"{self.rasa_url}/internal/conversations/{chat.conversation_id}/end",
            json={"reason": reason},
            headers=AUTH,
        )


@pytest.fixture(scope="module")
def stack(ehr_proxy, sandbox, tmp_path_factory) -> Iterator[Stack]:
    logs = tmp_path_factory.mktemp("privacy-logs")
    before = os.environ.get("FRONTDESK_TEST_LOGS")
    os.environ["FRONTDESK_TEST_LOGS"] = str(logs)
    try:
        actions, rasa, url = start_assistant(
            ehr_proxy.base_url, {"FRONTDESK_IDLE_TIMEOUT_SECONDS": str(IDLE_SECONDS), "LOG_LEVEL": "DEBUG"}
        )
    finally:
        if before is None:
            os.environ.pop("FRONTDESK_TEST_LOGS", None)
        else:
            os.environ["FRONTDESK_TEST_LOGS"] = before
    try:
        yield Stack(url, actions.ready_url.removesuffix("/health"), logs)
    finally:
        rasa.stop()
        actions.stop()
    identifiers = sandbox.identifiers() | {p.id for name in sandbox.dataset.cases for p in sandbox.case(name)}
    debug_lines = 0
    for service in (actions, rasa):
        text = service.log_path.read_text(errors="replace")
        debug_lines += text.count(" DEBUG ")
        leaked = [v for v in identifiers if v in text]
        assert not leaked, f"{len(leaked)} patient identifiers appeared in {service.log_path.name}"
    assert debug_lines > 100, "the servers were meant to log at debug level"


def identifiers_of(info) -> list[str]:
    year, month, day = info.birth_date.split("-")
    values = [
        info.given,
        info.family,
        info.birth_date,
        f"{int(month)}/{int(day)}/{year}",
        info.mrn,
        info.id,
        info.postal_code,
        info.phone,
        info.phone_e164,
    ]
    return [v for v in values if v]


def fail_once(stack: Stack, chat: Chat, info, request: str) -> None:
    """Ask for something protected and give a wrong ZIP: the action server counts one failure."""
    year, month, day = info.birth_date.split("-")
    assert "full name" in chat.said(request)
    chat.say(f"{info.given} {info.family}")
    chat.say(f"{int(month)}/{int(day)}/{year}")
    assert NEUTRAL in chat.said("00000")
    assert stack.action_server_state(chat) == {"verification_failures": 1}


def verified_after_one_failure(stack: Stack, chat: Chat, info, request: str) -> str:
    """One failure, then the right answers; what the bot said when verified."""
    fail_once(stack, chat, info, request)
    year, month, day = info.birth_date.split("-")
    chat.say(f"{info.given} {info.family}")
    chat.say(f"{int(month)}/{int(day)}/{year}")
    reply = chat.said(info.postal_code)
    assert f"Thank you, {info.given}, you're verified." in reply, reply
    tracker = json.dumps(chat.tracker())
    assert info.id in tracker and info.family in tracker  # so the checks after the end can fail
    assert stack.live(chat)
    return reply


def assert_nothing_left(stack: Stack, chat: Chat, info) -> None:
    tracker = json.dumps(chat.tracker())
    assert [v for v in identifiers_of(info) if v in tracker] == []
    assert not stack.live(chat)
    assert stack.action_server_state(chat) == {"verification_failures": 0}


def test_goodbye_leaves_nothing(stack, sandbox):
    """A verified patient reads their appointments and says goodbye; another conversation fails
    verification once and says goodbye: afterwards neither tracker, the store nor the action
    server (the failure count) holds anything of theirs."""
    info = sandbox.patient("demo")
    verified = Chat(stack.rasa_url)
    verified_after_one_failure(stack, verified, info, "when is my next appointment")
    assert "Take care" in verified.said("bye")
    assert_nothing_left(stack, verified, info)
    failed = Chat(stack.rasa_url)
    fail_once(stack, failed, info, "what do i owe")
    assert "Take care" in failed.said("bye")
    assert_nothing_left(stack, failed, info)


@pytest.mark.parametrize("reason", ["patient_ended", "page_closed", "agent_closed", "opted_out"])
def test_the_end_route_leaves_nothing(stack, sandbox, reason):
    """A verified patient asks for the balance, another conversation fails verification once; both
    are ended through the internal route with each reason the channels use: true the first time,
    false the second (idempotent); nothing of theirs is left."""
    info = sandbox.patient("no_appointments")
    verified = Chat(stack.rasa_url)
    verified_after_one_failure(stack, verified, info, "what do i owe")
    failed = Chat(stack.rasa_url)
    fail_once(stack, failed, info, "what do i owe")
    for chat in (verified, failed):
        first = stack.end(chat, reason)
        assert first.status_code == 200 and first.json() == {"ended": True}
        assert stack.end(chat, reason).json() == {"ended": False}
        assert_nothing_left(stack, chat, info)


def test_the_idle_sweep_ends_a_quiet_conversation_on_its_own(stack, sandbox):
    """A verified conversation and one with a failure, then silence: a few seconds past the
    4-second timeout the sweep has ended both without any further message; nothing left."""
    info = sandbox.patient("demo")
    verified = Chat(stack.rasa_url)
    verified_after_one_failure(stack, verified, info, "when is my next appointment")
    failed = Chat(stack.rasa_url)
    fail_once(stack, failed, info, "what do i owe")
    deadline = time.monotonic() + IDLE_SECONDS * 4
    while (stack.live(verified) or stack.live(failed)) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert_nothing_left(stack, verified, info)
    assert_nothing_left(stack, failed, info)


def test_a_conversation_after_the_end_starts_fresh(stack, sandbox):
    """The same client id after goodbye: a new conversation that must verify again."""
    info = sandbox.patient("demo")
    chat = Chat(stack.rasa_url)
    verified_after_one_failure(stack, chat, info, "when is my next appointment")
    chat.say("bye")
    assert "full name" in chat.said("what do i owe")
    assert stack.live(chat)
    assert stack.end(chat, "patient_ended").json() == {"ended": True}


def test_asking_for_an_unknown_tracker_creates_no_conversation(stack):
    """GET /conversations/<unknown>/tracker (Rasa creates an empty tracker for it): not live, the
    store's size unchanged, and an empty event list without user messages."""
    size = stack.store_size()
    chat = Chat(stack.rasa_url)
    tracker = chat.tracker()
    assert [e for e in tracker["events"] if e["event"] == "user"] == []
    assert not stack.live(chat)
    assert stack.store_size() == size


def test_every_conversation_here_ended(stack):
    """After the tests above (and the idle sweep), the store is empty."""
    deadline = time.monotonic() + IDLE_SECONDS * 4
    while stack.store_size() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert stack.store_size() == 0


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": INTERNAL_TOKEN}],
    ids=["none", "wrong", "bare"],
)
def test_internal_routes_need_the_token(stack, headers):
    """The Rasa server's and the action server's internal routes without the token, with a wrong
    one, or with the token but no "Bearer": 401, and nothing ended."""
    assert httpx.get(f"{stack.rasa_url}/internal/store", headers=headers).status_code == 401
    end = httpx.post(f"{stack.rasa_url}/internal/conversations/rest:x/end", json={}, headers=headers)
    assert end.status_code == 401
    drop = httpx.post(
        f"{stack.actions_url}/internal/conversations/end", json={"sender_id": "x"}, headers=headers
    )
    assert drop.status_code == 401
    assert httpx.get(f"{stack.actions_url}/internal/conversations/x", headers=headers).status_code == 401


def test_bad_end_requests_are_refused_clearly(stack):
    """An unknown reason, a body that is not JSON, no sender id to the action server: 400 each."""
    bad_reason = httpx.post(
        f"{stack.rasa_url}/internal/conversations/rest:x/end", json={"reason": "bored"}, headers=AUTH
    )
    assert bad_reason.status_code == 400 and "reason must be one of" in bad_reason.json()["error"]
    not_json = httpx.post(f"{stack.rasa_url}/internal/conversations/rest:x/end", content=b"{", headers=AUTH)
    assert not_json.status_code == 400
    no_sender = httpx.post(f"{stack.actions_url}/internal/conversations/end", json={}, headers=AUTH)
    assert no_sender.status_code == 400
    token = httpx.get(f"{stack.rasa_url}/conversations/rest:x/tracker", params={"token": RASA_TOKEN})
    assert token.status_code == 200
