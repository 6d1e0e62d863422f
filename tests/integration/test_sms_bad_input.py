"""Bad input on the SMS webhook: each is answered or refused cleanly, never a 500, and a
conversation under way on another number is not disturbed.

What is tried is in each test's docstring. A patient mid-verification on another number
continues at the end of the module's run of them (``test_..._another_conversation``).
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import httpx
import pytest

from tests.integration.conversation import us_date
from tests.integration.fake_twilio import PUBLIC_URL, SmsPhone, sign, unlisted_number

pytestmark = pytest.mark.integration
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def phone(assistant, fake_twilio) -> SmsPhone:
    return SmsPhone(assistant, fake_twilio, unlisted_number())


def raw_post(to: SmsPhone, body: bytes, content_type: str, signature: str | None) -> httpx.Response:
    headers = {"Content-Type": content_type}
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    return httpx.post(to.webhook, content=body, headers=headers, timeout=30)


def test_empty_body(phone):
    """An empty Body (and one of spaces and control characters only) is answered with a prompt
    to type the question."""
    assert "didn't get any words" in phone.text("")
    assert "didn't get any words" in phone.text(" \x00\x07 ")


def test_picture_without_text(phone):
    """A picture with no text (NumMedia=1, empty Body): told pictures can't be opened."""
    form = {**phone.form(""), "NumMedia": "1", "MediaUrl0": "https://api.twilio.com/fake.jpg"}
    assert phone.post(form).status_code == 200
    assert "can't open pictures" in phone.wait_for_texts(1)[0]


def test_ten_kilobyte_body(phone):
    """A 10 KB Body is not read: the patient is told it is too long."""
    assert "too long" in phone.text("appointment " * 900)


def test_control_characters_emoji_and_markup(phone):
    """Control characters inside a question, an emoji-only message and HTML/script tags are each
    answered, and no reply carries an emoji or echoes the markup."""
    replies = [
        phone.text("what are your\x00 hours\x1b\x7f"),
        phone.text("\U0001f44b\U0001f600"),
        phone.text("<script>alert(1)</script><b>hours</b>"),
    ]
    assert "Monday to Friday" in replies[0]
    for reply in replies:
        assert reply
        assert "<script>" not in reply
        assert all(ord(char) < 0x2000 for char in reply), reply


def test_invalid_utf8_and_odd_charsets(phone):
    """A form with a percent-escape that is not UTF-8 (%FF) and one with raw non-UTF-8 bytes get
    400; an unknown charset 415 (403 unless signed); a Latin-1 form declared as such, signed over
    its decoded text, is read and answered."""
    form = phone.form("HELP")
    signature = sign(form)
    body = "&".join(f"{k}={v}" for k, v in form.items() if k != "Body") + "&Body=HELP%FF"
    assert raw_post(phone, body.encode(), "application/x-www-form-urlencoded", signature).status_code == 400
    raw = body.encode().replace(b"%FF", b"\xff\xfe")
    assert raw_post(phone, raw, "application/x-www-form-urlencoded", signature).status_code == 400
    # A charset nobody knows: the body cannot be read, so it is signed over the URL alone.
    unknown = f"{FORM}; charset=x-unknown"
    assert raw_post(phone, b"Body=hi", unknown, sign({}, url=PUBLIC_URL)).status_code == 415
    assert raw_post(phone, b"Body=hi", unknown, signature).status_code == 403

    latin = phone.form("caf\u00e9 hours?")
    latin_body = urlencode(latin, encoding="latin-1").encode("ascii")
    response = raw_post(phone, latin_body, f"{FORM}; charset=ISO-8859-1", sign(latin))
    assert response.status_code == 200
    assert phone.wait_for_texts(1)


def test_json_body(phone):
    """A JSON body where Twilio's form is expected: 415 when signed (over the URL alone), 403
    when not."""
    body = json.dumps(phone.form("HELP")).encode()
    signed_url_only = sign({}, url=PUBLIC_URL)
    assert raw_post(phone, body, "application/json", signed_url_only).status_code == 415
    assert raw_post(phone, body, "application/json", "forged").status_code == 403
    assert raw_post(phone, body, "application/json", None).status_code == 403


@pytest.mark.parametrize(
    "sender", [None, "", "not a number", "whatsapp:+16175550000", "CLINIC", "+1", "+99999999999999999"]
)
def test_missing_or_malformed_sender(phone, sender):
    """A signed form without From, or whose From is no phone number (empty, words, a WhatsApp
    address, an alphanumeric sender id, too short, too long): 400."""
    form = phone.form("HELP")
    if sender is None:
        del form["From"]
    else:
        form["From"] = sender
    assert phone.post(form).status_code == 400


def test_missing_message_sid(phone):
    """A signed form without a MessageSid (nothing to de-duplicate by): 400."""
    form = phone.form("HELP")
    del form["MessageSid"]
    assert phone.post(form).status_code == 400


def test_bad_input_does_not_disturb_another_conversation(assistant, fake_twilio, sandbox):
    """A patient mid-verification on one number; meanwhile every kind of bad request above hits the
    webhook from another; the patient's next text still verifies them."""
    info = sandbox.case("accented")[2]
    patient = SmsPhone(assistant, fake_twilio, info.phone_e164)
    assert "date of birth" in patient.text("what do I owe")
    other = SmsPhone(assistant, fake_twilio, unlisted_number())
    statuses = [
        other.post(other.form(""), signature=None).status_code,
        raw_post(other, b"{}", "application/json", "forged").status_code,
        raw_post(other, b"Body=%FF", "application/x-www-form-urlencoded", "x").status_code,
        other.post({**other.form("hi"), "From": "nope"}).status_code,
        other.post(other.form("appointment " * 900)).status_code,
        other.post(other.form("<script>alert(1)</script>")).status_code,
    ]
    assert all(status < 500 for status in statuses), statuses
    assert f"Thank you, {info.given}, you're verified." in patient.text(us_date(info.birth_date))
