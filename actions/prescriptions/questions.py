"""The refill form's three questions: which medication, which pharmacy, and is this right."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.prescriptions.form import REQUESTED_SLOT, RefillFormAction, latest_intent
from actions.prescriptions.matching import by_ids, find
from actions.prescriptions.wording import medication_label, numbered, pharmacy_label


class ActionAskRefillMedication(RefillFormAction):
    """Which medication: the patient's active list, or the few their answer could mean."""

    def name(self) -> str:
        return "action_ask_refill_medication"

    async def step(
        self, patient_id: str, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[EventType]:
        medications = await self.gateway.active_medications(patient_id)
        if not medications:
            return [SlotSet(REQUESTED_SLOT, None)]
        narrowed = by_ids(tracker.get_slot("refill_choices"), medications)
        if len(narrowed) > 1 and narrowed != medications:  # the last answer could mean any of these
            shown, response = narrowed, "utter_ask_refill_which_of"
        else:
            shown, response = medications, "utter_ask_refill_medication"
        dispatcher.utter_message(response=response, options=numbered([medication_label(m) for m in shown]))
        return [SlotSet("refill_choices", [m.id for m in shown])]


class ActionAskRefillPharmacy(RefillFormAction):
    """Which pharmacy: the usual one first (the one on the prescription), else the EHR's list."""

    def name(self) -> str:
        return "action_ask_refill_pharmacy"

    async def step(
        self, patient_id: str, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[EventType]:
        medication, pharmacies = await self.chosen_medication(patient_id, tracker)
        if medication is None:
            return [SlotSet(REQUESTED_SLOT, None)]
        usual_id = medication.pharmacy_id
        usual = find(usual_id, pharmacies)
        others = [p for p in pharmacies if p.id != usual_id]
        narrowed = by_ids(tracker.get_slot("refill_choices"), pharmacies)
        if len(narrowed) > 1 and narrowed != (others if usual_id else pharmacies):
            # the last answer could mean any of these
            dispatcher.utter_message(
                response="utter_ask_refill_which_of", options=numbered([pharmacy_label(p) for p in narrowed])
            )
            return [SlotSet("refill_choices", [p.id for p in narrowed])]
        if usual_id and latest_intent(tracker) != "deny":
            dispatcher.utter_message(
                response="utter_ask_refill_usual_pharmacy",
                pharmacy=pharmacy_label(usual) if usual else "the pharmacy on your prescription",
                options=numbered([pharmacy_label(p) for p in others]) or "(no other pharmacies listed)",
            )
            return [SlotSet("refill_choices", [p.id for p in others])]
        if not others:
            return [SlotSet(REQUESTED_SLOT, None)]  # nowhere to send it: action_request_refill says so
        dispatcher.utter_message(
            response="utter_ask_refill_pharmacy", options=numbered([pharmacy_label(p) for p in others])
        )
        return [SlotSet("refill_choices", [p.id for p in others])]


class ActionAskRefillConfirmed(RefillFormAction):
    """The summary the patient says yes to before anything is filed."""

    def name(self) -> str:
        return "action_ask_refill_confirmed"

    async def step(
        self, patient_id: str, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[EventType]:
        medication, pharmacies = await self.chosen_medication(patient_id, tracker)
        if medication is None:
            return [SlotSet(REQUESTED_SLOT, None)]
        pharmacy = find(tracker.get_slot("refill_pharmacy"), pharmacies)
        dispatcher.utter_message(
            response="utter_ask_refill_confirmed",
            medication=medication.name,
            pharmacy=pharmacy_label(pharmacy) if pharmacy else "the pharmacy on your prescription",
        )
        return [SlotSet("refill_choices", None)]
