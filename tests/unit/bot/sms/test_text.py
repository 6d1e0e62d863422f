"""Replies shaped for a phone: GSM-7 only, split at good places, numbered, within segment limits."""

from __future__ import annotations

import pytest

from bot.channels.sms.text import (
    GSM_BASIC,
    GSM_EXTENDED,
    MULTI_SEGMENT,
    SINGLE_SEGMENT,
    segments,
    septets,
    split_for_sms,
    to_gsm,
    with_buttons,
)


def is_gsm(text: str) -> bool:
    return all(c in GSM_BASIC or c in GSM_EXTENDED for c in text)


def test_typography_becomes_plain_and_emoji_are_dropped():
    text = "Hi Zo\u00eb \U0001f44b \u2014 your \u201cvisit\u201d is at 9:30\u2026 \u2705 it\u2019s \u2022 ok"
    assert to_gsm(text) == 'Hi Zoe - your "visit" is at 9:30... it\'s - ok'


def test_letters_of_the_gsm_alphabet_are_kept():
    assert (
        to_gsm("Jos\u00e9 N\u00fa\u00f1ez, Ren\u00e9e C\u00f4t\u00e9")
        == "Jos\u00e9 Nu\u00f1ez, Ren\u00e9e Cot\u00e9"
    )


def test_controls_and_odd_spaces_are_tidied():
    assert to_gsm("a\x00b\u00a0\u00a0c\t d\r\n\n\n\ne  ") == "ab c d\n\ne"


def test_extended_characters_count_twice():
    assert septets("a{b}") == 6
    assert septets("\u20ac") == 2


def test_a_short_reply_is_one_text():
    assert split_for_sms("Your balance is $145.20.") == ["Your balance is $145.20."]
    assert split_for_sms("   ") == []


def sentences(count: int) -> str:
    return " ".join(
        f"Appointment {i} is on Tuesday, December {i} at 9:30 AM with Dr. Amelia Hart in Medford."
        for i in range(1, count + 1)
    )


@pytest.mark.parametrize("max_segments", [1, 2, 3])
def test_a_long_reply_is_split_at_sentences_and_numbered(max_segments):
    text = sentences(12)
    parts = split_for_sms(text, max_segments)
    assert len(parts) > 1
    for number, part in enumerate(parts, start=1):
        assert part.startswith(f"({number}/{len(parts)}) ")
        assert segments(part) <= max_segments
        limit = SINGLE_SEGMENT if max_segments == 1 else MULTI_SEGMENT * max_segments
        assert septets(part) <= limit
    body = " ".join(part.split(") ", 1)[1] for part in parts)
    assert body == text  # nothing lost, nothing added
    if max_segments > 1:
        # Cut between sentences only, and never after the "Dr." of a name.
        assert all(part.endswith("Medford.") for part in parts)


def test_line_breaks_are_preferred_to_sentences():
    lines = "\n".join(f"{i}. Tuesday, December {i} at 9:30 AM with Dr. Hart" for i in range(1, 20))
    parts = split_for_sms("You have 19 appointments:\n" + lines, 2)
    for part in parts[1:]:
        assert part.split(") ", 1)[1][0].isdigit(), part  # each part starts on a new line


def test_a_word_longer_than_a_text_is_cut():
    parts = split_for_sms("x" * 500, 1)
    assert all(septets(p) <= SINGLE_SEGMENT for p in parts)
    assert "".join(p.split(") ", 1)[1] for p in parts) == "x" * 500


def test_gsm_and_splitting_together_stay_in_the_alphabet():
    parts = split_for_sms(to_gsm("\U0001f600 " + sentences(8) + " \u2014 thanks \u2728"), 2)
    assert all(is_gsm(p) for p in parts)


def test_buttons_become_numbered_choices():
    text, payloads = with_buttons(
        "Which time?", [{"title": "9:30 AM", "payload": '/choose{"n": 1}'}, {"title": "2 PM", "payload": ""}]
    )
    assert text == "Which time?\n1. 9:30 AM\n2. 2 PM\nReply with the number of your choice."
    assert payloads == ['/choose{"n": 1}', "2 PM"]
