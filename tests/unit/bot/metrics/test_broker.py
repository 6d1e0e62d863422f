"""bot/metrics/broker.py: what the counting broker makes of tracker events and conversation ends.

Events are Rasa's own (``Event.as_dict()`` with the sender id, as the tracker store publishes
them), fed to the broker directly or through the real ephemeral store. Tried: each verification
outcome and the "need_name" question; a handoff with each kind of reason, an unknown one and none;
intents outside the domain, missing or not a string; ids of every channel and ids with no
namespace; a conversation ended twice, one never started, one pruned; a malformed event; a
broker the store must refuse. No text or sender id is ever in the rendered metrics.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from prometheus_client import generate_latest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ConversationPaused,
    ConversationResumed,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot import lifecycle
from bot.lifecycle import EndReason
from bot.metrics import broker as broker_module
from bot.metrics.broker import MetricsBroker
from bot.metrics.registry import ConversationMetrics
from bot.store import EphemeralTrackerStore

SECRET = "Zelda Quixotica 1970-01-01"
INTENTS = ["greet", "goodbye", "inform", "request_human", "ask_balance"]


@pytest_asyncio.fixture
async def broker(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[MetricsBroker]:
    monkeypatch.delenv("ACTION_SERVER_URL", raising=False)
    counting = MetricsBroker(ConversationMetrics())
    counting.know_intents(INTENTS)
    yield counting
    await counting.close()


def value(broker: MetricsBroker, name: str, **labels: str) -> float:
    found = broker.metrics.registry.get_sample_value(name, labels)
    return 0.0 if found is None else found


def publish(broker: MetricsBroker, sender_id: str, *events: Event) -> None:
    for event in events:
        broker.publish({"sender_id": sender_id, **event.as_dict()})


def message(text: str, intent: str | None, at: float) -> UserUttered:
    return UserUttered(text, {"name": intent, "confidence": 0.9} if intent else None, timestamp=at)


def turn(broker: MetricsBroker, sender_id: str, text: str, intent: str | None, *after: Event) -> None:
    """One user message and the assistant's turn (its events, then action_listen 0.3 s later)."""
    at = time.time()
    publish(
        broker,
        sender_id,
        message(text, intent, at),
        *after,
        ActionExecuted("action_listen", timestamp=at + 0.3),
    )


def start(broker: MetricsBroker, sender_id: str) -> None:
    at = time.time()
    publish(
        broker,
        sender_id,
        ActionExecuted("action_session_start", timestamp=at),
        SessionStarted(timestamp=at),
        ActionExecuted("action_listen", timestamp=at),
    )


@pytest.mark.asyncio
async def test_a_verified_conversation_that_says_goodbye(broker: MetricsBroker) -> None:
    """Session start, a balance question, a name, a verification, goodbye, then the end."""
    sender = "web:Zx81abc"
    start(broker, sender)
    assert value(broker, "frontdesk_conversations_started_total", channel="web") == 0  # no message yet
    turn(broker, sender, "whats my balance", "ask_balance")
    turn(broker, sender, SECRET, "inform", SlotSet("verified", True), SlotSet("patient_id", "p1"))
    turn(broker, sender, "bye", "goodbye", ActionExecuted("action_end_conversation"))
    await lifecycle.end_conversation(sender, EndReason.GOODBYE)

    assert value(broker, "frontdesk_conversations_started_total", channel="web") == 1
    assert value(broker, "frontdesk_verifications_total", channel="web", outcome="verified") == 1
    assert value(broker, "frontdesk_intents_total", intent="ask_balance") == 1
    assert value(broker, "frontdesk_intents_total", intent="goodbye") == 1
    assert value(broker, "frontdesk_conversations_ended_total", channel="web", reason="goodbye") == 1
    assert value(broker, "frontdesk_conversations_contained_total", channel="web") == 1
    assert value(broker, "frontdesk_turn_seconds_count", channel="web") == 3
    assert value(broker, "frontdesk_turn_seconds_bucket", channel="web", le="0.25") == 0
    assert value(broker, "frontdesk_turn_seconds_bucket", channel="web", le="0.5") == 3
    assert broker.live_count() == 0
    text = generate_latest(broker.metrics.registry).decode()
    assert "Zelda" not in text and "Zx81abc" not in text and "p1" not in text


@pytest.mark.asyncio
@pytest.mark.parametrize("outcome", ["failed", "locked", "refused"])
async def test_verification_failures_are_counted_by_outcome(broker: MetricsBroker, outcome: str) -> None:
    """The verification slot set to each failure, and to need_name (a question, not counted)."""
    turn(broker, "sms:ab12", "1/1/1901", "inform", SlotSet("verification", "need_name"))
    turn(broker, "sms:ab12", "Zelda", "inform", SlotSet("verification", outcome))
    counted = {
        name: value(broker, "frontdesk_verifications_total", channel="sms", outcome=name)
        for name in ("verified", "failed", "locked", "refused", "need_name")
    }
    assert counted == {name: 1.0 if name == outcome else 0.0 for name in counted}


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("reason", "label"),
    [("locked_out", "locked_out"), ("self_harm", "self_harm"), (SECRET, "other"), (None, "other")],
)
async def test_a_handoff_is_counted_by_its_reason_and_is_not_contained(
    broker: MetricsBroker, reason: str | None, label: str
) -> None:
    """The reason slot then a pause (action_handoff's events); an unknown or missing reason is "other"."""
    sender = "rest:tester"
    events: list[Event] = [SlotSet("handoff_reason", reason)] if reason else []
    at = time.time()
    publish(broker, sender, message("a person please", "request_human", at), *events)
    publish(broker, sender, ConversationPaused(timestamp=at + 1.5))
    publish(broker, sender, message("hello?", "greet", at + 5))  # paused: no turn follows
    await broker.conversation_ended(sender, EndReason.AGENT_CLOSED)

    assert value(broker, "frontdesk_handoffs_total", channel="rest", reason=label) == 1
    assert value(broker, "frontdesk_conversations_ended_total", channel="rest", reason="agent_closed") == 1
    assert value(broker, "frontdesk_conversations_contained_total", channel="rest") == 0
    assert value(broker, "frontdesk_turn_seconds_count", channel="rest") == 1  # the turn the pause ended
    assert value(broker, "frontdesk_turn_seconds_sum", channel="rest") == pytest.approx(1.5)
    assert SECRET not in generate_latest(broker.metrics.registry).decode()


@pytest.mark.asyncio
async def test_a_callback_request_is_counted_by_its_reason_and_is_not_contained(
    broker: MetricsBroker,
) -> None:
    """Nobody could take it: the reason, the offer, a yes and a filed request (the slot
    callback_requested true, as action_request_callback sets it) then goodbye: one callback request
    with the reason, no handoff (no pause), not contained. A callback_requested set false, or
    something else than true, counts nothing and leaves another conversation contained."""
    sender, other = "web:caller", "web:declined"
    turn(broker, sender, "a person please", "request_human", SlotSet("handoff_reason", "requested"))
    turn(broker, sender, "yes", "affirm", SlotSet("offer", None), SlotSet("callback_requested", True))
    turn(broker, sender, "bye", "goodbye")
    await broker.conversation_ended(sender, EndReason.GOODBYE)
    turn(broker, other, "a person please", "request_human", SlotSet("handoff_reason", "requested"))
    turn(
        broker,
        other,
        "no",
        "deny",
        SlotSet("callback_requested", False),
        SlotSet("callback_requested", "yes"),
    )
    await broker.conversation_ended(other, EndReason.GOODBYE)

    assert value(broker, "frontdesk_callback_requests_total", channel="web", reason="requested") == 1
    assert value(broker, "frontdesk_handoffs_total", channel="web", reason="requested") == 0
    assert value(broker, "frontdesk_conversations_ended_total", channel="web", reason="goodbye") == 2
    assert value(broker, "frontdesk_conversations_contained_total", channel="web") == 1
    rendered = generate_latest(broker.metrics.registry).decode()
    assert "caller" not in rendered and "declined" not in rendered


@pytest.mark.asyncio
async def test_what_the_patient_wrote_to_an_agent_is_not_a_turn_after_the_return(
    broker: MetricsBroker,
) -> None:
    """Paused, the patient writes; minutes later the agent returns the conversation (resumed, then
    action_listen): no turn of that length is counted; the next question is a turn again."""
    sender = "web:tester"
    at = time.time()
    publish(broker, sender, message("a person please", "request_human", at))
    publish(broker, sender, ConversationPaused(timestamp=at + 0.2))
    publish(broker, sender, message("are you there", None, at + 10))
    publish(
        broker,
        sender,
        ConversationResumed(timestamp=at + 300),
        ActionExecuted("action_listen", timestamp=at + 300),
    )
    assert value(broker, "frontdesk_turn_seconds_count", channel="web") == 1  # the turn the pause ended
    turn(broker, sender, "what are your hours", "ask_hours")
    assert value(broker, "frontdesk_turn_seconds_count", channel="web") == 2
    assert value(broker, "frontdesk_turn_seconds_sum", channel="web") == pytest.approx(0.5)


@pytest.mark.asyncio
async def test_intents_outside_the_domain_are_other(broker: MetricsBroker) -> None:
    """An intent the domain lacks, one named like a patient, none, and one that is not a string."""
    for intent in ("drop_tables", SECRET, None):
        turn(broker, "rest:x", "text", intent)
    broker.publish({"sender_id": "rest:x", "event": "user", "parse_data": {"intent": {"name": 42}}})
    broker.publish({"sender_id": "rest:x", "event": "user", "parse_data": "not a dict"})
    assert value(broker, "frontdesk_intents_total", intent="other") == 5
    assert value(broker, "frontdesk_intents_total", intent="greet") == 0  # created at zero
    assert SECRET not in generate_latest(broker.metrics.registry).decode()


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("sender", "channel"),
    [
        ("rest:a", "rest"),
        ("web:b", "web"),
        ("sms:c0ffee", "sms"),
        ("+16175550123", "other"),
        ("x:y", "other"),
    ],
)
async def test_the_channel_is_the_ids_namespace(broker: MetricsBroker, sender: str, channel: str) -> None:
    """Ids of each namespace, a phone number with no namespace and an unknown namespace."""
    turn(broker, sender, "hi", "greet")
    await broker.conversation_ended(sender, EndReason.IDLE)
    assert value(broker, "frontdesk_conversations_started_total", channel=channel) == 1
    assert value(broker, "frontdesk_conversations_ended_total", channel=channel, reason="idle") == 1
    assert "5550123" not in generate_latest(broker.metrics.registry).decode()


@pytest.mark.asyncio
async def test_an_end_is_counted_once_and_only_for_a_started_conversation(broker: MetricsBroker) -> None:
    """Ended twice (ending is idempotent), and an end for a conversation that had no message."""
    turn(broker, "web:a", "hi", "greet")
    await lifecycle.end_conversation("web:a", EndReason.PATIENT_ENDED)
    await lifecycle.end_conversation("web:a", EndReason.PAGE_CLOSED)
    start(broker, "web:b")
    await lifecycle.end_conversation("web:b", EndReason.PAGE_CLOSED)
    assert value(broker, "frontdesk_conversations_ended_total", channel="web", reason="patient_ended") == 1
    assert value(broker, "frontdesk_conversations_ended_total", channel="web", reason="page_closed") == 0
    assert value(broker, "frontdesk_conversations_contained_total", channel="web") == 1


@pytest.mark.asyncio
async def test_bad_events_are_ignored(broker: MetricsBroker) -> None:
    """Events with no sender id, a sender id that is not a string, and a timestamp that is text."""
    broker.publish({"event": "user", "text": SECRET})
    broker.publish({"sender_id": 7, "event": "user"})
    broker.publish({"sender_id": "rest:t", "event": "user", "timestamp": "yesterday"})
    broker.publish({"sender_id": "rest:t", "event": "action", "name": "action_listen", "timestamp": None})
    assert value(broker, "frontdesk_conversations_started_total", channel="rest") == 1
    assert value(broker, "frontdesk_turn_seconds_count", channel="rest") == 1


@pytest.mark.asyncio
async def test_silent_conversations_the_store_dropped_are_forgotten(
    broker: MetricsBroker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A conversation the store no longer holds, silent past the limit, is forgotten without an end;
    a live one is kept."""
    turn(broker, "rest:dropped", "hi", "greet")
    turn(broker, "rest:live", "hi", "greet")
    monkeypatch.setattr(lifecycle, "is_live", lambda sender_id: sender_id == "rest:live")
    assert broker.prune(time.monotonic() + 10) == 0  # not silent long enough
    assert broker.prune(time.monotonic() + broker_module.STALE_SECONDS + 1) == 1
    assert broker.live_count() == 1
    await broker.conversation_ended("rest:dropped", EndReason.IDLE)
    assert value(broker, "frontdesk_conversations_ended_total", channel="rest", reason="idle") == 0


@pytest.mark.asyncio
async def test_the_store_publishes_each_saves_new_events_to_it(
    broker: MetricsBroker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real ephemeral store with this broker: two saves of a growing tracker publish each event
    once, and a goodbye (action_end_conversation) ends and counts the conversation."""
    monkeypatch.setenv("FRONTDESK_IDLE_TIMEOUT_SECONDS", "900")
    store = EphemeralTrackerStore(Domain.empty(), event_broker=broker)
    try:
        at = time.time()
        events: list[Event] = [
            ActionExecuted("action_session_start", timestamp=at),
            SessionStarted(timestamp=at),
            ActionExecuted("action_listen", timestamp=at),
            message("whats my balance", "ask_balance", at),
            ActionExecuted("action_listen", timestamp=at + 0.1),
        ]
        await store.save(DialogueStateTracker.from_events("rest:s", events))
        events += [
            message("bye", "goodbye", at + 1),
            ActionExecuted("action_end_conversation", timestamp=at + 1.1),
        ]
        events.append(ActionExecuted("action_listen", timestamp=at + 1.2))
        await store.save(DialogueStateTracker.from_events("rest:s", events))
    finally:
        await store.stop_sweeper()
        lifecycle.attach_store(None)
    assert value(broker, "frontdesk_intents_total", intent="ask_balance") == 1
    assert value(broker, "frontdesk_intents_total", intent="goodbye") == 1
    assert value(broker, "frontdesk_turn_seconds_count", channel="rest") == 2
    assert value(broker, "frontdesk_conversations_ended_total", channel="rest", reason="goodbye") == 1
    assert not store.contains("rest:s")


def test_the_store_accepts_this_broker_and_refuses_others() -> None:
    """A broker that keeps events (no keeps_no_events, or a truthy non-True value) is refused."""

    class Copying:
        keeps_no_events: Any = "yes"

    with pytest.raises(ValueError, match="event broker"):
        EphemeralTrackerStore(Domain.empty(), event_broker=Copying())  # type: ignore[arg-type]
    assert MetricsBroker.keeps_no_events is True
