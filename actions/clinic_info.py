"""Clinic questions (hours, locations, phone and fax, parking, what to bring), from clinic.yml."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.conversation import ClinicAction
from settings import ClinicSettings


def answer(intent: str, clinic: ClinicSettings) -> str:
    """The answer to one clinic question, in plain text."""
    if intent == "ask_hours":
        return " ".join(p for p in (f"{clinic.name} is open {clinic.hours}", clinic.after_hours) if p)
    if intent == "ask_location":
        places = "; ".join(f"{loc.name}: {loc.address}" for loc in clinic.locations)
        return f"Our locations: {places}." if places else f"Please call us at {clinic.phone} for directions."
    if intent == "ask_contact":
        fax = f" Our fax is {clinic.fax}." if clinic.fax else ""
        return f"You can call {clinic.name} at {clinic.phone}.{fax}"
    if intent == "ask_parking":
        notes = [f"{loc.name}: {loc.parking}" for loc in clinic.locations if loc.parking]
        return " ".join(notes) if notes else f"Please call us at {clinic.phone} about parking."
    if intent == "ask_what_to_bring":
        return clinic.what_to_bring or "Please bring a photo ID and your insurance card."
    return f"Please call us at {clinic.phone}."


class ActionClinicAnswer(ClinicAction):
    def name(self) -> str:
        return "action_clinic_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
        dispatcher.utter_message(text=answer(intent, self.clinic))
        return []
