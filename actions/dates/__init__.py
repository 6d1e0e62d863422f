"""Dates and times as patients type them, parsed into values in the clinic's time zone.

Pure functions, no Rasa: the actions pass the message text and the current time.

- ``parse_birth_date(text, today)``: a date of birth in the common US forms, or None (birth.py).
- ``parse_when(text, now)``: an appointment request ("tomorrow afternoon", "next friday at 10",
  "asap") as a ``TimeWindow`` of aware datetimes in ``now``'s time zone, or None (when.py, whose
  docstring has the rules).
- ``parse_time_of_day(text)``: the time-of-day part alone ("after 3pm", "morning", "at 10")
  (times.py).
- ``parse_ordinal(text)``: which offered option was picked ("the second one" -> 2, "last" -> -1)
  (words.py, with the month and weekday names and the spellings patients use for them).
"""

from .birth import MAX_AGE_YEARS, parse_birth_date
from .times import AFTERNOON, EVENING, MORNING, TimeOfDay, parse_time_of_day
from .when import ASAP_DAYS, TimeWindow, parse_when
from .words import MONTHS, WEEKDAYS, parse_ordinal

__all__ = [
    "AFTERNOON",
    "ASAP_DAYS",
    "EVENING",
    "MAX_AGE_YEARS",
    "MONTHS",
    "MORNING",
    "WEEKDAYS",
    "TimeOfDay",
    "TimeWindow",
    "parse_birth_date",
    "parse_ordinal",
    "parse_time_of_day",
    "parse_when",
]
