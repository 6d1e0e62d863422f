"""The clinic's opening hours as data: is it open at an instant, and when does it open next.

``clinic.yml`` names the hours of each weekday in the clinic's time zone, and the dates it is
closed (holidays)::

    opening_hours:
      monday: "08:00-17:00"
      tuesday: "08:00-12:00, 13:00-17:00"   # several periods in a day
      saturday: closed                       # a day left out is closed too
    closed_dates: ["2026-12-25", "2027-01-01"]

Times are wall-clock times in the clinic's zone, so the hours follow daylight saving time: 8 AM
is 8 AM in January and in July. A period ends before midnight ("24:00" is the end of the day:
"00:00-24:00" is open all day). An instant is open when its local time is inside one of its
day's periods (start included, end excluded) and its local date is not a closed date.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_PERIOD = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
# How far ahead next_opening looks: a clinic closed for longer than this has no next opening.
SEARCH_DAYS = 400


class HoursError(ValueError):
    """The opening hours are malformed; the message says where."""


@dataclass(frozen=True)
class Period:
    """Open from ``start`` to ``end`` minutes after local midnight (end up to 1440)."""

    start: int
    end: int

    def holds(self, minute: int) -> bool:
        return self.start <= minute < self.end


@dataclass(frozen=True)
class OpeningHours:
    zone: ZoneInfo
    week: tuple[tuple[Period, ...], ...]  # Monday first, seven days
    closed_dates: frozenset[date] = frozenset()

    def periods_on(self, day: date) -> tuple[Period, ...]:
        if day in self.closed_dates:
            return ()
        return self.week[day.weekday()]

    def is_open(self, instant: datetime) -> bool:
        """Whether the clinic is open at ``instant`` (an aware datetime)."""
        local = _aware(instant).astimezone(self.zone)
        minute = local.hour * 60 + local.minute
        return any(period.holds(minute) for period in self.periods_on(local.date()))

    def next_opening(self, after: datetime) -> datetime | None:
        """The start of the first opening period that begins after ``after``, in the clinic's
        zone; None when the clinic opens on none of the next ``SEARCH_DAYS`` days."""
        after = _aware(after)
        first_day = after.astimezone(self.zone).date()
        for offset in range(SEARCH_DAYS):
            day = first_day + timedelta(days=offset)
            for period in self.periods_on(day):
                start = _local(day, period.start, self.zone)
                if start > after:
                    return start
        return None

    @property
    def ever_open(self) -> bool:
        return any(self.week)


def _aware(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("an instant must carry its time zone")
    return instant


def _local(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """Local wall time ``minute`` on ``day``, as a real instant: a time that does not exist (the
    hour skipped when clocks go forward) becomes the same instant an hour later on the wall."""
    wall = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)
    return wall.astimezone(timezone.utc).astimezone(zone)


def parse_periods(day: str, value: Any) -> tuple[Period, ...]:
    """``"08:00-17:00"``, ``"08:00-12:00, 13:00-17:00"``, ``closed`` (or empty) -> periods."""
    if value is None or value is False:
        return ()
    text = str(value).strip()
    if text.lower() in ("", "closed"):
        return ()
    periods = []
    for part in text.split(","):
        match = _PERIOD.match(part)
        if not match:
            raise HoursError(
                f"opening_hours.{day}: {part.strip()!r} is not a period like 08:00-17:00 (or closed)"
            )
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if h1 > 23 or m1 > 59 or m2 > 59 or end > 24 * 60:
            raise HoursError(f"opening_hours.{day}: {part.strip()!r} is not a time of day")
        if start >= end:
            raise HoursError(f"opening_hours.{day}: {part.strip()!r} ends before it starts")
        periods.append(Period(start, end))
    periods.sort(key=lambda p: p.start)
    for earlier, later in pairwise(periods):
        if later.start < earlier.end:
            raise HoursError(f"opening_hours.{day}: its periods overlap")
    return tuple(periods)


def parse_closed_dates(values: Any) -> frozenset[date]:
    if values is None:
        return frozenset()
    if not isinstance(values, list):
        raise HoursError("closed_dates must be a list of dates like 2026-12-25")
    dates = set()
    for value in values:
        if isinstance(value, date) and not isinstance(value, datetime):
            dates.add(value)  # YAML reads an unquoted 2026-12-25 as a date already
            continue
        try:
            dates.add(date.fromisoformat(str(value).strip()))
        except ValueError:
            raise HoursError(f"closed_dates: {value!r} is not a date like 2026-12-25") from None
    return frozenset(dates)


def parse_opening_hours(week: Any, closed_dates: Any, zone: ZoneInfo) -> OpeningHours:
    """Opening hours from ``clinic.yml``'s ``opening_hours`` mapping and ``closed_dates`` list."""
    if not isinstance(week, Mapping):
        raise HoursError("opening_hours must map weekdays (monday ... sunday) to hours or closed")
    unknown = sorted(str(k) for k in week if str(k).lower() not in WEEKDAYS)
    if unknown:
        raise HoursError(f"opening_hours: {', '.join(unknown)} is not a weekday (monday ... sunday)")
    by_day = {str(k).lower(): v for k, v in week.items()}
    return OpeningHours(
        zone=zone,
        week=tuple(parse_periods(day, by_day.get(day)) for day in WEEKDAYS),
        closed_dates=parse_closed_dates(closed_dates),
    )


def always_open(zone: ZoneInfo) -> OpeningHours:
    """Hours for a clinic that names none: never closed (only whether agents are signed in counts)."""
    return OpeningHours(zone=zone, week=tuple((Period(0, 24 * 60),) for _ in WEEKDAYS))


def describe_instant(instant: datetime, now: datetime, zone: ZoneInfo) -> str:
    """An opening time as a patient reads it: "today at 1:00 PM", "tomorrow at 8:00 AM",
    "Monday at 8:00 AM" within a week, "Monday, December 28 at 8:00 AM" beyond."""
    local, today = instant.astimezone(zone), now.astimezone(zone).date()
    clock = local.strftime("%I:%M %p").lstrip("0")
    days = (local.date() - today).days
    if days <= 0:
        return f"today at {clock}"
    if days == 1:
        return f"tomorrow at {clock}"
    if days < 7:
        return f"{local.strftime('%A')} at {clock}"
    return f"{local.strftime('%A, %B')} {local.day} at {clock}"
