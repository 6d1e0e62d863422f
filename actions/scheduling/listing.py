"""Upcoming appointments: listing them, and picking one to cancel or move.

They are always listed soonest first and numbered the same way, so "cancel the second one"
after a listing means the second one listed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import PatientAction
from actions.dates import parse_ordinal, parse_when
from actions.ehr import Appointment

from .context import APPOINTMENT_ID, CONFIRMED, LIST_LIMIT, OPTIONS, Turn, ask, entity_value
from .formatting import capitalized, describe_appointment, hours, numbered, visit_code
from .offering import name_matches


class ActionShowAppointments(PatientAction):
    """The patient's upcoming appointments: when (clinic time), with whom, where, what to bring."""

    def name(self) -> str:
        return "action_show_appointments"

    async def act_for(
        self, patient_id: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        appointments = await self.gateway.upcoming_appointments(patient_id, limit=LIST_LIMIT)
        if not appointments:
            dispatcher.utter_message(
                text="You don't have any upcoming appointments. If you'd like to book one, just tell me "
                "what kind of visit and when suits you."
            )
            return []
        lines = []
        for appointment in appointments:
            line = capitalized(describe_appointment(appointment, self.clinic, address=True)) + "."
            if appointment.instructions:
                line += f"\n   {appointment.instructions}"
            lines.append(line)
        count = "one upcoming appointment" if len(lines) == 1 else f"{len(lines)} upcoming appointments"
        text = f"You have {count}:\n{numbered(lines)}"
        if self.clinic.what_to_bring:
            text += f"\nWhat to bring: {self.clinic.what_to_bring}"
        text += "\nYou can ask me to reschedule or cancel " + ("it." if len(lines) == 1 else "any of them.")
        dispatcher.utter_message(text=text)
        return []


def list_to_choose(turn: Turn, appointments: list[Appointment], verb: str) -> list[EventType]:
    """Number the appointments and ask which one to ``verb`` ("cancel", "move")."""
    lines = [capitalized(describe_appointment(a, turn.clinic)) for a in appointments]
    turn.say(f"Which appointment would you like to {verb}?\n{numbered(lines)}")
    options = [{"id": a.id, "start": a.start.isoformat()} for a in appointments]
    return [SlotSet(OPTIONS, options), SlotSet(APPOINTMENT_ID, None), ask(APPOINTMENT_ID)]


def pick_appointment(
    turn: Turn, message: dict[str, Any], appointments: list[Appointment]
) -> Appointment | None:
    """The one appointment a message points at: by number, day and time, visit type or clinician.

    None when it points at none, or at more than one.
    """
    text = str(message.get("text") or "")
    number = parse_ordinal(text)
    if number is not None:
        if number == -1:
            return appointments[-1] if appointments else None
        return appointments[number - 1] if 1 <= number <= len(appointments) else None
    tests: list[Callable[[Appointment], bool]] = []
    window = parse_when(text, turn.now)
    if window is not None:
        exact = window.preferred_time

        def on_time(a: Appointment) -> bool:
            start = a.start.astimezone(turn.zone)
            return window.contains(start) and (exact is None or start.time().replace(second=0) == exact)

        tests.append(on_time)
    kind = visit_code(entity_value(message, "visit_type"), turn.clinic)
    if kind:
        tests.append(lambda a: visit_code(a.visit_type, turn.clinic) == kind)
    named = entity_value(message, "clinician")
    if named:
        tests.append(lambda a: a.clinician is not None and name_matches(a.clinician, named))
    if not tests:
        return None
    matching = [a for a in appointments if all(test(a) for test in tests)]
    return matching[0] if len(matching) == 1 else None


def offered(turn: Turn, appointments: list[Appointment]) -> list[Appointment]:
    """The appointments in the order they were last listed to choose from (those still booked)."""
    ids = [option.get("id") for option in turn.slot(OPTIONS) or []]
    if not ids:
        return appointments
    by_id = {a.id: a for a in appointments}
    return [by_id[i] for i in ids if i in by_id]


def too_close(turn: Turn, appointment: Appointment) -> list[EventType]:
    """Inside the change window: staff make the change; offer them."""
    return turn.offer_staff(
        f"Your {describe_appointment(appointment, turn.clinic)} is less than "
        f"{hours(turn.clinic.change_window_hours)} away. Changes that close to the visit are made by our "
        "staff. Would you like me to connect you?"
    )


def still_booked(appointments: list[Appointment], appointment_id: Any) -> Appointment | None:
    return next((a for a in appointments if a.id == appointment_id), None)


def ask_to_confirm(turn: Turn, question: str) -> list[EventType]:
    turn.say(question)
    return [SlotSet(CONFIRMED, None), ask(CONFIRMED)]
