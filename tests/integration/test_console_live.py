"""The console's second part against the real servers: replies both ways, return to the
assistant, end, and the event stream (docs/console.md).

Patients: a web chat through the raw socket.io client (tests/integration/webchat_client.py), a
text-message patient through the session's fake Twilio (tests/integration/fake_twilio.py), and a
REST patient (which cannot receive an agent's reply). Agents: signed in over HTTP, their page's
event stream read in a thread (``EventStream`` below).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.console.replies import ENDED_SMS_TEXT, MAX_REPLY_CHARS, RETURNED_TEXT
from tests.integration.conversation import verify
from tests.integration.fake_twilio import FakeTwilio, SmsPhone, unlisted_number
from tests.integration.stack import Chat
from tests.integration.test_console import Agent, audit_lines, console_dir, new_entry  # noqa: F401 (a fixture)
from tests.integration.webchat_client import WebChat, tracker

pytestmark = pytest.mark.integration

Event = tuple[str, dict[str, Any]]


class EventStream:
    """What an agent's open page receives: ``(event, data)`` pairs, in order."""

    def __init__(self, url: str, cookies: httpx.Cookies | dict[str, str]) -> None:
        self.events: list[Event] = []
        self.status: int | None = None
        self.opened = threading.Event()
        self.ended = threading.Event()
        self._client = httpx.Client(base_url=url, cookies=cookies, timeout=httpx.Timeout(30, read=120))
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        assert self.opened.wait(30), "the event stream did not answer"

    def _read(self) -> None:
        try:
            with self._client.stream("GET", "/console/api/events") as answer:
                self.status = answer.status_code
                self.opened.set()
                name = ""
                for line in answer.iter_lines():
                    if line.startswith("event: "):
                        name = line[len("event: ") :]
                    elif line.startswith("data: "):
                        self.events.append((name, json.loads(line[len("data: ") :])))
        except Exception:  # closed by the test, or by the server
            pass
        finally:
            self.opened.set()
            self.ended.set()

    def wait_for(self, wanted: Callable[[Event], bool], timeout: float = 60.0, start: int = 0) -> Event:
        """The first event from index ``start`` on that ``wanted`` accepts."""
        deadline = time.monotonic() + timeout
        seen = start
        while time.monotonic() < deadline:
            for event in self.events[seen:]:
                if wanted(event):
                    return event
            seen = len(self.events)
            time.sleep(0.05)
        raise AssertionError(f"no such event within {timeout:.0f} s; got {[e[0] for e in self.events]}")

    def close(self) -> None:
        self._client.close()
        self._thread.join(timeout=5)


@pytest.fixture
def agent(assistant: str, console_dir: Path) -> Iterator[Agent]:  # noqa: F811
    signed_in = Agent(assistant, "ana")
    assert signed_in.sign_in().status_code == 303
    yield signed_in
    signed_in.client.close()


@pytest.fixture
def stream(assistant: str, agent: Agent) -> Iterator[EventStream]:
    events = EventStream(assistant, agent.client.cookies)
    assert events.status == 200
    yield events
    events.close()


def post(agent: Agent, entry_id: str, action: str, payload: dict[str, Any] | None = None) -> httpx.Response:
    return agent.client.post(
        f"/console/api/queue/{entry_id}/{action}", json=payload or {}, headers={"X-CSRF-Token": agent.csrf}
    )


def identifiers_in(rasa_url: str, conversation_id: str) -> list[dict[str, Any]]:
    """The tracker's events that carry anything said or any slot (Rasa's API makes an empty one)."""
    events = tracker(rasa_url, conversation_id).get("events") or []
    return [e for e in events if e.get("event") in ("user", "bot", "slot")]


@pytest.mark.asyncio
async def test_web_chat_patient_and_agent_talk_both_ways_then_the_agent_ends_it(
    assistant: str,
    agent: Agent,
    stream: EventStream,
    console_dir: Path,  # noqa: F811
) -> None:
    """A web-chat patient asks for a person: the entry is pushed, the agent takes it; the patient's
    next message (with markup in it) reaches the agent's stream and not the assistant; the agent's
    reply reaches the widget; the agent ends it: the widget is told, the entry and the tracker's
    content are gone."""
    before = await asyncio.to_thread(agent.queue)
    web = WebChat(assistant)
    try:
        await web.open()
        assert "connecting you" in await web.say("i want to talk to a real person")
        await asyncio.to_thread(stream.wait_for, lambda e: e[0] == "queue")
        entry = await asyncio.to_thread(new_entry, agent, before)
        assert entry["channel"] == "web"
        taken = await asyncio.to_thread(agent.take, entry["id"])
        assert taken.status_code == 200, taken.text
        assert [line["sender"] for line in taken.json()["transcript"]][:1] == ["patient"]

        said = "is anyone there? <b>hello</b>"
        assert await web.say(said) == ""  # paused: the assistant stays silent
        line = await asyncio.to_thread(
            stream.wait_for, lambda e: e[0] == "line" and e[1]["sender"] == "patient"
        )
        assert line[1] == {"entry": entry["id"], "sender": "patient", "text": said}

        sent = await asyncio.to_thread(post, agent, entry["id"], "reply", {"text": "Hi, this is Ana."})
        assert sent.status_code == 200 and sent.json() == {"sent": True}, sent.text
        for _ in range(100):
            if "Hi, this is Ana." in web.bot:
                break
            await asyncio.sleep(0.1)
        assert "Hi, this is Ana." in web.bot
        mine = await asyncio.to_thread(
            stream.wait_for, lambda e: e[0] == "line" and e[1]["sender"] == "agent"
        )
        assert mine[1]["text"] == "Hi, this is Ana."
        shown = await asyncio.to_thread(agent.client.get, f"/console/api/queue/{entry['id']}")
        assert shown.json()["transcript"][-2:] == [
            {"sender": "patient", "text": said},
            {"sender": "agent", "text": "Hi, this is Ana."},
        ]

        ended = await asyncio.to_thread(post, agent, entry["id"], "end")
        assert ended.status_code == 200 and ended.json() == {"ended": True}, ended.text
        for _ in range(100):
            if web.ended:
                break
            await asyncio.sleep(0.1)
        assert web.ended == ["agent_closed"]
        await asyncio.to_thread(
            stream.wait_for, lambda e: e == ("closed", {"entry": entry["id"], "why": "ended"})
        )
        assert entry["id"] not in {e["id"] for e in await asyncio.to_thread(agent.queue)}
        assert identifiers_in(assistant, web.conversation_id) == []
        again = await asyncio.to_thread(post, agent, entry["id"], "reply", {"text": "still there?"})
        assert again.status_code == 404
        actions = [line["action"] for line in audit_lines(console_dir) if line["entry"] == entry["id"]]
        assert actions == ["take", "view_context", "reply", "view_context", "end"]
    finally:
        await web.close()


def test_sms_patient_and_agent_talk_both_ways_then_it_returns_to_the_assistant(
    assistant: str, fake_twilio: FakeTwilio, agent: Agent, stream: EventStream
) -> None:
    """A texting patient asks for a person; the agent takes it; the patient's text reaches the
    agent (no assistant reply is texted); the agent's reply is texted to the number (which the
    console never sees); another agent's page hears only that the queue changed; "return to
    assistant" tells the patient and the assistant answers again."""
    phone = SmsPhone(assistant, fake_twilio, unlisted_number())
    bo = Agent(assistant, "bo")
    assert bo.sign_in().status_code == 303
    bo_stream = EventStream(assistant, bo.client.cookies)
    before = agent.queue()
    phone.text("i want to talk to a real person")
    entry = new_entry(agent, before)
    assert entry["channel"] == "sms" and phone.phone not in str(entry)
    assert agent.take(entry["id"]).status_code == 200
    texted = len(fake_twilio.texts_to(phone.phone))

    phone.send("my prescription is late")
    line = stream.wait_for(lambda e: e[0] == "line" and e[1]["sender"] == "patient")
    assert line[1]["text"] == "my prescription is late" and line[1]["entry"] == entry["id"]
    time.sleep(1.0)
    assert len(fake_twilio.texts_to(phone.phone)) == texted  # the assistant stayed silent

    assert post(agent, entry["id"], "reply", {"text": "I'll check with the pharmacy now."}).status_code == 200
    assert phone.wait_for_texts(texted + 1)[texted:] == ["I'll check with the pharmacy now."]

    seen_by_bo = len(bo_stream.events)
    returned = post(agent, entry["id"], "return")
    assert returned.status_code == 200 and returned.json() == {"returned": True}, returned.text
    # bo's page hears that the queue changed (after ana's lines were published), never the lines.
    bo_stream.wait_for(lambda e: e[0] == "queue", start=seen_by_bo)
    assert [e for e in bo_stream.events if e[0] in ("line", "closed")] == []
    bo_stream.close()
    bo.client.close()
    assert phone.wait_for_texts(texted + 2)[texted + 1 :] == [RETURNED_TEXT]
    stream.wait_for(lambda e: e == ("closed", {"entry": entry["id"], "why": "returned"}))
    assert entry["id"] not in {e["id"] for e in agent.queue()}
    assert "open Monday to Friday" in phone.text("what are your hours")  # the assistant is back


def test_an_sms_conversation_the_agent_ends_is_told_and_purged(
    assistant: str, fake_twilio: FakeTwilio, agent: Agent
) -> None:
    """The agent ends a texting patient's conversation: the number gets the closing text, the
    entry is gone, and a reply afterwards answers 404."""
    phone = SmsPhone(assistant, fake_twilio, unlisted_number())
    before = agent.queue()
    phone.text("i want to talk to a real person")
    entry = new_entry(agent, before)
    assert agent.take(entry["id"]).status_code == 200
    texted = len(fake_twilio.texts_to(phone.phone))
    assert post(agent, entry["id"], "end").status_code == 200
    assert phone.wait_for_texts(texted + 1)[texted:] == [ENDED_SMS_TEXT]
    assert entry["id"] not in {e["id"] for e in agent.queue()}
    assert post(agent, entry["id"], "reply", {"text": "hello?"}).status_code == 404


def test_bad_replies_are_refused_with_a_reason(chat: Chat, assistant: str, agent: Agent) -> None:
    """Tried: a reply before taking, without the CSRF token, empty, blank, too long, not a string,
    by another agent, and to a REST patient (who cannot receive one), by the API and by the page's
    form; then the form's return to the assistant works and the assistant answers again."""
    before = agent.queue()
    assert "connecting you" in chat.said("i want to talk to a real person")
    entry = new_entry(agent, before)
    assert post(agent, entry["id"], "reply", {"text": "hi"}).status_code == 409  # not taken yet
    assert agent.take(entry["id"]).status_code == 200
    no_token = agent.client.post(f"/console/api/queue/{entry['id']}/reply", json={"text": "hi"})
    assert no_token.status_code == 403
    for bad in ({"text": ""}, {"text": "   "}, {"text": "x" * (MAX_REPLY_CHARS + 1)}, {"text": 5}, {}):
        answer = post(agent, entry["id"], "reply", bad)
        assert answer.status_code == 400 and answer.json()["error"], bad
    other = Agent(assistant, "bo")
    assert other.sign_in().status_code == 303
    refused = post(other, entry["id"], "reply", {"text": "hi"})
    assert (
        refused.status_code == 409
        and refused.json()["error"] == "Another agent took this conversation first."
    )
    assert post(other, entry["id"], "end").status_code == 409
    rest = post(agent, entry["id"], "reply", {"text": "hi"})
    assert rest.status_code == 409 and "cannot receive" in rest.json()["error"]
    form = f"/console/conversations/{entry['id']}"
    assert agent.client.post(f"{form}/reply", data={"text": "hi"}).status_code == 403  # no token
    by_form = agent.client.post(f"{form}/reply", data={"text": "hi", "csrf_token": agent.csrf})
    assert by_form.status_code == 409 and "cannot receive" in by_form.text
    returned = agent.client.post(f"{form}/return", data={"csrf_token": agent.csrf})
    assert returned.status_code == 303 and returned.headers["location"] == "/console"
    assert "open Monday to Friday" in chat.said("what are your hours")
    other.client.close()


def test_the_event_stream_refuses_anyone_not_signed_in_and_ends_at_sign_out(
    assistant: str, agent: Agent
) -> None:
    """Tried: no cookie, a made-up cookie, a POST; then an open stream whose agent signs out is
    closed by the server."""
    for cookies in ({}, {"frontdesk-console": "x" * 43}):
        with httpx.Client(base_url=assistant, cookies=cookies, timeout=30) as stranger:
            answer = stranger.get("/console/api/events")
            assert answer.status_code == 401 and "text/event-stream" not in answer.headers.get(
                "content-type", ""
            )
    assert agent.client.post("/console/api/events", headers={"X-CSRF-Token": agent.csrf}).status_code in (
        404,
        405,
    )
    events = EventStream(assistant, agent.client.cookies)
    try:
        assert events.status == 200 and not events.ended.is_set()
        assert agent.client.post("/console/sign-out", data={"csrf_token": agent.csrf}).status_code == 303
        assert events.ended.wait(30), "the stream stayed open after sign-out"
    finally:
        events.close()


def test_ending_a_verified_patients_conversation_leaves_no_identifier_and_is_audited(
    chat: Chat,
    sandbox: Any,
    assistant: str,
    agent: Agent,
    console_dir: Path,  # noqa: F811
) -> None:
    """The demo patient verifies over REST and asks for a person; the agent takes it and ends it:
    Rasa's API then shows none of the patient's identifiers, the entry is gone, and the audit log
    has take and end against the patient's reference, with no name, MRN or message text."""
    info = sandbox.patient("demo")
    before = agent.queue()
    chat.say("whats my balance")
    verify(chat, info)
    assert "connecting you" in chat.said("can i speak to a human")
    entry = new_entry(agent, before)
    assert entry["verified"] is True
    assert agent.take(entry["id"]).status_code == 200
    assert sandbox.leaked_in(json.dumps(tracker(assistant, chat.conversation_id)))  # there before
    assert post(agent, entry["id"], "end").json() == {"ended": True}
    assert sandbox.leaked_in(json.dumps(tracker(assistant, chat.conversation_id))) == []
    assert identifiers_in(assistant, chat.conversation_id) == []
    assert entry["id"] not in {e["id"] for e in agent.queue()}
    mine = [line for line in audit_lines(console_dir) if line["entry"] == entry["id"]]
    assert {"take", "end"} <= {line["action"] for line in mine}
    assert all(line["patient"] == f"Patient/{info.id}" for line in mine)
    text = (console_dir / "audit.jsonl").read_text()
    assert info.mrn not in text and info.family not in text and "human" not in text
