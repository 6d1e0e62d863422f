"""What the feature conversation tests share: verifying as the web flow does, reading the sandbox's
FHIR API for what a conversation changed, and writing dates and times as the assistant shows them
(always in the clinic's time zone).

The expected facts come from the sandbox: the synthetic dataset (``sandbox.patient(case)``) for
what was loaded, and its FHIR API for what the conversations change (Appointments, Slots, Tasks).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

import httpx

from settings import load_clinic_settings
from tests.integration.stack import Chat

CLINIC = load_clinic_settings()
VISIT_TYPE_SYSTEM = "https://frontdesk.dev/fhir/CodeSystem/visit-type"
_NUMBERED = re.compile(r"^\s*(\d+)\. (.+)$", re.MULTILINE)


def us_date(iso: str) -> str:
    """A birth date as a patient types it: "3/14/1984"."""
    year, month, day = iso.split("-")
    return f"{int(month)}/{int(day)}/{year}"


def verify(chat: Chat, info: Any) -> str:
    """Answer the verification questions (name, birth date, ZIP) after the bot asked for the name.

    Returns everything the bot said after the last answer: the greeting and the held request."""
    assert "date of birth" in chat.said(info.name)
    assert "one more detail" in chat.said(us_date(info.birth_date))
    reply = chat.said(info.postal_code)
    assert f"Thank you, {info.given}, you're verified." in reply, reply
    return reply


def ask_verified(chat: Chat, info: Any, request: str) -> str:
    """A protected request from an unverified patient: the bot asks who they are first, then
    answers it. Returns what it said once they were verified."""
    assert "full name" in chat.said(request)
    return verify(chat, info)


def numbered(reply: str) -> list[str]:
    """The numbered lines of a reply ("1. ..."), in order, without their numbers."""
    return [text.strip() for _, text in _NUMBERED.findall(reply)]


# -- times, as the assistant writes them -----------------------------------------------------------


def local(instant: str) -> datetime:
    """A FHIR instant in the clinic's zone."""
    return datetime.fromisoformat(instant.replace("Z", "+00:00")).astimezone(CLINIC.zone)


def day_label(day: date) -> str:
    """ "Tuesday, December 1"."""
    return f"{day:%A}, {day:%B} {day.day}"


def when(moment: datetime) -> str:
    """ "Tuesday, December 1 at 9:30 AM", in the clinic's zone."""
    moment = moment.astimezone(CLINIC.zone)
    hour = moment.hour % 12 or 12
    return f"{day_label(moment.date())} at {hour}:{moment:%M} {'AM' if moment.hour < 12 else 'PM'}"


def today() -> date:
    return datetime.now(CLINIC.zone).date()


def next_weeks(weekday: int) -> date:
    """The day of next calendar week (weeks start on Monday) that "next tuesday" means."""
    now = today()
    monday = now + timedelta(days=7 - now.weekday())
    return monday + timedelta(days=weekday)


def long_date(iso: str) -> str:
    """ "March 14, 2026", as the billing replies write dates."""
    day = date.fromisoformat(iso[:10])
    return f"{day:%B} {day.day}, {day.year}"


def with_article(text: str) -> str:
    """ "a follow-up visit", "an annual physical"."""
    return ("an " if text[:1].lower() in "aeiou" else "a ") + text


def dollars(value: Any) -> str:
    return f"${value:,.2f}"


# -- the sandbox's FHIR API ----------------------------------------------------------------------------


class Fhir:
    """Plain reads and searches against the sandbox EHR (not through the proxy)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    def read(self, resource_type: str, resource_id: str) -> dict[str, Any]:
        response = httpx.get(f"{self.base_url}/{resource_type}/{resource_id}", timeout=30)
        response.raise_for_status()
        return response.json()

    def resolve(self, reference: str) -> dict[str, Any]:
        resource_type, _, resource_id = reference.partition("/")
        return self.read(resource_type, resource_id)

    def search(self, resource_type: str, **params: str) -> list[dict[str, Any]]:
        response = httpx.get(
            f"{self.base_url}/{resource_type}", params={"_count": "1000", **params}, timeout=30
        )
        response.raise_for_status()
        return [entry["resource"] for entry in response.json().get("entry") or []]

    def appointments(self, patient_id: str, status: str | None = None) -> list[dict[str, Any]]:
        params = {"patient": f"Patient/{patient_id}", "_sort": "date"}
        if status:
            params["status"] = status
        return self.search("Appointment", **params)

    def upcoming(self, patient_id: str) -> list[dict[str, Any]]:
        """The patient's booked appointments from now on, soonest first."""
        now = datetime.now(CLINIC.zone)
        return [a for a in self.appointments(patient_id, "booked") if local(a["start"]) >= now]

    def actor(self, appointment: dict[str, Any], resource_type: str) -> dict[str, Any] | None:
        """The Practitioner or Location taking part in an appointment."""
        for participant in appointment.get("participant") or []:
            reference = (participant.get("actor") or {}).get("reference") or ""
            if reference.startswith(f"{resource_type}/"):
                return self.resolve(reference)
        return None


def visit_code(resource: dict[str, Any]) -> str | None:
    """The clinic's visit-type code of an Appointment or Slot."""
    for concept in resource.get("serviceType") or []:
        for coding in concept.get("coding") or []:
            if coding.get("system") == VISIT_TYPE_SYSTEM:
                return coding.get("code")
    return None


def visit_codes(resource: dict[str, Any]) -> set[str]:
    """Every visit-type code a Slot (or Schedule) lists."""
    return {
        coding.get("code")
        for concept in resource.get("serviceType") or []
        for coding in concept.get("coding") or []
        if coding.get("system") == VISIT_TYPE_SYSTEM
    }


def person_names(practitioner: dict[str, Any]) -> list[str]:
    """A practitioner's given and family names, each of which the assistant writes."""
    name = (practitioner.get("name") or [{}])[0]
    return [*(name.get("given") or []), name.get("family") or ""]


def slot_id(appointment: dict[str, Any]) -> str:
    (slot,) = appointment["slot"]
    return slot["reference"].removeprefix("Slot/")


_OPTION = re.compile(
    r"^(?P<day>\w+, \w+ \d+) at (?P<hour>\d+):(?P<minute>\d\d) (?P<half>AM|PM) with (?P<who>.+?)(?: at |$)"
)


def offered_day(line: str) -> date:
    """The date an offered time is on, from its label ("Tuesday, December 1 at ...")."""
    found = _OPTION.match(line)
    assert found, line
    for ahead in range(0, 90):
        day = today() + timedelta(days=ahead)
        if day_label(day) == found["day"]:
            return day
    raise AssertionError(f"no date in the next 90 days is labelled {found['day']!r}")


def offered_slot(fhir: Fhir, line: str, day: date) -> dict[str, Any]:
    """The Slot an offered time stands for ("Tuesday, December 1 at 4:00 PM with Dr. ... at ..."
    on ``day``): the one starting then on a schedule of the clinician named."""
    found = _OPTION.match(line)
    assert found and found["day"] == day_label(day), line
    hour = int(found["hour"]) % 12 + (12 if found["half"] == "PM" else 0)
    start = datetime.combine(day, time(hour, int(found["minute"])), tzinfo=CLINIC.zone)
    named = set(found["who"].replace(".", "").split())
    matches = []
    for slot in fhir.search("Slot", start=f"eq{start.isoformat()}"):
        schedule = fhir.resolve(slot["schedule"]["reference"])
        clinicians = [
            a["reference"] for a in schedule.get("actor") or [] if "Practitioner/" in a["reference"]
        ]
        if any(set(person_names(fhir.resolve(c))) <= named for c in clinicians):
            matches.append(slot)
    assert len(matches) == 1, (line, len(matches))
    return matches[0]
