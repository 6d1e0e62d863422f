"""The console's live parts without a server: pushes from the queue, the hub's routing and
limits, canned replies, the transcript, and sessions an event stream does not keep alive."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered

from bot.console.live import MAX_PENDING, Hub, frame
from bot.console.queue import AGENT_METADATA, HandoffQueue
from bot.console.replies import console_transcript
from bot.console.sessions import SessionStore
from bot.console.settings import DEFAULT_CANNED_REPLIES, ConsoleSettingsError, load_console_settings
from bot.lifecycle import EndReason
from tests.unit.bot.console.test_queue import handoff, user


def watched_queue() -> tuple[HandoffQueue, list[Any]]:
    queue = HandoffQueue()
    seen: list[Any] = []
    queue.on_change.append(lambda: seen.append("change"))
    queue.on_line.append(lambda entry, who, text: seen.append(("line", entry.id, who, text)))
    queue.on_closed.append(lambda entry, why: seen.append(("closed", entry.id, why)))
    return queue, seen


def test_a_queued_conversations_messages_are_passed_on_by_who_said_them() -> None:
    """Before the pause nothing is passed on; after it the patient's, the assistant's and an
    agent's messages are, and an empty text or another conversation's message is not."""
    queue, seen = watched_queue()
    queue.observe(user("web:a", "greet", "before the handoff"))
    handoff(queue, "web:a", "requested", "normal")
    [entry] = queue.entries()
    assert seen == ["change"]
    queue.observe(user("web:a", "inform", "<b>still here</b>"))
    queue.observe({"event": "bot", "sender_id": "web:a", "text": "connecting you"})
    queue.observe({"event": "bot", "sender_id": "web:a", "text": "Hi", "metadata": {AGENT_METADATA: "ana"}})
    queue.observe({"event": "bot", "sender_id": "web:a", "text": ""})
    queue.observe(user("web:b", "greet", "someone else"))
    assert seen[1:] == [
        ("line", entry.id, "patient", "<b>still here</b>"),
        ("line", entry.id, "assistant", "connecting you"),
        ("line", entry.id, "agent", "Hi"),
    ]


def test_taking_resuming_and_ending_are_announced_once() -> None:
    """A take changes the list (a second take by the same agent does not); a resume closes the
    entry as returned, an end as ended."""
    queue, seen = watched_queue()
    handoff(queue, "sms:a", "requested", "normal")
    handoff(queue, "rest:b", "requested", "normal")
    first, second = queue.entries()
    seen.clear()
    asyncio.run(queue.take(first.id, "ana"))
    asyncio.run(queue.take(first.id, "ana"))
    assert seen == ["change"] and queue.taken() == [first]
    queue.observe({"event": "resume", "sender_id": "sms:a"})
    asyncio.run(queue.conversation_ended("rest:b", EndReason.AGENT_CLOSED))
    asyncio.run(queue.conversation_ended("rest:b", EndReason.AGENT_CLOSED))
    assert seen[1:] == [("closed", first.id, "returned"), "change", ("closed", second.id, "ended"), "change"]
    assert queue.entries() == []


def test_the_hub_sends_to_everyone_or_one_agent_and_drops_a_page_that_falls_behind() -> None:
    """A queue change reaches every page; a line only its agent's; a page that does not read
    MAX_PENDING events is closed (it reconnects); a sign-out closes that session's pages only."""

    async def scenario() -> None:
        hub = Hub()
        ana, ana2, bo = hub.subscribe("s1", "ana"), hub.subscribe("s2", "ana"), hub.subscribe("s3", "bo")
        hub.publish("queue", {})
        hub.publish("line", {"text": "hi"}, agent="ana")
        assert [ana.queue.qsize(), ana2.queue.qsize(), bo.queue.qsize()] == [2, 2, 1]
        for _ in range(MAX_PENDING):
            hub.publish("queue", {}, agent="bo")
        assert bo.closed and bo.queue.qsize() == MAX_PENDING + 1
        items = [bo.queue.get_nowait() for _ in range(MAX_PENDING + 1)]
        assert items[-1] is None and all(item is not None for item in items[:-1])
        hub.end_session("s1")
        assert ana.closed and not ana2.closed
        hub.close()
        assert ana2.closed and len(hub) == 0

    asyncio.run(scenario())


def test_an_event_frame_is_one_line_of_json_whatever_the_text() -> None:
    """A patient's text with newlines and a fake event line cannot start another event."""
    text = "line one\n\nevent: closed\ndata: {}"
    written = frame("line", {"text": text})
    assert written.count("\n") == 3 and written.endswith("\n\n")
    assert json.loads(written.split("data: ", 1)[1]) == {"text": text}


def test_canned_replies_default_or_from_the_environment() -> None:
    """Unset or blank: the defaults; "a | b |": two; too many or too long: refused at start."""
    assert load_console_settings({}).canned_replies == DEFAULT_CANNED_REPLIES
    assert load_console_settings({"CONSOLE_CANNED_REPLIES": "  "}).canned_replies == DEFAULT_CANNED_REPLIES
    assert load_console_settings({"CONSOLE_CANNED_REPLIES": "Hello | One moment |"}).canned_replies == (
        "Hello",
        "One moment",
    )
    with pytest.raises(ConsoleSettingsError):
        load_console_settings({"CONSOLE_CANNED_REPLIES": "|".join("x" * 21)})
    with pytest.raises(ConsoleSettingsError):
        load_console_settings({"CONSOLE_CANNED_REPLIES": "x" * 501})


def test_the_transcript_tells_the_agent_from_the_assistant_and_starts_at_the_session() -> None:
    """An earlier session's message, an action, an agent's BotUttered and an empty one: only the
    current session's texts, each marked patient, assistant or agent."""
    events = [
        UserUttered("old session"),
        SessionStarted(),
        UserUttered("a person please"),
        ActionExecuted("action_handoff"),
        BotUttered("connecting you"),
        BotUttered("Hi, this is Ana", metadata={AGENT_METADATA: "ana"}),
        BotUttered(""),
    ]
    assert console_transcript(events) == [
        {"sender": "patient", "text": "a person please"},
        {"sender": "assistant", "text": "connecting you"},
        {"sender": "agent", "text": "Hi, this is Ana"},
    ]


def test_checking_a_session_for_a_stream_does_not_keep_it_alive() -> None:
    """An open stream checks its session every event: that check does not restart the idle
    clock, so the session still expires; an unknown id is not alive."""
    now = [0.0]
    store = SessionStore(60, clock=lambda: now[0])
    session = store.create("ana")
    now[0] = 50
    assert store.alive(session.id)
    now[0] = 61
    assert not store.alive(session.id) and store.get(session.id) is None
    assert not store.alive("unknown")


def test_an_agent_is_signed_in_while_any_of_their_sessions_lives() -> None:
    """Two sessions for ana, one for bo: ana stays signed in until both end or expire."""
    now = [0.0]
    store = SessionStore(60, clock=lambda: now[0])
    first, second = store.create("ana"), store.create("ana")
    store.create("bo")
    store.end(first.id)
    assert store.signed_in("ana") and store.signed_in("bo") and not store.signed_in("cy")
    now[0] = 61
    assert not store.signed_in("ana") and store.get(second.id) is None


def test_a_taken_conversation_is_touched_only_while_its_agent_is_signed_in(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Idle timeout 1.5 s (touches every 0.5 s): a queued, untaken conversation is not touched; once
    ana takes it, it is; after ana's session ends, it is not any more (the idle sweep applies)."""
    from bot import lifecycle
    from bot.console.settings import ConsoleSettings
    from bot.console.state import Console

    monkeypatch.setenv("FRONTDESK_IDLE_TIMEOUT_SECONDS", "1.5")
    touched: list[str] = []
    monkeypatch.setattr(lifecycle, "touch", touched.append)

    async def scenario() -> None:
        console = Console(ConsoleSettings())
        console.attach()
        try:
            handoff(console.queue, "web:a", "requested", "normal")
            await asyncio.sleep(0.7)
            assert touched == []
            session = console.sessions.create("ana")
            [entry] = console.queue.entries()
            await console.queue.take(entry.id, "ana")
            await asyncio.sleep(1.1)
            assert touched and set(touched) == {"web:a"}
            console.sessions.end(session.id)
            await asyncio.sleep(0.2)
            count = len(touched)
            await asyncio.sleep(1.1)
            assert len(touched) == count
        finally:
            await console.detach()

    asyncio.run(scenario())
