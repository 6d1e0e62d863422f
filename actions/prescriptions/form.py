"""refill_form: its validation action, and what all of its actions share."""

from __future__ import annotations

import logging
import re
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import PatientAction
from actions.ehr import EHRError, Medication, Pharmacy
from actions.prescriptions.matching import by_ids, by_position, choose, find, match_by_name, named
from actions.prescriptions.wording import needs_care_team

log = logging.getLogger("frontdesk.actions")

REFILL_INTENTS = ("request_refill", "request_refill+ask_appointments")
FORM_SLOTS = ("refill_medication", "refill_pharmacy", "refill_confirmed")
REQUESTED_SLOT = "requested_slot"
_USUAL = re.compile(r"\b(usual|regular|normal|same|default|on file|always)\b", re.IGNORECASE)


def latest_intent(tracker: Tracker) -> str:
    return str((tracker.latest_message.get("intent") or {}).get("name") or "")


def _medication_entities(parse_data: dict[str, Any]) -> str:
    values = [
        str(e.get("value")) for e in parse_data.get("entities") or [] if e.get("entity") == "medication"
    ]
    return " ".join(values)


def _refill_request(tracker: Tracker) -> dict[str, Any]:
    """The parse data of the message that asked for the refill (held during verification)."""
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        parse_data = event.get("parse_data") or {}
        if (parse_data.get("intent") or {}).get("name") in REFILL_INTENTS:
            return {"text": event.get("text") or "", **parse_data}
    return tracker.latest_message


class RefillFormAction(PatientAction, ABC):
    """An action of ``refill_form``: its validation or one of its questions.

    An EHR error ends the form quietly: ``action_request_refill`` runs when the form ends and
    reports it, so that it is said once.
    """

    async def act_for(
        self, patient_id: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        try:
            return await self.step(patient_id, dispatcher, tracker)
        except EHRError as exc:
            log.warning("%s: EHR error %s; the form ends", self.name(), type(exc).__name__)
            return [SlotSet(REQUESTED_SLOT, None)]

    @abstractmethod
    async def step(
        self, patient_id: str, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[EventType]:
        """The form's step for the verified patient; EHR errors may propagate."""

    async def chosen_medication(
        self, patient_id: str, tracker: Tracker
    ) -> tuple[Medication | None, list[Pharmacy]]:
        """The medication chosen (None if it is no longer active), and the pharmacies on offer."""
        medications = await self.gateway.active_medications(patient_id)
        pharmacies = await self.gateway.pharmacies()
        return find(tracker.get_slot("refill_medication"), medications), pharmacies


class ValidateRefillForm(RefillFormAction):
    """Turns what the patient wrote into ids: a MedicationRequest, a pharmacy, a yes or no.

    Called by the form when it starts (to use what the request itself named) and after each
    answer. An answer it cannot use is set back to None, and the form asks again.
    """

    def name(self) -> str:
        return "validate_refill_form"

    async def step(
        self, patient_id: str, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[EventType]:
        requested = tracker.get_slot(REQUESTED_SLOT)
        if requested not in FORM_SLOTS:
            return await self._start(patient_id, dispatcher, tracker)
        candidates = tracker.slots_to_validate()
        if requested not in candidates:
            return []  # nothing extracted: the form is rejected and the rules answer
        text = str(candidates[requested] or "")
        if requested == "refill_medication":
            return await self._medication(patient_id, text, dispatcher, tracker)
        if requested == "refill_pharmacy":
            return await self._pharmacy(patient_id, text, dispatcher, tracker)
        return self._confirmation(dispatcher, tracker)

    async def _start(
        self, patient_id: str, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[EventType]:
        events: list[EventType] = [SlotSet(s, None) for s in (*FORM_SLOTS, "refill_choices")]
        capabilities = await self.gateway.capabilities()
        medications = await self.gateway.active_medications(patient_id)
        if not capabilities.can_request_refill or not medications:
            return [*events, SlotSet(REQUESTED_SLOT, None)]
        request = _refill_request(tracker)
        text = str(request.get("text") or "")
        entities = _medication_entities(request)
        named = match_by_name(entities, medications, lambda m: m.name) if entities else []
        named = named or match_by_name(text, medications, lambda m: m.name)
        listed = by_ids(tracker.get_slot("refill_choices"), medications)
        if not named and not entities and listed:  # "refill the second one", after the list
            picked = by_position(text, listed)
            named = [picked] if picked else []
        if len(named) == 1:
            events.append(SlotSet("refill_medication", named[0].id))
            if needs_care_team(named[0]):
                events.append(SlotSet(REQUESTED_SLOT, None))
        elif len(named) > 1:
            events.append(SlotSet("refill_choices", [m.id for m in named]))
        elif entities:  # they named a drug that is not on their active list
            dispatcher.utter_message(response="utter_refill_medication_not_found")
        return events

    async def _medication(
        self, patient_id: str, text: str, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[EventType]:
        if latest_intent(tracker) == "deny":
            return [SlotSet("refill_confirmed", False), SlotSet(REQUESTED_SLOT, None)]
        medications = await self.gateway.active_medications(patient_id)
        shown = by_ids(tracker.get_slot("refill_choices"), medications) or medications
        if latest_intent(tracker) == "affirm" and len(shown) == 1:
            found = shown
        else:
            found = named(text, _medication_entities(tracker.latest_message), medications, shown)
        if len(found) == 1:
            events: list[EventType] = [
                SlotSet("refill_medication", found[0].id),
                SlotSet("refill_choices", None),
            ]
            if needs_care_team(found[0]):
                events.append(SlotSet(REQUESTED_SLOT, None))
            return events
        if found:
            return [SlotSet("refill_medication", None), SlotSet("refill_choices", [m.id for m in found])]
        dispatcher.utter_message(response="utter_refill_medication_not_found")
        return [SlotSet("refill_medication", None), SlotSet("refill_choices", None)]

    async def _pharmacy(
        self, patient_id: str, text: str, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[EventType]:
        medication = find(
            tracker.get_slot("refill_medication"), await self.gateway.active_medications(patient_id)
        )
        if medication is None:
            return [SlotSet(REQUESTED_SLOT, None)]
        pharmacies = await self.gateway.pharmacies()
        usual = medication.pharmacy_id
        intent = latest_intent(tracker)
        if usual and (intent == "affirm" or _USUAL.search(text)):
            return [SlotSet("refill_pharmacy", usual), SlotSet("refill_choices", None)]
        if intent == "deny":
            if usual:  # not the usual one: the question lists the others
                return [SlotSet("refill_pharmacy", None), SlotSet("refill_choices", None)]
            return [SlotSet("refill_confirmed", False), SlotSet(REQUESTED_SLOT, None)]
        shown = by_ids(tracker.get_slot("refill_choices"), pharmacies) or pharmacies
        found = choose(text, pharmacies, lambda p: p.name, shown)
        if len(found) == 1:
            return [SlotSet("refill_pharmacy", found[0].id), SlotSet("refill_choices", None)]
        if found:
            return [SlotSet("refill_pharmacy", None), SlotSet("refill_choices", [p.id for p in found])]
        dispatcher.utter_message(response="utter_refill_pharmacy_not_found")
        return [SlotSet("refill_pharmacy", None), SlotSet("refill_choices", None)]

    def _confirmation(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        intent = latest_intent(tracker)
        if intent in ("affirm", "deny"):
            return [SlotSet("refill_confirmed", intent == "affirm")]
        dispatcher.utter_message(response="utter_refill_yes_or_no")
        return [SlotSet("refill_confirmed", None)]
