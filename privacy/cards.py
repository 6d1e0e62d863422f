"""Payment card numbers: found by their format and the Luhn check, and replaced.

A patient may type a payment card number into the chat however often they are told not to. The
channels remove it from the text before Rasa sees the message (``bot/redaction.py``), and the log
filter (``privacy/logs.py``) removes it from every log record, as a second line of defence.

A card number is 13 to 19 digits that pass the Luhn check, written together or in the groups
cards print them in, separated by spaces or dashes: 4-4-4-4 (up to a last group of 1 to 4 digits)
or 4-6-5 and 4-6-4 (American Express, Diners Club). Phone numbers, ZIP codes, MRNs and dates are
shorter or differently grouped, so they are left alone even when written next to one another.
"""

from __future__ import annotations

import re
from typing import NamedTuple

REDACTED = "[card number removed]"

# 13-19 digits, each optionally followed by one space or dash, not inside a longer run of digits
# (nor a run of groups: "1234-5678-...").
_CANDIDATE = re.compile(r"(?<!\d)(?<!\d[ -])\d(?:[ -]?\d){12,18}(?![ -]?\d)")
_SEPARATOR = re.compile(r"[ -]")


class Redaction(NamedTuple):
    text: str
    removed: int  # how many card numbers were replaced


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check every payment card number passes."""
    if not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _card_grouping(groups: list[str]) -> bool:
    if len(groups) == 1:
        return True
    if all(len(g) == 4 for g in groups[:-1]) and 1 <= len(groups[-1]) <= 4:
        return True
    return len(groups) == 3 and len(groups[0]) == 4 and len(groups[1]) == 6 and len(groups[2]) in (4, 5)


def is_card_number(candidate: str) -> bool:
    """Whether a run of digits (with spaces or dashes) is written like a card number and passes Luhn."""
    groups = [g for g in _SEPARATOR.split(candidate.strip()) if g]
    digits = "".join(groups)
    return 13 <= len(digits) <= 19 and _card_grouping(groups) and luhn_valid(digits)


def redact_card_numbers(text: str) -> Redaction:
    """``text`` with every card number replaced by ``REDACTED``, and how many there were."""
    removed = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal removed
        if not is_card_number(match.group()):
            return match.group()
        removed += 1
        return REDACTED

    redacted = _CANDIDATE.sub(replace, text)
    return Redaction(redacted, removed)
