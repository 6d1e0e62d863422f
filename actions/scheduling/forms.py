"""What the three scheduling forms' validation actions share: one turn, from the form starting to
the patient's answer to the slot it asked for.

The base is abstract: rasa-sdk registers every concrete ``Action`` it imports.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import PatientAction

from .context import (
    CONFIRMED,
    REQUESTED_SLOT,
    Turn,
    UsesClock,
    answer,
    ask,
    end_form_when_handed_over,
    form_starting,
)


class SchedulingFormValidation(UsesClock, PatientAction, ABC):
    """Drives one scheduling form: ``start`` when the form starts, else ``take`` the answer to the
    slot it asked for, unless the patient said no (``declined``).

    Subclasses set ``form`` (the form's name; the action is ``validate_<form>``, as rasa-sdk's
    ``FormValidationAction`` names it) and ``nothing_done`` (what a no is answered with).
    Whenever the patient has been offered a person, the form ends.
    """

    form: str
    nothing_done: str

    def name(self) -> str:
        return f"validate_{self.form}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        return end_form_when_handed_over(await super().run(dispatcher, tracker, domain))

    async def act_for(
        self, patient_id: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        turn = Turn(self.gateway, self.clinic, dispatcher, tracker, patient_id, self.now_in(self.clinic.zone))
        if form_starting(tracker, self.form):
            return await self.start(turn)
        candidates = tracker.slots_to_validate()
        requested = tracker.get_slot(REQUESTED_SLOT)
        if requested not in candidates:
            return []  # nothing for this form in the message: let the form reject it
        value = candidates[requested]
        declined = self.declined(turn, requested, value)
        if declined is not None:
            return declined
        return await self.take(turn, requested, value)

    def declined(self, turn: Turn, requested: str, value: Any) -> list[EventType] | None:
        """A no, to any question: nothing is changed and the form ends. None if it was not a no."""
        if turn.intent == "deny" or answer(value) is False:
            turn.say(self.nothing_done)
            return [SlotSet(CONFIRMED, False), ask(None)]
        return None

    @abstractmethod
    async def start(self, turn: Turn) -> list[EventType]:
        """The form was just activated: read the request and ask the first question."""

    @abstractmethod
    async def take(self, turn: Turn, requested: str, value: Any) -> list[EventType]:
        """The patient's answer ``value`` to the slot ``requested`` (not a no)."""
