"""Card numbers out of the conversation, and patient identifiers out of the Rasa server's logs.

The channels remove card numbers from a message's text before Rasa sees it (so no stored event
holds one): ``redact_card_numbers`` and ``REDACTED``, from ``privacy/cards.py``. The log filter
(``privacy/logs.py``, shared with the action server) masks card numbers, phone numbers, dates,
SSN- and MRN-like numbers, e-mail addresses, URL query values, ids, and the debug records that
quote what the patient said; ``install_card_number_filter`` (its historical name) installs it.
"""

from __future__ import annotations

from collections.abc import Iterable

from privacy.cards import REDACTED, Redaction, is_card_number, luhn_valid, redact_card_numbers
from privacy.logs import LOGGERS, PhiFilter, install


class CardNumberFilter(PhiFilter):
    """Only card numbers (the channels' second line of defence, kept for its tests and users)."""

    def __init__(self) -> None:
        super().__init__(lambda text: redact_card_numbers(text).text)


def install_card_number_filter(loggers: Iterable[str] = LOGGERS) -> None:
    """Install the whole PHI filter (``privacy.logs.install``): card numbers and the rest."""
    install(loggers)


__all__ = [
    "LOGGERS",
    "REDACTED",
    "CardNumberFilter",
    "PhiFilter",
    "Redaction",
    "install_card_number_filter",
    "is_card_number",
    "luhn_valid",
    "redact_card_numbers",
]
