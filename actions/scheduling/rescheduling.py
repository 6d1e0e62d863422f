"""Moving a visit: ``reschedule_form`` settles which appointment, a new time and a yes; then
``action_reschedule_appointment`` makes the change.

The new time is booked before the old one is cancelled, so a failure never leaves the patient
with no appointment: if the booking fails the old one is untouched; if the new one is booked but
the old one cannot be cancelled, the patient is told and handed to staff at once
(``schedule_next: staff``). A time taken meanwhile is offered again, as in booking.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import PatientAction
from actions.dates import parse_when
from actions.ehr import Appointment, EHRError, NotSupported, Slot, VersionConflict

from .context import (
    APPOINTMENT_ID,
    CHOOSE_AGAIN,
    CONFIRMED,
    LIST_LIMIT,
    NEXT,
    SLOT_ID,
    STAFF,
    VISIT_TYPE,
    Turn,
    UsesClock,
    answer,
    ask,
    cannot_by_api,
    choose_again,
    inside_change_window,
    request_message,
    reset_scheduling,
    wants_anyone,
)
from .formatting import a, describe_appointment, describe_slot, visit_code, when
from .forms import SchedulingFormValidation
from .listing import list_to_choose, offered, pick_appointment, still_booked, too_close
from .offering import Wanted, ask_visit_type, choose_time, names_a_choice, offer_for_visit_type, offer_times

log = logging.getLogger("frontdesk.actions")

# "move my tuesday appointment to friday": which one before the last " to ", when after it.
_TO = re.compile(r"\s(?:to|until|till)\s(?!.*\s(?:to|until|till)\s)", re.IGNORECASE)


def split_request(text: str) -> tuple[str, str]:
    """(the part that names the appointment, the part that names the new time)."""
    parts = _TO.split(text, maxsplit=1)
    return (parts[0], parts[1]) if len(parts) == 2 else (text, "")


class ValidateRescheduleForm(SchedulingFormValidation):
    """validate_reschedule_form: which appointment, a new time, then a yes to moving it."""

    form = "reschedule_form"
    nothing_done = "OK, I haven't changed anything: your appointment stays as it is."

    async def take(self, turn: Turn, requested: str, value: Any) -> list[EventType]:
        if requested == APPOINTMENT_ID:
            appointments = await turn.gateway.upcoming_appointments(turn.patient_id, limit=LIST_LIMIT)
            shown = offered(turn, appointments)
            chosen = pick_appointment(turn, {**turn.message, "text": str(value)}, shown)
            if chosen is None:
                turn.say(f"Sorry, which one? Reply with its number (1 to {len(shown)}).")
                return [SlotSet(APPOINTMENT_ID, None), ask(APPOINTMENT_ID)]
            return await self.chosen(turn, chosen, Wanted.from_slots(turn), anyone=wants_anyone(str(value)))
        if requested == VISIT_TYPE:
            return await offer_for_visit_type(turn, value)
        question = await self.question(turn)
        if requested == SLOT_ID:
            return await choose_time(turn, str(value), question)
        if answer(value) is True:
            return [SlotSet(CONFIRMED, True), ask(None)]
        if names_a_choice(turn, str(value)):
            return await choose_time(turn, str(value), question)
        turn.say("Please answer yes to move it, or no to keep it as it is.")
        return [SlotSet(CONFIRMED, None), ask(CONFIRMED)]

    async def start(self, turn: Turn) -> list[EventType]:
        if turn.slot(NEXT) == CHOOSE_AGAIN:  # the time chosen was taken meanwhile: fresh options
            return [SlotSet(NEXT, None), *await offer_times(turn, Wanted.from_slots(turn))]
        fresh = [*reset_scheduling(), SlotSet("offer", None)]
        capabilities = await turn.gateway.capabilities()
        if not (capabilities.can_book and capabilities.can_cancel):
            return [*fresh, *turn.cannot_by_api("move appointments"), ask(None)]
        appointments = await turn.gateway.upcoming_appointments(turn.patient_id, limit=LIST_LIMIT)
        if not appointments:
            turn.say("You don't have any upcoming appointments to move. If you'd like to book one, just ask.")
            return [*fresh, ask(None)]
        message = request_message(turn.tracker, "reschedule_appointment")
        which, new_time = split_request(message["text"])
        wanted = Wanted(None, parse_when(new_time, turn.now) if new_time else None, None)
        anyone = wants_anyone(message["text"])
        if len(appointments) == 1:
            chosen: Appointment | None = appointments[0]
        else:
            chosen = pick_appointment(turn, {**message, "text": which}, appointments)
        if chosen is None:
            return [*fresh, *wanted.events(), *list_to_choose(turn, appointments, "move")]
        return [*fresh, *await self.chosen(turn, chosen, wanted, anyone=anyone)]

    @staticmethod
    async def chosen(
        turn: Turn, appointment: Appointment, wanted: Wanted, *, anyone: bool
    ) -> list[EventType]:
        """The appointment to move is settled: check the window, then look for new times, with
        the same clinician unless the patient wants anyone."""
        if inside_change_window(appointment, turn.now, turn.clinic):
            return [*reset_scheduling(), *too_close(turn, appointment), ask(None)]
        same = appointment.clinician.id if appointment.clinician and not anyone else None
        wanted = replace(
            wanted, visit_type=visit_code(appointment.visit_type, turn.clinic), clinician_id=same
        )
        chosen = [SlotSet(APPOINTMENT_ID, appointment.id)]
        described = describe_appointment(appointment, turn.clinic)
        if wanted.visit_type is None:  # the EHR's label for it is not one of the clinic's types
            return [
                *chosen,
                *wanted.events(),
                *ask_visit_type(turn, f"Let's find a new time for your {described}. "),
            ]
        turn.say(f"Let's find a new time for your {described}.")
        return [*chosen, *await offer_times(turn, wanted)]

    @staticmethod
    async def question(turn: Turn) -> Callable[[Slot], str]:
        appointments = await turn.gateway.upcoming_appointments(turn.patient_id, limit=LIST_LIMIT)
        old = still_booked(appointments, turn.slot(APPOINTMENT_ID))
        code = turn.slot(VISIT_TYPE)

        def ask_to_move(slot: Slot) -> str:
            new = describe_slot(slot, turn.zone, code)
            if old is None:
                return f"To confirm: move your appointment to {new}?"
            return f"To confirm: move your {describe_appointment(old, turn.clinic)} to {new}?"

        return ask_to_move


class ActionRescheduleAppointment(UsesClock, PatientAction):
    """Book the new time, then cancel the old appointment; never the other way round."""

    def name(self) -> str:
        return "action_reschedule_appointment"

    async def act_for(
        self, patient_id: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        slot_id, appointment_id = tracker.get_slot(SLOT_ID), tracker.get_slot(APPOINTMENT_ID)
        if tracker.get_slot(CONFIRMED) is not True or not slot_id or not appointment_id:
            return reset_scheduling()  # no yes, nothing to do (the form said why)
        turn = Turn(self.gateway, self.clinic, dispatcher, tracker, patient_id, self.now_in(self.clinic.zone))
        old = still_booked(
            await self.gateway.upcoming_appointments(patient_id, limit=LIST_LIMIT), appointment_id
        )
        if old is None:
            turn.say(
                "That appointment is no longer on your schedule. If you'd like a new one, just ask to book."
            )
            return reset_scheduling()
        if inside_change_window(old, turn.now, self.clinic):
            return [*reset_scheduling(), *too_close(turn, old)]
        code = tracker.get_slot(VISIT_TYPE)
        try:
            new = await self.gateway.book(patient_id, slot_id, visit_type=code)
        except VersionConflict:
            turn.say("I'm sorry, that time was just taken by someone else. Your appointment hasn't changed.")
            return choose_again()
        except NotSupported:
            raise
        except EHRError as exc:
            log.warning("%s: booking the new time failed: %s", self.name(), type(exc).__name__)
            turn.say(
                f"I'm sorry, I couldn't book the new time, so your {describe_appointment(old, self.clinic)} "
                "is unchanged. Our records system may be having trouble. Would you like me to connect you "
                "with a member of our staff?"
            )
            return [
                *reset_scheduling(),
                SlotSet("offer", "handoff"),
                SlotSet("handoff_reason", "ehr_unavailable"),
            ]
        if code:
            new = replace(new, visit_type=code)
        try:
            await self.gateway.cancel(old.id, reason="patient")
        except EHRError as exc:
            log.warning("%s: cancelling the old appointment failed: %s", self.name(), type(exc).__name__)
            turn.say(
                f"Your new appointment is booked: {describe_appointment(new, self.clinic, address=True)}. "
                f"But I couldn't cancel your appointment on {when(old.start, self.clinic.zone)}, so I'm "
                "passing this to our staff to cancel it for you."
            )
            return [*reset_scheduling(), SlotSet("handoff_reason", "staff_change"), SlotSet(NEXT, STAFF)]
        text = (
            f"Done: you're booked for {a(describe_appointment(new, self.clinic, address=True))}. "
            f"Your appointment on {when(old.start, self.clinic.zone)} is cancelled."
        )
        bring = new.instructions or self.clinic.what_to_bring
        turn.say(f"{text}\n{bring}" if bring else text)
        return reset_scheduling()

    def not_supported(self, dispatcher: CollectingDispatcher) -> list[EventType]:
        return [*reset_scheduling(), *cannot_by_api(dispatcher, "move appointments")]
