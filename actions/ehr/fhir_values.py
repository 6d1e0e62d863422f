"""Pure helpers that read common FHIR datatypes into plain Python values."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from .domain import Money


def reference_id(reference: Any, resource_type: str | None = None) -> str | None:
    """The id in a Reference ("Patient/123" -> "123"), or None if it points elsewhere.

    >>> reference_id("Patient/123", "Patient")
    '123'
    >>> reference_id("Practitioner/9", "Patient") is None
    True
    """
    text = reference if isinstance(reference, str) else getattr(reference, "reference", None)
    if not text:
        return None
    parts = text.rstrip("/").split("/")
    if len(parts) < 2:
        return None
    if parts[-2] == "_history" and len(parts) >= 4:
        parts = parts[:-2]
    kind, ident = parts[-2], parts[-1]
    if resource_type is not None and kind != resource_type:
        return None
    return ident


def reference_type(reference: Any) -> str | None:
    text = reference if isinstance(reference, str) else getattr(reference, "reference", None)
    if not text or "/" not in text:
        return None
    return text.rstrip("/").split("/")[-2]


def human_name(names: list[Any] | None) -> tuple[str, str]:
    """(given, family) from the official name, else the usual one, else the first."""
    if not names:
        return "", ""
    ranked = sorted(names, key=lambda n: {"official": 0, "usual": 1}.get(n.use or "", 2))
    name = ranked[0]
    given = " ".join(name.given or [])
    family = name.family or ""
    if not (given or family) and name.text:
        given, _, family = name.text.rpartition(" ")
    return given, family


def display_name(names: list[Any] | None) -> str:
    """A clinician's or person's name for reading out: prefix, given, family, suffix."""
    if not names:
        return ""
    name = names[0]
    if name.text:
        return str(name.text)
    parts = [*(name.prefix or []), *(name.given or []), name.family or "", *(name.suffix or [])]
    return " ".join(part for part in parts if part)


def fold(text: str) -> str:
    """Lower-case, strip accents, keep letters and digits: 'Núñez-O'Brien' -> 'nunezobrien'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed.casefold() if ch.isalnum())


def codeable_text(concept: Any) -> str | None:
    """The human text of a CodeableConcept: its text, else the first coding's display or code."""
    if concept is None:
        return None
    if getattr(concept, "text", None):
        return str(concept.text)
    for coding in getattr(concept, "coding", None) or []:
        if coding.display:
            return str(coding.display)
    for coding in getattr(concept, "coding", None) or []:
        if coding.code:
            return str(coding.code)
    return None


def has_code(concept: Any, system: str, code: str) -> bool:
    return any(
        coding.system == system and coding.code == code for coding in getattr(concept, "coding", None) or []
    )


def address_text(addresses: list[Any] | Any | None) -> str | None:
    if not addresses:
        return None
    address = addresses[0] if isinstance(addresses, list) else addresses
    if address.text:
        return str(address.text)
    city_line = " ".join(p for p in [address.city, address.state, address.postalCode] if p)
    parts = [*(address.line or []), city_line]
    return ", ".join(p for p in parts if p) or None


def phone_value(telecoms: list[Any] | None) -> str | None:
    for point in telecoms or []:
        if point.system == "phone" and point.value:
            return str(point.value)
    return None


def in_zone(moment: datetime, zone: ZoneInfo) -> datetime:
    """An aware datetime in the clinic's zone (FHIR instants always carry an offset)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(zone)


def money(value: Any) -> Money | None:
    if value is None or value.value is None:
        return None
    return Money(amount=Decimal(str(value.value)), currency=value.currency or "USD")


def as_date(value: date | datetime) -> date:
    """A FHIR dateTime's calendar date: it may hold a date alone or a full timestamp."""
    return value.date() if isinstance(value, datetime) else value


def fhir_instant(moment: datetime) -> str:
    """An aware datetime as a FHIR instant with its offset, to the second."""
    if moment.tzinfo is None:
        raise ValueError("FHIR search times must be timezone-aware")
    return moment.isoformat(timespec="seconds")
