"""Typed settings for reaching the EHR, read from the environment.

Every field has a default that works against the sandbox EHR, so a fresh
checkout runs with no configuration at all. ``.env.example`` lists them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

AUTH_MODES = ("none", "smart-backend")


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class EHRSettings:
    base_url: str = "http://127.0.0.1:8080/fhir"
    connect_timeout: float = 3.0
    read_timeout: float = 10.0
    retries: int = 2  # extra attempts for idempotent reads
    max_retry_wait: float = 5.0  # longest Retry-After we are willing to sleep, seconds
    max_pages: int = 20  # of any one search
    clinic_timezone: str = "America/New_York"
    mrn_system: str | None = "https://frontdesk.dev/sandbox/mrn"
    auth: str = "none"
    token_url: str | None = None
    client_id: str | None = None
    private_key_file: str | None = None
    key_id: str | None = None
    jwt_alg: str | None = None
    scopes: str = (
        "system/Patient.read system/Appointment.read system/Appointment.write "
        "system/Slot.read system/Slot.write system/Schedule.read system/Practitioner.read "
        "system/Location.read system/Account.read system/Invoice.read system/Coverage.read "
        "system/Organization.read system/MedicationRequest.read system/Task.write "
        "system/Condition.read system/AllergyIntolerance.read"
    )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.clinic_timezone)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> EHRSettings:
        env = os.environ if env is None else env
        defaults = cls()

        def text(name: str, default: str | None) -> str | None:
            value = env.get(name, "").strip()
            return value or default

        def number(name: str, default: float) -> float:
            raw = env.get(name, "").strip()
            if not raw:
                return default
            try:
                value = float(raw)
            except ValueError:
                raise SettingsError(f"{name} must be a number, got {raw!r}") from None
            if value < 0:
                raise SettingsError(f"{name} must not be negative")
            return value

        settings = cls(
            base_url=(text("EHR_BASE_URL", defaults.base_url) or "").rstrip("/"),
            connect_timeout=number("EHR_CONNECT_TIMEOUT", defaults.connect_timeout),
            read_timeout=number("EHR_READ_TIMEOUT", defaults.read_timeout),
            retries=int(number("EHR_RETRIES", defaults.retries)),
            max_retry_wait=number("EHR_MAX_RETRY_WAIT", defaults.max_retry_wait),
            max_pages=int(number("EHR_MAX_PAGES", defaults.max_pages)),
            clinic_timezone=text("CLINIC_TIMEZONE", defaults.clinic_timezone) or "",
            mrn_system=text("EHR_MRN_SYSTEM", defaults.mrn_system),
            auth=text("EHR_AUTH", defaults.auth) or "none",
            token_url=text("EHR_TOKEN_URL", None),
            client_id=text("EHR_CLIENT_ID", None),
            private_key_file=text("EHR_PRIVATE_KEY_FILE", None),
            key_id=text("EHR_KEY_ID", None),
            jwt_alg=text("EHR_JWT_ALG", None),
            scopes=text("EHR_SCOPES", defaults.scopes) or "",
        )
        settings.check()
        return settings

    def check(self) -> None:
        """Raise SettingsError naming the first setting that cannot work."""
        if not self.base_url.startswith(("http://", "https://")):
            raise SettingsError("EHR_BASE_URL must be an http(s) URL")
        try:
            ZoneInfo(self.clinic_timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError(f"CLINIC_TIMEZONE {self.clinic_timezone!r} is not a known zone") from None
        if self.auth not in AUTH_MODES:
            raise SettingsError(f"EHR_AUTH must be one of {', '.join(AUTH_MODES)}")
        if self.auth == "smart-backend":
            for name, value in (
                ("EHR_TOKEN_URL", self.token_url),
                ("EHR_CLIENT_ID", self.client_id),
                ("EHR_PRIVATE_KEY_FILE", self.private_key_file),
            ):
                if not value:
                    raise SettingsError(f"{name} is required when EHR_AUTH=smart-backend")
