"""Handoff availability: open or closed, agents signed in, the queue ahead, the expected wait,
with nothing about a patient in it (the route: tests/integration/test_callbacks.py)."""

from __future__ import annotations

import json
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.console import availability
from bot.console.availability import availability as availability_at
from bot.console.availability import expected_wait_minutes
from bot.console.queue import HandoffQueue
from bot.console.sessions import SessionStore
from bot.console.settings import ConsoleSettingsError, load_console_settings
from settings.clinic import ClinicSettings
from settings.hours import parse_opening_hours

NY = ZoneInfo("America/New_York")
CLINIC = ClinicSettings(
    name="Test Clinic",
    timezone="America/New_York",
    phone="(555) 010-0100",
    hours="Weekdays 8 to 5",
    opening_hours=parse_opening_hours(
        {d: "08:00-17:00" for d in ("monday", "tuesday", "wednesday", "thursday", "friday")}, None, NY
    ),
)
TUESDAY_10AM = datetime(2026, 12, 1, 10, 0, tzinfo=NY)
SATURDAY_10AM = datetime(2026, 12, 5, 10, 0, tzinfo=NY)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def queue_handoff(queue: HandoffQueue, sender: str, name: str = "Dana Whitfield") -> None:
    queue.observe({"event": "user", "sender_id": sender, "text": f"i am {name}", "parse_data": {}})
    queue.observe({"event": "slot", "sender_id": sender, "name": "patient_id", "value": "p-123"})
    queue.observe({"event": "pause", "sender_id": sender})


def test_the_wait_from_the_handle_time_before_enough_takes():
    """Tried: nobody ahead and one agent (5 minutes), 3 ahead and 2 agents (10), a fraction (rounds up)."""
    assert expected_wait_minutes([], 0, 1, 5) == 5
    assert expected_wait_minutes([], 3, 2, 5) == 10
    assert expected_wait_minutes([60.0] * 4, 2, 2, 2.5) == 4  # 4 takes: not enough, handle time used


def test_the_wait_from_the_median_of_recent_takes():
    """Tried: five takes of 1 to 30 minutes (median 4); an outlier does not move it; to the nearest
    minute, at least 1."""
    assert expected_wait_minutes([60, 120, 240, 600, 1800], 9, 1, 5) == 4
    assert expected_wait_minutes([60, 60, 91, 90, 36000], 0, 1, 5) == 2
    assert expected_wait_minutes([1, 2, 3, 4, 5], 0, 1, 5) == 1


@pytest.mark.asyncio
async def test_availability_counts_agents_and_entries_waiting_and_knows_nothing_else():
    """Tried: two agents (one with two sessions, one idle too long), three queued handoffs, one taken."""
    clock = Clock()
    sessions = SessionStore(600, clock)
    sessions.create("old")
    clock.now += 500
    sessions.create("ana")
    sessions.create("ana")
    clock.now += 200  # "old" has been idle 700 s
    sessions.create("bo")
    queue = HandoffQueue()
    for sender in ("web:a", "sms:b", "rest:c"):
        queue_handoff(queue, sender)
    first = queue.entries()[0]
    await queue.take(first.id, "ana")
    found = availability_at(queue, sessions, CLINIC, 5, TUESDAY_10AM)
    assert found.open and found.agents_signed_in == 2 and found.waiting_ahead == 2
    assert found.wait_minutes == 8  # (2 ahead + this one) x 5 minutes / 2 agents: 7.5, rounded
    assert found.next_open is None
    text = json.dumps(found.as_json())
    assert set(found.as_json()) == {"open", "agents_signed_in", "waiting_ahead", "wait_minutes", "next_open"}
    for secret in ("Dana", "Whitfield", "p-123", "web:a", "sms:b", first.id):
        assert secret not in text


def test_closed_or_nobody_signed_in_has_no_wait():
    """Tried: a Saturday with an agent (closed, opens Monday 8 AM); a Tuesday with nobody signed in."""
    sessions = SessionStore(600)
    sessions.create("ana")
    closed = availability_at(HandoffQueue(), sessions, CLINIC, 5, SATURDAY_10AM)
    assert not closed.open and closed.wait_minutes is None and not closed.can_connect
    assert closed.as_json()["next_open"] == "2026-12-07T08:00:00-05:00"
    nobody = availability_at(HandoffQueue(), SessionStore(600), CLINIC, 5, TUESDAY_10AM)
    assert nobody.open and nobody.agents_signed_in == 0 and nobody.wait_minutes is None
    assert not nobody.can_connect


@pytest.mark.asyncio
async def test_takes_are_remembered_as_seconds_only(monkeypatch):
    """Five conversations taken 2 minutes after they were queued: the wait is the median, 2;
    takes older than two hours are not counted."""
    queue = HandoffQueue()
    sessions = SessionStore(600)
    sessions.create("ana")
    for n in range(5):
        queue_handoff(queue, f"web:{n}")
    entries = queue.entries()
    for entry in entries:
        entry.queued_at -= 120
        await queue.take(entry.id, "ana")
    assert all(115 <= wait <= 125 for wait in queue.recent_waits())
    assert availability_at(queue, sessions, CLINIC, 30, TUESDAY_10AM).wait_minutes == 2
    assert all(isinstance(wait, float) for wait in queue.recent_waits())
    # Three hours later those takes are too old to say anything: the handle time again.
    assert queue.recent_waits(time.time() + 3 * 3600) == []


def test_the_handle_time_setting():
    """Tried: unset (5), 7.5, and "soon", 0, -2 (refused with the variable's name)."""
    assert load_console_settings({}).handle_minutes == 5
    assert load_console_settings({"CONSOLE_HANDLE_MINUTES": "7.5"}).handle_minutes == 7.5
    for bad in ("soon", "0", "-2"):
        with pytest.raises(ConsoleSettingsError, match="CONSOLE_HANDLE_MINUTES"):
            load_console_settings({"CONSOLE_HANDLE_MINUTES": bad})


def test_published_only_while_a_console_runs():
    queue, sessions = HandoffQueue(), SessionStore(600)
    availability.publish(queue, sessions, 5, CLINIC)
    try:
        found = availability.current(TUESDAY_10AM)
        assert found is not None and found.agents_signed_in == 0
        availability.withdraw(HandoffQueue())  # another console's withdrawal changes nothing
        assert availability.current(TUESDAY_10AM) is not None
    finally:
        availability.withdraw(queue)
    assert availability.current() is None
