"""Reading Twilio's webhook request: the form, its signature, and the fields the channel uses.

Twilio posts ``application/x-www-form-urlencoded`` and signs it: HMAC-SHA1 under the account's
auth token of the URL it called followed by every POST field, names sorted, each name then its
value, base64-encoded in ``X-Twilio-Signature`` (twilio's ``RequestValidator``). The URL is the
one configured in Twilio's console (``SMS_PUBLIC_URL``), not the one the request arrives on: behind
a proxy or a load balancer those differ in scheme, host and port.

The form is parsed here, strictly, rather than by Sanic: invalid percent-escapes, bytes that are
not valid in the declared charset, a JSON body, too many fields are all refused with a status and
a reason that names no field's value.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qsl

from twilio.request_validator import RequestValidator

from bot.channels.sms.identity import sender_number

FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FIELDS = 100
# C0/C1 controls (but line feed) and the invisible direction overrides used to disguise text.
_CONTROLS = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff]")


class Refused(Exception):
    """The request is not one to handle; ``status`` is the HTTP answer, ``reason`` says why
    (it never quotes the request)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


class FormParams:
    """A parsed form: every value of every field, in a shape ``RequestValidator`` understands."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._values: dict[str, list[str]] = {}
        for name, value in pairs:
            self._values.setdefault(name, []).append(value)

    def getall(self, name: str) -> list[str]:  # RequestValidator.get_values calls this
        return self._values[name]

    def get(self, name: str) -> str | None:
        values = self._values.get(name)
        return values[0] if values else None

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


def _charset(content_type: str) -> str:
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"') or "utf-8"
    return "utf-8"


def read_form(content_type: str | None, body: bytes) -> FormParams:
    """The form fields of a webhook request. Raises ``Refused`` (415: not a form, or an unknown
    charset; 400: undecodable, or too many fields)."""
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type != FORM_TYPE:
        raise Refused(415, "expected a form (application/x-www-form-urlencoded)")
    charset = _charset(content_type or "")
    try:
        codecs.lookup(charset)
    except LookupError:
        raise Refused(415, "unknown charset") from None
    try:
        text = body.decode(charset)
        pairs = parse_qsl(
            text, keep_blank_values=True, encoding=charset, errors="strict", max_num_fields=MAX_FIELDS
        )
    except UnicodeDecodeError:
        raise Refused(400, f"the form is not valid {charset}") from None
    except ValueError:
        raise Refused(400, "too many form fields") from None
    return FormParams(pairs)


def signature_valid(auth_token: str, public_url: str, params: FormParams, signature: str | None) -> bool:
    """Whether ``signature`` is Twilio's for this form posted to ``public_url``."""
    if not signature:
        return False
    return bool(RequestValidator(auth_token).validate(public_url, params, signature))


@dataclass(frozen=True)
class Inbound:
    message_sid: str
    phone: str  # the sender, E.164; kept in memory only
    text: str  # the body, controls removed (may be empty)
    media: int  # pictures or files attached (MMS)

    def __repr__(self) -> str:  # never print the number or the text
        return f"Inbound(message_sid={self.message_sid!r}, chars={len(self.text)}, media={self.media})"


def clean_text(raw: str) -> str:
    """The body as the assistant should read it: NFC, tabs as spaces, controls removed."""
    text = unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " "))
    return _CONTROLS.sub("", text).strip()


def inbound(params: FormParams) -> Inbound:
    """The fields the channel needs. Raises ``Refused(400)`` when one is missing or malformed."""
    sid = (params.get("MessageSid") or params.get("SmsSid") or "").strip()
    if not re.fullmatch(r"[A-Za-z]{2}[0-9a-fA-F]{32}", sid):
        raise Refused(400, "missing or malformed MessageSid")
    phone = sender_number(params.get("From"))
    if phone is None:
        raise Refused(400, "From is not a phone number")
    raw_media = (params.get("NumMedia") or "0").strip()
    media = int(raw_media) if raw_media.isdigit() and len(raw_media) < 4 else 0
    return Inbound(sid, phone, clean_text(params.get("Body") or ""), media)
