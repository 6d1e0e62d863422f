"""How appointments and open times read to the patient, always in the clinic's time zone.

"Tuesday, December 1 at 9:30 AM with Dr. Priya Patel MD at Riverside Family Medicine - Medford"
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import datetime, tzinfo

from actions.ehr import Appointment, Clinician, Place, Slot
from settings import ClinicSettings

from .context import VIDEO_VISIT


def fold(text: str) -> str:
    """Letters and digits only, lower case, no accents: for comparing what people type."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed.casefold() if ch.isalnum())


def when(moment: datetime, zone: tzinfo) -> str:
    """ "Tuesday, December 1 at 9:30 AM", in ``zone`` (the clinic's)."""
    local = moment.astimezone(zone)
    return f"{local:%A}, {local:%B} {local.day} at {clock(local)}"


def clock(moment: datetime) -> str:
    """ "9:30 AM", "12:00 PM"."""
    return f"{moment.hour % 12 or 12}:{moment:%M} {'AM' if moment.hour < 12 else 'PM'}"


def hours(value: float) -> str:
    """ "24 hours", "1 hour", "1.5 hours"."""
    return f"{value:g} hour" + ("" if value == 1 else "s")


def visit_code(text: str | None, clinic: ClinicSettings) -> str | None:
    """The clinic's visit-type code for an entity value, a label or an EHR's wording, or None.

    "follow-up", "Follow-up visit", "physical", "Telehealth visit (video)" all find their code;
    EHRs label visit types their own way, so this compares letters only.
    """
    if not text:
        return None
    if text in clinic.visit_types:
        return text
    wanted = fold(text)
    if not wanted:
        return None
    for code, label in clinic.visit_types.items():
        if wanted in (fold(code), fold(label)):
            return code
    # "physical" is part of one label only; "visit" is part of several and names none.
    found = {
        code
        for code, label in clinic.visit_types.items()
        if wanted.startswith(fold(code)) or (len(wanted) >= 4 and wanted in fold(label))
    }
    return found.pop() if len(found) == 1 else None


def visit_label(appointment: Appointment, clinic: ClinicSettings) -> str:
    """What the visit is called: the clinic's name for its type, else the EHR's, else "appointment"."""
    code = visit_code(appointment.visit_type, clinic)
    if code:
        return clinic.visit_label(code)
    return "appointment"


def _with(clinician: Clinician | None) -> str:
    return f" with {clinician.name}" if clinician and clinician.name else ""


def _at(place: Place | None, *, address: bool = False) -> str:
    if place is None or not place.name:
        return ""
    if address and place.address:
        return f" at {place.name}, {place.address}"
    return f" at {place.name}"


def describe_slot(slot: Slot, zone: tzinfo, visit_type: str | None = None) -> str:
    """An open time: when, with whom, where (no place for a video visit)."""
    place = None if visit_type == VIDEO_VISIT else slot.location
    return when(slot.start, zone) + _with(slot.clinician) + _at(place)


def describe_appointment(appointment: Appointment, clinic: ClinicSettings, *, address: bool = False) -> str:
    """ "follow-up visit on Tuesday, December 1 at 9:30 AM with Dr. ... at ...\"."""
    code = visit_code(appointment.visit_type, clinic)
    place = None if code == VIDEO_VISIT else appointment.location
    return (
        f"{visit_label(appointment, clinic)} on {when(appointment.start, clinic.zone)}"
        + _with(appointment.clinician)
        + _at(place, address=address)
    )


def a(text: str) -> str:
    """ "a follow-up visit", "an annual physical"."""
    return ("an " if text[:1].lower() in "aeiou" else "a ") + text


def numbered(lines: Iterable[str]) -> str:
    return "\n".join(f"{number}. {line}" for number, line in enumerate(lines, start=1))


def capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]
