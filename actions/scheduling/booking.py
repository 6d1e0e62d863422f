"""Booking a visit: ``booking_form`` collects the visit type, a time and a yes; then
``action_book_appointment`` books it.

``validate_booking_form`` drives the form: when it starts it reads the request ("a follow-up
next Tuesday at 10 with Dr Patel"), checks that the EHR takes bookings, and either asks for the
visit type or shows open times; then it takes the pick and asks for confirmation. The booking
itself happens only in ``action_book_appointment``, only after a yes. If the time was taken
meanwhile, that action sets ``schedule_next: choose_again`` and the rules start the form again,
which shows fresh options.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import PatientAction
from actions.dates import parse_when
from actions.ehr import Slot, VersionConflict

from .context import (
    CHOOSE_AGAIN,
    CONFIRMED,
    NEXT,
    SLOT_ID,
    VISIT_TYPE,
    Turn,
    answer,
    ask,
    cannot_by_api,
    choose_again,
    entity_value,
    request_message,
    reset_scheduling,
    wants_anyone,
)
from .formatting import a, capitalized, describe_appointment, describe_slot
from .forms import SchedulingFormValidation
from .offering import (
    Wanted,
    ask_visit_type,
    choose_time,
    find_clinician,
    names_a_choice,
    offer_for_visit_type,
    offer_times,
    take_visit_type,
    usual_clinician,
)


class ValidateBookingForm(SchedulingFormValidation):
    """validate_booking_form: the visit type, a time, then a yes to booking it."""

    form = "booking_form"
    nothing_done = "OK, I haven't booked anything. If you'd like another time, just ask."

    def declined(self, turn: Turn, requested: str, value: Any) -> list[EventType] | None:
        # A no to the confirmation is for ``confirm``; a no to anything before it drops the booking.
        if turn.intent == "deny" and requested != CONFIRMED:
            turn.say(self.nothing_done)
            return [*reset_scheduling(), ask(None)]
        return None

    async def take(self, turn: Turn, requested: str, value: Any) -> list[EventType]:
        if requested == VISIT_TYPE:
            return await offer_for_visit_type(turn, value)
        if requested == SLOT_ID:
            return await choose_time(turn, str(value), self.question(turn))
        return await self.confirm(turn, value)

    async def start(self, turn: Turn) -> list[EventType]:
        if turn.slot(NEXT) == CHOOSE_AGAIN:  # the time chosen was taken meanwhile: fresh options
            return [SlotSet(NEXT, None), *await offer_times(turn, Wanted.from_slots(turn))]
        fresh = [*reset_scheduling(), SlotSet("offer", None)]
        if not (await turn.gateway.capabilities()).can_book:
            return [*fresh, *turn.cannot_by_api("book appointments"), ask(None)]
        message = request_message(turn.tracker, "book_appointment")
        text = message["text"]
        code = take_visit_type(turn, entity_value(message, "visit_type"))
        clinician_id = None
        named = entity_value(message, "clinician")
        if named:
            clinician = await find_clinician(turn.gateway, turn.patient_id, named, turn.now)
            if clinician is None:
                turn.say(f"I couldn't find {named} on our schedule, so I'll look for anyone.")
            clinician_id = clinician.id if clinician else None
        elif not wants_anyone(text):
            usual = await usual_clinician(turn.gateway, turn.patient_id)
            clinician_id = usual.id if usual else None
        wanted = Wanted(code, parse_when(text, turn.now), clinician_id)
        if code is None:
            return [*fresh, *wanted.events(), *ask_visit_type(turn)]
        return [*fresh, *await offer_times(turn, wanted)]

    async def confirm(self, turn: Turn, value: object) -> list[EventType]:
        yes = answer(value)
        if yes is True:
            return [SlotSet(CONFIRMED, True), ask(None)]
        if yes is False:
            turn.say(self.nothing_done)
            return [SlotSet(CONFIRMED, False), ask(None)]
        if names_a_choice(turn, str(value)):
            return await choose_time(turn, str(value), self.question(turn))
        turn.say("Please answer yes to book it, or no to leave it.")
        return [SlotSet(CONFIRMED, None), ask(CONFIRMED)]

    @staticmethod
    def question(turn: Turn) -> Callable[[Slot], str]:
        code = turn.slot(VISIT_TYPE)

        def ask_to_book(slot: Slot) -> str:
            described = describe_slot(slot, turn.zone, code)
            return f"To confirm: {a(turn.clinic.visit_label(code))} on {described}. Shall I book it?"

        return ask_to_book


class ActionBookAppointment(PatientAction):
    """Book the confirmed slot; if it was taken meanwhile, let the form offer fresh ones."""

    def name(self) -> str:
        return "action_book_appointment"

    async def act_for(
        self, patient_id: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        slot_id = tracker.get_slot(SLOT_ID)
        if tracker.get_slot(CONFIRMED) is not True or not slot_id:
            return reset_scheduling()  # no yes, nothing to do (the form said why)
        try:
            booked = await self.gateway.book(patient_id, slot_id, visit_type=tracker.get_slot(VISIT_TYPE))
        except VersionConflict:
            dispatcher.utter_message(text="I'm sorry, that time was just taken by someone else.")
            return choose_again()
        code = tracker.get_slot(VISIT_TYPE)
        if code:  # the EHR may label the new appointment its own way; the patient asked for this
            booked = replace(booked, visit_type=code)
        text = f"You're booked: {describe_appointment(booked, self.clinic, address=True)}."
        bring = booked.instructions or self.clinic.what_to_bring
        if bring:
            text += f"\n{bring}"
        dispatcher.utter_message(text=capitalized(text))
        return reset_scheduling()

    def not_supported(self, dispatcher: CollectingDispatcher) -> list[EventType]:
        return [*reset_scheduling(), *cannot_by_api(dispatcher, "book appointments")]
