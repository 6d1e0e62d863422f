"""One run of the reminder job: plan, settle what a crashed run left, send within the rules.

Rules that hold every time: an opted-out number gets nothing (the sender checks too); nothing is
sent outside the sending hours in the clinic's zone; at most one reminder a day per number; each
reminder at most once (the outbox). Logs carry counts and states, never a number or a name.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bot.reminders.outbox import FAILED, OPTED_OUT, PENDING, SENDING, SENT, SKIPPED, Outbox
from bot.reminders.plan import Due, ReminderSource, due_reminders
from bot.reminders.settings import ReminderSettings
from bot.reminders.texts import appointment_reminder, bill_reminder
from settings import ClinicSettings

log = logging.getLogger("frontdesk.reminders")


class Sent(Protocol):
    @property
    def delivered(self) -> bool: ...

    @property
    def opted_out(self) -> bool: ...


class Texter(Protocol):
    """How the job texts (``bot.reminders.texting.SmsTexter`` over the SMS channel's sender)."""

    def is_opted_out(self, to: str) -> bool: ...

    def number_key(self, to: str) -> str: ...

    async def send(self, to: str, text: str) -> Sent: ...

    async def sent_since(self, to: str, since: float) -> bool | None:
        """Whether a text went to ``to`` at or after ``since`` (epoch seconds); None if unknown."""


@dataclass
class RunReport:
    due: int = 0
    sent: int = 0
    already: int = 0  # sent (or settled) by an earlier run
    opted_out: int = 0
    capped: int = 0  # held back: that number already had a reminder today
    failed: int = 0
    outside_hours: bool = False
    settled: Counter[str] = field(default_factory=Counter)  # a crashed run's rows: "sent", "retry", "unknown"
    left_out: Counter[str] = field(default_factory=Counter)  # no mobile, minor, deceased
    would_send: list[Due] = field(default_factory=list)  # dry run only

    def summary(self) -> str:
        parts = [f"due {self.due}", f"sent {self.sent}", f"already sent {self.already}"]
        parts += [
            f"opted out {self.opted_out}",
            f"held by the daily cap {self.capped}",
            f"failed {self.failed}",
        ]
        if self.outside_hours:
            parts.append("outside sending hours: nothing sent")
        if self.settled:
            parts.append(
                "settled from an interrupted run: "
                + ", ".join(f"{k} {v}" for k, v in sorted(self.settled.items()))
            )
        if self.left_out:
            parts.append("not texted: " + _counts(self.left_out))
        return "; ".join(parts)


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counter.items()))


def _text(due: Due, clinic: ClinicSettings) -> str:
    if due.kind == "appointment" and due.start is not None:
        return appointment_reminder(clinic, due.start)
    return bill_reminder(clinic)


async def _settle(outbox: Outbox, texter: Texter, due_by_key: dict[str, Due], report: RunReport) -> None:
    """Rows an interrupted run left in ``sending``: ask Twilio whether the text went out."""
    for row in outbox.in_state(SENDING):
        due = due_by_key.get(row.key)
        went = (
            None if due is None or row.claimed_at is None else await texter.sent_since(due.to, row.claimed_at)
        )
        if went is True:
            outbox.finish(row.key, SENT, "settled: Twilio has it")
            report.settled["sent"] += 1
        elif went is False:
            outbox.finish(row.key, PENDING, "settled: never reached Twilio")
            report.settled["retry"] += 1
        else:  # cannot tell: not sending again is the safe side of "never twice"
            outbox.finish(row.key, SKIPPED, "unsettled: could not confirm with Twilio")
            report.settled["unknown"] += 1
            log.warning("an interrupted reminder could not be confirmed and will not be resent")


async def run_once(
    source: ReminderSource,
    texter: Texter,
    outbox: Outbox,
    settings: ReminderSettings,
    clinic: ClinicSettings,
    now: datetime,
    *,
    dry_run: bool = False,
) -> RunReport:
    zone = clinic.zone
    due, left_out = await due_reminders(source, settings, now, zone)
    report = RunReport(due=len(due), left_out=left_out)
    due_by_key = {d.key: d for d in due}
    if not dry_run:
        for item in due:
            outbox.add(item.key, item.kind, item.reference)
        await _settle(outbox, texter, due_by_key, report)
        for row in outbox.in_state(PENDING):
            if row.key not in due_by_key:  # the visit passed, moved, or reached a later window
                outbox.finish(row.key, SKIPPED, "no longer due")
    local = now.astimezone(zone)
    if not settings.in_sending_hours(local.time()):
        report.outside_hours = True
        log.info("reminders: %s", report.summary())
        return report
    day = local.date().isoformat()
    texted_now: set[str] = set()
    for item in due:
        known = outbox.get(item.key)
        if known is not None and known.state != PENDING:
            report.already += known.state == SENT
            continue
        if texter.is_opted_out(item.to):
            report.opted_out += 1
            if not dry_run:
                outbox.finish(item.key, SKIPPED, OPTED_OUT)
            continue
        number_key = texter.number_key(item.to)
        if number_key in texted_now or outbox.sent_on(number_key, day):
            report.capped += 1
            continue
        texted_now.add(number_key)
        if dry_run:
            report.would_send.append(item)
            continue
        if not outbox.claim(item.key, number_key, day):
            continue  # another run took it
        result = await texter.send(item.to, _text(item, clinic))
        if result.delivered:
            outbox.finish(item.key, SENT)
            report.sent += 1
        elif result.opted_out:
            outbox.finish(item.key, SKIPPED, OPTED_OUT)
            report.opted_out += 1
        else:
            outbox.finish(item.key, FAILED, "Twilio did not take it")
            report.failed += 1
    log.info("reminders: %s", report.summary())
    return report
