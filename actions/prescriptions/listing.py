"""action_show_medications: the patient's active medications, numbered, with refills left."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import PatientAction
from actions.prescriptions.wording import medication_label, numbered


class ActionShowMedications(PatientAction):
    def name(self) -> str:
        return "action_show_medications"

    async def act_for(
        self, patient_id: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        medications = await self.gateway.active_medications(patient_id)
        if not medications:
            dispatcher.utter_message(response="utter_no_active_medications")
            return []
        lines = numbered([medication_label(m) for m in medications])
        dispatcher.utter_message(response="utter_medication_list", medication_list=lines)
        dispatcher.utter_message(response="utter_refill_hint")
        # so that "refill the second one" means the second one on this list
        return [SlotSet("refill_choices", [m.id for m in medications])]
