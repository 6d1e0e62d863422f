"""One run of the reminder job with a fake EHR and a fake texter: the rules that hold every time.

The outbox is the real SQLite one, in a temporary folder."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from actions.ehr import DueAppointment
from bot.reminders.job import run_once
from bot.reminders.outbox import PENDING, SENDING, SENT, SKIPPED, Outbox
from bot.reminders.settings import ReminderSettings
from settings import ClinicSettings
from tests.unit.bot.reminders.fakes import FakeSource, FakeTexter

ZONE = ZoneInfo("America/New_York")
MORNING = datetime(2026, 12, 1, 10, 0, tzinfo=ZONE)
CLINIC = ClinicSettings(
    name="Harbor Family Medicine", timezone="America/New_York", phone="(617) 555-0100", hours="9-5"
)
SETTINGS = ReminderSettings(bill_reminders=False)


def visit(ident: str, hours: float, mobile: str = "+16175550100", now: datetime = MORNING) -> DueAppointment:
    return DueAppointment(ident, now + timedelta(hours=hours), f"pat-{ident}", mobile=mobile)


@pytest.fixture
def outbox(tmp_path: Path) -> Iterator[Outbox]:
    box = Outbox(tmp_path / "reminders.sqlite3")
    yield box
    box.close()


@pytest.mark.asyncio
async def test_a_due_reminder_says_the_day_time_and_how_to_reply_and_nothing_else(outbox: Outbox) -> None:
    source = FakeSource([visit("a", 30, "+16175550111")])
    texter = FakeTexter()
    report = await run_once(source, texter, outbox, SETTINGS, CLINIC, MORNING)
    assert report.sent == 1 and report.due == 1
    ((to, text),) = texter.sent
    assert to == "+16175550111"
    assert text == (
        "Harbor Family Medicine: reminder of your appointment on Wednesday, December 2 at 4:00 PM. "
        "Reply C to confirm, R to reschedule, X to cancel, STOP to opt out."
    )
    assert outbox.get("appointment:a:48h").state == SENT  # type: ignore[union-attr]


@pytest.mark.asyncio
async def test_a_repeated_run_sends_nothing_twice(outbox: Outbox) -> None:
    source = FakeSource([visit("a", 30, "+16175550111"), visit("b", 20, "+16175550112")])
    texter = FakeTexter()
    await run_once(source, texter, outbox, SETTINGS, CLINIC, MORNING)
    again = await run_once(source, texter, outbox, SETTINGS, CLINIC, MORNING + timedelta(minutes=5))
    assert len(texter.sent) == 2 and again.sent == 0 and again.already == 2


@pytest.mark.asyncio
async def test_the_next_window_sends_again_but_a_missed_one_is_not_sent_late(outbox: Outbox) -> None:
    """Tried: 48 h then 24 h before one visit (two texts); a visit first seen inside 24 h (one)."""
    texter = FakeTexter()
    first = FakeSource([visit("a", 47, "+16175550111")])
    await run_once(first, texter, outbox, SETTINGS, CLINIC, MORNING)
    next_day = MORNING + timedelta(days=1)
    later = FakeSource([DueAppointment("a", MORNING + timedelta(hours=47), "pat-a", mobile="+16175550111")])
    await run_once(later, texter, outbox, SETTINGS, CLINIC, next_day)
    assert len(texter.sent) == 2
    fresh = FakeSource([visit("c", 10, "+16175550113")])
    report = await run_once(fresh, texter, outbox, SETTINGS, CLINIC, MORNING)
    assert report.sent == 1 and outbox.get("appointment:c:48h") is None


@pytest.mark.asyncio
async def test_outside_sending_hours_nothing_goes_and_it_goes_later(outbox: Outbox) -> None:
    """Tried: 8:59 and 20:00 in the clinic's zone (nothing sent), then 9:00 (sent once)."""
    texter = FakeTexter()
    for moment in (MORNING.replace(hour=8, minute=59), MORNING.replace(hour=20, minute=0)):
        source = FakeSource([visit("a", 20, now=moment)])
        report = await run_once(source, texter, outbox, SETTINGS, CLINIC, moment)
        assert report.outside_hours and report.sent == 0
    nine = MORNING.replace(hour=9)
    report = await run_once(FakeSource([visit("b", 20, now=nine)]), texter, outbox, SETTINGS, CLINIC, nine)
    assert report.sent == 1 and len(texter.sent) == 1


@pytest.mark.asyncio
async def test_an_opted_out_number_gets_nothing_ever(outbox: Outbox) -> None:
    texter = FakeTexter(opted_out={"+16175550111"})
    source = FakeSource([visit("a", 20, "+16175550111")])
    report = await run_once(source, texter, outbox, SETTINGS, CLINIC, MORNING)
    assert report.opted_out == 1 and texter.sent == []
    assert outbox.get("appointment:a:24h").state == SKIPPED  # type: ignore[union-attr]
    texter.opted_out.clear()  # even after they opt back in, that reminder is over
    await run_once(source, texter, outbox, SETTINGS, CLINIC, MORNING + timedelta(minutes=1))
    assert texter.sent == []


@pytest.mark.asyncio
async def test_one_reminder_a_day_per_number(outbox: Outbox) -> None:
    """Tried: two visits and a bill for one number on one day, then the next day."""
    same = "+16175550111"
    source = FakeSource(
        [visit("a", 20, same), visit("b", 44, same)],
        consenters=["p"],
        balances={"p": Decimal("40")},
        mobiles={"p": same},
    )
    texter = FakeTexter()
    report = await run_once(source, texter, outbox, ReminderSettings(), CLINIC, MORNING)
    assert report.sent == 1 and report.capped == 2 and len(texter.sent) == 1
    tomorrow = MORNING + timedelta(days=1)
    source.appointments = [DueAppointment("b", MORNING + timedelta(hours=44), "pat-b", mobile=same)]
    report = await run_once(source, texter, outbox, ReminderSettings(), CLINIC, tomorrow)
    assert report.sent == 1 and report.capped == 1 and len(texter.sent) == 2


@pytest.mark.asyncio
async def test_a_dry_run_lists_and_records_nothing(outbox: Outbox) -> None:
    texter = FakeTexter()
    source = FakeSource([visit("a", 20, "+16175550111"), visit("b", 30, "+16175550112")])
    report = await run_once(source, texter, outbox, SETTINGS, CLINIC, MORNING, dry_run=True)
    assert [d.key for d in report.would_send] == ["appointment:a:24h", "appointment:b:48h"]
    assert texter.sent == [] and outbox.counts() == {}


@pytest.mark.asyncio
async def test_a_failed_send_is_retried_by_later_runs_then_given_up(outbox: Outbox) -> None:
    texter = FakeTexter(fail_for={"+16175550111"})
    source = FakeSource([visit("a", 20, "+16175550111")])
    for minute in range(4):
        await run_once(source, texter, outbox, SETTINGS, CLINIC, MORNING + timedelta(minutes=minute))
    row = outbox.get("appointment:a:24h")
    assert row is not None and row.state == "failed" and row.attempts == 3


def _interrupt(outbox: Outbox, key: str) -> None:
    """What a run killed between claiming a reminder and recording the send leaves."""
    outbox.add(key, "appointment", "Appointment/a")
    assert outbox.claim(key, "hkey", "2026-12-01")


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("twilio_has", "unknown", "sends", "state"),
    [(True, False, 0, SENT), (False, False, 1, SENT), (False, True, 0, SKIPPED)],
)
async def test_an_interrupted_send_is_settled_with_twilio(
    outbox: Outbox, twilio_has: bool, unknown: bool, sends: int, state: str
) -> None:
    """Tried: Twilio has the text (not sent again), Twilio never got it (sent now), Twilio cannot
    be asked (not sent again: never twice wins over never missed when nothing can tell)."""
    key = "appointment:a:24h"
    _interrupt(outbox, key)
    texter = FakeTexter(twilio_has={"+16175550111"} if twilio_has else set(), unknown=unknown)
    await run_once(FakeSource([visit("a", 20, "+16175550111")]), texter, outbox, SETTINGS, CLINIC, MORNING)
    assert len(texter.sent) == sends
    assert outbox.get(key).state == state  # type: ignore[union-attr]


def test_two_runs_cannot_claim_one_reminder(outbox: Outbox) -> None:
    outbox.add("k", "appointment", "Appointment/a")
    assert outbox.claim("k", "n", "2026-12-01") is True
    assert outbox.claim("k", "n", "2026-12-01") is False
    assert outbox.in_state(SENDING)[0].key == "k" and outbox.in_state(PENDING) == []


def test_the_outbox_holds_references_and_states_only(outbox: Outbox) -> None:
    """No message text, no number, no name: the file's whole content is keys, references,
    states, hashes and times."""
    outbox.add("appointment:a:24h", "appointment", "Appointment/a")
    outbox.claim("appointment:a:24h", "hkey", "2026-12-01")
    outbox.finish("appointment:a:24h", SENT)
    with sqlite3.connect(outbox.path) as db:
        columns = [c[1] for c in db.execute("PRAGMA table_info(reminder)")]
        rows = db.execute("SELECT * FROM reminder").fetchall()
    assert columns == [
        "key",
        "kind",
        "reference",
        "state",
        "number_key",
        "day",
        "claimed_at",
        "attempts",
        "detail",
        "updated_at",
    ]
    assert rows[0][:6] == ("appointment:a:24h", "appointment", "Appointment/a", SENT, "hkey", "2026-12-01")
