"""What the scheduling actions share: slot names, the patient's request, the clock, one turn.

The slots hold only ids (FHIR Slot and Appointment ids), a visit-type code, the window the
patient asked for as ISO strings, and the start times of the options shown. Nothing in them
names the patient; details are fetched from the EHR each time they are needed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.ehr import Appointment, EHRGateway
from settings import ClinicSettings

# -- slots (domain/scheduling.yml) --
VISIT_TYPE = "schedule_visit_type"  # a visit-type code of clinic.yml
WINDOW = "schedule_window"  # TimeWindow.to_dict() of the day and time asked for, or None
CLINICIAN_ID = "schedule_clinician_id"  # the clinician to look for first: usual or named; None: anyone
OPTIONS = "schedule_options"  # what was just offered: [{"id": ..., "start": ISO}], in the order shown
SLOT_ID = "schedule_slot_id"  # the free Slot chosen
APPOINTMENT_ID = "schedule_appointment_id"  # the Appointment to cancel or move
CONFIRMED = "schedule_confirmed"  # True once the patient said yes to the change described
NEXT = "schedule_next"  # what the rules run after a submit action: CHOOSE_AGAIN or STAFF
REQUESTED_SLOT = "requested_slot"

SCHEDULING_SLOTS = (VISIT_TYPE, WINDOW, CLINICIAN_ID, OPTIONS, SLOT_ID, APPOINTMENT_ID, CONFIRMED, NEXT)

CHOOSE_AGAIN = "choose_again"  # the time chosen was taken meanwhile: the form offers fresh ones
STAFF = "staff"  # a change was left half done: straight to a person

VIDEO_VISIT = "telehealth"  # no place to show for it
LIST_LIMIT = 10  # appointments listed, and numbered, the same way everywhere

_ANYONE = re.compile(
    r"\b(?:anyone|anybody|whoever|no preference|some ?one else|"
    r"(?:any|another|other|a different) (?:doctor|dr|provider|clinician|physician))\b"
)


def reset_scheduling() -> list[EventType]:
    """Forget every scheduling slot: a flow is over, or a new one starts."""
    return [SlotSet(name, None) for name in SCHEDULING_SLOTS]


def choose_again() -> list[EventType]:
    """The time chosen was taken before it could be booked: the rules start the form again."""
    return [
        SlotSet(SLOT_ID, None),
        SlotSet(CONFIRMED, None),
        SlotSet(OPTIONS, None),
        SlotSet(NEXT, CHOOSE_AGAIN),
    ]


def ask(slot: str | None) -> EventType:
    """Which slot the form waits for next; None ends the form."""
    return SlotSet(REQUESTED_SLOT, slot)


def end_form_when_handed_over(events: list[EventType]) -> list[EventType]:
    """A form stops as soon as the patient has been offered a person (an EHR error included)."""
    set_now = {e.get("name"): e.get("value") for e in events if e.get("event") == "slot"}
    if set_now.get("handoff_reason") and REQUESTED_SLOT not in set_now:
        return [*events, ask(None)]
    return events


def form_starting(tracker: Tracker, form: str) -> bool:
    """Whether ``form`` was activated in this turn (its validation then sets the flow up)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "active_loop" and event.get("name") == form:
            return True
    return False


def answer(value: Any) -> bool | None:
    """A yes (True) or no (False) to a confirmation; None for anything else they wrote."""
    return value if isinstance(value, bool) else None


def wants_anyone(text: str) -> bool:
    """ "anyone is fine", "a different doctor": no preference for a clinician."""
    return _ANYONE.search(text.lower()) is not None


def request_message(tracker: Tracker, intent: str) -> dict[str, Any]:
    """The patient's message that asked for this (``intent``), even if verification came between.

    Returns ``{"text": ..., "entities": [...]}``; the latest message if none is found.
    """
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        parse = event.get("parse_data") or {}
        if (parse.get("intent") or {}).get("name") == intent:
            return {"text": event.get("text") or "", "entities": parse.get("entities") or []}
    latest = tracker.latest_message or {}
    return {"text": latest.get("text") or "", "entities": latest.get("entities") or []}


def entity_value(message: dict[str, Any], entity: str) -> str | None:
    """The last value of ``entity`` in a message, or None."""
    values = [e.get("value") for e in message.get("entities") or [] if e.get("entity") == entity]
    return str(values[-1]) if values and values[-1] else None


def inside_change_window(appointment: Appointment, now: datetime, clinic: ClinicSettings) -> bool:
    """Whether the visit is too close for the patient to change it here (staff do it)."""
    return appointment.start - now < timedelta(hours=clinic.change_window_hours)


class UsesClock:
    """Mixin for actions that need the time: tests pass ``clock``; otherwise the system clock."""

    def __init__(self, *args: Any, clock: Callable[[], datetime] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clock = clock

    def now_in(self, zone: ZoneInfo) -> datetime:
        return self._clock().astimezone(zone) if self._clock else datetime.now(zone)


@dataclass
class Turn:
    """One turn of a scheduling conversation: the EHR, the clinic, the patient, the time, the reply."""

    gateway: EHRGateway
    clinic: ClinicSettings
    dispatcher: CollectingDispatcher
    tracker: Tracker
    patient_id: str
    now: datetime

    @property
    def zone(self) -> ZoneInfo:
        return self.clinic.zone

    def say(self, text: str) -> None:
        self.dispatcher.utter_message(text=text)

    def slot(self, name: str) -> Any:
        return self.tracker.get_slot(name)

    @property
    def intent(self) -> str | None:
        return ((self.tracker.latest_message or {}).get("intent") or {}).get("name")

    @property
    def message(self) -> dict[str, Any]:
        latest = self.tracker.latest_message or {}
        return {"text": latest.get("text") or "", "entities": latest.get("entities") or []}

    def cannot_by_api(self, what: str) -> list[EventType]:
        return cannot_by_api(self.dispatcher, what)

    def offer_staff(self, text: str) -> list[EventType]:
        return offer_staff(self.dispatcher, text)


def offer_staff(dispatcher: CollectingDispatcher, text: str) -> list[EventType]:
    """Say why a person is needed and offer one; "yes" then hands off (data/rules/core.yml)."""
    dispatcher.utter_message(text=text)
    return [SlotSet("offer", "handoff"), SlotSet("handoff_reason", "staff_change")]


def cannot_by_api(dispatcher: CollectingDispatcher, what: str) -> list[EventType]:
    """The EHR does not allow this change by API: say so plainly and offer staff."""
    return offer_staff(
        dispatcher,
        f"I'm sorry, I can't {what} in our scheduling system from this chat. A member of our staff can "
        "do it for you. Would you like me to connect you?",
    )
