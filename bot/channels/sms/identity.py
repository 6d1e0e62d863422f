"""Who a text comes from, without keeping the number.

A conversation by SMS is named ``sms:<hex HMAC-SHA256 of the E.164 number>`` under a server
secret, and an opt-out is recorded under a second HMAC of the number (another purpose, so the two
never coincide). Nobody without the secret can turn either back into a number by trying every
phone number, which an unkeyed hash would allow in minutes.

The secret is ``SMS_HASH_SECRET``, or, when that is unset, one generated on first start and kept in
``<SMS_DATA_DIR>/hash-secret`` (mode 0600). Opt-outs are keyed by it: lose or change it and the
recorded opt-outs no longer match anyone (docs/sms.md says to back it up).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

import phonenumbers

from bot.channels.sms.settings import SmsSettings

SECRET_FILE = "hash-secret"
_E164 = re.compile(r"\+[1-9]\d{6,14}")


def sender_number(raw: object) -> str | None:
    """Twilio's ``From`` as an E.164 number, or None when it is not one (a WhatsApp or
    alphanumeric sender, a short code, an empty field, anything else)."""
    if not isinstance(raw, str):
        return None
    value = raw.strip()
    if not _E164.fullmatch(value):
        return None
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class NumberHasher:
    """Keyed one-way names for phone numbers."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the SMS hash secret must be at least 16 bytes")
        self._secret = secret

    def _hmac(self, text: str) -> str:
        return hmac.new(self._secret, text.encode("utf-8"), hashlib.sha256).hexdigest()

    def conversation_id(self, e164: str) -> str:
        """The Rasa sender id of this number's SMS conversation."""
        return "sms:" + self._hmac(e164)

    def opt_out_key(self, e164: str) -> str:
        """The key this number's opt-out is recorded under."""
        return self._hmac("opt-out:" + e164)


def load_secret(settings: SmsSettings) -> bytes:
    """``SMS_HASH_SECRET``, or the one kept in the data directory (created once if missing)."""
    if settings.hash_secret:
        return settings.hash_secret.encode("utf-8")
    return _kept_secret(settings.data_dir / SECRET_FILE)


def _kept_secret(path: Path) -> bytes:
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it just now: use theirs
        return path.read_bytes().strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(32) + "\n")
    return path.read_bytes().strip()
