"""The SMS channel's settings, read from the environment (docs/sms.md lists them all).

The channel is optional: a clinic without Twilio still runs ``make run``. So nothing here is
required at import or start; ``load_sms_settings`` returns the settings and the names of the
variables still missing, and the channel answers 503 until they are all set.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from settings.env import env_number

ROOT = Path(__file__).resolve().parents[3]
DEFAULT_API_BASE_URL = "https://api.twilio.com"
DEFAULT_DATA_DIR = ROOT / "var" / "sms"


class SmsSettingsError(ValueError):
    """An SMS setting is malformed; the message names the variable (never its value)."""


@dataclass(frozen=True)
class SmsSettings:
    account_sid: str = ""
    auth_token: str = field(default="", repr=False)
    from_number: str = ""
    messaging_service_sid: str = ""
    public_url: str = ""
    api_base_url: str = DEFAULT_API_BASE_URL
    hash_secret: str = field(default="", repr=False)  # empty: generated once, kept in data_dir
    data_dir: Path = DEFAULT_DATA_DIR
    send_retries: int = 3  # extra attempts after a 429, a 5xx or a refused connection
    max_retry_wait: float = 20.0  # longest wait between attempts, seconds (Retry-After included)
    max_segments: int = 3  # SMS segments per text before a reply is split into numbered texts
    max_inbound_chars: int = 1600  # longer messages are not read (Twilio's own limit is 1600)
    missing: tuple[str, ...] = ()

    @property
    def configured(self) -> bool:
        return not self.missing


def _url(env: Mapping[str, str], name: str, default: str = "") -> str:
    value = env.get(name, "").strip() or default
    if value:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise SmsSettingsError(f"{name} must be an absolute http(s) URL")
    return value


def load_sms_settings(env: Mapping[str, str] | None = None) -> SmsSettings:
    """The SMS settings from ``env`` (default: the process environment).

    Raises ``SmsSettingsError`` for a malformed value; an unset required value is listed in
    ``missing`` instead, so an unconfigured channel can still start."""
    env = os.environ if env is None else env

    def text(name: str) -> str:
        return env.get(name, "").strip()

    missing = [
        name for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "SMS_PUBLIC_URL") if not text(name)
    ]
    if not text("TWILIO_FROM_NUMBER") and not text("TWILIO_MESSAGING_SERVICE_SID"):
        missing.append("TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID")
    data_dir = text("SMS_DATA_DIR")
    return SmsSettings(
        account_sid=text("TWILIO_ACCOUNT_SID"),
        auth_token=text("TWILIO_AUTH_TOKEN"),
        from_number=text("TWILIO_FROM_NUMBER"),
        messaging_service_sid=text("TWILIO_MESSAGING_SERVICE_SID"),
        public_url=_url(env, "SMS_PUBLIC_URL"),
        api_base_url=_url(env, "TWILIO_API_BASE_URL", DEFAULT_API_BASE_URL).rstrip("/"),
        hash_secret=text("SMS_HASH_SECRET"),
        data_dir=Path(data_dir) if data_dir else DEFAULT_DATA_DIR,
        send_retries=int(env_number(env, "TWILIO_SEND_RETRIES", 3, minimum=0, error=SmsSettingsError)),
        max_retry_wait=env_number(env, "TWILIO_MAX_RETRY_WAIT", 20.0, minimum=0, error=SmsSettingsError),
        max_segments=int(env_number(env, "SMS_MAX_SEGMENTS", 3, minimum=1, error=SmsSettingsError)),
        max_inbound_chars=int(
            env_number(env, "SMS_MAX_INBOUND_CHARS", 1600, minimum=160, error=SmsSettingsError)
        ),
        missing=tuple(missing),
    )
