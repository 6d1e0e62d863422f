"""Card numbers: found by format and the Luhn check, removed from text and from log records.

The card numbers are the networks' published test numbers; the phone numbers, MRNs, ZIPs and
dates are synthetic, some chosen so that their digits run together would pass the Luhn check.
"""

from __future__ import annotations

import io
import logging

import pytest

from bot.redaction import (
    REDACTED,
    CardNumberFilter,
    PhiFilter,
    install_card_number_filter,
    is_card_number,
    luhn_valid,
    redact_card_numbers,
)

CARDS = [
    "4111111111111111",  # Visa, 16 digits
    "4111 1111 1111 1111",
    "4111-1111-1111-1111",
    "4222222222222",  # Visa, 13 digits
    "5555 5555 5555 4444",  # Mastercard
    "6011-1111-1111-1117",  # Discover
    "378282246310005",  # American Express, 15 digits
    "3782 822463 10005",
    "3056 930902 5904",  # Diners Club, 14 digits
    "4000 0000 0000 0000 006",  # 19 digits, 4-4-4-4-3
]


@pytest.mark.parametrize("card", CARDS)
def test_card_numbers_in_every_format_are_removed(card: str) -> None:
    redacted = redact_card_numbers(f"my card is {card} exp 12/27 thanks")
    assert redacted == (f"my card is {REDACTED} exp 12/27 thanks", 1)


def test_luhn() -> None:
    assert luhn_valid("4111111111111111")
    assert luhn_valid("79927398713")  # the textbook example
    assert not luhn_valid("4111111111111112")
    assert not luhn_valid("4111 1111")
    assert not luhn_valid("")


@pytest.mark.parametrize(
    "text",
    [
        "4111 1111 1111 1112",  # one digit off: fails Luhn
        "4111111111111121",
        "411111111111",  # 12 digits
        "41111111111111111111",  # 20 digits
    ],
)
def test_numbers_failing_luhn_or_length_are_kept(text: str) -> None:
    assert redact_card_numbers(text) == (text, 0)
    assert not is_card_number(text)


@pytest.mark.parametrize(
    "text",
    [
        "(617) 555-0142",
        "617-555-0142",
        "+1 617 555 0142",
        "+16175550142",
        "my mrn is 6425729",
        "MRN 00123456789",
        "born 03/14/1984",
        "1984-03-14",
        "03-14-1984",
        "zip 02155",
        "02155-1234",
        # Phone and ZIP, phone and MRN: 15 and 17 digits that pass Luhn, but not grouped like a card.
        "617-555-0142 02103",
        "617 555 0142 6425704",
        "call 617 555 0142, zip 02103, dob 3/14/84",
        "1234-5678-9012-3456-7890",  # a longer run of groups is not a card
    ],
)
def test_phones_mrns_dates_and_zips_are_left_alone(text: str) -> None:
    assert redact_card_numbers(text) == (text, 0)


def test_two_cards_in_one_message() -> None:
    text = "try 4111 1111 1111 1111 or else 5555555555554444"
    assert redact_card_numbers(text) == (f"try {REDACTED} or else {REDACTED}", 2)


def _logger(name: str) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger(name)
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger, stream


def test_the_filter_redacts_message_and_args() -> None:
    logger, stream = _logger("frontdesk.test.redaction.args")
    logger.handlers[0].addFilter(CardNumberFilter())
    logger.info("card in the message 4111 1111 1111 1111")
    logger.info("card in the args %s and %d", "5555-5555-5555-4444", 4111111111111111)
    logger.info("card in a dict arg %(text)s", {"text": "pay with 378282246310005"})
    logger.info("an ordinary message from %s about %s", "617-555-0142", "MRN 6425729")
    output = stream.getvalue()
    for card in ("4111", "5555", "3782"):
        assert card not in output
    assert output.splitlines() == [
        f"INFO card in the message {REDACTED}",
        f"INFO card in the args {REDACTED} and {REDACTED}",
        f"INFO card in a dict arg pay with {REDACTED}",
        "INFO an ordinary message from 617-555-0142 about MRN 6425729",
    ]


def test_the_filter_redacts_exception_text() -> None:
    logger, stream = _logger("frontdesk.test.redaction.exc")
    logger.handlers[0].addFilter(CardNumberFilter())
    try:
        raise ValueError("could not parse 4111 1111 1111 1111")
    except ValueError:
        logger.exception("parsing failed")
    output = stream.getvalue()
    assert "4111" not in output
    assert f"ValueError: could not parse {REDACTED}" in output


def test_install_filters_existing_handlers_and_is_idempotent() -> None:
    logger, stream = _logger("frontdesk.test.redaction.install")
    handler = logger.handlers[0]
    try:
        install_card_number_filter(loggers=("frontdesk.test.redaction.install",))
        install_card_number_filter(loggers=("frontdesk.test.redaction.install",))
        assert sum(isinstance(f, PhiFilter) for f in handler.filters) == 1
        assert any(isinstance(f, PhiFilter) for f in logging.getLogger().filters)
        logger.warning("received %s", "4111111111111111")
        assert stream.getvalue() == f"WARNING received {REDACTED}\n"
    finally:
        _uninstall()


def _uninstall() -> None:
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    for logger in loggers:
        if isinstance(logger, logging.Logger):
            for target in (logger, *logger.handlers):
                for f in [f for f in target.filters if isinstance(f, PhiFilter)]:
                    target.removeFilter(f)
