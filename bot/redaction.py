"""Card numbers out of the conversation and out of the logs.

A patient may type a payment card number into the chat however often they are told not to. The
channels remove it from the text before Rasa sees the message (so no stored event holds it), and a
log filter removes it from every log record, as a second line of defence.

A card number is 13 to 19 digits that pass the Luhn check, written together or in the groups
cards print them in, separated by spaces or dashes: 4-4-4-4 (up to a last group of 1 to 4 digits)
or 4-6-5 and 4-6-4 (American Express, Diners Club). Phone numbers, ZIP codes, MRNs and dates are
shorter or differently grouped, so they are left alone even when written next to one another.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import NamedTuple

REDACTED = "[card number removed]"

# 13-19 digits, each optionally followed by one space or dash, not inside a longer run of digits
# (nor a run of groups: "1234-5678-...").
_CANDIDATE = re.compile(r"(?<!\d)(?<!\d[ -])\d(?:[ -]?\d){12,18}(?![ -]?\d)")
_SEPARATOR = re.compile(r"[ -]")

# Loggers that get the filter besides the root logger and every handler already configured.
LOGGERS = ("rasa", "rasa_sdk", "sanic", "frontdesk")


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


class CardNumberFilter(logging.Filter):
    """Replaces card numbers in a log record's message (msg formatted with its args), exception
    text and stack text. It never drops a record; running it twice changes nothing more."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: logging reports it as usual, unchanged
            return True
        redacted = redact_card_numbers(message)
        if redacted.removed:
            record.msg = redacted.text
            record.args = None
        if record.exc_info and not record.exc_text:
            exc_text = redact_card_numbers(logging.Formatter().formatException(record.exc_info))
            if exc_text.removed:
                record.exc_text = exc_text.text
        elif record.exc_text:
            record.exc_text = redact_card_numbers(record.exc_text).text
        if record.stack_info:
            record.stack_info = redact_card_numbers(record.stack_info).text
        return True


def install_card_number_filter(loggers: Iterable[str] = LOGGERS) -> None:
    """Put the filter on the root logger, the named loggers, and every handler configured so far.

    A filter on a logger sees only records logged to that very logger, not those propagated from
    its children; a filter on a handler sees everything the handler writes. So call this after
    logging is configured (the channels call it when the server creates them). Idempotent.
    """
    card_filter = CardNumberFilter()
    targets: list[logging.Filterer] = [logging.getLogger(), *(logging.getLogger(n) for n in loggers)]
    for logger in [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]:
        if isinstance(logger, logging.Logger):
            targets.extend(logger.handlers)
    for target in targets:
        if not any(isinstance(f, CardNumberFilter) for f in target.filters):
            target.addFilter(card_filter)
