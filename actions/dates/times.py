"""The time-of-day part of a request: "mornings", "after 3pm", "between 2 and 4", "at 10"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

from .words import canonical

MORNING = (time(8), time(12))
AFTERNOON = (time(12), time(17))
EVENING = (time(17), time(20))
_PARTS = {"morning": MORNING, "afternoon": AFTERNOON, "evening": EVENING, "tonight": EVENING}


@dataclass(frozen=True)
class TimeOfDay:
    """The time-of-day part of a request: a range of each day, an exact time, or both."""

    earliest: time | None = None  # not before this
    latest: time | None = None  # before this (None: to the end of the day)
    exact: time | None = None  # "at 10", "10:30am"


_CLOCK = (
    r"(?P<h{n}>\d{{1,2}})(?:(?P<sep{n}>[:.])?(?P<m{n}>\d{{2}}))?"
    r"(?:\s*(?P<ap{n}>[ap])\.?(?:m\b\.?)?(?![a-z]))?"
)
_CLOCK1 = _CLOCK.format(n=1)
_CLOCK2 = _CLOCK.format(n=2)
_PREFIX = (
    r"(?P<prefix>@|\b(?:at|after|before|by|around|about|from|between|til|until|till|earlier than|later than))"
)
_RANGE = re.compile(
    r"\b(?:between|from)\s+" + _CLOCK1 + r"\s*(?:and|to|-|till|til|until)\s*" + _CLOCK2 + r"(?![\d/])"
)
_TIME = re.compile(r"(?:" + _PREFIX + r"\s*|(?<![\w/.:\-]))" + _CLOCK1 + r"(?![\d/])")
_PART = re.compile(
    r"\b(?:(?P<mod>early|late)\s+(?:in\s+the\s+)?)?(?P<part>morning|afternoon|evening|tonight)\b"
)
# "8 tonight", "10 in the morning": the part of the day is the cue that a bare number is a time.
_PART_AFTER = re.compile(r"\s+(?:in\s+the\s+|this\s+)?(?:morning|afternoon|evening|tonight)\b")
_NOON = re.compile(r"\b(?:noon|lunchtime)\b")


def _clock(match: re.Match[str], n: int, part: tuple[time, time] | None, need_cue: bool) -> time | None:
    """The time one clock group means, or None if it is no time (or not clearly one)."""
    hour = int(match.group(f"h{n}"))
    minute = int(match.group(f"m{n}") or 0)
    ampm = match.group(f"ap{n}")
    # A bare number ("3", "15") is a time only after a word like "at"; a dot needs am/pm ("3.4").
    if need_cue and ampm is None and match.group(f"sep{n}") != ":":
        return None
    if minute > 59 or hour > 23:
        return None
    if ampm is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "p" else 0)
    elif hour <= 12:
        if part is not None and part[0] >= time(12) and hour < 12:
            hour += 12  # "at 3 in the afternoon", "8 tonight"
        elif part is None and 1 <= hour <= 6:
            hour += 12  # nobody books a 3 am visit
    return time(hour, minute)


def _part(text: str) -> tuple[time, time] | None:
    match = _PART.search(text)
    if match is None:
        return None
    start, end = _PARTS[match.group("part")]
    middle = time((start.hour + end.hour) // 2, 30 * ((start.hour + end.hour) % 2))
    if match.group("mod") == "early":
        return start, middle
    if match.group("mod") == "late":
        return middle, end
    return start, end


def parse_time_of_day(text: str) -> TimeOfDay | None:
    """The time-of-day part of a request, or None.

    "morning" (8-12), "afternoon" (12-17), "evening"/"tonight" (17-20), "early"/"late" halves of
    them; "after 3pm" (15:00 on), "before 10" (until 10:00), "between 2 and 4"; "at 10", "10:30am",
    "noon" (exact). A bare hour needs a cue ("at", "after", am/pm, a colon, or a part of the day after
    it: "8 tonight"): "15" alone is no time.
    """
    text = canonical(text)
    part = _part(text)
    earliest, latest = part if part else (None, None)
    exact: time | None = None
    ranged = _RANGE.search(text)
    if ranged:
        first = _clock(ranged, 1, part, need_cue=False)
        second = _clock(ranged, 2, part, need_cue=False)
        # "between 7 and 9pm": the first hour takes the second's pm when that keeps the order.
        if (
            first is not None
            and second is not None
            and ranged.group("ap1") is None
            and ranged.group("ap2") == "p"
            and first.hour < 12
            and time(first.hour + 12, first.minute) < second
        ):
            first = time(first.hour + 12, first.minute)
        if first is not None and second is not None and first < second:
            return TimeOfDay(earliest=first, latest=second)
    for match in _TIME.finditer(text):
        prefix = match.group("prefix")
        cued = prefix is not None or _PART_AFTER.match(text, match.end()) is not None
        moment = _clock(match, 1, part, need_cue=not cued)
        if moment is None:
            continue
        if prefix in ("after", "from", "later than"):
            earliest, latest = moment, (latest if latest and latest > moment else None)
        elif prefix in ("before", "by", "til", "until", "till", "earlier than"):
            earliest, latest = (earliest if earliest and earliest < moment else None), moment
        else:
            exact = moment
        break
    if exact is None and _NOON.search(text):
        exact = time(12)
    if earliest is None and latest is None and exact is None:
        return None
    return TimeOfDay(earliest=earliest, latest=latest, exact=exact)
