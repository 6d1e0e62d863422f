"""Carrier keywords by SMS, end to end (real Rasa server, fake Twilio API).

Tried here: STOP, then a question, a second STOP and HELP (no text at all), then START (a
confirmation, and the assistant answers again); plain-language "please don't text me anymore";
"cancel my appointment" (a request to the assistant, not an opt-out); HELP (the clinic's name and
phone); and an opt-out ending a conversation that was under way.

Texts from one number are handled one at a time, in order: when the answer to a later text
arrives, every earlier one has been handled, so "no reply" is proven without waiting on a clock.
"""

from __future__ import annotations

import pytest

from settings import load_clinic_settings
from tests.integration.fake_twilio import HASHER, SmsPhone, unlisted_number, user_texts

pytestmark = pytest.mark.integration

CLINIC = load_clinic_settings()
VARIANTS = ["please don't text me anymore", "Stop texting me", " UnSubscribe ", "unstop"]


@pytest.fixture
def phone(assistant, fake_twilio) -> SmsPhone:
    return SmsPhone(assistant, fake_twilio, unlisted_number())


def test_stop_silences_everything_until_start(phone, fake_twilio):
    """STOP is confirmed once; a question, a second STOP and HELP then get nothing; START is
    confirmed and the next HELP is answered again."""
    confirmation = phone.text("STOP")
    assert CLINIC.name in confirmation
    assert "unsubscribed" in confirmation and "START" in confirmation

    phone.send("when is my next appointment")
    phone.send("stop")
    phone.send("HELP")
    resubscribed = phone.text("START")
    texts = fake_twilio.texts_to(phone.phone)
    assert texts == [confirmation, resubscribed], texts
    assert "subscribed to texts again" in resubscribed

    assert CLINIC.phone in phone.text("HELP")


@pytest.mark.parametrize(
    "words", ["please don't text me anymore", "Stop texting me", " UnSubscribe ", "unstop"]
)
def test_plain_language_and_keyword_variants(phone, fake_twilio, words):
    """A plain request to stop texting and keywords in odd case and spacing are opt-outs;
    UNSTOP is a resubscription (confirmed even when there was no opt-out)."""
    reply = phone.text(words)
    if words == "unstop":
        assert "subscribed to texts again" in reply
    else:
        assert "unsubscribed" in reply
        phone.send("what are your hours")
        assert "subscribed to texts again" in phone.text("START")
        assert len(fake_twilio.texts_to(phone.phone)) == 2


def test_cancel_my_appointment_is_not_an_opt_out(phone):
    """Only the single word CANCEL is an opt-out (carrier rules); "cancel my appointment" reaches
    the assistant, which asks who is texting."""
    reply = phone.text("cancel my appointment")
    assert "unsubscribed" not in reply
    assert "date of birth" in reply


def test_help_names_the_clinic_and_its_phone(phone):
    """HELP answers with the clinic's name and phone, and how to stop."""
    reply = phone.text("help")
    assert CLINIC.name in reply and CLINIC.phone in reply and "STOP" in reply


def test_an_opt_out_ends_the_conversation(phone, assistant):
    """A conversation under way (the assistant asked for a birth date) ends when the patient
    opts out: its tracker holds none of their messages any more. After START, the next text
    starts a fresh conversation."""
    assert "date of birth" in phone.text("what do I owe")
    sender_id = HASHER.conversation_id(phone.phone)
    assert user_texts(assistant, sender_id) == ["what do I owe"]
    assert "unsubscribed" in phone.text("QUIT")
    assert user_texts(assistant, sender_id) == []
    assert "subscribed to texts again" in phone.text("start")
    # Resubscribed, the same number starts a new conversation.
    assert "Monday to Friday" in phone.text("what are your hours")
    assert user_texts(assistant, sender_id) == ["what are your hours"]
