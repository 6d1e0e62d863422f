"""action_request_refill: when the refill form ends, file the request or say why not."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import PatientAction
from actions.prescriptions.form import FORM_SLOTS
from actions.prescriptions.matching import find

CARE_TEAM = "refill_needs_care_team"


class ActionRequestRefill(PatientAction):
    """When the refill form ends: file the request, or say why not and offer a person."""

    def name(self) -> str:
        return "action_request_refill"

    @staticmethod
    def _done() -> list[EventType]:
        return [SlotSet(s, None) for s in (*FORM_SLOTS, "refill_choices")]

    def _offer(self, dispatcher: CollectingDispatcher, response: str, **values: Any) -> list[EventType]:
        dispatcher.utter_message(response=response, **values)
        return [*self._done(), SlotSet("offer", "handoff"), SlotSet("handoff_reason", CARE_TEAM)]

    def not_supported(self, dispatcher: CollectingDispatcher) -> list[EventType]:
        return self._offer(dispatcher, "utter_refill_not_by_api")

    async def act_for(
        self, patient_id: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if not (await self.gateway.capabilities()).can_request_refill:
            return self.not_supported(dispatcher)
        medications = await self.gateway.active_medications(patient_id)
        if not medications:
            return self._offer(dispatcher, "utter_refill_no_active_medications")
        if tracker.get_slot("refill_confirmed") is False:
            dispatcher.utter_message(response="utter_refill_cancelled")
            return self._done()
        medication = find(tracker.get_slot("refill_medication"), medications)
        if medication is None:
            dispatcher.utter_message(response="utter_refill_not_sent")
            return self._done()
        if medication.controlled:
            return self._offer(dispatcher, "utter_refill_controlled", medication=medication.name)
        if medication.refills_left == 0:
            return self._offer(dispatcher, "utter_refill_none_left", medication=medication.name)
        pharmacy_id = tracker.get_slot("refill_pharmacy")
        pharmacies = await self.gateway.pharmacies()
        if not pharmacy_id and not medication.pharmacy_id and not pharmacies:
            return self._offer(dispatcher, "utter_refill_no_pharmacy", medication=medication.name)
        if not pharmacy_id or tracker.get_slot("refill_confirmed") is not True:
            dispatcher.utter_message(response="utter_refill_not_sent")
            return self._done()
        pharmacy = find(pharmacy_id, pharmacies)
        request = await self.gateway.request_refill(patient_id, medication.id, pharmacy_id=pharmacy_id)
        dispatcher.utter_message(
            response="utter_refill_requested",
            medication=medication.name,
            pharmacy=pharmacy.name if pharmacy else "the pharmacy on your prescription",
            reference=f"Task/{request.task_id}",
        )
        return self._done()
