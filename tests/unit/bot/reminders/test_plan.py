"""Which reminders are due: windows, who is left out, bill periods, and the settings."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from actions.ehr import DueAppointment
from bot.reminders.plan import bill_period, due_reminders, due_window
from bot.reminders.settings import ReminderSettings, ReminderSettingsError, load_reminder_settings
from tests.unit.bot.reminders.fakes import FakeSource

ZONE = ZoneInfo("America/New_York")
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=ZONE)


def visit(ident: str, hours: float, **kwargs: object) -> DueAppointment:
    fields: dict = {"mobile": "+16175550100", **kwargs}
    return DueAppointment(ident, NOW + timedelta(hours=hours), f"pat-{ident}", **fields)


@pytest.mark.parametrize(
    ("hours", "window"),
    [(47.9, 48.0), (48.0, 48.0), (24.0, 24.0), (23.5, 24.0), (30, 48.0), (48.1, None), (0, None), (-1, None)],
)
def test_the_smallest_window_the_visit_is_inside(hours: float, window: float | None) -> None:
    """Tried: just inside and on each edge, between windows, beyond the largest, started, past."""
    assert due_window(NOW + timedelta(hours=hours), NOW, (48.0, 24.0)) == window


@pytest.mark.asyncio
async def test_due_appointments_keyed_by_window_and_the_left_out_counted() -> None:
    """Tried: visits in each window, one too far, a minor, a deceased patient, one with no mobile."""
    source = FakeSource(
        appointments=[
            visit("a", 40),
            visit("b", 20),
            visit("far", 60),
            visit("kid", 30, minor=True),
            visit("gone", 30, deceased=True),
            visit("landline", 30, mobile=None),
        ]
    )
    due, left_out = await due_reminders(source, ReminderSettings(bill_reminders=False), NOW, ZONE)
    assert [d.key for d in due] == ["appointment:b:24h", "appointment:a:48h"]
    assert [d.reference for d in due] == ["Appointment/b", "Appointment/a"]
    assert left_out == {"minor": 1, "deceased": 1, "no mobile": 1}


@pytest.mark.asyncio
async def test_bills_only_for_consenters_who_owe_and_have_a_mobile() -> None:
    """Tried: a consenter who owes, one who owes nothing, one without an account, one without a
    mobile, and a patient who owes but never consented."""
    source = FakeSource(
        consenters=["owes", "paid", "no-account", "no-mobile"],
        balances={
            "owes": Decimal("25.00"),
            "paid": Decimal("0"),
            "no-mobile": Decimal("9"),
            "never": Decimal("5"),
        },
        mobiles={"owes": "+16175550101", "paid": "+16175550102", "never": "+16175550103"},
    )
    due, left_out = await due_reminders(source, ReminderSettings(bill_every_days=30), NOW, ZONE)
    assert [(d.kind, d.reference) for d in due] == [("bill", "Patient/owes")]
    assert due[0].key == f"bill:owes:{bill_period(NOW.date(), 30).isoformat()}"
    assert left_out == {"no mobile": 1}


def test_bill_periods_are_stable_within_and_change_across() -> None:
    first = bill_period(date(2026, 12, 1), 30)
    assert all(bill_period(first + timedelta(days=n), 30) == first for n in range(30))
    assert bill_period(first + timedelta(days=30), 30) == first + timedelta(days=30)


def test_settings_from_the_environment(tmp_path: Path) -> None:
    env = {
        "REMINDER_WINDOWS_HOURS": "24, 72,48",
        "REMINDER_SENDING_HOURS": "08:30-19:00",
        "REMINDER_OUTBOX": str(tmp_path / "o.sqlite3"),
        "BILL_REMINDERS": "0",
        "BILL_REMINDER_EVERY_DAYS": "14",
    }
    s = load_reminder_settings(env)
    assert s.windows_hours == (72.0, 48.0, 24.0)
    assert (s.send_from, s.send_until) == (time(8, 30), time(19, 0))
    assert s.outbox_path == tmp_path / "o.sqlite3" and not s.bill_reminders and s.bill_every_days == 14
    assert s.in_sending_hours(time(8, 30)) and not s.in_sending_hours(time(19, 0))
    defaults = load_reminder_settings({})
    assert defaults.windows_hours == (48.0, 24.0) and (defaults.send_from, defaults.send_until) == (
        time(9),
        time(20),
    )


@pytest.mark.parametrize(
    "env",
    [
        {"REMINDER_WINDOWS_HOURS": "soon"},
        {"REMINDER_WINDOWS_HOURS": "0"},
        {"REMINDER_SENDING_HOURS": "20:00-09:00"},
        {"REMINDER_SENDING_HOURS": "nine to five"},
        {"BILL_REMINDERS": "maybe"},
        {"BILL_REMINDER_EVERY_DAYS": "0"},
        {"BILL_REMINDER_EVERY_DAYS": "monthly"},
    ],
)
def test_bad_settings_name_the_variable(env: dict[str, str]) -> None:
    """Tried: words for numbers, zero, hours that end before they start, an unknown flag."""
    with pytest.raises(ReminderSettingsError) as error:
        load_reminder_settings(env)
    assert any(name in str(error.value) for name in env)
