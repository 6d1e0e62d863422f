"""Which reminders are due now, read from the EHR.

An appointment is due for the smallest window (48 h, 24 h, ...) that the time left before it
falls inside, so a visit booked 30 hours ahead gets the 24-hour reminder only, and a run that
missed the 48-hour moment (sending hours, an outage) does not send it late beside the 24-hour
one. A bill reminder is due once per period (``bill_every_days``) for each patient with an active
billing-text consent and a balance owed. Patients without a mobile number, minors and the
deceased get nothing (their reminders are counted, not sent).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from actions.ehr import Balance, DueAppointment
from bot.reminders.settings import ReminderSettings


class ReminderSource(Protocol):
    """What the job needs of the EHR (``actions.ehr.FhirGateway`` has it)."""

    async def appointments_starting(self, start: datetime, end: datetime) -> list[DueAppointment]: ...

    async def billing_text_consenters(self) -> list[str]: ...

    async def patient_mobiles(self, patient_ids: set[str]) -> dict[str, str]: ...

    async def outstanding_balance(self, patient_id: str) -> Balance | None: ...


@dataclass(frozen=True)
class Due:
    key: str
    kind: str  # "appointment" or "bill"
    reference: str
    to: str = field(repr=False)  # E.164
    start: datetime | None = None  # the visit, in the clinic's zone


def due_window(start: datetime, now: datetime, windows: tuple[float, ...]) -> float | None:
    """The smallest window the time left before ``start`` falls inside, or None."""
    left = (start - now).total_seconds() / 3600
    inside = [w for w in windows if 0 < left <= w]
    return min(inside) if inside else None


def bill_period(today: date, every_days: int) -> date:
    """The first day of the billing-reminder period ``today`` is in (periods count from 1970-01-01)."""
    epoch = date(1970, 1, 1)
    return epoch + timedelta(days=(today - epoch).days // every_days * every_days)


def _label(window: float) -> str:
    return f"{window:g}h"


async def due_reminders(
    source: ReminderSource, settings: ReminderSettings, now: datetime, zone: ZoneInfo
) -> tuple[list[Due], Counter[str]]:
    """Every reminder due at ``now``, soonest visit first, then bills; and what was left out, by why."""
    left_out: Counter[str] = Counter()
    due: list[Due] = []
    horizon = now + timedelta(hours=max(settings.windows_hours))
    for visit in await source.appointments_starting(now, horizon):
        window = due_window(visit.start, now, settings.windows_hours)
        if window is None:
            continue
        reason = (
            "deceased"
            if visit.deceased
            else "minor"
            if visit.minor
            else None
            if visit.mobile
            else "no mobile"
        )
        if reason:
            left_out[reason] += 1
            continue
        assert visit.mobile is not None
        key = f"appointment:{visit.id}:{_label(window)}"
        due.append(Due(key, "appointment", f"Appointment/{visit.id}", visit.mobile, visit.start))
    if settings.bill_reminders:
        due += await _due_bills(source, settings, now.astimezone(zone).date(), left_out)
    return due, left_out


async def _due_bills(
    source: ReminderSource, settings: ReminderSettings, today: date, left_out: Counter[str]
) -> list[Due]:
    consenters = await source.billing_text_consenters()
    owing = []
    for patient_id in consenters:
        balance = await source.outstanding_balance(patient_id)
        if balance is not None and balance.due.amount > 0:
            owing.append(patient_id)
    mobiles = await source.patient_mobiles(set(owing))
    left_out["no mobile"] += len(owing) - len(mobiles)
    period = bill_period(today, settings.bill_every_days).isoformat()
    return [
        Due(f"bill:{pid}:{period}", "bill", f"Patient/{pid}", mobiles[pid]) for pid in owing if pid in mobiles
    ]
