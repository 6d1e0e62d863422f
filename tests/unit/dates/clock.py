"""The clinic's zone and a fixed 'now' for the date tests: Wednesday 4 March 2026, 9:30 am in New York."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

NY = ZoneInfo("America/New_York")
TODAY = date(2026, 3, 4)  # a Wednesday
NOW = datetime(2026, 3, 4, 9, 30, tzinfo=NY)


def at(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=NY)


def d(month: int, day: int, year: int = 2026) -> date:
    return date(year, month, day)
