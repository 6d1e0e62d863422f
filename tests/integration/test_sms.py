"""The SMS channel end to end: Twilio's signed webhook into the real Rasa server, the action
server and the sandbox EHR, and the replies out through a local fake of Twilio's Messages API.

Tried here: a patient texting from the number on their record, verifying by date of birth and
asking for their next appointments (checked against the sandbox); forged, missing and
wrong-URL signatures (403, nothing texted); the same MessageSid twice (one reply); Twilio's API
answering 429 and 500 before accepting (retried, one text); and the REST channel posting as the
SMS conversation's id (it lands in a conversation of its own, the SMS patient's is untouched).
"""

from __future__ import annotations

import httpx
import pytest

from tests.integration.conversation import Fhir, local, us_date, when
from tests.integration.fake_twilio import (
    HASHER,
    PUBLIC_URL,
    SmsPhone,
    new_message_sid,
    sign,
    unlisted_number,
    user_texts,
)
from tests.integration.stack import RASA_TOKEN, Chat

pytestmark = pytest.mark.integration


@pytest.fixture
def phone(assistant, fake_twilio) -> SmsPhone:
    return SmsPhone(assistant, fake_twilio, unlisted_number())


def tracker(rasa_url: str, sender_id: str) -> dict:
    response = httpx.get(
        f"{rasa_url}/conversations/{sender_id}/tracker", params={"token": RASA_TOKEN}, timeout=30
    )
    response.raise_for_status()
    return response.json()


def test_patient_verifies_by_birth_date_and_reads_next_appointments(assistant, fake_twilio, sandbox):
    """Dana texts from the number on her record: the assistant asks only her date of birth (the
    number is the other identifier), then lists her upcoming appointments as the EHR has them."""
    info = sandbox.patient("demo")
    dana = SmsPhone(assistant, fake_twilio, info.phone_e164)
    fhir = Fhir(sandbox.base_url)
    expected = fhir.upcoming(info.id)
    assert len(expected) == 2

    assert "date of birth" in dana.text("when is my next appointment")
    reply = dana.text(us_date(info.birth_date))
    assert f"Thank you, {info.given}, you're verified." in reply
    assert "You have 2 upcoming appointments:" in reply
    for appointment in expected:
        assert when(local(appointment["start"])) in reply, reply
    # The conversation is named by a keyed hash of the number, never the number.
    sender_id = HASHER.conversation_id(info.phone_e164)
    events = tracker(assistant, sender_id)["events"]
    assert any(e["event"] == "user" and e.get("input_channel") == "sms" for e in events)
    assert info.phone_e164 not in sender_id and info.phone not in sender_id


def test_forged_missing_and_wrong_url_signatures_are_refused(phone, fake_twilio):
    """Three unauthentic requests (a signature made with another auth token, none at all, and one
    made for the URL the request really arrived on instead of the configured public URL) each get
    403; a genuine HELP sent afterwards is the only thing this number is ever texted."""
    forged = phone.form("HELP")
    assert phone.post(forged, signature=sign(forged, token="not-the-auth-token")).status_code == 403
    assert phone.post(phone.form("HELP"), signature=None).status_code == 403
    wrong_url = phone.form("HELP")
    assert phone.post(wrong_url, signature=sign(wrong_url, url=phone.webhook)).status_code == 403
    # A genuine form whose Body was changed after signing.
    tampered = phone.form("HELP")
    signature = sign(tampered)
    assert phone.post({**tampered, "Body": "STOP"}, signature=signature).status_code == 403

    reply = phone.text("HELP")
    assert "Riverside Family Medicine" in reply
    assert len(fake_twilio.texts_to(phone.phone)) == 1


def test_a_message_twilio_retries_is_handled_once(phone, fake_twilio):
    """The same MessageSid posted twice (Twilio retrying a webhook) gets 200 both times and one
    reply; the next message, with a new sid, gets the second."""
    sid = new_message_sid()
    phone.send("HELP", message_sid=sid)
    phone.send("HELP", message_sid=sid)
    phone.send("INFO")
    texts = phone.wait_for_texts(2)
    assert len(texts) == 2
    assert all("Riverside Family Medicine" in text for text in texts)


def test_twilio_throttling_and_errors_are_retried(phone, fake_twilio):
    """Twilio's API answers 429 (Retry-After: 1) and then 500 before accepting: the reply is
    retried and texted once."""
    attempts_before = len(fake_twilio.attempts)
    fake_twilio.fail_next.extend([(429, "1"), (500, None)])
    reply = phone.text("HELP")
    assert "Riverside Family Medicine" in reply
    assert fake_twilio.attempts[attempts_before:] == [429, 500, 201]
    assert len(fake_twilio.texts_to(phone.phone)) == 1


def test_the_rest_channel_cannot_speak_into_an_sms_conversation(assistant, fake_twilio, sandbox):
    """An SMS patient verifies; then a REST client posts as the SMS conversation's very id. Its
    message lands in a conversation of its own (which asks who it is), nothing is texted to the
    patient, and the SMS conversation holds no message of it."""
    info = sandbox.case("phone_formats")[1]
    patient = SmsPhone(assistant, fake_twilio, info.phone_e164)
    assert "date of birth" in patient.text("what do I owe")
    assert f"Thank you, {info.given}, you're verified." in patient.text(us_date(info.birth_date))
    texted = len(fake_twilio.texts_to(info.phone_e164))
    sender_id = HASHER.conversation_id(info.phone_e164)
    before = user_texts(assistant, sender_id)

    intruder = Chat(assistant, sender=sender_id)
    reply = intruder.said("when is my next appointment")
    assert info.given not in reply
    assert "full name" in reply  # asked who it is: it is not the verified SMS conversation
    assert user_texts(assistant, sender_id) == before
    assert len(fake_twilio.texts_to(info.phone_e164)) == texted


def test_the_public_url_is_what_is_signed(phone):
    """The configured public URL differs from the one the test posts to (as behind a proxy): a
    request signed for the public URL is accepted, proving the check uses the configured one."""
    assert phone.webhook != PUBLIC_URL
    assert "Riverside Family Medicine" in phone.text("HELP")
