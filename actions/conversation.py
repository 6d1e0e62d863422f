"""The frame of every conversation: greeting, holding a request, offering a person, goodbye,
fallback. The handoff itself, and callback requests, are in ``actions/handoff.py``."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, AllSlotsReset, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from settings import ClinicSettings
from settings.clinic import cached_clinic_settings

log = logging.getLogger("frontdesk.actions")

PROTECTED_INTENTS = (
    "ask_appointments",
    "book_appointment",
    "reschedule_appointment",
    "cancel_appointment",
    "ask_balance",
    "ask_statement",
    "ask_last_payment",
    "ask_insurance",
    "payment_plan",
    "dispute_bill",
    "list_medications",
    "request_refill",
    "ask_appointments+ask_balance",
    "request_refill+ask_appointments",
)


class ClinicAction(Action, ABC):
    """An action that needs the clinic's settings (tests pass their own)."""

    def __init__(self, clinic: ClinicSettings | None = None) -> None:
        self._clinic = clinic

    @property
    def clinic(self) -> ClinicSettings:
        return self._clinic or cached_clinic_settings()

    @abstractmethod
    def name(self) -> str:
        """The action's name in the domain."""


class ActionGreet(ClinicAction):
    """Hello, and the disclosure: an automated assistant, no medical advice, 911 for emergencies."""

    def name(self) -> str:
        return "action_greet"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_greet", clinic_name=self.clinic.name)
        return []


class ActionHoldRequest(Action):
    """Remember what the patient asked for, to resume it once they are verified."""

    def name(self) -> str:
        return "action_hold_request"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        return [SlotSet("pending_request", intent if intent in PROTECTED_INTENTS else None)]


class ActionOfferHandoff(Action):
    """Offer a person (frustration): "yes" then hands off, "no" carries on."""

    def name(self) -> str:
        return "action_offer_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_offer_handoff_frustration")
        return [SlotSet("offer", "handoff"), SlotSet("handoff_reason", "frustration")]


class ActionDeclineOffer(Action):
    def name(self) -> str:
        return "action_decline_offer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_anything_else")
        return [SlotSet("offer", None), SlotSet("handoff_reason", None)]


class ActionMisunderstood(Action):
    """Say we didn't understand; the second time in a row, offer a person."""

    def name(self) -> str:
        return "action_misunderstood"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if _fallbacks_in_a_row(tracker.events) >= 2:
            dispatcher.utter_message(response="utter_offer_handoff_after_misunderstanding")
            return [SlotSet("offer", "handoff"), SlotSet("handoff_reason", "misunderstood")]
        dispatcher.utter_message(response="utter_default")
        return []


def _fallbacks_in_a_row(events: list[dict[str, Any]]) -> int:
    count = 0
    for event in reversed(events):
        if event.get("event") != "user":
            continue
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if intent != "nlu_fallback":
            break
        count += 1
    return count


class ActionEndConversation(ClinicAction):
    """Goodbye: the closing message, and the end of the conversation.

    Every slot is reset here; the tracker store deletes the conversation when it sees this
    action (docs/privacy.md).
    """

    def name(self) -> str:
        return "action_end_conversation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_goodbye")
        return [ActiveLoop(None), AllSlotsReset()]
