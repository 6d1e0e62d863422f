"""The reminder schedule inside the server: its setting, its loop, and its start with the server."""

from __future__ import annotations

import asyncio
import itertools
import logging

import pytest
from rasa.core.channels.channel import register
from sanic import Sanic

from bot.reminders import schedule
from bot.reminders.schedule import ReminderSchedule, every, schedule_minutes, start_schedule
from bot.reminders.settings import ReminderSettingsError
from tests.unit.asgi import served

_names = itertools.count()


def test_the_setting() -> None:
    """Tried: unset, blank, 0, a number, a word, a negative number."""
    assert schedule_minutes({}) == 0 and schedule_minutes({"REMINDER_SCHEDULE_MINUTES": " "}) == 0
    assert schedule_minutes({"REMINDER_SCHEDULE_MINUTES": "0"}) == 0
    assert schedule_minutes({"REMINDER_SCHEDULE_MINUTES": "15"}) == 15
    for bad in ("hourly", "-5"):
        with pytest.raises(ReminderSettingsError, match="REMINDER_SCHEDULE_MINUTES"):
            schedule_minutes({"REMINDER_SCHEDULE_MINUTES": bad})


@pytest.mark.asyncio
async def test_runs_at_once_then_every_interval_and_a_failure_does_not_stop_it(caplog) -> None:
    calls: list[int] = []

    async def run() -> str:
        calls.append(len(calls))
        if len(calls) == 2:
            raise RuntimeError("Dana Whitfield 617-555-0123")  # a message that must not be logged
        return "due 0"

    caplog.set_level(logging.INFO, logger="frontdesk.reminders")
    task = asyncio.create_task(every(0.01, run))
    while len(calls) < 4:
        await asyncio.sleep(0.005)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert "a scheduled reminder run failed (RuntimeError)" in caplog.text
    assert "Dana" not in caplog.text and "due 0" in caplog.text


@pytest.mark.asyncio
async def test_off_means_no_task_and_on_means_one(monkeypatch) -> None:
    ran = asyncio.Event()

    async def fake_run() -> str:
        ran.set()
        return "due 0"

    monkeypatch.setattr(schedule, "run_reminders_once", fake_run)
    loop = asyncio.get_running_loop()
    assert start_schedule(loop, 0) is None
    task = start_schedule(loop, 0.001)
    assert task is not None
    await asyncio.wait_for(ran.wait(), timeout=5)
    task.cancel()


@pytest.mark.asyncio
async def test_the_server_starts_it_when_set(monkeypatch) -> None:
    """The channel's listener starts the schedule with the server (REMINDER_SCHEDULE_MINUTES set)."""
    ran = asyncio.Event()

    async def fake_run() -> str:
        ran.set()
        return "due 0"

    monkeypatch.setenv("REMINDER_SCHEDULE_MINUTES", "0.001")
    monkeypatch.setattr(schedule, "run_reminders_once", fake_run)
    app = Sanic(f"frontdesk-schedule-test-{next(_names)}")
    channel = ReminderSchedule()
    register([channel], app, route="/webhooks/")
    async with served(app) as client:
        await asyncio.wait_for(ran.wait(), timeout=5)
        status = (await client.get("/internal/reminders/")).json()
    for task in channel.tasks:  # as the server's stop would
        task.cancel()
    assert len(channel.tasks) == 1 and status == {"every_minutes": 0.001, "running": True}
