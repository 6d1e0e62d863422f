"""The ephemeral tracker store: conversations in memory, only while they last (docs/privacy.md).

Rasa's ``InMemoryTrackerStore``, with these differences:

- it keeps the current session only: events before the last ``action_session_start`` are dropped
  when a tracker is saved;
- a tracker with no user message in its session is not kept (Rasa's HTTP API creates one when
  asked for an unknown conversation's tracker: it must not count as a conversation);
- when the assistant has closed the conversation (``action_end_conversation`` ran since the last
  user message) the tracker is deleted instead of saved, and the conversation ends
  (``bot.lifecycle.end_conversation`` with ``GOODBYE``);
- a conversation idle longer than the timeout is ended by a sweep task that runs on its own in
  the server's event loop;
- a conversation once ended cannot be written back by a message that was already being handled
  when it ended: a save whose newest user message is older than the end is dropped;
- ``save`` never raises: Rasa wraps the store in a ``FailSafeTrackerStore`` that would otherwise
  save the tracker into a stock in-memory store that never forgets it (and log the error's text).
  An error drops the conversation instead, logged by type only;
- a save serialises only the events the stored JSON lacks when it can (``serialised.py``);
- an event broker is refused (it would copy every event out of memory), except one that says
  it keeps none (``keeps_no_events = True``: ``bot.metrics.MetricsBroker``, which only counts);
  the new events of each save are published to it before the save is handled.

Rasa creates the store from endpoints.yml (``tracker_store: type: bot.store.EphemeralTrackerStore``).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import Iterable, Sequence
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import lifecycle, speedups
from bot.lifecycle import EndReason, tag
from bot.store.serialised import SerialisedSession

log = logging.getLogger("frontdesk.store")

END_ACTION = "action_end_conversation"
SESSION_START_ACTION = "action_session_start"
# How long an ended conversation's id is remembered, to refuse saves still in flight for it.
TOMBSTONE_SECONDS = 600.0


def current_session(events: Sequence[Event]) -> list[Event]:
    """The events from the last ``action_session_start`` on (all of them if there is none)."""
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if isinstance(event, ActionExecuted) and event.action_name == SESSION_START_ACTION:
            return list(events[index:])
    return list(events)


def closed_by_assistant(events: Sequence[Event]) -> bool:
    """Whether ``action_end_conversation`` ran after the last user message."""
    for event in reversed(events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, ActionExecuted) and event.action_name == END_ACTION:
            return True
    return False


def latest_user_time(events: Iterable[Event]) -> float | None:
    times = [e.timestamp for e in events if isinstance(e, UserUttered)]
    return max(times) if times else None


class EphemeralTrackerStore(InMemoryTrackerStore):
    """In memory, current session only, deleted when the conversation ends."""

    def __init__(
        self,
        domain: Domain | None = None,
        event_broker: EventBroker | None = None,
        host: str | None = None,
        **kwargs: Any,
    ) -> None:
        if event_broker is not None and getattr(event_broker, "keeps_no_events", False) is not True:
            raise ValueError(
                "the ephemeral tracker store refuses an event broker: it would copy conversations "
                "out of memory (remove event_broker from endpoints.yml)"
            )
        speedups.install()  # two of Rasa's per-turn costs (bot/speedups.py)
        super().__init__(domain or Domain.empty(), event_broker, **kwargs)
        self._sessions: dict[str, SerialisedSession] = {}  # sender id -> its stored session's events
        self._last_active: dict[str, float] = {}  # sender id -> time.monotonic() of last activity
        self._ended: dict[str, float] = {}  # sender id -> time.time() it ended (tombstones)
        self._sweeper: asyncio.Task[None] | None = None
        lifecycle.attach_store(self)
        self.start_sweeper()

    # --- what bot.lifecycle needs -------------------------------------------------------------

    def forget(self, sender_id: str) -> bool:
        existed = self._drop(sender_id)
        self._ended[sender_id] = time.time()
        return existed

    def _drop(self, sender_id: str) -> bool:
        existed = self.store.pop(sender_id, None) is not None
        self._sessions.pop(sender_id, None)
        self._last_active.pop(sender_id, None)
        return existed

    def contains(self, sender_id: str) -> bool:
        return sender_id in self.store

    def touch(self, sender_id: str) -> None:
        if sender_id in self.store:
            self._last_active[sender_id] = time.monotonic()

    def size(self) -> int:
        """How many conversations are held (counts only; see bot/channels/internal.py)."""
        return len(self.store)

    # --- Rasa's TrackerStore ------------------------------------------------------------------

    async def save(self, tracker: DialogueStateTracker) -> None:
        self.start_sweeper()
        try:
            await self._save(tracker)
        except Exception as error:  # never let Rasa's fail-safe store take the tracker
            log.error(
                "could not save conversation %s (%s); it is dropped",
                tag(tracker.sender_id),
                type(error).__name__,
            )
            self.forget(tracker.sender_id)

    async def _save(self, tracker: DialogueStateTracker) -> None:
        sender_id = tracker.sender_id
        events = list(tracker.events)
        ended_at = self._ended.get(sender_id)
        if ended_at is not None:
            newest = latest_user_time(events)
            if newest is None or newest <= ended_at:
                return  # a save still in flight for a conversation that has ended
            del self._ended[sender_id]
        if self.event_broker is not None:
            await self.stream_events(tracker)  # to a counting broker only (see __init__)
        if closed_by_assistant(events):
            await lifecycle.end_conversation(sender_id, EndReason.GOODBYE)
            return
        session = current_session(events)
        if latest_user_time(session) is None:
            self._drop(sender_id)
            return
        serialised = self._sessions.setdefault(sender_id, SerialisedSession())
        self.store[sender_id] = serialised.serialise(sender_id, session)
        self._last_active[sender_id] = time.monotonic()

    async def stream_events(self, tracker: DialogueStateTracker) -> None:
        """Publish the events the stored tracker lacks (Rasa's own way rebuilds the stored
        tracker to count them: ten times the cost of a save; the count is kept at each save)."""
        if self.event_broker is None:
            return
        stored = self._sessions.get(tracker.sender_id) if tracker.sender_id in self.store else None
        offset = len(stored) if stored is not None else 0
        new_events = list(itertools.islice(tracker.events, offset, None))
        await self._stream_new_events(self.event_broker, new_events, tracker.sender_id)

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        tracker = await super().retrieve(sender_id)
        stored = self._sessions.get(sender_id)
        if tracker is not None and stored is not None:
            stored.rebuilt(list(tracker.events))
        return tracker

    async def keys(self) -> Iterable[str]:
        return list(self.store.keys())

    # --- the idle sweep -----------------------------------------------------------------------

    def start_sweeper(self) -> None:
        """Start the sweep task in the running event loop (once); no loop, no task yet."""
        if self._sweeper is not None and not self._sweeper.done():
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._sweeper = loop.create_task(self._sweep_forever(), name="frontdesk-idle-sweep")

    async def stop_sweeper(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None

    async def _sweep_forever(self) -> None:
        while True:
            try:
                timeout = lifecycle.idle_timeout_seconds()
            except Exception as error:
                log.error("the idle timeout is misconfigured (%s); using 15 minutes", type(error).__name__)
                timeout = 900.0
            await asyncio.sleep(min(max(timeout / 5, 0.5), 30.0))
            try:
                await self.sweep(timeout)
            except Exception as error:  # the sweep must outlive any one bad conversation
                log.error("the idle sweep failed (%s); it runs again", type(error).__name__)

    async def sweep(self, timeout: float) -> int:
        """End every conversation idle for ``timeout`` seconds or more; how many were ended."""
        now = time.monotonic()
        idle = [s for s in list(self.store) if now - self._last_active.get(s, 0.0) >= timeout]
        for sender_id in idle:
            await lifecycle.end_conversation(sender_id, EndReason.IDLE)
        wall = time.time()
        for sender_id, ended_at in list(self._ended.items()):
            if wall - ended_at > TOMBSTONE_SECONDS:
                del self._ended[sender_id]
        for sender_id in [s for s in self._last_active if s not in self.store]:
            del self._last_active[sender_id]
        for sender_id in [s for s in self._sessions if s not in self.store]:
            del self._sessions[sender_id]
        return len(idle)
