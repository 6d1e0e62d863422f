"""Whether a person can take a handoff now, and roughly how soon: for ``action_handoff``.

The action server asks ``GET /internal/handoff/availability`` (bot/channels/internal.py) before
it tells a patient they are being connected. The answer holds counts and times, never anything
about a patient or a conversation:

- ``open``: the clinic is open now (``opening_hours`` in clinic.yml, its time zone);
- ``agents_signed_in``: agents with a live console session (a session idle longer than
  ``CONSOLE_IDLE_MINUTES`` does not count);
- ``waiting_ahead``: handoffs queued and not taken yet;
- ``wait_minutes``: the expected wait (below), or null when no one can take it (closed, or no
  agent signed in);
- ``next_open``: when the clinic opens next (ISO 8601 with its offset), or null while it is open.

The wait: once the console has seen ``MIN_TAKES`` conversations taken in the last two hours,
the median of the last ``RECENT_TAKES`` of those waits from queued to taken (kept as numbers of
seconds, nothing else); before that, ``CONSOLE_HANDLE_MINUTES`` (default 5) for each entry
waiting plus this one, shared among the agents signed in.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from bot.console.queue import HandoffQueue
from bot.console.sessions import SessionStore
from settings.clinic import ClinicSettings, cached_clinic_settings

MIN_TAKES = 5


@dataclass(frozen=True)
class Availability:
    open: bool
    agents_signed_in: int
    waiting_ahead: int
    wait_minutes: int | None
    next_open: datetime | None

    @property
    def can_connect(self) -> bool:
        return self.open and self.agents_signed_in > 0

    def as_json(self) -> dict[str, Any]:
        return {
            "open": self.open,
            "agents_signed_in": self.agents_signed_in,
            "waiting_ahead": self.waiting_ahead,
            "wait_minutes": self.wait_minutes,
            "next_open": self.next_open.isoformat() if self.next_open else None,
        }


def expected_wait_minutes(
    recent_waits: Sequence[float], waiting_ahead: int, agents: int, handle: float
) -> int:
    """Whole minutes (to the nearest, at least 1): the median of the recent waits (seconds) when there are
    ``MIN_TAKES`` of them, else ``handle`` minutes per entry waiting plus this one, per agent."""
    if len(recent_waits) >= MIN_TAKES:
        minutes = statistics.median(recent_waits) / 60
    else:
        minutes = handle * (waiting_ahead + 1) / max(agents, 1)
    return max(1, math.floor(minutes + 0.5))


def availability(
    queue: HandoffQueue,
    sessions: SessionStore,
    clinic: ClinicSettings,
    handle: float,
    now: datetime | None = None,
) -> Availability:
    now = now or datetime.now(timezone.utc)
    schedule = clinic.schedule
    is_open = schedule.is_open(now)
    agents = len(sessions.agents())
    waiting = sum(1 for entry in queue.entries() if entry.taken_by is None)
    can_connect = is_open and agents > 0
    return Availability(
        open=is_open,
        agents_signed_in=agents,
        waiting_ahead=waiting,
        wait_minutes=expected_wait_minutes(queue.recent_waits(), waiting, agents, handle)
        if can_connect
        else None,
        next_open=None if is_open else schedule.next_opening(now),
    )


@dataclass
class _Published:
    queue: HandoffQueue
    sessions: SessionStore
    handle: float
    clinic: ClinicSettings | None


_published: _Published | None = None


def publish(
    queue: HandoffQueue, sessions: SessionStore, handle: float, clinic: ClinicSettings | None = None
) -> None:
    """The console started (bot/console/state.py): answer from its queue and sessions, with
    ``handle`` minutes per conversation (``CONSOLE_HANDLE_MINUTES``, bot/console/settings.py)."""
    global _published
    _published = _Published(queue, sessions, handle, clinic)


def withdraw(queue: HandoffQueue) -> None:
    global _published
    if _published is not None and _published.queue is queue:
        _published = None


def current(now: datetime | None = None) -> Availability | None:
    """The availability now; None when no console runs in this server."""
    published = _published
    if published is None:
        return None
    clinic = published.clinic or cached_clinic_settings()
    return availability(published.queue, published.sessions, clinic, published.handle, now)
