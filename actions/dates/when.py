"""Appointment requests as patients type them ("tomorrow afternoon", "next friday at 10", "asap"),
as a ``TimeWindow`` in the clinic's time zone.

The rules (``now`` is the clinic's current time; weeks start on Monday):

- Numbers are US order: "12/3" is December 3rd. A date without a year is the next one that is not
  in the past; one with a year in the past gives None.
- "friday" and "this friday" are the next Friday after today, never today.
- "next friday" is the Friday of next calendar week: said on Monday the 4th it is Friday the 15th,
  said on Saturday the 9th it is Friday the 15th too. Patients differ on this, so the assistant
  always says the date it understood ("Friday, March 15") and lets them correct it.
- "next week" is next Monday to Sunday; "this week" is the rest of this week; "in 2 weeks" is the
  seven days starting 14 days from today; "in 3 days" is that one day; "next month" is that month.
- "on the 15th" is the next 15th of a month, today included; "the 2nd one" is a choice, not a date.
- "asap", "soonest", "earliest", "first available": from now for ``ASAP_DAYS`` days. A time of day
  with no day ("mornings", "after 3pm", "at 10") also covers the next ``ASAP_DAYS`` days.
- Parts of the day: morning 8-12, afternoon 12-17, evening 17-20 ("early"/"late" take the first or
  second half). "at 3" means 3 pm: a bare hour from 1 to 6 is afternoon, from 7 to 11 morning,
  unless am/pm or a part of the day says otherwise.
- A window never starts before ``now``; one that is wholly past ("this morning" said at 3 pm)
  gives None.

Datetimes are built from the calendar date and wall-clock time in the zone (``datetime.combine``),
never by adding hours to an aware datetime, so windows stay right across daylight-saving changes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Literal

from .times import parse_time_of_day
from .words import (
    CARDINAL_WORDS,
    MONTH_RE,
    MONTHS,
    SUFFIX_RE,
    WEEKDAY_RE,
    WEEKDAYS,
    canonical,
    valid_date,
)

ASAP_DAYS = 14


@dataclass(frozen=True)
class TimeWindow:
    """When the patient would like to come: ``start`` to ``end`` (exclusive), aware datetimes.

    When the window spans several days and the patient named a part of the day ("mornings next
    week"), ``day_from``/``day_until`` restrict each day; ``preferred_time`` is an exact time asked
    for ("at 10"). ``contains`` applies all of it.
    """

    start: datetime
    end: datetime
    preferred_time: time | None = None
    day_from: time | None = None
    day_until: time | None = None

    def contains(self, moment: datetime) -> bool:
        """Whether a slot starting at ``moment`` (aware) is inside the window."""
        local = moment.astimezone(self.start.tzinfo)
        if not self.start <= local < self.end:
            return False
        if self.day_from is not None and local.time() < self.day_from:
            return False
        return not (self.day_until is not None and local.time() >= self.day_until)

    def to_dict(self) -> dict[str, str | None]:
        """ISO strings, for a slot or a log line."""
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "preferred_time": _iso_time(self.preferred_time),
            "day_from": _iso_time(self.day_from),
            "day_until": _iso_time(self.day_until),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, str | None], zone: tzinfo) -> TimeWindow:
        """The inverse of ``to_dict``, with datetimes back in the clinic's ``zone``."""

        def moment(key: str) -> datetime:
            return datetime.fromisoformat(str(data[key])).astimezone(zone)

        def clock(key: str) -> time | None:
            value = data.get(key)
            return time.fromisoformat(value) if value else None

        return cls(
            start=moment("start"),
            end=moment("end"),
            preferred_time=clock("preferred_time"),
            day_from=clock("day_from"),
            day_until=clock("day_until"),
        )


def _iso_time(value: time | None) -> str | None:
    return value.isoformat(timespec="minutes") if value else None


_ASAP = re.compile(
    r"\b(?:asap|a\.s\.a\.p|soonest|earliest|as soon as (?:possible|you can)|first available|"
    r"next available|sooner the better|whenever)\b"
)
_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    **CARDINAL_WORDS,
    "a couple": 2,
    "a couple of": 2,
    "couple": 2,
    "a few": 3,
    "few": 3,
}
_COUNT = r"(?P<count>\d{1,2}|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + ")"
_UNIT = r"\s*(?P<unit>days?|weeks?|months?)\b"
# "in 2 weeks", "2 weeks from now", "3 days out"
_IN_COUNT = (
    re.compile(r"\bin\s+" + _COUNT + _UNIT),
    re.compile(r"\b" + _COUNT + _UNIT + r"\s+(?:from\s+(?:now|today)|out)\b"),
)
_MONTH_DAY = re.compile(
    MONTH_RE + r"\.?\s+(?:the\s+)?(?P<day>\d{1,2})" + SUFFIX_RE + r"(?:,?\s+(?P<year>\d{4}))?\b"
)
_DAY_MONTH = re.compile(
    r"\b(?:the\s+)?(?P<day>\d{1,2})"
    + SUFFIX_RE
    + r"\s+(?:of\s+)?"
    + MONTH_RE
    + r"(?:,?\s+(?P<year>\d{4}))?\b"
)
_SLASH_DATE = re.compile(r"(?<![\d/.\-])(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?(?![\d/])")
_DAY_OF_MONTH = re.compile(
    r"\b(?:on\s+(?:the\s+)?|the\s+)(\d{1,2})(?:st|nd|rd|th)\b(?!\s+(?:one|option|choice|slot|time)\b)"
)
_IN_MONTH = re.compile(r"\b(?:in|during|for|sometime in|early|late)\s+" + MONTH_RE + r"\b(?!\s+\d)")
_NEXT_WEEKDAY_WORDS = r"(?:next|the following)"
_NEXT_WEEKDAY = re.compile(
    rf"\b{_NEXT_WEEKDAY_WORDS}\s+{WEEKDAY_RE}\b|\b{WEEKDAY_RE}\s+(?:of\s+)?{_NEXT_WEEKDAY_WORDS} week\b"
)
_WEEKDAY_ONLY = re.compile(r"\b" + WEEKDAY_RE + r"\b")


def _next_weekday(after: date, weekday: int) -> date:
    """The first ``weekday`` strictly after ``after``."""
    return after + timedelta(days=(weekday - after.weekday() - 1) % 7 + 1)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _first_of_next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _upcoming(month: int, day: int, today: date) -> date | None:
    """The next ``month``/``day`` on or after today (Feb 29 waits for a leap year)."""
    for year in range(today.year, today.year + 5):
        candidate = valid_date(year, month, day)
        if candidate is not None and candidate >= today:
            return candidate
    return None


def _explicit_date(text: str, today: date) -> date | Literal[False] | None:
    """A calendar date named in the text; False if one is named but is past or impossible."""
    for pattern in (_MONTH_DAY, _DAY_MONTH):
        m = pattern.search(text)
        if m:
            month, day = MONTHS.index(m.group("month")) + 1, int(m.group("day"))
            if m.group("year"):
                named = valid_date(int(m.group("year")), month, day)
                return named if named is not None and named >= today else False
            return _upcoming(month, day, today) or False
    m = _SLASH_DATE.search(text)
    if m:
        month, day = int(m.group(1)), int(m.group(2))
        if m.group(3):
            year = int(m.group(3)) + (2000 if len(m.group(3)) == 2 else 0)
            named = valid_date(year, month, day)
            return named if named is not None and named >= today else False
        return _upcoming(month, day, today) or False
    return None


def _day_range(text: str, today: date) -> tuple[date, date] | Literal[False] | None:
    """(first day, day after the last) the text names; None if none; False if it names a past one."""
    named = _explicit_date(text, today)
    if named is False:
        return False
    if isinstance(named, date):
        return named, named + timedelta(days=1)
    m = _DAY_OF_MONTH.search(text)
    if m:
        wanted, first = int(m.group(1)), today.replace(day=1)
        for _ in range(13):  # the next month that has that day ("the 31st")
            candidate = valid_date(first.year, first.month, wanted)
            if candidate is not None and candidate >= today:
                return candidate, candidate + timedelta(days=1)
            first = _first_of_next_month(first)
        return False
    one_day = _relative_day(text, today)
    if one_day is not None:
        return one_day, one_day + timedelta(days=1)
    return _relative_span(text, today)


def _relative_day(text: str, today: date) -> date | None:
    if re.search(r"\bday after tomorrow\b", text):
        return today + timedelta(days=2)
    if re.search(r"\btomorrow\b", text):
        return today + timedelta(days=1)
    if re.search(r"\b(?:today|tonight|this (?:morning|afternoon|evening))\b", text):
        return today
    m = _NEXT_WEEKDAY.search(text)
    if m:
        weekday = WEEKDAYS.index(m.group(1) or m.group(2))
        return _monday(today) + timedelta(days=7 + weekday)
    m = _WEEKDAY_ONLY.search(text)
    if m:
        return _next_weekday(today, WEEKDAYS.index(m.group(1)))
    m = _in_count(text)
    if m and m.group("unit").startswith("day"):
        return today + timedelta(days=_count(m.group("count")))
    return None


def _in_count(text: str) -> re.Match[str] | None:
    for pattern in _IN_COUNT:
        m = pattern.search(text)
        if m:
            return m
    return None


def _count(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBER_WORDS[word]


def _relative_span(text: str, today: date) -> tuple[date, date] | None:
    m = _in_count(text)
    if m and m.group("unit").startswith("week"):
        first = today + timedelta(weeks=_count(m.group("count")))
        return first, first + timedelta(days=7)
    if m and m.group("unit").startswith("month"):
        first = today
        for _ in range(_count(m.group("count"))):
            first = _first_of_next_month(first)
        return first, _first_of_next_month(first)
    if re.search(r"\bweek after next\b", text):
        first = _monday(today) + timedelta(days=14)
        return first, first + timedelta(days=7)
    if re.search(r"\b(?:next|the following) week\b", text):
        first = _monday(today) + timedelta(days=7)
        return first, first + timedelta(days=7)
    if re.search(r"\b(?:this|later this|rest of the) week\b", text):
        return today, _monday(today) + timedelta(days=7)
    if re.search(r"\bnext weekend\b", text):
        saturday = _monday(today) + timedelta(days=12)
        return saturday, saturday + timedelta(days=2)
    if re.search(r"\bweekend\b", text):
        saturday = _monday(today) + timedelta(days=5)
        return max(today, saturday), saturday + timedelta(days=2)
    if re.search(r"\bnext month\b", text):
        first = _first_of_next_month(today)
        return first, _first_of_next_month(first)
    if re.search(r"\bthis month\b", text):
        return today, _first_of_next_month(today)
    m = _IN_MONTH.search(text)
    if m:
        month = MONTHS.index(m.group("month")) + 1
        first = date(today.year + (month < today.month), month, 1)
        return max(today, first), _first_of_next_month(first)
    return None


def parse_when(text: str, now: datetime) -> TimeWindow | None:
    """When the patient would like an appointment, as a window in ``now``'s time zone, or None.

    ``now`` must be aware and in the clinic's zone. The rules are in this module's docstring.
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime in the clinic's time zone")
    zone = now.tzinfo
    text = canonical(text)
    today = now.date()
    days = _day_range(text, today)
    if days is False:
        return None
    tod = parse_time_of_day(text)
    if days is None:
        if tod is None and not _ASAP.search(text):
            return None
        days = (today, today + timedelta(days=ASAP_DAYS))
    first, after_last = days
    earliest = tod.earliest if tod else None
    latest = tod.latest if tod else None
    start = datetime.combine(first, earliest or time(0), tzinfo=zone)
    if latest is not None:
        end = datetime.combine(after_last - timedelta(days=1), latest, tzinfo=zone)
    else:
        end = datetime.combine(after_last, time(0), tzinfo=zone)
    start = max(start, now)
    if end <= start:
        return None
    exact = tod.exact if tod else None
    one_day = after_last - first == timedelta(days=1)
    if exact is not None and one_day and datetime.combine(first, exact, tzinfo=zone) < now:
        return None  # "today at 9" said at 10
    return TimeWindow(start=start, end=end, preferred_time=exact, day_from=earliest, day_until=latest)
