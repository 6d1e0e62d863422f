"""Reading Twilio's webhook: the form, strictly; the signature, for the configured public URL;
and the fields the channel needs."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from twilio.request_validator import RequestValidator

from bot.channels.sms.webhook import FormParams, Refused, clean_text, inbound, read_form, signature_valid

TOKEN = "auth-token"
PUBLIC = "https://frontdesk.clinic.example/webhooks/sms/webhook"
FORM = "application/x-www-form-urlencoded"
FIELDS = {"MessageSid": "SM" + "a" * 32, "From": "+16175550123", "To": "+17815550100", "Body": "Hi there"}


def signed(fields: dict[str, str], url: str = PUBLIC, token: str = TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, fields)


def test_a_genuine_signature_for_the_public_url_is_valid():
    params = read_form(FORM, urlencode(FIELDS).encode())
    assert signature_valid(TOKEN, PUBLIC, params, signed(FIELDS))


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        "not-base64-at-all",
        signed(FIELDS, token="another-token"),
        signed(
            FIELDS, url="http://127.0.0.1:5005/webhooks/sms/webhook"
        ),  # where it arrived, not the public URL
        signed({**FIELDS, "Body": "STOP"}),  # the body was changed after signing
    ],
)
def test_missing_forged_or_misdirected_signatures_are_invalid(signature):
    params = read_form(FORM, urlencode(FIELDS).encode())
    assert not signature_valid(TOKEN, PUBLIC, params, signature)


def test_repeated_fields_are_signed_as_twilio_signs_them():
    pairs = [("MediaUrl", "https://a.example/1"), ("MediaUrl", "https://a.example/2"), ("Body", "x")]
    params = read_form(FORM, urlencode(pairs).encode())
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC, params)
    assert params.getall("MediaUrl") == ["https://a.example/1", "https://a.example/2"]
    assert signature_valid(TOKEN, PUBLIC, params, signature)


@pytest.mark.parametrize(
    ("content_type", "body", "status"),
    [
        ("application/json", b'{"Body": "hi"}', 415),
        (None, b"Body=hi", 415),
        ("text/plain", b"Body=hi", 415),
        (f"{FORM}; charset=no-such-charset", b"Body=hi", 415),
        (FORM, b"Body=%FF%FE", 400),  # percent-escapes that are not UTF-8
        (FORM, b"Body=\xff\xfe", 400),  # raw bytes that are not UTF-8
        (FORM, "&".join(f"f{i}=1" for i in range(200)).encode(), 400),  # too many fields
    ],
)
def test_bodies_that_are_not_a_readable_form_are_refused(content_type, body, status):
    with pytest.raises(Refused) as refused:
        read_form(content_type, body)
    assert refused.value.status == status
    assert "hi" not in refused.value.reason


def test_a_declared_charset_is_honoured():
    body = urlencode({"Body": "caf\u00e9"}, encoding="latin-1").encode()
    assert read_form(f"{FORM}; charset=ISO-8859-1", body).get("Body") == "caf\u00e9"
    assert (
        read_form(f"{FORM}; charset=UTF-8", urlencode({"Body": "caf\u00e9"}).encode()).get("Body")
        == "caf\u00e9"
    )


def test_the_fields_the_channel_needs():
    message = inbound(FormParams(list({**FIELDS, "NumMedia": "2"}.items())))
    assert (message.message_sid, message.phone, message.text, message.media) == (
        FIELDS["MessageSid"],
        "+16175550123",
        "Hi there",
        2,
    )
    assert "5550123" not in repr(message) and "Hi there" not in repr(message)


@pytest.mark.parametrize(
    "change",
    [
        {"MessageSid": ""},
        {"MessageSid": "not-a-sid"},
        {"From": ""},
        {"From": "whatsapp:+16175550123"},
        {"From": "Riverside"},
    ],
)
def test_missing_or_malformed_fields_are_refused(change):
    with pytest.raises(Refused) as refused:
        inbound(FormParams(list({**FIELDS, **change}.items())))
    assert refused.value.status == 400


def test_control_characters_and_direction_overrides_are_removed():
    assert clean_text("  hi\x00 there\x1b[31m\u202e\r\nbye\t! ") == "hi there[31m\nbye !"
    assert clean_text("\x00\x07") == ""
    assert clean_text("\U0001f44b caf\u0065\u0301") == "\U0001f44b caf\u00e9"  # emoji kept, NFC
