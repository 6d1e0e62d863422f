"""Appointment requests as patients type them, in the clinic's zone across daylight saving time, and the
windows they become (actions/dates/when.py)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from actions.dates import (
    TimeWindow,
    parse_when,
)
from tests.unit.dates.clock import NOW, NY, at, d

# ---------------------------------------------------------------------------------------------
# Appointment requests (NOW is Wednesday March 4 2026, 9:30 am; DST starts Sunday March 8)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("today", NOW, at(d(3, 5))),
        ("tomorrow", at(d(3, 5)), at(d(3, 6))),
        ("tmrw", at(d(3, 5)), at(d(3, 6))),
        ("tommorow pls", at(d(3, 5)), at(d(3, 6))),
        ("2morrow", at(d(3, 5)), at(d(3, 6))),
        ("2day", NOW, at(d(3, 5))),
        ("day after tomorrow", at(d(3, 6)), at(d(3, 7))),
        # a weekday alone, or "this", is the next one after today
        ("friday", at(d(3, 6)), at(d(3, 7))),
        ("fri", at(d(3, 6)), at(d(3, 7))),
        ("firday", at(d(3, 6)), at(d(3, 7))),
        ("this friday", at(d(3, 6)), at(d(3, 7))),
        ("on friday", at(d(3, 6)), at(d(3, 7))),
        ("wednesday", at(d(3, 11)), at(d(3, 12))),  # today is Wednesday: the next one
        ("monday", at(d(3, 9)), at(d(3, 10))),
        # "next <weekday>" is that day of next calendar week
        ("next Friday", at(d(3, 13)), at(d(3, 14))),
        ("nxt fri", at(d(3, 13)), at(d(3, 14))),
        ("friday next week", at(d(3, 13)), at(d(3, 14))),
        ("next monday", at(d(3, 9)), at(d(3, 10))),
        ("next wednesday", at(d(3, 11)), at(d(3, 12))),
        # calendar dates
        ("on the 15th", at(d(3, 15)), at(d(3, 16))),
        ("the 4th", NOW, at(d(3, 5))),  # today counts
        ("the 3rd", at(d(4, 3)), at(d(4, 4))),  # passed this month
        ("on the 31st", at(d(3, 31)), at(d(4, 1))),
        ("dec 3", at(d(12, 3)), at(d(12, 4))),
        ("December 3rd", at(d(12, 3)), at(d(12, 4))),
        ("3 dec", at(d(12, 3)), at(d(12, 4))),
        ("the 3rd of december", at(d(12, 3)), at(d(12, 4))),
        ("12/3", at(d(12, 3)), at(d(12, 4))),
        ("3/2", at(d(3, 2, 2027)), at(d(3, 3, 2027))),  # passed this year
        ("3/20/2026", at(d(3, 20)), at(d(3, 21))),
        ("march 20th 2026", at(d(3, 20)), at(d(3, 21))),
        # spans
        ("next week", at(d(3, 9)), at(d(3, 16))),
        ("nxt wk", at(d(3, 9)), at(d(3, 16))),
        ("this week", NOW, at(d(3, 9))),
        ("week after next", at(d(3, 16)), at(d(3, 23))),
        ("in 2 weeks", at(d(3, 18)), at(d(3, 25))),
        ("in two weeks", at(d(3, 18)), at(d(3, 25))),
        ("in a couple weeks", at(d(3, 18)), at(d(3, 25))),
        ("2 weeks from now", at(d(3, 18)), at(d(3, 25))),
        ("in a week", at(d(3, 11)), at(d(3, 18))),
        ("in 3 days", at(d(3, 7)), at(d(3, 8))),
        ("next month", at(d(4, 1)), at(d(5, 1))),
        ("in april", at(d(4, 1)), at(d(5, 1))),
        ("in february", at(d(2, 1, 2027)), at(d(3, 1, 2027))),
        ("the weekend", at(d(3, 7)), at(d(3, 9))),
        ("asap", NOW, at(d(3, 18))),
        ("soonest", NOW, at(d(3, 18))),
        ("earliest you have", NOW, at(d(3, 18))),
        ("first available", NOW, at(d(3, 18))),
        ("as soon as possible", NOW, at(d(3, 18))),
    ],
)
def test_days(text: str, start: datetime, end: datetime) -> None:
    window = parse_when(text, NOW)
    assert window is not None
    assert (window.start, window.end) == (start, end)
    assert window.preferred_time is None


@pytest.mark.parametrize(
    ("text", "start", "end", "preferred", "day_from", "day_until"),
    [
        ("tomorrow afternoon", at(d(3, 5), 12), at(d(3, 5), 17), None, time(12), time(17)),
        ("tmrw aftn", at(d(3, 5), 12), at(d(3, 5), 17), None, time(12), time(17)),
        ("monday morning", at(d(3, 9), 8), at(d(3, 9), 12), None, time(8), time(12)),
        ("friday afternoon", at(d(3, 6), 12), at(d(3, 6), 17), None, time(12), time(17)),
        ("this morning", NOW, at(d(3, 4), 12), None, time(8), time(12)),
        ("tonight", at(d(3, 4), 17), at(d(3, 4), 20), None, time(17), time(20)),
        ("friday at 10", at(d(3, 6)), at(d(3, 7)), time(10), None, None),
        ("tues at 2", at(d(3, 10)), at(d(3, 11)), time(14), None, None),
        ("wensday morning around 10", at(d(3, 11), 8), at(d(3, 11), 12), time(10), time(8), time(12)),
        ("dec 3 at 2:30pm", at(d(12, 3)), at(d(12, 4)), time(14, 30), None, None),
        ("next monday at 8:15", at(d(3, 9)), at(d(3, 10)), time(8, 15), None, None),
        ("today at 11", NOW, at(d(3, 5)), time(11), None, None),
        # a time of day alone covers the next two weeks
        ("after 3pm", at(d(3, 4), 15), at(d(3, 18)), None, time(15), None),
        ("evening", at(d(3, 4), 17), at(d(3, 17), 20), None, time(17), time(20)),
        ("mornings", NOW, at(d(3, 17), 12), None, time(8), time(12)),
        ("at 10", NOW, at(d(3, 18)), time(10), None, None),
        ("10:30am", NOW, at(d(3, 18)), time(10, 30), None, None),
        ("asap in the afternoon", at(d(3, 4), 12), at(d(3, 17), 17), None, time(12), time(17)),
        ("next week after 3", at(d(3, 9), 15), at(d(3, 16)), None, time(15), None),
        ("next week mornings", at(d(3, 9), 8), at(d(3, 15), 12), None, time(8), time(12)),
        ("before 10am thursday", at(d(3, 5)), at(d(3, 5), 10), None, None, time(10)),
    ],
)
def test_days_and_times(
    text: str,
    start: datetime,
    end: datetime,
    preferred: time | None,
    day_from: time | None,
    day_until: time | None,
) -> None:
    window = parse_when(text, NOW)
    assert window == TimeWindow(start, end, preferred, day_from, day_until)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "when is my appointment",
        "the 2nd one",  # a choice, not the 2nd of the month
        "option 3",
        "this morning at 8",  # past
        "today at 9",  # past
        "3/2/2026",  # past, with a year
        "feb 30",  # no such day
        "13/40",
    ],
)
def test_what_is_not_a_request_for_a_time(text: str) -> None:
    assert parse_when(text, NOW) is None


def test_a_window_wholly_past_is_none() -> None:
    evening = datetime(2026, 3, 4, 17, 30, tzinfo=NY)
    assert parse_when("this morning", evening) is None
    assert parse_when("this afternoon", evening) is None
    window = parse_when("tonight", evening)
    assert window is not None and window.start == evening


def test_next_weekday_from_every_day_of_a_week() -> None:
    # "next friday" is the Friday of next calendar week, whichever day it is said on
    for offset in range(7):  # Monday March 2 .. Sunday March 8
        now = datetime(2026, 3, 2, 12, tzinfo=NY) + timedelta(days=offset)
        window = parse_when("next friday", now)
        assert window is not None
        assert window.start.date() == date(2026, 3, 13)
    # "friday" is always the first Friday after today
    for offset, expected in enumerate([6, 6, 6, 6, 13, 13, 13]):
        now = datetime(2026, 3, 2, 12, tzinfo=NY) + timedelta(days=offset)
        window = parse_when("friday", now)
        assert window is not None
        assert window.start.date() == date(2026, 3, expected)


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_when("tomorrow", datetime(2026, 3, 4, 9, 30))


# ---------------------------------------------------------------------------------------------
# Daylight saving time: America/New_York falls back on Sunday November 1 2026 (2:00 -> 1:00)


def test_a_day_across_the_fall_back_is_25_hours() -> None:
    saturday = datetime(2026, 10, 31, 10, tzinfo=NY)
    window = parse_when("tomorrow", saturday)
    assert window is not None
    assert window.start.isoformat() == "2026-11-01T00:00:00-04:00"
    assert window.end.isoformat() == "2026-11-02T00:00:00-05:00"
    # (aware datetimes in one zone subtract as wall-clock times: compare instants in UTC)
    assert window.end.astimezone(timezone.utc) - window.start.astimezone(timezone.utc) == timedelta(hours=25)


def test_times_after_the_fall_back_keep_their_wall_clock() -> None:
    saturday = datetime(2026, 10, 31, 10, tzinfo=NY)
    window = parse_when("monday morning at 10", saturday)
    assert window is not None
    assert window.start.isoformat() == "2026-11-02T08:00:00-05:00"
    assert window.end.isoformat() == "2026-11-02T12:00:00-05:00"
    assert window.preferred_time == time(10)
    asap = parse_when("mornings", saturday)
    assert asap is not None
    assert asap.start.isoformat() == "2026-10-31T10:00:00-04:00"
    assert asap.end.isoformat() == "2026-11-13T12:00:00-05:00"
    # a 9 am slot on the Monday after the change is inside a "mornings" window
    assert asap.contains(datetime(2026, 11, 2, 9, tzinfo=NY))
    assert asap.contains(datetime(2026, 11, 2, 14, tzinfo=ZoneInfo("UTC")))  # 9:00 EST
    assert not asap.contains(datetime(2026, 11, 2, 13, tzinfo=NY))


def test_spring_forward() -> None:
    saturday = datetime(2026, 3, 7, 10, tzinfo=NY)
    window = parse_when("tomorrow afternoon", saturday)
    assert window is not None
    assert window.start.isoformat() == "2026-03-08T12:00:00-04:00"
    assert window.end.isoformat() == "2026-03-08T17:00:00-04:00"


# ---------------------------------------------------------------------------------------------
# The window itself


def test_contains_applies_the_part_of_the_day() -> None:
    window = parse_when("next week afternoons", NOW)
    assert window is not None
    assert window.contains(at(d(3, 10), 14))
    assert not window.contains(at(d(3, 10), 9))
    assert not window.contains(at(d(3, 10), 17))  # the end is exclusive
    assert not window.contains(at(d(3, 4), 14))  # this week
    assert not window.contains(at(d(3, 16), 14))  # the week after


def test_a_window_round_trips_through_iso_strings() -> None:
    window = parse_when("friday morning around 10", NOW)
    assert window is not None
    data = window.to_dict()
    assert data == {
        "start": "2026-03-06T08:00:00-05:00",
        "end": "2026-03-06T12:00:00-05:00",
        "preferred_time": "10:00",
        "day_from": "08:00",
        "day_until": "12:00",
    }
    assert TimeWindow.from_dict(data, NY) == window
