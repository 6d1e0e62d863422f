"""What the scheduling tests share: a clinic, a clock, synthetic clinicians, slots and appointments,
and trackers as a form's validation action receives them. No tests here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from rasa_sdk import Tracker

from actions.ehr import Appointment, Clinician, EHRUnavailable, Place, Slot
from actions.scheduling.booking import ValidateBookingForm
from settings import ClinicSettings
from tests.unit.actions.conversation import VERIFIED
from tests.unit.fakes import FakeGateway

ZONE = ZoneInfo("America/New_York")
UTC = ZoneInfo("UTC")
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=ZONE)  # a Friday; Tuesday is December 1

CLINIC = ClinicSettings(
    name="Riverside Family Medicine",
    timezone="America/New_York",
    phone="(781) 555-0190",
    hours="Monday to Friday, 8:00 AM to 5:00 PM.",
    what_to_bring="Please bring a photo ID and your insurance card.",
    visit_types={
        "new-patient": "new patient visit",
        "follow-up": "follow-up visit",
        "annual-physical": "annual physical",
        "sick-visit": "sick visit",
        "telehealth": "video visit",
    },
    change_window_hours=24,
)

PATEL = Clinician("prac-patel", "Dr. Priya Patel MD")
NGUYEN = Clinician("prac-nguyen", "Dr. Minh Nguyen MD")
MEDFORD = Place(
    "loc-medford", "Riverside Family Medicine - Medford", "1200 Riverside Avenue, Medford, MA 02155"
)
MALDEN = Place("loc-malden", "Riverside Family Medicine - Malden", "45 Pleasant Street, Malden, MA 02148")


def clock() -> datetime:
    return NOW


def at(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    """A wall-clock time in the clinic's zone (2026)."""
    return datetime(2026, month, day, hour, minute, tzinfo=ZONE)


def slot(
    ident: str,
    start: datetime,
    clinician: Clinician = PATEL,
    place: Place = MEDFORD,
    visit_types: tuple[str, ...] = ("follow-up", "annual-physical", "sick-visit", "new-patient"),
) -> Slot:
    # The gateway gives times in the clinic's zone; UTC here proves the actions convert anyway.
    return Slot(
        id=ident,
        start=start.astimezone(UTC),
        end=(start + timedelta(minutes=30)).astimezone(UTC),
        schedule_id=f"sched-{clinician.id}",
        clinician=clinician,
        location=place,
        visit_types=visit_types,
    )


def appointment(
    ident: str,
    start: datetime,
    clinician: Clinician = PATEL,
    place: Place = MEDFORD,
    visit_type: str | None = "follow-up",
    instructions: str | None = None,
) -> Appointment:
    return Appointment(
        id=ident,
        start=start.astimezone(UTC),
        end=(start + timedelta(minutes=30)).astimezone(UTC),
        status="booked",
        visit_type=visit_type,
        clinician=clinician,
        location=place,
        instructions=instructions,
        slot_ids=(f"slot-of-{ident}",),
    )


def two_booked() -> list[Appointment]:
    """The patient's upcoming visits: a follow-up with Dr. Patel on Tuesday, an annual physical with
    Dr. Nguyen on Thursday."""
    return [
        appointment("a-tue", at(1, 9, 30)),
        appointment("a-thu", at(3, 14), NGUYEN, MALDEN, "annual-physical"),
    ]


def status(gateway: FakeGateway, ident: str) -> str:
    """The status the EHR now gives the patient's appointment ``ident``."""
    return next(a.status for a in gateway.appointments["p-demo"] if a.id == ident)


def user_event(text: str, intent: str | None, entities: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    parse = {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0} if intent else {},
        "entities": entities or [],
    }
    return {"event": "user", "text": text, "parse_data": parse, "input_channel": "rest"}


def entity(name: str, value: str) -> dict[str, Any]:
    return {"entity": name, "value": value}


def form_tracker(
    form: str,
    text: str,
    intent: str | None = "inform",
    *,
    starting: bool = False,
    requested: str | None = None,
    candidates: dict[str, Any] | None = None,
    slots: dict[str, Any] | None = None,
    entities: list[dict[str, Any]] | None = None,
    history: list[dict[str, Any]] | None = None,
) -> Tracker:
    """The tracker a form hands its validation action: the user's message, the form's activation
    (``starting``) or the slot it asked for (``requested``), then the slot candidates."""
    latest = user_event(text, intent, entities)
    events = [*(history or []), latest]
    if starting:
        events.append({"event": "active_loop", "name": form})
    events.append({"event": "slot", "name": "requested_slot", "value": requested})
    events.append({"event": "action", "name": form})
    events += [{"event": "slot", "name": k, "value": v} for k, v in (candidates or {}).items()]
    return Tracker(
        sender_id="test-conversation",
        slots={**VERIFIED, **(slots or {}), "requested_slot": requested, **(candidates or {})},
        latest_message=latest["parse_data"],
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": form},
        latest_action_name=form,
    )


def starting(form: str, text: str, intent: str, **kwargs: Any) -> Tracker:
    """The tracker as ``form`` starts on the patient's request ``text``."""
    return form_tracker(form, text, intent, starting=True, **kwargs)


def answering(
    form: str, requested: str, value: Any, *, text: str | None = None, intent: str = "inform", **kwargs: Any
) -> Tracker:
    """The tracker as the patient answers the slot ``requested``: ``value``, extracted from ``text``
    (by default the value as written)."""
    written = str(value) if text is None else text
    return form_tracker(form, written, intent, requested=requested, candidates={requested: value}, **kwargs)


def submit_tracker(slots: dict[str, Any]) -> Tracker:
    """The tracker a submit action sees once its form is done."""
    latest = user_event("yes", "affirm")
    return Tracker(
        sender_id="test-conversation",
        slots={**VERIFIED, **slots},
        latest_message=latest["parse_data"],
        events=[latest],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name=None,
    )


def slot_events(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The last value each slot was set to by these events."""
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def handoff_outcome(events: list[dict[str, Any]]) -> tuple[Any, Any, Any]:
    """(offer, handoff_reason, requested_slot) as the events set them: ("handoff", reason, None)
    is a person offered and the form ended."""
    slots = slot_events(events)
    return slots["offer"], slots["handoff_reason"], slots["requested_slot"]


@dataclass
class CancelFails(FakeGateway):
    """An EHR that books but fails to cancel (down between the two writes)."""

    async def cancel(self, appointment_id: str, *, reason: str = "patient") -> Appointment:
        self.calls.append("cancel")
        raise EHRUnavailable("Appointment patch failed", status=503)


@dataclass
class BookFails(FakeGateway):
    """An EHR whose booking fails with a server error."""

    async def book(self, patient_id: str, slot_id: str, *, visit_type: str | None = None) -> Appointment:
        self.calls.append("book")
        raise EHRUnavailable("Slot patch failed", status=503)


# -- booking: the open times the booking tests offer from ----------------------------------------

FORM = "booking_form"


def open_times() -> list[Any]:
    return [
        slot("s-mon-9", at(30, 9, month=11)),
        slot("s-tue-8", at(1, 8)),
        slot("s-tue-930", at(1, 9, 30)),
        slot("s-tue-10", at(1, 10)),
        slot("s-tue-1030", at(1, 10, 30)),
        slot("s-tue-14", at(1, 14)),
        slot("s-tue-10-nguyen", at(1, 10), NGUYEN, MALDEN),
        slot("s-wed-10-nguyen", at(2, 10), NGUYEN, MALDEN),
        slot("s-tue-11-video", at(1, 11), visit_types=("telehealth",)),
    ]


def gateway_with_patel_as_usual(**kwargs: Any) -> FakeGateway:
    """The patient has a visit booked with Dr. Patel next month: she is their clinician."""
    return FakeGateway(
        slots=open_times(), appointments={"p-demo": [appointment("a-jan", at(15, 9, month=12))]}, **kwargs
    )


def validator(gateway: FakeGateway) -> ValidateBookingForm:
    return ValidateBookingForm(gateway, CLINIC, clock=clock)


def option_ids(events: list[dict[str, Any]]) -> list[str]:
    return [o["id"] for o in slot_events(events)["schedule_options"]]
