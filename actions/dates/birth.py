"""Dates of birth as patients type them (verification)."""

from __future__ import annotations

import re
from datetime import date

from .words import MONTH_RE, MONTHS, SUFFIX_RE, canonical, valid_date

MAX_AGE_YEARS = 130  # an older "birth date" is a typo, not a patient

_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_NUMERIC = re.compile(r"(?<![\d.])(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})(?![\d/.\-]\d)")
_SPACED = re.compile(r"(?<!\d)(\d{1,2}) (\d{1,2}) (\d{4})(?!\d)")
_RUN = re.compile(r"(?<![\d\-/.])(\d{8}|\d{6})(?![\d\-/.])")
_MONTH_DAY_YEAR = re.compile(
    MONTH_RE + r"\.?\s+(?P<day>\d{1,2})" + SUFFIX_RE + r",?\s+(?P<year>\d{4}|\d{2})\b"
)
_DAY_MONTH_YEAR = re.compile(
    r"\b(?P<day>\d{1,2})" + SUFFIX_RE + r"\s+(?:of\s+)?" + MONTH_RE + r"\.?,?\s+(?P<year>\d{4}|\d{2})\b"
)


def _full_year(year: str, month: int, day: int, today: date) -> int | None:
    """A four-digit year; two digits take the century that puts the date on or before today."""
    if len(year) == 4:
        return int(year)
    this_century = today.year // 100 * 100 + int(year)
    candidate = valid_date(this_century, month, day)
    if candidate is not None and candidate <= today:
        return this_century
    return this_century - 100


def _birth_candidates(text: str, today: date) -> list[tuple[int | None, int, int]]:
    """(year, month, day) for each date form found, in the order the forms are tried."""
    found: list[tuple[int | None, int, int]] = []
    for m in _ISO.finditer(text):
        found.append((int(m.group(1)), int(m.group(2)), int(m.group(3))))
    for m in _NUMERIC.finditer(text):
        month, day = int(m.group(1)), int(m.group(3))
        found.append((_full_year(m.group(4), month, day, today), month, day))
    for m in _SPACED.finditer(text):
        found.append((int(m.group(3)), int(m.group(1)), int(m.group(2))))
    for pattern in (_MONTH_DAY_YEAR, _DAY_MONTH_YEAR):
        for m in pattern.finditer(text):
            month, day = MONTHS.index(m.group("month")) + 1, int(m.group("day"))
            found.append((_full_year(m.group("year"), month, day, today), month, day))
    for m in _RUN.finditer(text):
        digits = m.group(1)
        month, day = int(digits[:2]), int(digits[2:4])
        if valid_date(2000, month, day) is not None:  # MMDDYYYY or MMDDYY (2000: a leap year)
            found.append((_full_year(digits[4:], month, day, today), month, day))
        elif len(digits) == 8:  # YYYYMMDD
            found.append((int(digits[:4]), int(digits[4:6]), int(digits[6:])))
    return found


def parse_birth_date(text: str, today: date) -> date | None:
    """The date of birth in ``text``, or None if there is none or it cannot be one.

    US order (month first) for numbers: "3/4/1980", "03/04/1980", "3-4-80", "3.4.1980", "03041980",
    "030480"; also "1980-03-04", "19800304", "March 4th 1980", "mar 4 1980", "4 March 1980", "the 4th
    of march 1980". A two-digit year takes the century that does not put the date after ``today``.
    Impossible dates (2/30), dates after ``today`` and dates over 130 years ago give None.
    """
    for year, month, day in _birth_candidates(canonical(text), today):
        if year is None:
            continue
        born = valid_date(year, month, day)
        if born is not None and born <= today and today.year - born.year <= MAX_AGE_YEARS:
            return born
    return None
