"""What the web chat accepts from a browser (bot/channels/webchat/payloads.py).

Tried here: plain text, emoji (with joiners), HTML and script tags (kept as text: the widget
renders text), control characters, bidi overrides and zero-width characters (removed), CRLF,
lone surrogates (what invalid UTF-8 becomes), empty and blank messages, a 10 KB message,
non-dict payloads, missing and non-string ``message`` fields; and conversation ids as presented.
"""

from __future__ import annotations

import pytest

from bot.channels.webchat.payloads import MAX_MESSAGE_CHARS, Refusal, clean_text, message_text, presented_id


def refusal(data: object) -> str:
    with pytest.raises(Refusal) as raised:
        message_text(data)
    assert raised.value.text  # the patient is told why
    return raised.value.code


@pytest.mark.parametrize(
    "sent, kept",
    [
        ("when is my next appointment", "when is my next appointment"),
        ("  hi there \n", "hi there"),
        ("thanks 👍🏽 👨‍👩‍👧", "thanks 👍🏽 👨‍👩‍👧"),
        ("<script>alert(1)</script>", "<script>alert(1)</script>"),
        ('<img src=x onerror="alert(1)">', '<img src=x onerror="alert(1)">'),
        ("a\x00b\x07c\x1bd\x7fe\x85f", "abcdef"),
        ("line one\r\nline two\rthree", "line one\nline two\nthree"),
        ("pay\u202eevil\u200bbill", "payevilbill"),
        ("bad \udcff byte", "bad \ufffd byte"),
        ("a\n\n\n\n\nb", "a\n\nb"),
    ],
)
def test_text_is_cleaned_and_kept(sent: str, kept: str):
    assert message_text({"message": sent}) == kept


@pytest.mark.parametrize(
    "data, code",
    [
        ({"message": ""}, "empty"),
        ({"message": " \n\t "}, "empty"),
        ({"message": "\x00\x01\x02"}, "empty"),
        ({"message": "x" * 10_240}, "too_long"),
        ({"message": "x" * (MAX_MESSAGE_CHARS + 1)}, "too_long"),
        ({}, "not_text"),
        ({"text": "hi"}, "not_text"),
        ({"message": None}, "not_text"),
        ({"message": 42}, "not_text"),
        ({"message": ["hi"]}, "not_text"),
        ({"message": b"hi"}, "not_text"),
        ("hi", "not_text"),
        (["hi"], "not_text"),
        (None, "not_text"),
        (3.5, "not_text"),
    ],
)
def test_refused(data: object, code: str):
    assert refusal(data) == code


def test_the_limit_itself_is_accepted():
    assert message_text({"message": "y" * MAX_MESSAGE_CHARS}) == "y" * MAX_MESSAGE_CHARS


def test_clean_text_keeps_tabs_and_newlines_inside():
    assert clean_text("a\tb\nc") == "a\tb\nc"


@pytest.mark.parametrize(
    "auth, expected",
    [
        ({"conversation_id": "web:abc"}, "web:abc"),
        ({"conversation_id": ""}, None),
        ({"conversation_id": "x" * 101}, None),
        ({"conversation_id": 7}, None),
        ({}, None),
        (None, None),
        ("web:abc", None),
    ],
)
def test_presented_id(auth: object, expected: str | None):
    assert presented_id(auth) == expected
