"""A patient's medications and pharmacies, and trackers at each step of the refill form."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from actions.ehr import Clinician, Medication, Pharmacy
from tests.unit.actions.conversation import VERIFIED, Responses, Result, tracker
from tests.unit.fakes import FakeGateway

PATIENT = VERIFIED["patient_id"]
DR = Clinician("pr-1", "Dr. Test")

LISINOPRIL = Medication(
    "mr-lis", "lisinopril 10 MG Oral Tablet", "active", 2, prescriber=DR, pharmacy_id="org-maple"
)
ATORVASTATIN = Medication("mr-ator", "atorvastatin 20 MG Oral Tablet", "active", 3, pharmacy_id="org-maple")
METFORMIN_500 = Medication("mr-met5", "metformin hydrochloride 500 MG Oral Tablet", "active", 1)
METFORMIN_1000 = Medication("mr-met10", "metformin hydrochloride 1000 MG Oral Tablet", "active", None)
SERTRALINE = Medication("mr-ser", "sertraline 50 MG Oral Tablet", "active", 0, pharmacy_id="org-maple")
METHYLPHENIDATE = Medication(
    "mr-mph", "methylphenidate hydrochloride 20 MG Oral Tablet", "active", 0, controlled=True
)
ALL = [ATORVASTATIN, LISINOPRIL, METFORMIN_1000, METFORMIN_500, METHYLPHENIDATE, SERTRALINE]

MAPLE = Pharmacy("org-maple", "Maple Street Pharmacy", address="88 Maple Street, Medford, MA 02155")
HARBOR = Pharmacy("org-harbor", "Harbor Point Pharmacy", address="512 Broadway, Everett, MA 02149")
APOTHECARY = Pharmacy("org-apo", "Riverside Apothecary", address="17 Salem Street, Malden, MA 02148")
PHARMACIES = [HARBOR, MAPLE, APOTHECARY]


def ehr(medications: list[Medication] | None = None, **kwargs: Any) -> FakeGateway:
    return FakeGateway(
        medications={PATIENT: ALL if medications is None else medications},
        pharmacy_list=list(PHARMACIES),
        **kwargs,
    )


said = Responses("prescriptions.yml").said


def medication_entity(value: str) -> list[dict[str, Any]]:
    return [{"entity": "medication", "value": value}]


def starting(text: str, entities: list[dict[str, Any]] | None = None, **slots: Any) -> Tracker:
    """The form starting on the patient's request (validation runs with nothing requested yet)."""
    return tracker(
        text, "request_refill", slots={**VERIFIED, **slots}, entities=entities, active_loop="refill_form"
    )


def answering(slot: str, text: str, intent: str = "inform", **slots: Any) -> Tracker:
    """The patient's answer to the question for ``slot``, extracted as its candidate value."""
    entities = slots.pop("entities", None)
    t = tracker(
        text,
        intent,
        slots={**VERIFIED, "requested_slot": slot, slot: text, **slots},
        entities=entities,
        active_loop="refill_form",
    )
    t.events.append({"event": "action", "name": "refill_form"})
    t.events.append({"event": "slot", "name": slot, "value": text})
    return t


def asking(slot: str, text: str = "", intent: str = "inform", **slots: Any) -> Tracker:
    return tracker(
        text, intent, slots={**VERIFIED, "requested_slot": slot, **slots}, active_loop="refill_form"
    )


def slots_set(result: Result) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in result.events if e.get("event") == "slot"}
