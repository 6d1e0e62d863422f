"""The event broker that counts: every tracker event passes here, and only counts stay.

Rasa publishes each new tracker event to the broker named in endpoints.yml
(``event_broker: type: bot.metrics.MetricsBroker``) when the tracker store saves a conversation
(``bot/store/ephemeral.py`` streams them, and accepts this broker because it keeps no event).
From the events it counts:

- a conversation's start (its first user message), by channel (the id's namespace);
- each user message's intent (the domain's intents; anything else is "other");
- verification outcomes: the slot ``verified`` set true, or ``verification`` set to failed,
  locked or refused (``actions/verification.py``);
- handoffs: a ``ConversationPaused`` event, by the ``handoff_reason`` slot set before it;
- callback requests: the slot ``callback_requested`` set true (``actions/handoff.py``, when
  nobody could take the conversation), by the same reason;
- turn latency: from a user message's timestamp to the ``action_listen`` (or the pause) that
  ends the assistant's turn.

And from ``bot.lifecycle.on_conversation_end``: the end, by channel and reason, and containment
(an end with no handoff and no callback request: either way a person finishes it). Per live
conversation it holds only its channel, whether it was handed off, the last handoff reason and
the time of the message being answered; the state is dropped when the conversation ends.
Nothing of a message's text or a sender id leaves this object.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

from bot import lifecycle
from bot.lifecycle import EndReason
from bot.metrics.labels import VERIFICATION_OUTCOMES, IntentNames, channel_of, end_reason, handoff_reason
from bot.metrics.registry import ConversationMetrics

log = logging.getLogger("frontdesk.metrics")

# A conversation the store no longer holds, with no event for this long, is forgotten (the store
# dropped it without an end: a save that failed). It is not counted as ended.
STALE_SECONDS = 600.0
PRUNE_EVERY_SECONDS = 60.0
_FAILED_OUTCOMES = frozenset(VERIFICATION_OUTCOMES) - {"verified"}


@dataclass
class _Conversation:
    channel: str
    handed_off: bool = False
    handoff_reason: object = None
    user_at: float | None = None  # when the message being answered was understood
    seen: float = field(default_factory=time.monotonic)


_shared: ConversationMetrics | None = None

# Others that watch tracker events in the Rasa server (the agent console's handoff queue) listen
# here rather than through a second broker: the store accepts one broker, and this one is required.
EventListener = Callable[[dict[str, Any]], None]
_event_listeners: list[EventListener] = []


def on_event(listener: EventListener) -> None:
    """Call ``listener(event)`` with every tracker event the broker receives (sync, in order).

    A listener must not block and must keep no message text; its errors are logged by type only."""
    if listener not in _event_listeners:
        _event_listeners.append(listener)


def remove_event_listener(listener: EventListener) -> None:
    if listener in _event_listeners:
        _event_listeners.remove(listener)


def shared_metrics() -> ConversationMetrics:
    """The Rasa server's one set of metrics (the broker counts into it, /metrics renders it)."""
    global _shared
    if _shared is None:
        _shared = ConversationMetrics()
    return _shared


class MetricsBroker(EventBroker):
    """Counts tracker events into ``ConversationMetrics``; keeps no event."""

    # The ephemeral tracker store refuses any broker that does not say this (bot/store/ephemeral.py).
    keeps_no_events = True

    def __init__(self, metrics: ConversationMetrics | None = None) -> None:
        self.metrics = metrics or shared_metrics()
        self.intents = IntentNames()
        self._live: dict[str, _Conversation] = {}
        self._pruned_at = time.monotonic()
        lifecycle.on_conversation_end(self.conversation_ended)

    @classmethod
    async def from_endpoint_config(
        cls, broker_config: EndpointConfig, event_loop: asyncio.AbstractEventLoop | None = None
    ) -> MetricsBroker:
        return cls()

    def know_intents(self, names: list[str]) -> None:
        """The domain's intents (the metrics channel passes the loaded model's)."""
        self.intents.replace(names)
        self.metrics.know_intents(self.intents.known())

    def live_count(self) -> int:
        return len(self._live)

    # --- Rasa's EventBroker -------------------------------------------------------------------

    def publish(self, event: dict[str, Any]) -> None:
        try:
            self._count(event)
        except Exception as error:  # counting must never break a conversation
            log.error("could not count an event (%s)", type(error).__name__)
        for listener in list(_event_listeners):
            try:
                listener(event)
            except Exception as error:  # a listener's failure is its own
                log.error("an event listener failed (%s)", type(error).__name__)

    async def close(self) -> None:
        lifecycle.remove_listener(self.conversation_ended)

    # --- counting -----------------------------------------------------------------------------

    def _count(self, event: dict[str, Any]) -> None:
        sender_id = event.get("sender_id")
        if not isinstance(sender_id, str):
            return
        kind = event.get("event")
        conversation = self._live.get(sender_id)
        if kind == "user":
            if conversation is None:
                conversation = self._start(sender_id)
            parse_data = event.get("parse_data") or {}
            intent = (parse_data.get("intent") or {}) if isinstance(parse_data, dict) else {}
            name = intent.get("name") if isinstance(intent, dict) else None
            self.metrics.intents.labels(intent=self.intents.label(name)).inc()
            conversation.user_at = _timestamp(event)
        if conversation is None:
            return  # a session starting: the conversation begins with its first user message
        conversation.seen = time.monotonic()
        if kind == "slot":
            self._slot(conversation, event.get("name"), event.get("value"))
        elif kind == "pause":
            conversation.handed_off = True
            reason = handoff_reason(conversation.handoff_reason)
            self.metrics.handoffs.labels(channel=conversation.channel, reason=reason).inc()
            self._turn_over(conversation, event)
        elif kind == "resume":  # back from an agent: what the patient wrote meanwhile was no turn
            conversation.user_at = None
        elif kind == "action" and event.get("name") == "action_listen":
            self._turn_over(conversation, event)

    def _start(self, sender_id: str) -> _Conversation:
        now = time.monotonic()
        if now - self._pruned_at >= PRUNE_EVERY_SECONDS:
            self.prune(now)
        conversation = _Conversation(channel_of(sender_id))
        self._live[sender_id] = conversation
        self.metrics.started.labels(channel=conversation.channel).inc()
        return conversation

    def _slot(self, conversation: _Conversation, name: object, value: object) -> None:
        if name == "verified" and value is True:
            self.metrics.verifications.labels(channel=conversation.channel, outcome="verified").inc()
        elif name == "verification" and isinstance(value, str) and value in _FAILED_OUTCOMES:
            self.metrics.verifications.labels(channel=conversation.channel, outcome=value).inc()
        elif name == "handoff_reason":
            conversation.handoff_reason = value
        elif name == "callback_requested" and value is True:
            conversation.handed_off = True
            reason = handoff_reason(conversation.handoff_reason)
            self.metrics.callbacks.labels(channel=conversation.channel, reason=reason).inc()

    def _turn_over(self, conversation: _Conversation, event: dict[str, Any]) -> None:
        if conversation.user_at is None:
            return
        seconds = max(_timestamp(event) - conversation.user_at, 0.0)
        self.metrics.turn_seconds.labels(channel=conversation.channel).observe(seconds)
        conversation.user_at = None

    async def conversation_ended(self, sender_id: str, reason: EndReason) -> None:
        """The lifecycle listener: count the end once (ending is idempotent, counting too)."""
        conversation = self._live.pop(sender_id, None)
        if conversation is None:
            return  # never started (no user message), or already counted
        self.metrics.ended.labels(channel=conversation.channel, reason=end_reason(reason)).inc()
        if not conversation.handed_off:
            self.metrics.contained.labels(channel=conversation.channel).inc()

    def prune(self, now: float | None = None) -> int:
        """Forget conversations the store no longer holds that have been silent for a while."""
        now = time.monotonic() if now is None else now
        self._pruned_at = now
        stale = [
            sender_id
            for sender_id, conversation in self._live.items()
            if now - conversation.seen >= STALE_SECONDS and not lifecycle.is_live(sender_id)
        ]
        for sender_id in stale:
            del self._live[sender_id]
        return len(stale)


def _timestamp(event: dict[str, Any]) -> float:
    value = event.get("timestamp")
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else time.time()
