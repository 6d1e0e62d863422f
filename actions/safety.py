"""Safety first: emergencies and self-harm in any state, and no medical advice."""

from __future__ import annotations

import logging

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.conversation import ClinicAction

log = logging.getLogger("frontdesk.actions")

EMERGENCY_MESSAGE = (
    "If you or someone with you may be having a medical emergency, call 911 now or go to the "
    "nearest emergency room."
)
CRISIS_MESSAGE = (
    "If you are thinking about harming yourself, please call or text 988 (the Suicide & Crisis "
    "Lifeline) now; it is free and open 24 hours. If you are in immediate danger, call 911."
)


class ActionEmergency(ClinicAction):
    """The emergency message at once, then a priority handoff (the rules run action_handoff)."""

    def name(self) -> str:
        return "action_emergency"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        reason = "self_harm" if intent == "self_harm" else "emergency"
        log.warning("safety message sent: %s", reason)
        dispatcher.utter_message(text=CRISIS_MESSAGE if reason == "self_harm" else EMERGENCY_MESSAGE)
        return [ActiveLoop(None), SlotSet("requested_slot", None), SlotSet("handoff_reason", reason)]


class ActionNoMedicalAdvice(ClinicAction):
    def name(self) -> str:
        return "action_no_medical_advice"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(
            text=(
                "I'm an automated assistant and I can't give medical advice. For questions about "
                f"symptoms or medicines, please call the clinic at {self.clinic.phone} and ask for "
                "the nurse line. If it is an emergency, call 911."
            )
        )
        return []
