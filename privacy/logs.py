"""A log filter that keeps patient identifiers out of both servers' logs.

Both servers install it on every handler: the Rasa server (``bot/redaction.py``, when its channels
are created and again once it serves) and the action server (``actions/server.py``). It lives
outside ``bot/`` and ``actions/`` because the action server must not import ``bot/``, and the Rasa
server should not import the action server's code; it needs nothing but the standard library.

What it masks, in a record's message (formatted with its arguments), its exception text and its
stack text:

- payment card numbers (``privacy/cards.py``);
- e-mail addresses, SSN-like numbers (ddd-dd-dddd), US phone numbers in the usual writings,
  dates (yyyy-mm-dd, mm/dd/yyyy, m/d/yy, "Month d, yyyy", "d Month yyyy");
- MRN-like numbers: any run of 6 to 12 digits standing alone;
- every value in a URL's query string (FHIR searches put names, birth dates and phones there)
  and UUIDs (the FHIR ids of patients and their records);
- in Rasa's and rasa-sdk's own records, what quotes the patient's words, slot values, entities
  and events: names cannot be recognised by a pattern, so the plain-text records that carry them
  are cut where they start (``FREE_TEXT``), and of the structured (JSON) records only the values
  of ``STRUCTURED_SAFE_KEYS`` are kept (action and intent names, confidences).

It never drops a record, and running it twice changes nothing more.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable

from privacy.cards import redact_card_numbers

# Loggers that get the filter besides the root logger and every handler already configured.
LOGGERS = ("rasa", "rasa_sdk", "sanic", "sanic.access", "sanic.error", "sanic.root", "frontdesk", "httpx")

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)

# (pattern, replacement), applied in order: the more specific shapes first.
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"([?&][A-Za-z0-9_.:\-\[\]]+=)[^&#\s\"'<>]+"), r"\1[removed]"),
    (re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"), "[email]"),
    (re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"), "[id]"),
    (re.compile(r"(?<![\w.])\d{3}[- ]\d{2}[- ]\d{4}(?![\w])"), "[ssn]"),
    (re.compile(r"(?<![\w.])(?:19|20)\d{2}-\d{1,2}-\d{1,2}(?!\d)"), "[date]"),
    (re.compile(r"(?<![\w./])\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})(?![\w/])"), "[date]"),
    (re.compile(rf"\b{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b", re.IGNORECASE), "[date]"),
    (
        re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\.?,?\s+\d{{4}}\b", re.IGNORECASE),
        "[date]",
    ),
    (
        re.compile(r"(?<![\w.])(?:\+?1[ .\-]?)?(?:\(\d{3}\)\s?|\d{3}[ .\-]?)\d{3}[ .\-]?\d{4}(?![\w])"),
        "[phone]",
    ),
    (re.compile(r"(?<![\w.\-])\d{6,12}(?![\w\-]|\.\d)"), "[number]"),
)

# Debug records of Rasa and rasa-sdk that quote the patient's words, slot values or events:
# (logger name prefix, pattern whose group 1 is kept and the rest of the message is cut).
FREE_TEXT: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("rasa", re.compile(r"^(Received user message)\b.*", re.DOTALL)),
    ("rasa", re.compile(r"^(Current slot values:).*", re.DOTALL)),
    ("rasa", re.compile(r"^(Logged UserUtterance)\b.*", re.DOTALL)),
    ("rasa_sdk", re.compile(r"^(Contents of ignored event:).*", re.DOTALL)),
)
# Rasa logs many records through structlog as one JSON object ({"parse_data_text": ..., "event":
# "processor.message.received"}); of those, only these keys are kept, the other values removed.
STRUCTURED_SAFE_KEYS = frozenset(
    {
        "event",
        "action_name",
        "action_extract_slot",
        "len_extraction_events",
        "parse_data_intent",
        "policy_name",
        "prev_action",
        "confidence",
        "model_id",
        "log_level",
        "level",
    }
)
CUT = " [text removed]"


def redact(text: str) -> str:
    """``text`` with every pattern above replaced (card numbers first)."""
    text = redact_card_numbers(text).text
    for pattern, replacement in PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def scrub_structured(message: str) -> str:
    """A structlog record rendered as JSON, with every value but the safe keys' removed; any other
    message unchanged."""
    if not message.startswith("{"):
        return message
    try:
        fields = json.loads(message)
    except ValueError:
        return message
    if not isinstance(fields, dict) or "event" not in fields:
        return message
    kept = {k: (v if k in STRUCTURED_SAFE_KEYS else "[removed]") for k, v in fields.items()}
    return json.dumps(kept)


def cut_free_text(logger_name: str, message: str) -> str:
    """A Rasa or rasa-sdk debug message that quotes the patient's words, cut where they start."""
    for prefix, pattern in FREE_TEXT:
        if logger_name == prefix or logger_name.startswith(prefix + "."):
            match = pattern.match(message)
            if match:
                return match.group(1) + CUT
    return message


class PhiFilter(logging.Filter):
    """Masks identifiers in every record it sees (see the module's docstring). Never drops one."""

    def __init__(self, redactor: Callable[[str], str] = redact) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: logging reports it as usual, unchanged
            return True
        if record.name == "rasa" or record.name.startswith(("rasa.", "rasa_sdk")):
            message = scrub_structured(cut_free_text(record.name, message))
        cleaned = self.redactor(message)
        if cleaned != record.msg or record.args:
            record.msg = cleaned
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self.redactor(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = self.redactor(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redactor(record.stack_info)
        return True


def install(loggers: Iterable[str] = LOGGERS, filter_type: type[PhiFilter] = PhiFilter) -> None:
    """Put the filter on the root logger, the named loggers, and every handler configured so far.

    A filter on a logger sees only records logged to that very logger, not those propagated from
    its children; a filter on a handler sees everything the handler writes. So call this after
    logging is configured, and again when more handlers may have appeared. Idempotent.
    """
    phi_filter = filter_type()
    targets: list[logging.Filterer] = [logging.getLogger(), *(logging.getLogger(n) for n in loggers)]
    for logger in [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]:
        if isinstance(logger, logging.Logger):
            targets.extend(logger.handlers)
    for target in targets:
        if not any(isinstance(f, PhiFilter) for f in target.filters):
            target.addFilter(phi_filter)
