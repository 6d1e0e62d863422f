"""ClinicSettings from a YAML file (``CLINIC_CONFIG``, default ``clinic.yml``) and the environment.

Environment variables override the file: ``CLINIC_NAME``, ``CLINIC_TIMEZONE``,
``CLINIC_PHONE``, ``PAYMENT_PORTAL_URL``, ``CHANGE_WINDOW_HOURS``, ``VERIFY_MAX_ATTEMPTS``,
``VERIFY_LOCKOUT_MINUTES``, ``IDLE_TIMEOUT_MINUTES``, ``EHR_CHART_URL_TEMPLATE``,
``CRM_URL_TEMPLATE``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from settings.env import env_number
from settings.hours import HoursError, OpeningHours, always_open, parse_opening_hours

ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """A clinic setting is missing or malformed; the message says which."""


@dataclass(frozen=True)
class Location:
    name: str
    address: str
    phone: str | None = None
    parking: str | None = None


@dataclass(frozen=True)
class ClinicSettings:
    name: str
    timezone: str
    phone: str
    hours: str
    fax: str | None = None
    after_hours: str | None = None
    payment_portal_url: str | None = None
    what_to_bring: str | None = None
    languages: tuple[str, ...] = ("en",)
    locations: tuple[Location, ...] = ()
    visit_types: Mapping[str, str] = field(default_factory=dict)
    change_window_hours: float = 24.0
    verify_max_attempts: int = 3
    verify_lockout_minutes: float = 30.0
    idle_timeout_minutes: float = 15.0
    # The agent console's links for a verified patient: {patient_id} (the EHR's Patient id) and
    # {mrn} are filled in, URL-quoted (docs/console.md).
    ehr_chart_url_template: str | None = None
    crm_url_template: str | None = None
    # The hours as data (settings/hours.py), for "are we open now" and "when do we open next";
    # ``hours`` above is what the assistant tells patients. None: the file names no hours, and
    # the clinic counts as always open (only whether agents are signed in decides a handoff).
    opening_hours: OpeningHours | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def schedule(self) -> OpeningHours:
        """The opening hours, or always open when the clinic names none."""
        return self.opening_hours or always_open(self.zone)

    def visit_label(self, code: str | None) -> str:
        """The patient-facing name of a visit type code ("follow-up" -> "follow-up visit")."""
        if not code:
            return "visit"
        return self.visit_types.get(code, code.replace("-", " "))


def load_clinic_settings(env: Mapping[str, str] | None = None) -> ClinicSettings:
    """Read the clinic's settings; raise SettingsError naming what is wrong."""
    env = os.environ if env is None else env
    path = Path(env.get("CLINIC_CONFIG") or ROOT / "clinic.yml")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise SettingsError(f"cannot read the clinic settings file {path}: {exc.strerror}") from None
    except yaml.YAMLError:
        raise SettingsError(f"the clinic settings file {path} is not valid YAML") from None
    if not isinstance(raw, dict):
        raise SettingsError(f"the clinic settings file {path} must be a mapping")
    return _from_mapping(raw, env)


@lru_cache(maxsize=1)
def cached_clinic_settings() -> ClinicSettings:
    return load_clinic_settings()


URL_TEMPLATE_FIELDS = ("patient_id", "mrn")


def _url_template(template: str | None) -> str | None:
    """An http(s) URL with only {patient_id} and {mrn} in braces; SettingsError otherwise."""
    if template is None:
        return None
    if not template.startswith(("https://", "http://")):
        raise SettingsError(f"the URL template {template!r} must start with https:// or http://")
    try:
        template.format(**{name: "x" for name in URL_TEMPLATE_FIELDS})
    except (KeyError, IndexError, ValueError):
        raise SettingsError(
            f"the URL template {template!r} may only use {{patient_id}} and {{mrn}}"
        ) from None
    return template


def _from_mapping(raw: dict[str, Any], env: Mapping[str, str]) -> ClinicSettings:
    def text(key: str, env_name: str | None = None, required: bool = False) -> str | None:
        value = (env.get(env_name, "").strip() if env_name else "") or raw.get(key)
        if required and not value:
            raise SettingsError(f"the clinic's {key} is required")
        return str(value).strip() if value else None

    def number(env_name: str, default: Any) -> float:
        return env_number(env, env_name, default, error=SettingsError)

    locations = []
    for item in raw.get("locations") or []:
        if not isinstance(item, dict) or not item.get("name") or not item.get("address"):
            raise SettingsError("every location needs a name and an address")
        locations.append(
            Location(
                name=str(item["name"]),
                address=str(item["address"]),
                phone=item.get("phone"),
                parking=item.get("parking"),
            )
        )
    self_service = raw.get("self_service") or {}
    verification = raw.get("verification") or {}
    conversation = raw.get("conversation") or {}
    settings = ClinicSettings(
        name=text("name", "CLINIC_NAME", required=True) or "",
        timezone=text("timezone", "CLINIC_TIMEZONE") or "America/New_York",
        phone=text("phone", "CLINIC_PHONE", required=True) or "",
        hours=text("hours", required=True) or "",
        fax=text("fax"),
        after_hours=text("after_hours"),
        payment_portal_url=text("payment_portal_url", "PAYMENT_PORTAL_URL"),
        what_to_bring=text("what_to_bring"),
        languages=tuple(raw.get("languages") or ("en",)),
        locations=tuple(locations),
        visit_types={str(k): str(v) for k, v in (raw.get("visit_types") or {}).items()},
        change_window_hours=number("CHANGE_WINDOW_HOURS", self_service.get("change_window_hours", 24)),
        verify_max_attempts=int(number("VERIFY_MAX_ATTEMPTS", verification.get("max_attempts", 3))),
        verify_lockout_minutes=number("VERIFY_LOCKOUT_MINUTES", verification.get("lockout_minutes", 30)),
        idle_timeout_minutes=number("IDLE_TIMEOUT_MINUTES", conversation.get("idle_timeout_minutes", 15)),
        ehr_chart_url_template=_url_template(text("ehr_chart_url_template", "EHR_CHART_URL_TEMPLATE")),
        crm_url_template=_url_template(text("crm_url_template", "CRM_URL_TEMPLATE")),
    )
    try:
        zone = ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"the clinic's time zone {settings.timezone!r} is not a known zone") from None
    if raw.get("opening_hours") is None:
        if raw.get("closed_dates"):
            raise SettingsError("closed_dates needs opening_hours too")
        return settings
    try:
        schedule = parse_opening_hours(raw["opening_hours"], raw.get("closed_dates"), zone)
    except HoursError as error:
        raise SettingsError(str(error)) from None
    return replace(settings, opening_hours=schedule)
