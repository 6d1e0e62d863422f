"""Reminder settings, from the environment (docs/reminders.md lists them)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from pathlib import Path

DEFAULT_OUTBOX = Path(__file__).resolve().parents[2] / "var" / "reminders.sqlite3"


class ReminderSettingsError(ValueError):
    """A reminder setting that cannot be used; the message names the variable."""


@dataclass(frozen=True)
class ReminderSettings:
    windows_hours: tuple[float, ...] = (48.0, 24.0)  # before the visit, largest first
    send_from: time = time(9, 0)  # sending hours in the clinic's zone: nothing outside them
    send_until: time = time(20, 0)
    outbox_path: Path = DEFAULT_OUTBOX
    bill_reminders: bool = True
    bill_every_days: int = 30  # at most one bill reminder per patient in this many days

    def in_sending_hours(self, local: time) -> bool:
        return self.send_from <= local < self.send_until


def _hours(raw: str) -> tuple[float, ...]:
    try:
        values = sorted({float(part) for part in raw.split(",") if part.strip()}, reverse=True)
    except ValueError:
        raise ReminderSettingsError(
            f"REMINDER_WINDOWS_HOURS must be hours separated by commas, got {raw!r}"
        ) from None
    if not values or any(v <= 0 for v in values):
        raise ReminderSettingsError("REMINDER_WINDOWS_HOURS needs at least one positive number of hours")
    return tuple(values)


def _clock(text: str, name: str) -> time:
    try:
        return time.fromisoformat(text.strip())
    except ValueError:
        raise ReminderSettingsError(f"{name} must be HH:MM-HH:MM, got {text!r}") from None


def load_reminder_settings(env: Mapping[str, str] | None = None) -> ReminderSettings:
    env = os.environ if env is None else env
    defaults = ReminderSettings()
    windows = (
        _hours(env["REMINDER_WINDOWS_HOURS"]) if env.get("REMINDER_WINDOWS_HOURS") else defaults.windows_hours
    )
    send_from, send_until = defaults.send_from, defaults.send_until
    if env.get("REMINDER_SENDING_HOURS"):
        start, _, end = env["REMINDER_SENDING_HOURS"].partition("-")
        send_from = _clock(start, "REMINDER_SENDING_HOURS")
        send_until = _clock(end, "REMINDER_SENDING_HOURS")
        if send_from >= send_until:
            raise ReminderSettingsError("REMINDER_SENDING_HOURS must start before it ends")
    outbox = Path(env.get("REMINDER_OUTBOX") or DEFAULT_OUTBOX)
    flag = (env.get("BILL_REMINDERS") or "1").strip().lower()
    if flag not in ("0", "1", "true", "false", "yes", "no"):
        raise ReminderSettingsError(f"BILL_REMINDERS must be 1 or 0, got {flag!r}")
    try:
        every = int(env.get("BILL_REMINDER_EVERY_DAYS") or defaults.bill_every_days)
    except ValueError:
        raise ReminderSettingsError("BILL_REMINDER_EVERY_DAYS must be a whole number of days") from None
    if every < 1:
        raise ReminderSettingsError("BILL_REMINDER_EVERY_DAYS must be at least 1")
    return ReminderSettings(
        windows_hours=windows,
        send_from=send_from,
        send_until=send_until,
        outbox_path=outbox,
        bill_reminders=flag in ("1", "true", "yes"),
        bill_every_days=every,
    )
