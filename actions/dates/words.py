"""The words patients type about dates and choices: month and weekday names and their short or
misspelled forms, numbers as words, and which offered option an answer picks.
"""

from __future__ import annotations

import re
from datetime import date
from difflib import get_close_matches

MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

# Short and misspelled forms patients type, mapped to the words the patterns below expect.
_ALIASES: dict[str, str] = {
    **{m[:3]: m for m in MONTHS},
    "sept": "september",
    "agust": "august",
    "febuary": "february",
    "feburary": "february",
    **{d[:3]: d for d in WEEKDAYS},
    "tues": "tuesday",
    "tue": "tuesday",
    "weds": "wednesday",
    "thur": "thursday",
    "thurs": "thursday",
    "thu": "thursday",
    "thrus": "thursday",
    **dict.fromkeys(
        ("tmrw", "tmr", "tmw", "tmrow", "tmro", "tomm", "tomorow", "tommorow", "tommorrow", "tomorrw"),
        "tomorrow",
    ),
    "2morrow": "tomorrow",
    "2moro": "tomorrow",
    "2mrw": "tomorrow",
    "tdy": "today",
    "tday": "today",
    "2day": "today",
    "tonite": "tonight",
    "2nite": "tonight",
    "nite": "night",
    "nxt": "next",
    "wk": "week",
    "wks": "weeks",
    "mornin": "morning",
    "morn": "morning",
    "mornings": "morning",
    "aft": "afternoon",
    "aftn": "afternoon",
    "afternon": "afternoon",
    "arvo": "afternoon",
    "afternoons": "afternoon",
    "evenin": "evening",
    "eve": "evening",
    "evenings": "evening",
    "midday": "noon",
}
_FUZZY_WORDS = MONTHS + WEEKDAYS + ("tomorrow", "afternoon", "morning", "evening")
# Words, and the texting spellings that start with a digit ("2morrow", "2nite").
_WORD = re.compile(r"\b2(?:morrow|moro|mrw|day|nite)\b|[^\W\d_]+")

# Pieces of the date patterns in birth.py and when.py.
MONTH_RE = "(?P<month>" + "|".join(MONTHS) + ")"
WEEKDAY_RE = "(" + "|".join(WEEKDAYS) + ")"
SUFFIX_RE = r"(?:st|nd|rd|th)?"


def canonical(text: str) -> str:
    """Lower-case the text and replace short or misspelled month, weekday and day words."""

    def replace(match: re.Match[str]) -> str:
        word = match.group(0)
        if word in _ALIASES:
            return _ALIASES[word]
        if word.endswith("s") and word[:-1] in WEEKDAYS:  # "fridays"
            return word[:-1]
        # Only longer words are matched loosely: short ones ("match", "sun") are real words.
        if len(word) >= 6 and word not in _FUZZY_WORDS:
            close = get_close_matches(word, _FUZZY_WORDS, n=1, cutoff=0.8)
            if close:
                return close[0]
        return word

    return _WORD.sub(replace, text.lower().replace("\u2019", "'"))


def valid_date(year: int, month: int, day: int) -> date | None:
    """The date, or None if there is no such day ("2/30")."""
    try:
        return date(year, month, day)
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------
# Choosing among offered options

_ORDINAL_WORDS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "last": -1,
    "final": -1,
    "latter": -1,
    "former": 1,
}
CARDINAL_WORDS = {  # also counts ("in two weeks", when.py)
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}
_NUMBERED = re.compile(
    r"\b(?:option|number|choice|num)\s*(\d{1,2}|" + "|".join(CARDINAL_WORDS) + r")\b"
    r"|(?:\bno\.?\s*|#\s*)(\d{1,2})\b"
)
_ORDINAL_DIGITS = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)\b")
_ORDINAL = re.compile(r"\b(" + "|".join(_ORDINAL_WORDS) + r")\b")
# "just a second", "one sec": time, not a choice.
_NOT_A_CHOICE = re.compile(r"\b(?:a|one|just a|wait a)\s+(?:second|sec)\b")
_FILLER = re.compile(r"\b(?:the|one|pls|please|plz|ok|okay|i'?ll take|take|lets do|let's do|do|number)\b")


def parse_ordinal(text: str) -> int | None:
    """Which of the offered options the patient picked: 1-based, -1 for the last one, or None.

    "the second one", "2nd", "first", "option 3", "number 2", "#2", a message that is only a number
    ("2", "2 pls"), "the last one" (-1). Times and dates ("2pm", "12/3") are not choices.
    """
    lowered = text.lower().strip()
    if _NOT_A_CHOICE.search(lowered):
        return None
    m = _NUMBERED.search(lowered)
    if m:
        value = m.group(1) or m.group(2)
        return int(value) if value.isdigit() else CARDINAL_WORDS[value]
    m = _ORDINAL_DIGITS.search(lowered)
    if m and not re.search(r"\b(?:on|of)\s+the\s+\d", lowered):  # "on the 15th" is a date
        return int(m.group(1))
    m = _ORDINAL.search(lowered)
    if m:
        return _ORDINAL_WORDS[m.group(1)]
    rest = _FILLER.sub(" ", re.sub(r"[^\w\s']", " ", lowered)).split()
    if len(rest) == 1 and (rest[0].isdigit() or rest[0] in CARDINAL_WORDS):
        value = int(rest[0]) if rest[0].isdigit() else CARDINAL_WORDS[rest[0]]
        return value if 1 <= value <= 20 else None
    return None
