"""bot/store/: the ephemeral tracker store keeps the current session only and forgets ended
conversations (goodbye, end_conversation, idle sweep), and never lets a save fail into Rasa's
fail-safe store.

Trackers are built from real Rasa events; the action server is not called (ACTION_SERVER_URL unset).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.slots import TextSlot
from rasa.shared.core.trackers import DialogueStateTracker

from bot import lifecycle
from bot.lifecycle import EndReason
from bot.store import EphemeralTrackerStore
from bot.store.ephemeral import TOMBSTONE_SECONDS, closed_by_assistant, current_session

DOMAIN = Domain.empty()
SLOTS = [TextSlot("full_name", mappings=[{"type": "custom"}])]


def session(text: str, *, at: float | None = None) -> list[Event]:
    when = time.time() if at is None else at
    return [
        ActionExecuted("action_session_start", timestamp=when),
        SessionStarted(timestamp=when),
        ActionExecuted("action_listen", timestamp=when),
        UserUttered(text, {"name": "inform"}, timestamp=when),
    ]


def tracker(sender: str, events: list[Event]) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(sender, events, SLOTS)


@pytest_asyncio.fixture
async def store(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[EphemeralTrackerStore]:
    monkeypatch.delenv("ACTION_SERVER_URL", raising=False)
    monkeypatch.setenv("FRONTDESK_IDLE_TIMEOUT_SECONDS", "900")
    created = EphemeralTrackerStore(DOMAIN)
    yield created
    await created.stop_sweeper()
    lifecycle.attach_store(None)
    lifecycle._listeners.clear()


def stored_texts(store: EphemeralTrackerStore, sender: str) -> list[str]:
    events = json.loads(store.store[sender])["events"]
    return [e.get("text") for e in events if e["event"] == "user"]


@pytest.mark.asyncio
async def test_only_the_current_session_is_kept(store) -> None:
    """A tracker with two sessions: only the second is stored, and retrieved."""
    old = session("Dana Whitfield", at=time.time() - 3600)
    new = session("what are your hours")
    await store.save(tracker("rest:a", [*old, SlotSet("full_name", "Dana Whitfield"), *new]))
    assert stored_texts(store, "rest:a") == ["what are your hours"]
    assert "Dana" not in store.store["rest:a"]
    retrieved = await store.retrieve("rest:a")
    assert retrieved is not None
    assert [e.text for e in retrieved.events if isinstance(e, UserUttered)] == ["what are your hours"]
    assert lifecycle.is_live("rest:a")


@pytest.mark.asyncio
async def test_a_tracker_without_a_user_message_is_not_kept(store) -> None:
    """What Rasa's HTTP API creates for an unknown id (session start only): not stored, not live,
    and saving it over a live conversation whose session was restarted drops the old one."""
    await store.save(tracker("rest:empty", session("x")[:3]))
    assert "rest:empty" not in store.store
    assert not lifecycle.is_live("rest:empty")
    created = await store.create_tracker("rest:created")
    assert created.sender_id == "rest:created" and not lifecycle.is_live("rest:created")
    await store.save(tracker("rest:b", session("hello")))
    await store.save(tracker("rest:b", [*session("hello"), *session("x")[:3]]))
    assert "rest:b" not in store.store


@pytest.mark.asyncio
async def test_goodbye_deletes_and_ends_the_conversation(store) -> None:
    """action_end_conversation after the last user message: nothing stored, listeners told GOODBYE."""
    heard: list[tuple[str, EndReason]] = []

    async def listener(sender_id: str, reason: EndReason) -> None:
        heard.append((sender_id, reason))

    lifecycle.on_conversation_end(listener)
    await store.save(tracker("web:g", session("my name is Dana Whitfield")))
    assert lifecycle.is_live("web:g")
    bye = [
        *session("my name is Dana Whitfield"),
        UserUttered("bye", {"name": "goodbye"}),
        ActionExecuted("action_end_conversation"),
        BotUttered("Goodbye!"),
        ActionExecuted("action_listen"),
    ]
    await store.save(tracker("web:g", bye))
    assert not lifecycle.is_live("web:g")
    assert await store.keys() == []
    assert heard == [("web:g", EndReason.GOODBYE)]


def test_goodbye_detection_looks_after_the_last_user_message_only() -> None:
    """An end action before a later user message (a new conversation on the same id) is not an end."""
    ended = [UserUttered("bye"), ActionExecuted("action_end_conversation"), ActionExecuted("action_listen")]
    assert closed_by_assistant(ended)
    assert not closed_by_assistant([*ended, UserUttered("hi again")])
    assert not closed_by_assistant(session("hi"))
    assert current_session([UserUttered("no session start")]) == [UserUttered("no session start")]


@pytest.mark.asyncio
async def test_end_conversation_deletes_and_refuses_a_save_in_flight(store) -> None:
    """end_conversation while a message is being handled: the later save of that message's tracker
    is dropped; a new message after the end starts a new conversation that is kept."""
    before = session("my phone is 617-555-0123")
    await store.save(tracker("web:e", before))
    in_flight = tracker("web:e", [*before, UserUttered("still typing")])
    assert await lifecycle.end_conversation("web:e", EndReason.PATIENT_ENDED) is True
    assert await lifecycle.end_conversation("web:e", EndReason.PATIENT_ENDED) is False
    await store.save(in_flight)
    assert not lifecycle.is_live("web:e")
    assert await store.retrieve("web:e") is None
    await asyncio.sleep(0.01)
    await store.save(tracker("web:e", session("hello again")))
    assert stored_texts(store, "web:e") == ["hello again"]


@pytest.mark.asyncio
async def test_the_sweep_ends_idle_conversations_only(store) -> None:
    """Two conversations, one idle past the timeout: the sweep ends that one (reason IDLE); touch()
    keeps the other alive."""
    heard: list[tuple[str, EndReason]] = []

    async def listener(sender_id: str, reason: EndReason) -> None:
        heard.append((sender_id, reason))

    lifecycle.on_conversation_end(listener)
    await store.save(tracker("sms:idle", session("hi")))
    await store.save(tracker("web:busy", session("hi")))
    store._last_active["sms:idle"] -= 100
    store._last_active["web:busy"] -= 100
    lifecycle.touch("web:busy")
    assert await store.sweep(timeout=60) == 1
    assert heard == [("sms:idle", EndReason.IDLE)]
    assert await store.keys() == ["web:busy"]


@pytest.mark.asyncio
async def test_the_sweep_runs_on_its_own(monkeypatch, store) -> None:
    """With a 1-second timeout and no further message, the sweep task ends the conversation."""
    monkeypatch.setenv("FRONTDESK_IDLE_TIMEOUT_SECONDS", "1")
    await store.stop_sweeper()
    store.start_sweeper()
    await store.save(tracker("rest:quiet", session("hi")))
    for _ in range(40):
        if not lifecycle.is_live("rest:quiet"):
            break
        await asyncio.sleep(0.1)
    assert not lifecycle.is_live("rest:quiet")


@pytest.mark.asyncio
async def test_the_sweep_forgets_old_ends(store) -> None:
    """An end remembered (to refuse saves in flight) is forgotten after TOMBSTONE_SECONDS; a recent
    one is kept."""
    await lifecycle.end_conversation("web:old", EndReason.PATIENT_ENDED)
    await lifecycle.end_conversation("web:new", EndReason.PATIENT_ENDED)
    store._ended["web:old"] -= TOMBSTONE_SECONDS + 1
    await store.sweep(timeout=60)
    assert list(store._ended) == ["web:new"]


@pytest.mark.asyncio
async def test_a_failing_listener_does_not_stop_the_sweep(store) -> None:
    """A listener raising for every end: both idle conversations are still deleted."""

    async def broken(sender_id: str, reason: EndReason) -> None:
        raise RuntimeError("boom")

    lifecycle.on_conversation_end(broken)
    for sender in ("rest:1", "rest:2"):
        await store.save(tracker(sender, session("hi")))
        store._last_active[sender] -= 100
    assert await store.sweep(timeout=10) == 2
    assert await store.keys() == []


@pytest.mark.asyncio
async def test_a_failing_save_drops_the_conversation_and_does_not_raise(store, monkeypatch, caplog) -> None:
    """Serialising fails (with PHI in the error): save does not raise (Rasa's fail-safe store would
    keep the tracker), the conversation is dropped, the log names the error's type only."""
    await store.save(tracker("rest:f", session("hi")))

    def broken(*args: object) -> str:
        raise ValueError("Dana Whitfield")

    monkeypatch.setattr("bot.store.serialised.json.dumps", broken)
    await store.save(tracker("rest:f", session("again")))
    assert not lifecycle.is_live("rest:f")
    assert "ValueError" in caplog.text and "Dana" not in caplog.text


def test_an_event_broker_is_refused() -> None:
    """endpoints.yml with an event broker: the store refuses to be created (it would copy events out)."""
    with pytest.raises(ValueError, match="event broker"):
        EphemeralTrackerStore(DOMAIN, event_broker=object())
    lifecycle.attach_store(None)


class Recording:
    """A broker that says it keeps no event; the test reads the event kinds it was given."""

    keeps_no_events = True

    def __init__(self) -> None:
        self.kinds: list[str] = []

    def publish(self, event: dict) -> None:
        self.kinds.append(f"{event['event']}:{event.get('name') or event.get('text') or ''}")


@pytest.mark.asyncio
async def test_each_event_reaches_the_broker_once_across_saves_and_sessions(monkeypatch) -> None:
    """Saves of a growing tracker as Rasa makes them (the stored tracker retrieved, events added),
    across a new session and after the conversation ended and came back: every event is published
    exactly once, and a save of the same tracker again publishes nothing."""
    monkeypatch.delenv("ACTION_SERVER_URL", raising=False)
    monkeypatch.setenv("FRONTDESK_IDLE_TIMEOUT_SECONDS", "900")
    broker = Recording()
    store = EphemeralTrackerStore(DOMAIN, event_broker=broker)  # type: ignore[arg-type]
    try:
        first = session("hello", at=time.time() - 7200)
        await store.save(tracker("rest:p", first))
        again = await store.retrieve("rest:p")
        assert again is not None
        again.update(ActionExecuted("action_listen"))
        await store.save(again)
        await store.save(again)  # nothing new
        second = session("what are your hours")
        retrieved = await store.retrieve("rest:p")
        assert retrieved is not None
        for event in second:
            retrieved.update(event)
        await store.save(retrieved)
        assert stored_texts(store, "rest:p") == ["what are your hours"]
        third = await store.retrieve("rest:p")
        assert third is not None
        third.update(BotUttered("We open at 8."))
        await store.save(third)
        await lifecycle.end_conversation("rest:p", EndReason.PATIENT_ENDED)
        await store.save(tracker("rest:p", session("back again", at=time.time() + 1)))
    finally:
        await store.stop_sweeper()
        lifecycle.attach_store(None)
        lifecycle._listeners.clear()
    user = [k for k in broker.kinds if k.startswith("user:")]
    assert user == ["user:hello", "user:what are your hours", "user:back again"]
    assert broker.kinds.count("bot:We open at 8.") == 1
    assert broker.kinds.count("action:action_session_start") == 3
    assert len(broker.kinds) == 4 + 1 + 4 + 1 + 4
