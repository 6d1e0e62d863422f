"""Cancelling a visit: ``cancel_form`` settles which appointment and gets a yes; then
``action_cancel_appointment`` cancels it.

A visit inside the change window (``ClinicSettings.change_window_hours``) is not cancelled here:
the patient is offered staff. Neither is one the EHR does not let us cancel by API.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import PatientAction
from actions.ehr import Appointment

from .context import (
    APPOINTMENT_ID,
    CONFIRMED,
    LIST_LIMIT,
    Turn,
    UsesClock,
    answer,
    ask,
    cannot_by_api,
    inside_change_window,
    request_message,
    reset_scheduling,
)
from .formatting import describe_appointment
from .forms import SchedulingFormValidation
from .listing import ask_to_confirm, list_to_choose, offered, pick_appointment, still_booked, too_close


class ValidateCancelForm(SchedulingFormValidation):
    """validate_cancel_form: which appointment, then a yes to cancelling it."""

    form = "cancel_form"
    nothing_done = "OK, I haven't cancelled anything."

    async def take(self, turn: Turn, requested: str, value: Any) -> list[EventType]:
        if requested == APPOINTMENT_ID:
            return await self.choose(turn, value)
        if answer(value) is True:
            return [SlotSet(CONFIRMED, True), ask(None)]
        return await self.choose(turn, value, unclear="Please answer yes to cancel it, or no to keep it.")

    async def start(self, turn: Turn) -> list[EventType]:
        fresh = [*reset_scheduling(), SlotSet("offer", None)]
        if not (await turn.gateway.capabilities()).can_cancel:
            return [*fresh, *turn.cannot_by_api("cancel appointments"), ask(None)]
        appointments = await turn.gateway.upcoming_appointments(turn.patient_id, limit=LIST_LIMIT)
        if not appointments:
            turn.say("You don't have any upcoming appointments to cancel.")
            return [*fresh, ask(None)]
        message = request_message(turn.tracker, "cancel_appointment")
        chosen = appointments[0] if len(appointments) == 1 else pick_appointment(turn, message, appointments)
        if chosen is None:
            return [*fresh, *list_to_choose(turn, appointments, "cancel")]
        return [*fresh, *self.chosen(turn, chosen)]

    async def choose(self, turn: Turn, value: Any, unclear: str | None = None) -> list[EventType]:
        """The appointment named in an answer (or, at the yes-or-no question, a different one)."""
        shown = offered(turn, await turn.gateway.upcoming_appointments(turn.patient_id, limit=LIST_LIMIT))
        chosen = pick_appointment(turn, {**turn.message, "text": str(value)}, shown)
        if chosen is not None:
            return self.chosen(turn, chosen)
        if unclear is not None:
            turn.say(unclear)
            return [SlotSet(CONFIRMED, None), ask(CONFIRMED)]
        turn.say(f"Sorry, which one? Reply with its number (1 to {len(shown)}).")
        return [SlotSet(APPOINTMENT_ID, None), ask(APPOINTMENT_ID)]

    @staticmethod
    def chosen(turn: Turn, appointment: Appointment) -> list[EventType]:
        if inside_change_window(appointment, turn.now, turn.clinic):
            return [*reset_scheduling(), *too_close(turn, appointment), ask(None)]
        described = describe_appointment(appointment, turn.clinic)
        return [
            SlotSet(APPOINTMENT_ID, appointment.id),
            *ask_to_confirm(turn, f"To confirm: cancel your {described}?"),
        ]


class ActionCancelAppointment(UsesClock, PatientAction):
    """Cancel the confirmed appointment (checking the change window again: time has passed)."""

    def name(self) -> str:
        return "action_cancel_appointment"

    async def act_for(
        self, patient_id: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        appointment_id = tracker.get_slot(APPOINTMENT_ID)
        if tracker.get_slot(CONFIRMED) is not True or not appointment_id:
            return reset_scheduling()  # no yes, nothing to do (the form said why)
        turn = Turn(self.gateway, self.clinic, dispatcher, tracker, patient_id, self.now_in(self.clinic.zone))
        appointment = still_booked(
            await self.gateway.upcoming_appointments(patient_id, limit=LIST_LIMIT), appointment_id
        )
        if appointment is None:
            turn.say("That appointment is no longer on your schedule, so there is nothing to cancel.")
            return reset_scheduling()
        if inside_change_window(appointment, turn.now, self.clinic):
            return [*reset_scheduling(), *too_close(turn, appointment)]
        await self.gateway.cancel(appointment.id, reason="patient")
        described = describe_appointment(appointment, self.clinic)
        turn.say(f"Done: your {described} is cancelled. If you'd like a new time, just ask.")
        return reset_scheduling()

    def not_supported(self, dispatcher: CollectingDispatcher) -> list[EventType]:
        return [*reset_scheduling(), *cannot_by_api(dispatcher, "cancel appointments")]
