"""Dates and times as patients type them (actions/dates/)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from actions.dates import (
    TimeOfDay,
    TimeWindow,
    parse_birth_date,
    parse_ordinal,
    parse_time_of_day,
    parse_when,
)

NY = ZoneInfo("America/New_York")
TODAY = date(2026, 3, 4)  # a Wednesday
NOW = datetime(2026, 3, 4, 9, 30, tzinfo=NY)


def at(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=NY)


def d(month: int, day: int, year: int = 2026) -> date:
    return date(year, month, day)


# ---------------------------------------------------------------------------------------------
# Birth dates


@pytest.mark.parametrize(
    "text",
    [
        "3/4/1980",
        "03/04/1980",
        "3-4-80",
        "03-04-1980",
        "03041980",
        "030480",
        "1980-03-04",
        "19800304",
        "March 4th 1980",
        "march 4 1980",
        "mar 4 1980",
        "Mar. 4, 1980",
        "4 March 1980",
        "4th of march 1980",
        "the 4th of March, 1980",
        "born on march 4, 1980",
        "my dob is 3.4.1980",
        "dob: 03.04.1980",
        "its 3 4 1980",
        "birthday is 3/4/80",
        "3/4/1980.",
    ],
)
def test_birth_date_in_every_us_form(text: str) -> None:
    assert parse_birth_date(text, TODAY) == date(1980, 3, 4)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12/25/1968", date(1968, 12, 25)),
        ("feb 29 1992", date(1992, 2, 29)),
        ("febuary 2 1990", date(1990, 2, 2)),
        ("janaury 4th 1980", date(1980, 1, 4)),
        ("sept 5 63", date(1963, 9, 5)),
        ("Sept 30th, 1987", date(1987, 9, 30)),
        ("10 october 1999", date(1999, 10, 10)),
        ("1/1/1950", date(1950, 1, 1)),
        ("7/9/01", date(2001, 7, 9)),
        ("05/17/2012 is my sons birthday", date(2012, 5, 17)),
        ("jose nunez 11/23/1975 02139", date(1975, 11, 23)),
        ("3/4/2026", date(2026, 3, 4)),  # born today
    ],
)
def test_birth_dates(text: str, expected: date) -> None:
    assert parse_birth_date(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1/1/26", date(2026, 1, 1)),  # this century: already past
        ("3/4/26", date(2026, 3, 4)),  # today
        ("3/5/26", date(1926, 3, 5)),  # tomorrow in 2026, so the last century
        ("12/31/26", date(1926, 12, 31)),
        ("6/1/05", date(2005, 6, 1)),
        ("6/1/99", date(1999, 6, 1)),
        ("6/1/30", date(1930, 6, 1)),
    ],
)
def test_two_digit_years_take_the_century_that_is_not_in_the_future(text: str, expected: date) -> None:
    assert parse_birth_date(text, TODAY) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2/30/1980",  # no such day
        "2/29/1981",  # not a leap year
        "13/4/1980",  # no 13th month
        "4/31/1980",
        "00/10/1980",
        "3/5/2026",  # tomorrow
        "3/4/2027",  # next year
        "1/1/1850",  # older than anyone alive
        "617-555-0142",  # a phone number
        "6175550142",
        "02139",  # a ZIP code
        "MRN 10293",
        "march 1980",  # no day
        "3/4",  # no year
        "hello",
        "",
    ],
)
def test_what_is_not_a_birth_date(text: str) -> None:
    assert parse_birth_date(text, TODAY) is None


# ---------------------------------------------------------------------------------------------
# Times of day


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("morning", TimeOfDay(time(8), time(12))),
        ("mornings are best", TimeOfDay(time(8), time(12))),
        ("afternoon", TimeOfDay(time(12), time(17))),
        ("aftn", TimeOfDay(time(12), time(17))),
        ("evening", TimeOfDay(time(17), time(20))),
        ("tonight", TimeOfDay(time(17), time(20))),
        ("early morning", TimeOfDay(time(8), time(10))),
        ("late afternoon", TimeOfDay(time(14, 30), time(17))),
        ("after 3pm", TimeOfDay(earliest=time(15))),
        ("after 3", TimeOfDay(earliest=time(15))),
        ("anytime after 10:30", TimeOfDay(earliest=time(10, 30))),
        ("before 10am", TimeOfDay(latest=time(10))),
        ("by 11", TimeOfDay(latest=time(11))),
        ("between 2 and 4", TimeOfDay(time(14), time(16))),
        ("between 10am and 2pm", TimeOfDay(time(10), time(14))),
        ("from 7 to 9pm", TimeOfDay(time(19), time(21))),
        ("at 10", TimeOfDay(exact=time(10))),
        ("at 3", TimeOfDay(exact=time(15))),  # a bare 1-6 is afternoon
        ("at 12", TimeOfDay(exact=time(12))),
        ("at 7", TimeOfDay(exact=time(7))),
        ("@ 9", TimeOfDay(exact=time(9))),
        ("10:30am", TimeOfDay(exact=time(10, 30))),
        ("10:30 AM", TimeOfDay(exact=time(10, 30))),
        ("10.30 a.m.", TimeOfDay(exact=time(10, 30))),
        ("1030am", TimeOfDay(exact=time(10, 30))),
        ("2:15 pm", TimeOfDay(exact=time(14, 15))),
        ("3p", TimeOfDay(exact=time(15))),
        ("12am", TimeOfDay(exact=time(0))),
        ("12pm", TimeOfDay(exact=time(12))),
        ("14:45", TimeOfDay(exact=time(14, 45))),
        ("noon", TimeOfDay(exact=time(12))),
        ("around 2 in the afternoon", TimeOfDay(time(12), time(17), time(14))),
        ("8 tonight", TimeOfDay(time(17), time(20), time(20))),
        ("at 8 tonight", TimeOfDay(time(17), time(20), time(20))),
        ("10 in the morning", TimeOfDay(time(8), time(12), time(10))),
        ("3 in the afternoon", TimeOfDay(time(12), time(17), time(15))),
        ("at 10 in the morning", TimeOfDay(time(8), time(12), time(10))),
        ("after 3 in the afternoon", TimeOfDay(time(15), time(17))),
        ("before 10 in the morning", TimeOfDay(time(8), time(10))),
    ],
)
def test_time_of_day(text: str, expected: TimeOfDay) -> None:
    assert parse_time_of_day(text) == expected


@pytest.mark.parametrize(
    "text",
    ["15", "on the 15th", "12/3", "3/4/1980", "in 2 weeks", "option 3", "at 25", "at 10:75", "13pm", "hello"],
)
def test_what_is_not_a_time_of_day(text: str) -> None:
    assert parse_time_of_day(text) is None


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


# ---------------------------------------------------------------------------------------------
# Choosing among offered options


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the second one", 2),
        ("second", 2),
        ("2", 2),
        ("2.", 2),
        ("#2", 2),
        ("# 2", 2),
        ("option 3", 3),
        ("Option 3 please", 3),
        ("number two", 2),
        ("no. 4", 4),
        ("choice 1", 1),
        ("first", 1),
        ("the first one pls", 1),
        ("1st", 1),
        ("the 2nd one", 2),
        ("3rd one", 3),
        ("i'll take the 3rd", 3),
        ("3 pls", 3),
        ("ok 2", 2),
        ("the third", 3),
        ("tenth", 10),
        ("the last one", -1),
        ("last", -1),
        ("the final option", -1),
        ("one", None),  # "one" alone is not a choice among several
        ("2pm", None),
        ("the one at 2pm", None),
        ("2:30", None),
        ("12/3", None),
        ("on the 15th", None),
        ("wait a second", None),
        ("one sec", None),
        ("0", None),
        ("25", None),
        ("yes", None),
        ("", None),
    ],
)
def test_ordinal(text: str, expected: int | None) -> None:
    assert parse_ordinal(text) == expected
