"""Prescriptions: the active list with refills left, and refill requests.

A refill goes through ``refill_form``: which medication (named, misspelled or picked by number
from the patient's active list), which pharmacy (their usual one offered first, or one from the
EHR's list), then a yes to a summary. ``action_request_refill`` runs when the form ends, however
it ends, and decides what happens: it files the request (a Task focused on the MedicationRequest,
``EHRGateway.request_refill``) and quotes its reference, or says why it didn't, offering a
person where one can help: a controlled substance or a prescription with no refills left goes to
the care team, and so does every refill where the EHR does not accept refill requests by API.

The form's actions end the form early (``requested_slot`` None) rather than ask a question that
cannot lead to a refill, and leave the explaining to ``action_request_refill``, so that each
outcome is said in one place. Slots hold ids only: MedicationRequest and Organization ids, and
the ids in the last numbered list the patient was shown (``refill_choices``: the medication list
or a question of the form), so that "the second one" means the second one they saw.
"""

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
from actions.refill_matching import by_position, choose, match_by_name

log = logging.getLogger("frontdesk.actions")

REFILL_INTENTS = ("request_refill", "request_refill+ask_appointments")
FORM_SLOTS = ("refill_medication", "refill_pharmacy", "refill_confirmed")
REQUESTED_SLOT = "requested_slot"
CARE_TEAM = "refill_needs_care_team"
_USUAL = re.compile(r"\b(usual|regular|normal|same|default|on file|always)\b", re.IGNORECASE)


def needs_care_team(medication: Medication) -> bool:
    """Controlled substances and prescriptions with no refills left need the clinician."""
    return medication.controlled or medication.refills_left == 0


def refills_note(medication: Medication) -> str:
    if medication.controlled:
        return "controlled substance: refills go through your care team"
    if medication.refills_left is None:
        return ""
    if medication.refills_left == 0:
        return "no refills left"
    return f"{medication.refills_left} refill{'s' if medication.refills_left != 1 else ''} left"


def medication_label(medication: Medication) -> str:
    note = refills_note(medication)
    return f"{medication.name} ({note})" if note else medication.name


def pharmacy_label(pharmacy: Pharmacy) -> str:
    return f"{pharmacy.name}, {pharmacy.address}" if pharmacy.address else pharmacy.name


def numbered(labels: list[str]) -> str:
    return "\n".join(f"{n}. {label}" for n, label in enumerate(labels, start=1))


def _intent(tracker: Tracker) -> str:
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


def _named(
    text: str, entities: str, medications: list[Medication], shown: list[Medication]
) -> list[Medication]:
    """The medications a message names: its `medication` entities first, then its words."""
    if entities:
        found = match_by_name(entities, medications, lambda m: m.name)
        if found:
            return found
    return choose(text, medications, lambda m: m.name, shown)


def _by_ids(ids: Any, items: list[Any]) -> list[Any]:
    """``items`` with the given ids, in the order of the ids (those still present)."""
    by_id = {item.id: item for item in items}
    return [by_id[i] for i in ids or [] if i in by_id]


def _find(item_id: Any, items: list[Any]) -> Any:
    return next((item for item in items if item.id == item_id), None)


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
        return _find(tracker.get_slot("refill_medication"), medications), pharmacies


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
        listed = _by_ids(tracker.get_slot("refill_choices"), medications)
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
        if _intent(tracker) == "deny":
            return [SlotSet("refill_confirmed", False), SlotSet(REQUESTED_SLOT, None)]
        medications = await self.gateway.active_medications(patient_id)
        shown = _by_ids(tracker.get_slot("refill_choices"), medications) or medications
        if _intent(tracker) == "affirm" and len(shown) == 1:
            found = shown
        else:
            found = _named(text, _medication_entities(tracker.latest_message), medications, shown)
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
        medication = _find(
            tracker.get_slot("refill_medication"), await self.gateway.active_medications(patient_id)
        )
        if medication is None:
            return [SlotSet(REQUESTED_SLOT, None)]
        pharmacies = await self.gateway.pharmacies()
        usual = medication.pharmacy_id
        intent = _intent(tracker)
        if usual and (intent == "affirm" or _USUAL.search(text)):
            return [SlotSet("refill_pharmacy", usual), SlotSet("refill_choices", None)]
        if intent == "deny":
            if usual:  # not the usual one: the question lists the others
                return [SlotSet("refill_pharmacy", None), SlotSet("refill_choices", None)]
            return [SlotSet("refill_confirmed", False), SlotSet(REQUESTED_SLOT, None)]
        shown = _by_ids(tracker.get_slot("refill_choices"), pharmacies) or pharmacies
        found = choose(text, pharmacies, lambda p: p.name, shown)
        if len(found) == 1:
            return [SlotSet("refill_pharmacy", found[0].id), SlotSet("refill_choices", None)]
        if found:
            return [SlotSet("refill_pharmacy", None), SlotSet("refill_choices", [p.id for p in found])]
        dispatcher.utter_message(response="utter_refill_pharmacy_not_found")
        return [SlotSet("refill_pharmacy", None), SlotSet("refill_choices", None)]

    def _confirmation(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        intent = _intent(tracker)
        if intent in ("affirm", "deny"):
            return [SlotSet("refill_confirmed", intent == "affirm")]
        dispatcher.utter_message(response="utter_refill_yes_or_no")
        return [SlotSet("refill_confirmed", None)]


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
        narrowed = _by_ids(tracker.get_slot("refill_choices"), medications)
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
        usual = _find(usual_id, pharmacies)
        others = [p for p in pharmacies if p.id != usual_id]
        narrowed = _by_ids(tracker.get_slot("refill_choices"), pharmacies)
        if len(narrowed) > 1 and narrowed != (others if usual_id else pharmacies):
            # the last answer could mean any of these
            dispatcher.utter_message(
                response="utter_ask_refill_which_of", options=numbered([pharmacy_label(p) for p in narrowed])
            )
            return [SlotSet("refill_choices", [p.id for p in narrowed])]
        if usual_id and _intent(tracker) != "deny":
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
        pharmacy = _find(tracker.get_slot("refill_pharmacy"), pharmacies)
        dispatcher.utter_message(
            response="utter_ask_refill_confirmed",
            medication=medication.name,
            pharmacy=pharmacy_label(pharmacy) if pharmacy else "the pharmacy on your prescription",
        )
        return [SlotSet("refill_choices", None)]


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
        medication = _find(tracker.get_slot("refill_medication"), medications)
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
        pharmacy = _find(pharmacy_id, pharmacies)
        request = await self.gateway.request_refill(patient_id, medication.id, pharmacy_id=pharmacy_id)
        dispatcher.utter_message(
            response="utter_refill_requested",
            medication=medication.name,
            pharmacy=pharmacy.name if pharmacy else "the pharmacy on your prescription",
            reference=f"Task/{request.task_id}",
        )
        return self._done()
