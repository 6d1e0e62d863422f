"""The handoff queue: conversations the assistant handed to a person, emergencies first.

``HandoffQueue.observe`` receives every tracker event (``bot.metrics.broker.on_event``). Per live
conversation it keeps only what the handoff needs: the slots ``verified``, ``patient_id``,
``handoff_reason`` and ``handoff_priority``, and the names of the last few intents (the topic);
never a message's text. A ``pause`` event (``action_handoff`` returns ``ConversationPaused``)
puts the conversation in the queue; a ``resume`` or the conversation's end
(``bot.lifecycle.on_conversation_end``) takes it out, and the end drops all the rest.

An entry is known to agents by an opaque id, never by the conversation id (a web chat's id is
what lets its page back into the conversation). ``take`` is serialised by one asyncio lock: of
two agents racing for an entry, one wins and the other learns who has it.
"""

from __future__ import annotations

import asyncio
import enum
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot import lifecycle
from bot.lifecycle import EndReason

TOPIC_INTENTS = 3
URGENT = "urgent"
# Intents that say nothing about the topic.
_NOT_TOPICS = frozenset(
    {"affirm", "deny", "greet", "goodbye", "thank_you", "nlu_fallback", "inform", "bot_challenge"}
)
STALE_SECONDS = 600.0
RECENT_TAKES = 20
RECENT_TAKE_SECONDS = 2 * 3600.0  # older takes say little about the wait now
# A BotUttered event's metadata key naming the agent who wrote it (bot/console/replies.py).
AGENT_METADATA = "frontdesk_agent"


def channel_of(sender_id: str) -> str:
    """ "rest", "web" or "sms" from the conversation id's namespace; "other" for anything else."""
    prefix, sep, _ = sender_id.partition(":")
    return prefix if sep and prefix in ("rest", "web", "sms") else "other"


@dataclass
class _Watched:
    verified: bool = False
    patient_id: str | None = None
    reason: str | None = None
    priority: str | None = None
    intents: deque[str] = field(default_factory=lambda: deque(maxlen=TOPIC_INTENTS))
    seen: float = field(default_factory=time.monotonic)


@dataclass
class Entry:
    """One conversation waiting for (or taken by) an agent."""

    id: str
    sender_id: str = field(repr=False)
    reason: str
    priority: str
    channel: str
    verified: bool
    patient_id: str | None = field(repr=False)
    topic: tuple[str, ...]
    queued_at: float  # time.time()
    order: int
    taken_by: str | None = None
    released: bool = False  # its agent left without closing it; back in the queue, in its place

    @property
    def urgent(self) -> bool:
        return self.priority == URGENT


class TakeOutcome(str, enum.Enum):
    TAKEN = "taken"  # by this agent now (or already by this agent)
    TAKEN_BY_ANOTHER = "taken_by_another"
    GONE = "gone"  # no such entry (ended, returned to the assistant, or never was)


@dataclass(frozen=True)
class TakeResult:
    outcome: TakeOutcome
    entry: Entry | None
    taken_by: str | None = None


class HandoffQueue:
    def __init__(self) -> None:
        self._watched: dict[str, _Watched] = {}
        self._entries: dict[str, Entry] = {}  # entry id -> entry
        self._by_sender: dict[str, str] = {}  # sender id -> entry id
        self._counter = 0
        self._take_lock = asyncio.Lock()
        # Seconds from queued to taken of the last few takes (numbers only): the expected wait
        # (bot/console/availability.py).
        self._waits: deque[tuple[float, float]] = deque(maxlen=RECENT_TAKES)  # (taken at, wait)
        self.on_queued: list[Any] = []  # callables(entry): e.g. fetch the verified patient's summary
        # The live console (bot/console/live.py): the list changed; a queued conversation's new
        # message (entry, "patient"|"assistant"|"agent", text; passed on, never kept); an entry
        # left ("returned" to the assistant or "ended").
        self.on_change: list[Callable[[], None]] = []
        self.on_line: list[Callable[[Entry, str, str], None]] = []
        self.on_closed: list[Callable[[Entry, str], None]] = []

    # --- events -------------------------------------------------------------------------------

    def observe(self, event: dict[str, Any]) -> None:
        sender_id = event.get("sender_id")
        if not isinstance(sender_id, str):
            return
        kind = event.get("event")
        if kind == "session_started":
            self._watched[sender_id] = _Watched()
            return
        watched = self._watched.get(sender_id)
        if watched is None:
            if kind != "user":
                return
            self._prune()
            watched = self._watched[sender_id] = _Watched()
        watched.seen = time.monotonic()
        if kind in ("user", "bot"):
            self._line(sender_id, event)
        if kind == "user":
            name = _intent_name(event)
            repeated = bool(watched.intents) and watched.intents[-1] == name
            if name and name not in _NOT_TOPICS and not repeated:
                watched.intents.append(name)
        elif kind == "slot":
            self._slot(watched, event.get("name"), event.get("value"))
        elif kind == "pause":
            self._queue(sender_id, watched)
        elif kind == "resume":
            self._drop_entry(sender_id, "returned")

    def _line(self, sender_id: str, event: dict[str, Any]) -> None:
        entry_id = self._by_sender.get(sender_id)
        text = event.get("text")
        if entry_id is None or not isinstance(text, str) or not text:
            return
        who = "patient"
        if event.get("event") == "bot":
            metadata = event.get("metadata")
            who = "agent" if isinstance(metadata, dict) and metadata.get(AGENT_METADATA) else "assistant"
        entry = self._entries[entry_id]
        for callback in list(self.on_line):
            callback(entry, who, text)

    @staticmethod
    def _slot(watched: _Watched, name: object, value: object) -> None:
        if name == "verified":
            watched.verified = value is True
        elif name == "patient_id":
            watched.patient_id = value if isinstance(value, str) and value else None
        elif name == "handoff_reason":
            watched.reason = value if isinstance(value, str) else None
        elif name == "handoff_priority":
            watched.priority = value if isinstance(value, str) else None

    def _queue(self, sender_id: str, watched: _Watched) -> None:
        if sender_id in self._by_sender:
            return  # already waiting: a second pause changes nothing
        self._counter += 1
        verified = watched.verified and watched.patient_id is not None
        entry = Entry(
            id=secrets.token_urlsafe(12),
            sender_id=sender_id,
            reason=watched.reason or "requested",
            priority=watched.priority or "normal",
            channel=channel_of(sender_id),
            verified=verified,
            patient_id=watched.patient_id if verified else None,
            topic=tuple(watched.intents),
            queued_at=time.time(),
            order=self._counter,
        )
        self._entries[entry.id] = entry
        self._by_sender[sender_id] = entry.id
        for callback in list(self.on_queued):
            callback(entry)
        self._changed()

    def _changed(self) -> None:
        for callback in list(self.on_change):
            callback()

    def _drop_entry(self, sender_id: str, why: str) -> None:
        entry_id = self._by_sender.pop(sender_id, None)
        entry = self._entries.pop(entry_id, None) if entry_id is not None else None
        if entry is not None:
            for callback in list(self.on_closed):
                callback(entry, why)
            self._changed()

    async def conversation_ended(self, sender_id: str, reason: EndReason) -> None:
        """The lifecycle listener: the entry and everything watched go."""
        self._drop_entry(sender_id, "ended")
        self._watched.pop(sender_id, None)

    def _prune(self) -> None:
        now = time.monotonic()
        for sender_id in [
            s
            for s, w in self._watched.items()
            if now - w.seen >= STALE_SECONDS and s not in self._by_sender and not lifecycle.is_live(s)
        ]:
            del self._watched[sender_id]

    # --- agents -------------------------------------------------------------------------------

    def entries(self) -> list[Entry]:
        """Urgent first, then oldest first."""
        return sorted(self._entries.values(), key=lambda e: (not e.urgent, e.order))

    def get(self, entry_id: str) -> Entry | None:
        return self._entries.get(entry_id)

    def taken(self) -> list[Entry]:
        return [entry for entry in self._entries.values() if entry.taken_by is not None]

    def recent_waits(self, now: float | None = None) -> list[float]:
        """Seconds from queued to taken of the last ``RECENT_TAKES`` takes of the last two hours,
        oldest first."""
        since = (time.time() if now is None else now) - RECENT_TAKE_SECONDS
        return [wait for taken_at, wait in self._waits if taken_at >= since]

    def watching(self) -> int:
        return len(self._watched)

    async def take(self, entry_id: str, agent: str) -> TakeResult:
        async with self._take_lock:
            entry = self._entries.get(entry_id)
            if entry is None:
                return TakeResult(TakeOutcome.GONE, None)
            if entry.taken_by is not None and entry.taken_by != agent:
                return TakeResult(TakeOutcome.TAKEN_BY_ANOTHER, None, entry.taken_by)
            if entry.taken_by is None:
                entry.taken_by = agent
                if not entry.released:  # a second take's wait says nothing about the queue's
                    now = time.time()
                    self._waits.append((now, max(0.0, now - entry.queued_at)))
                self._changed()
            return TakeResult(TakeOutcome.TAKEN, entry, agent)

    def release(self, entry_id: str) -> Entry | None:
        """Put a taken entry back in the queue, in its old place (its agent signed out or their
        session expired); None if it is not taken."""
        entry = self._entries.get(entry_id)
        if entry is None or entry.taken_by is None:
            return None
        entry.taken_by = None
        entry.released = True
        self._changed()
        return entry


def _intent_name(event: dict[str, Any]) -> str | None:
    parse_data = event.get("parse_data")
    if not isinstance(parse_data, dict):
        return None
    intent = parse_data.get("intent")
    name = intent.get("name") if isinstance(intent, dict) else None
    return name if isinstance(name, str) and name else None
