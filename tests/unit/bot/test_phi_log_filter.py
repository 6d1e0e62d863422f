"""privacy/logs.py: the log filter both servers install masks patient identifiers.

The identifiers are synthetic (the sandbox's demo patient and made-up numbers). Each case logs
through a real logging.Logger with the filter on its handler, as the servers do.
"""

from __future__ import annotations

import io
import json
import logging

import pytest

from privacy.logs import PhiFilter, redact, scrub_structured


def logged(name: str, level: int, msg: str, *args: object) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(PhiFilter())
    logger = logging.getLogger(name)
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    logger.log(level, msg, *args)
    return stream.getvalue().strip()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call 617-555-0123 please", "call [phone] please"),
        ("call (617) 555-0123", "call [phone]"),
        ("call +16175550123", "call [phone]"),
        ("call +1 617 555 0123", "call [phone]"),
        ("call 617.555.0123", "call [phone]"),
        ("call 6175550123", "call [phone]"),
        ("born 1984-03-14", "born [date]"),
        ("born 03/14/1984", "born [date]"),
        ("born 3/14/84", "born [date]"),
        ("born March 14, 1984", "born [date]"),
        ("born 14 March 1984", "born [date]"),
        ("ssn 912-55-0303", "ssn [ssn]"),
        ("mrn 6425729", "mrn [number]"),
        ("write to dana.whitfield@example.com", "write to [email]"),
        ("card 4111 1111 1111 1111", "card [card number removed]"),
        (
            "GET /fhir/Patient?family=Whitfield&birthdate=1984-03-14",
            "GET /fhir/Patient?family=[removed]&birthdate=[removed]",
        ),
        ("read Patient/16cf86df-1720-5119-9883-1070391ec44c", "read Patient/[id]"),
    ],
)
def test_identifiers_are_masked(text: str, expected: str) -> None:
    """Each kind of identifier in its usual writings becomes a placeholder."""
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Predicted next action 'action_listen' with confidence 1.00.",
        "Starting Rasa server on http://127.0.0.1:5005",
        "Calling action endpoint to run action 'validate_verify_form'.",
        "took 123.4 ms for 12 events",
        "zip 02155",
    ],
)
def test_ordinary_records_are_unchanged(text: str) -> None:
    """Action names, URLs without a query, durations, counts and ZIPs pass as they are."""
    assert redact(text) == text


def test_the_filter_masks_args_and_exceptions() -> None:
    """An identifier in the arguments or in an exception's message is masked in the output."""
    assert (
        logged("frontdesk.t1", logging.INFO, "lookup %s %s", "617-555-0123", "1984-03-14")
        == "lookup [phone] [date]"
    )
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(PhiFilter())
    logger = logging.getLogger("frontdesk.t2")
    logger.handlers, logger.propagate = [handler], False
    try:
        raise ValueError("no patient born 03/14/1984 at 617-555-0123")
    except ValueError:
        logger.exception("failed")
    assert "03/14/1984" not in stream.getvalue() and "617-555-0123" not in stream.getvalue()
    assert "ValueError: no patient born [date] at [phone]" in stream.getvalue()


def test_rasas_structured_records_keep_only_safe_keys() -> None:
    """A structlog JSON record with the patient's words, entities and slots: only the event name,
    the intent and the action name survive."""
    record = json.dumps(
        {
            "parse_data_text": "Dana Whitfield",
            "parse_data_intent": {"name": "inform", "confidence": 0.86},
            "parse_data_entities": [{"value": "Dana Whitfield"}],
            "slot_values": "full_name: Dana Whitfield",
            "action_name": "verify_form",
            "event": "processor.message.received",
        }
    )
    out = logged("rasa.core.processor", logging.DEBUG, record)
    assert "Dana" not in out and "Whitfield" not in out
    assert json.loads(out) == {
        "parse_data_text": "[removed]",
        "parse_data_intent": {"name": "inform", "confidence": 0.86},
        "parse_data_entities": "[removed]",
        "slot_values": "[removed]",
        "action_name": "verify_form",
        "event": "processor.message.received",
    }
    assert scrub_structured("{not json") == "{not json"
    assert scrub_structured('{"no": "event key"}') == '{"no": "event key"}'


@pytest.mark.parametrize(
    ("logger", "message", "kept"),
    [
        (
            "rasa.core.processor",
            "Received user message 'Dana Whitfield' with intent 'inform'",
            "Received user message",
        ),
        ("rasa.core.processor", "Current slot values: \n\tfull_name: Dana Whitfield", "Current slot values:"),
        (
            "rasa_sdk.executor",
            "Contents of ignored event: '{'value': 'Dana Whitfield'}'",
            "Contents of ignored event:",
        ),
    ],
)
def test_rasas_plain_records_that_quote_the_patient_are_cut(logger: str, message: str, kept: str) -> None:
    """Rasa's and rasa-sdk's records that quote the patient's words or slots: cut after their start."""
    assert logged(logger, logging.DEBUG, message) == f"{kept} [text removed]"


def test_our_own_records_are_not_cut() -> None:
    """The same words from another logger are not cut (names there are the code's responsibility)."""
    assert (
        logged("frontdesk.t3", logging.DEBUG, "Received user message 'hours'")
        == "Received user message 'hours'"
    )


def test_filtering_twice_changes_nothing_more() -> None:
    """The filter on two handlers (or installed twice) gives the same text as once."""
    once = redact("born 03/14/1984, call 617-555-0123, mrn 6425729")
    assert redact(once) == once
