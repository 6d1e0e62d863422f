"""Carrier keywords: which whole messages are opt-outs, opt-ins and help requests."""

from __future__ import annotations

import pytest

from bot.channels.sms.keywords import Keyword, classify


@pytest.mark.parametrize(
    "text",
    [
        "STOP",
        "stop",
        " Stop. ",
        "STOPALL",
        "Unsubscribe",
        "CANCEL",
        "end",
        "Quit!",
        "REVOKE",
        "optout",
        "stop\n",
        "STOP \U0001f64f",
    ],
)
def test_single_word_opt_outs(text):
    assert classify(text) is Keyword.OPT_OUT


@pytest.mark.parametrize(
    "text",
    [
        "stop texting me",
        "Please stop texting me",
        "please don't text me anymore",
        "Please don\u2019t text me anymore!",
        "do not text me again",
        "stop sending me texts",
        "stop sending me messages please",
        "no more texts",
        "unsubscribe me",
        "I want to opt out",
        "take me off your list",
        "remove me from your list",
        "quit messaging me",
    ],
)
def test_plain_language_requests_to_stop_texting(text):
    assert classify(text) is Keyword.OPT_OUT


@pytest.mark.parametrize(
    "text",
    [
        "cancel my appointment",
        "I need to cancel",
        "stop my medication",
        "can I stop taking lisinopril",
        "when does the clinic end today",
        "help me book an appointment",
        "text me the address",
        "don't cancel my appointment",
        "",
        "   ",
        None,
        "stop it",
    ],
)
def test_requests_for_the_assistant_are_not_keywords(text):
    assert classify(text) is None


@pytest.mark.parametrize("text", ["START", "start", " Unstop "])
def test_opt_in(text):
    assert classify(text) is Keyword.OPT_IN


@pytest.mark.parametrize("text", ["HELP", "help", "Info", "help?"])
def test_help(text):
    assert classify(text) is Keyword.HELP
