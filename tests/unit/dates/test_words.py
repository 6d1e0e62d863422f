"""Times of day and picks among offered options as patients type them (actions/dates/times.py, words.py)."""

from __future__ import annotations

from datetime import time

import pytest

from actions.dates import (
    TimeOfDay,
    parse_ordinal,
    parse_time_of_day,
)

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
