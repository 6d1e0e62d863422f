"""bot/store/serialised.py and the store using it: the stored text is always exactly Rasa's
serialisation of the session, whether a save serialised every event or only the new ones."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from rasa.shared.core.conversation import Dialogue
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import lifecycle
from bot.lifecycle import EndReason
from bot.store import EphemeralTrackerStore
from bot.store.serialised import SerialisedSession


def rasa_text(sender: str, events: list[Event]) -> str:
    return json.dumps(Dialogue(sender, events).as_dict())


def start(at: float) -> list[Event]:
    return [
        ActionExecuted("action_session_start", timestamp=at),
        SessionStarted(timestamp=at),
        ActionExecuted("action_listen", timestamp=at),
    ]


def turn(text: str, at: float) -> list[Event]:
    return [
        UserUttered(text, {"name": "ask_hours", "confidence": 0.9}, timestamp=at),
        ActionExecuted("utter_hours", timestamp=at),
        BotUttered("We open at 8, «bienvenue» à tous", {"buttons": None}, timestamp=at),
        ActionExecuted("action_listen", timestamp=at),
    ]


def test_new_events_are_added_to_the_same_text_rasa_writes() -> None:
    """The same objects plus new ones: only the new are serialised, and the text is Rasa's, byte for
    byte (non-ASCII text included); a list whose earlier events are other objects (equal or not),
    or shorter, is serialised whole."""
    at = time.time()
    serialised = SerialisedSession()
    events = start(at) + turn("hours?", at)
    assert serialised.serialise("rest:a", events) == rasa_text("rest:a", events)
    events += turn("and saturday?", at + 1)
    before = list(serialised.parts)
    assert serialised.serialise("rest:a", events) == rasa_text("rest:a", events)
    assert serialised.parts[: len(before)] == before and len(serialised) == len(events)
    replaced = [*start(at), SlotSet("first_name", "Ana"), *turn("hours?", at)]
    assert serialised.serialise("rest:a", replaced) == rasa_text("rest:a", replaced)
    shorter = replaced[:3]
    assert serialised.serialise("rest:a", shorter) == rasa_text("rest:a", shorter)
    copies = [Event.from_parameters(e.as_dict()) for e in shorter]
    copies[2] = ActionExecuted("action_other", timestamp=at)
    assert serialised.serialise("rest:a", copies) == rasa_text("rest:a", copies)


def test_rebuilt_events_are_taken_only_when_they_match_the_text() -> None:
    """rebuilt() with as many events as serialised takes them; with another count it is ignored
    (the next save then serialises every event, and the text is still Rasa's)."""
    at = time.time()
    serialised = SerialisedSession()
    events = start(at) + turn("hours?", at)
    serialised.serialise("rest:b", events)
    copies = [Event.from_parameters(e.as_dict()) for e in events]
    serialised.rebuilt(copies[:-1])
    assert serialised.events == events
    serialised.rebuilt(copies)
    assert all(a is b for a, b in zip(serialised.events, copies, strict=True))
    grown = copies + turn("monday?", at + 1)
    assert serialised.serialise("rest:b", grown) == rasa_text("rest:b", grown)


@pytest_asyncio.fixture
async def store(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[EphemeralTrackerStore]:
    monkeypatch.delenv("ACTION_SERVER_URL", raising=False)
    monkeypatch.setenv("FRONTDESK_IDLE_TIMEOUT_SECONDS", "900")
    created = EphemeralTrackerStore(Domain.empty())
    yield created
    await created.stop_sweeper()
    lifecycle.attach_store(None)
    lifecycle._listeners.clear()


@pytest.mark.asyncio
async def test_turns_as_rasa_makes_them_store_rasas_text_and_end_forgets_it(store) -> None:
    """Twenty turns of retrieve, add events, save (as Rasa's processor does: only new events are
    serialised), then a new session, then a save of a tracker built elsewhere: after each, the
    stored text is Rasa's serialisation of the current session; ending the conversation leaves
    nothing of it in the store."""
    at = time.time() - 3600
    await store.save(DialogueStateTracker.from_events("rest:c", start(at) + turn("hi", at)))
    for index in range(20):
        tracker = await store.retrieve("rest:c")
        assert tracker is not None
        for event in turn(f"question {index}", at + index + 1):
            tracker.update(event)
        first = store._sessions["rest:c"].parts[0]
        await store.save(tracker)
        assert store._sessions["rest:c"].parts[0] is first  # only the new events were serialised
        assert store.store["rest:c"] == rasa_text("rest:c", list(tracker.events))
    tracker = await store.retrieve("rest:c")
    assert tracker is not None
    for event in start(at + 100) + turn("new session", at + 100):
        tracker.update(event)
    await store.save(tracker)
    assert store.store["rest:c"] == rasa_text("rest:c", start(at + 100) + turn("new session", at + 100))
    elsewhere = start(at + 200) + turn("replaced", at + 200)
    await store.save(DialogueStateTracker.from_events("rest:c", elsewhere))
    assert store.store["rest:c"] == rasa_text("rest:c", elsewhere)
    await lifecycle.end_conversation("rest:c", EndReason.PATIENT_ENDED)
    assert "rest:c" not in store.store and "rest:c" not in store._sessions
