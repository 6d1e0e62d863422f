"""The optional schedule inside the Rasa server: the reminder job every REMINDER_SCHEDULE_MINUTES.

Off unless that is set (cron or a systemd timer running ``python -m bot reminders run`` does the
same from outside; docs/reminders.md). On, it runs once when the server has started and then every
interval, through the SMS channel's sender and the same outbox as the command, so the two can be
mixed: the outbox's claims keep each reminder to one text. A run that fails is logged by the
error's type and the next one runs on time. Mounted as a channel (credentials.yml) whose one route,
``GET /internal/reminders/``, says whether the schedule is on and how often.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timezone
from typing import Any

from rasa.core.channels.channel import UserMessage
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.routes import RoutesChannel
from bot.reminders.settings import ReminderSettingsError
from settings.env import env_number

log = logging.getLogger("frontdesk.reminders")

SCHEDULE_ENV = "REMINDER_SCHEDULE_MINUTES"


def schedule_minutes(env: Mapping[str, str] | None = None) -> float:
    """The interval in minutes; 0 when the schedule is off."""
    env = os.environ if env is None else env
    return env_number(env, SCHEDULE_ENV, 0, minimum=0, error=ReminderSettingsError)


async def every(interval: float, run: Callable[[], Awaitable[str]]) -> None:
    """Call ``run`` now and then every ``interval`` seconds, until cancelled; a failure is logged."""
    while True:
        try:
            summary = await run()
            log.info("scheduled reminders: %s", summary)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # the next run is on time whatever this one did
            log.error("a scheduled reminder run failed (%s)", type(error).__name__)
        await asyncio.sleep(interval)


async def run_reminders_once() -> str:
    """One run of the job in this process, as ``python -m bot reminders run`` would do it."""
    from actions.ehr import FhirGateway
    from bot.channels.sms.sender import default_sender
    from bot.reminders.job import run_once
    from bot.reminders.outbox import Outbox
    from bot.reminders.settings import load_reminder_settings
    from bot.reminders.texting import SmsTexter
    from settings.clinic import cached_clinic_settings

    sender = default_sender()
    if sender is None:
        return "SMS is not configured: nothing sent"
    settings = load_reminder_settings()
    outbox = Outbox(settings.outbox_path)
    try:
        async with FhirGateway() as gateway:
            report = await run_once(
                gateway,
                SmsTexter(sender),
                outbox,
                settings,
                cached_clinic_settings(),
                datetime.now(timezone.utc),
            )
    finally:
        outbox.close()
    return report.summary()


def start_schedule(loop: asyncio.AbstractEventLoop, minutes: float) -> asyncio.Task[None] | None:
    """The schedule's task on ``loop``, or None when it is off (``minutes`` 0)."""
    if minutes <= 0:
        return None
    log.info("reminders run inside the server every %g minutes", minutes)
    return loop.create_task(every(minutes * 60, run_reminders_once))


class ReminderSchedule(RoutesChannel):
    channel_name = "reminders"
    prefix = "/internal/reminders"

    def __init__(self) -> None:
        self.tasks: list[asyncio.Task[None]] = []

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        schedule = Blueprint("frontdesk_reminder_schedule", __name__)
        minutes = schedule_minutes()  # a bad value stops the server at start, saying which
        tasks = self.tasks

        @schedule.listener("after_server_start")
        async def start(app: Sanic, loop: asyncio.AbstractEventLoop) -> None:
            task = start_schedule(loop, minutes)
            if task is not None:
                tasks.append(task)

        @schedule.route("/", methods=["GET"])
        async def status(request: Request) -> HTTPResponse:
            """Whether the schedule is on, and how often (settings only, nothing about anyone)."""
            return response.json({"every_minutes": minutes, "running": any(not t.done() for t in tasks)})

        @schedule.listener("before_server_stop")
        async def stop(app: Sanic, loop: asyncio.AbstractEventLoop) -> None:
            for task in tasks:
                task.cancel()

        return schedule
