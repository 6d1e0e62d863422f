"""Birth dates as patients type them (actions/dates/birth.py)."""

from __future__ import annotations

from datetime import date

import pytest

from actions.dates import (
    parse_birth_date,
)
from tests.unit.dates.clock import TODAY

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
