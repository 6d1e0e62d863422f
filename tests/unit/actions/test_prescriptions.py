"""Prescriptions against a fake EHR: the medication list, and each step of a refill request.

The refill form is driven here step by step, as Rasa drives it: the validation action gets the
text of the answer as the candidate for the requested slot (a trailing slot event), the ask
actions ask, and action_request_refill runs when the form ends. Messages are rendered through
domain/prescriptions.yml, so the tests read what the patient would read.
"""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker

from actions.ehr import Clinician, EHRUnavailable, Medication, NotSupported, Pharmacy, RefillRequest
from actions.prescriptions.form import ValidateRefillForm
from actions.prescriptions.listing import ActionShowMedications
from actions.prescriptions.matching import choose, match_by_name
from actions.prescriptions.questions import (
    ActionAskRefillConfirmed,
    ActionAskRefillMedication,
    ActionAskRefillPharmacy,
)
from actions.prescriptions.requesting import ActionRequestRefill
from tests.unit.actions.conversation import CLINIC, VERIFIED, Responses, Result, run, tracker
from tests.unit.fakes import READ_ONLY, FakeGateway

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


# -- the medication list --


@pytest.mark.asyncio
async def test_medication_list_with_refills_left():
    meds = [ATORVASTATIN, LISINOPRIL, METFORMIN_1000, METHYLPHENIDATE, SERTRALINE]
    result = await run(
        ActionShowMedications(ehr(meds), CLINIC), tracker("my meds", "list_medications", VERIFIED)
    )
    assert said(result) == [
        "Here are your active prescriptions:\n"
        "1. atorvastatin 20 MG Oral Tablet (3 refills left)\n"
        "2. lisinopril 10 MG Oral Tablet (2 refills left)\n"
        "3. metformin hydrochloride 1000 MG Oral Tablet\n"
        "4. methylphenidate hydrochloride 20 MG Oral Tablet (controlled substance: refills go through "
        "your care team)\n"
        "5. sertraline 50 MG Oral Tablet (no refills left)",
        "If you need a refill, just tell me which one (its number is enough).",
    ]
    # remembered, so that "refill the second one" means lisinopril
    assert slots_set(result) == {"refill_choices": ["mr-ator", "mr-lis", "mr-met10", "mr-mph", "mr-ser"]}


@pytest.mark.asyncio
async def test_a_refill_by_its_number_on_the_list_just_shown():
    listed = {"refill_choices": ["mr-ator", "mr-lis", "mr-met10"]}
    result = await run(ValidateRefillForm(ehr(), CLINIC), starting("refill the second one", **listed))
    assert slots_set(result)["refill_medication"] == "mr-lis"
    unlisted = await run(ValidateRefillForm(ehr(), CLINIC), starting("refill the second one"))
    assert slots_set(unlisted)["refill_medication"] is None  # no list was shown: ask


@pytest.mark.asyncio
async def test_one_refill_left_is_singular():
    result = await run(
        ActionShowMedications(ehr([METFORMIN_500]), CLINIC), tracker("meds", "list_medications", VERIFIED)
    )
    assert "1. metformin hydrochloride 500 MG Oral Tablet (1 refill left)" in said(result)[0]


@pytest.mark.asyncio
async def test_no_active_medications():
    result = await run(ActionShowMedications(ehr([]), CLINIC), tracker("meds", "list_medications", VERIFIED))
    assert result.responses == ["utter_no_active_medications"]


@pytest.mark.asyncio
async def test_medications_need_verification_and_survive_an_ehr_failure():
    gateway = ehr()
    refused = await run(ActionShowMedications(gateway, CLINIC), tracker("meds", "list_medications"))
    assert refused.responses == ["utter_verify_first"] and gateway.calls == []
    failing = await run(
        ActionShowMedications(ehr(fail_with=EHRUnavailable("down")), CLINIC),
        tracker("meds", "list_medications", VERIFIED),
    )
    assert failing.responses == ["utter_ehr_unavailable"]
    assert failing.slot("offer") == "handoff" and failing.slot("handoff_reason") == "ehr_unavailable"


# -- naming a medication --


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lisinopril", [LISINOPRIL]),
        ("i need a refill of my lisinpril", [LISINOPRIL]),  # misspelled
        ("refill lisinipril pls", [LISINOPRIL]),
        ("atorvastin", [ATORVASTATIN]),
        ("ATORVA", [ATORVASTATIN]),  # the start of the name
        ("metformin", [METFORMIN_1000, METFORMIN_500]),  # two strengths: ambiguous
        ("metforman 500", [METFORMIN_500]),
        ("the 1000 mg metformin", [METFORMIN_1000]),
        ("my blood pressure pill", []),
        ("refill please", []),
        ("hydrochlorothiazide", []),  # not "metformin hydrochloride"
    ],
)
def test_matching_names_fuzzily(text, expected):
    assert match_by_name(text, ALL, lambda m: m.name) == expected


def test_positions_count_in_the_list_shown():
    shown = [LISINOPRIL, METFORMIN_500]
    assert choose("the second one", ALL, lambda m: m.name, shown) == [METFORMIN_500]
    assert choose("1", ALL, lambda m: m.name, shown) == [LISINOPRIL]
    assert choose("the last one", ALL, lambda m: m.name, shown) == [METFORMIN_500]
    assert choose("number 7", ALL, lambda m: m.name, shown) == []
    assert choose("lisinopril", ALL, lambda m: m.name, [METFORMIN_500]) == [LISINOPRIL]  # a name wins


# -- the form starting on the request --


@pytest.mark.asyncio
async def test_the_request_names_the_medication():
    result = await run(ValidateRefillForm(ehr(), CLINIC), starting("can i get a refill of lisinpril"))
    assert slots_set(result) == {
        "refill_medication": "mr-lis",
        "refill_pharmacy": None,
        "refill_confirmed": None,
        "refill_choices": None,
    }
    assert result.messages == []


@pytest.mark.asyncio
async def test_the_request_names_it_by_a_brand_mapped_to_the_generic():
    t = starting("renew my lipitor", entities=medication_entity("atorvastatin"))
    result = await run(ValidateRefillForm(ehr(), CLINIC), t)
    assert slots_set(result)["refill_medication"] == "mr-ator"


@pytest.mark.asyncio
async def test_a_held_request_is_found_behind_the_verification_answers():
    request = {
        "event": "user",
        "text": "refill my atorvastin",
        "parse_data": {"intent": {"name": "request_refill"}, "entities": []},
    }
    t = tracker(
        "03/14/1984", "inform", slots={**VERIFIED, "pending_request": "request_refill"}, events=[request]
    )
    result = await run(ValidateRefillForm(ehr(), CLINIC), t)
    assert slots_set(result)["refill_medication"] == "mr-ator"
    assert slots_set(result)["pending_request"] is None


@pytest.mark.asyncio
async def test_an_ambiguous_request_narrows_the_question():
    result = await run(ValidateRefillForm(ehr(), CLINIC), starting("refill my metformin"))
    assert slots_set(result)["refill_choices"] == ["mr-met10", "mr-met5"]
    assert slots_set(result)["refill_medication"] is None
    ask = await run(
        ActionAskRefillMedication(ehr(), CLINIC),
        asking("refill_medication", refill_choices=["mr-met10", "mr-met5"]),
    )
    assert said(ask) == [
        "Which one do you mean?\n"
        "1. metformin hydrochloride 1000 MG Oral Tablet\n"
        "2. metformin hydrochloride 500 MG Oral Tablet (1 refill left)"
    ]
    assert ask.slot("refill_choices") == ["mr-met10", "mr-met5"]


@pytest.mark.asyncio
async def test_a_drug_not_on_the_list_is_said_so():
    t = starting("refill my warfarin", entities=medication_entity("warfarin"))
    result = await run(ValidateRefillForm(ehr(), CLINIC), t)
    assert said(result) == ["I couldn't find that among your active prescriptions."]
    assert slots_set(result)["refill_medication"] is None


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("gateway", "text"),
    [
        (ehr(capabilities_=READ_ONLY), "refill lisinopril"),  # the EHR takes no refill requests
        (ehr([]), "refill please"),  # nothing to refill
        (ehr(), "refill my methylphenidate"),  # controlled
        (ehr(), "need more sertraline"),  # no refills left
    ],
)
async def test_the_form_ends_at_once_when_no_refill_can_be_filed(gateway, text):
    result = await run(ValidateRefillForm(gateway, CLINIC), starting(text))
    assert slots_set(result)["requested_slot"] is None
    assert result.messages == []  # action_request_refill explains


# -- which medication --


@pytest.mark.asyncio
async def test_asking_lists_every_active_medication_numbered():
    result = await run(
        ActionAskRefillMedication(ehr([LISINOPRIL, SERTRALINE]), CLINIC), asking("refill_medication")
    )
    assert said(result) == [
        "Which medication would you like refilled?\n"
        "1. lisinopril 10 MG Oral Tablet (2 refills left)\n"
        "2. sertraline 50 MG Oral Tablet (no refills left)"
    ]
    assert result.slot("refill_choices") == ["mr-lis", "mr-ser"]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("text", "intent", "choices", "expected"),
    [
        ("lisinopril", "inform", None, "mr-lis"),
        ("atorvastin", "inform", None, "mr-ator"),
        ("the second one", "inform", ["mr-lis", "mr-ator"], "mr-ator"),
        ("2", "inform", ["mr-met10", "mr-met5"], "mr-met5"),
        ("the 500", "inform", ["mr-met10", "mr-met5"], "mr-met5"),
        ("yes", "affirm", ["mr-lis"], "mr-lis"),
    ],
)
async def test_the_answer_names_or_picks_a_medication(text, intent, choices, expected):
    t = answering("refill_medication", text, intent, refill_choices=choices)
    result = await run(ValidateRefillForm(ehr(), CLINIC), t)
    assert slots_set(result) == {"refill_medication": expected, "refill_choices": None}


@pytest.mark.asyncio
async def test_an_ambiguous_answer_asks_which_one():
    result = await run(ValidateRefillForm(ehr(), CLINIC), answering("refill_medication", "metformin"))
    assert slots_set(result) == {"refill_medication": None, "refill_choices": ["mr-met10", "mr-met5"]}


@pytest.mark.asyncio
async def test_an_unknown_answer_is_said_so_and_asked_again():
    result = await run(ValidateRefillForm(ehr(), CLINIC), answering("refill_medication", "aspirin"))
    assert said(result) == ["I couldn't find that among your active prescriptions."]
    assert slots_set(result) == {"refill_medication": None, "refill_choices": None}


@pytest.mark.asyncio
async def test_picking_a_controlled_medication_ends_the_form():
    t = answering("refill_medication", "methylphenidate")
    result = await run(ValidateRefillForm(ehr(), CLINIC), t)
    assert slots_set(result) == {
        "refill_medication": "mr-mph",
        "refill_choices": None,
        "requested_slot": None,
    }


@pytest.mark.asyncio
async def test_no_at_the_medication_question_ends_without_a_request():
    result = await run(ValidateRefillForm(ehr(), CLINIC), answering("refill_medication", "no", "deny"))
    assert slots_set(result) == {"refill_confirmed": False, "requested_slot": None}


@pytest.mark.asyncio
async def test_nothing_extracted_lets_the_form_be_rejected():
    # e.g. "help i cant breathe": the slot mapping excludes emergencies, so there is no candidate
    t = tracker(
        "help",
        "emergency",
        slots={**VERIFIED, "requested_slot": "refill_medication"},
        active_loop="refill_form",
    )
    result = await run(ValidateRefillForm(ehr(), CLINIC), t)
    assert result.events == [] and result.messages == []


# -- which pharmacy --


@pytest.mark.asyncio
async def test_the_usual_pharmacy_is_offered_first():
    t = asking("refill_pharmacy", refill_medication="mr-lis")
    result = await run(ActionAskRefillPharmacy(ehr(), CLINIC), t)
    assert said(result) == [
        "Should I send it to your usual pharmacy, Maple Street Pharmacy, 88 Maple Street, Medford, MA 02155? "
        "Say yes, or pick another:\n"
        "1. Harbor Point Pharmacy, 512 Broadway, Everett, MA 02149\n"
        "2. Riverside Apothecary, 17 Salem Street, Malden, MA 02148"
    ]
    assert result.slot("refill_choices") == ["org-harbor", "org-apo"]


@pytest.mark.asyncio
async def test_without_a_usual_pharmacy_the_list_is_asked():
    t = asking("refill_pharmacy", refill_medication="mr-met5")
    result = await run(ActionAskRefillPharmacy(ehr(), CLINIC), t)
    assert said(result)[0].startswith("Which pharmacy should I send it to?\n1. Harbor Point Pharmacy")
    assert result.slot("refill_choices") == ["org-harbor", "org-maple", "org-apo"]


@pytest.mark.asyncio
async def test_declining_the_usual_pharmacy_lists_the_others():
    validated = await run(
        ValidateRefillForm(ehr(), CLINIC),
        answering(
            "refill_pharmacy",
            "no",
            "deny",
            refill_medication="mr-lis",
            refill_choices=["org-harbor", "org-apo"],
        ),
    )
    assert slots_set(validated) == {"refill_pharmacy": None, "refill_choices": None}
    t = asking("refill_pharmacy", "no", "deny", refill_medication="mr-lis")
    result = await run(ActionAskRefillPharmacy(ehr(), CLINIC), t)
    assert result.responses == ["utter_ask_refill_pharmacy"]
    assert result.slot("refill_choices") == ["org-harbor", "org-apo"]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("text", "intent", "expected"),
    [
        ("yes", "affirm", "org-maple"),
        ("my usual one", "inform", "org-maple"),
        ("harbour point", "inform", "org-harbor"),
        ("the second one", "inform", "org-apo"),  # of the others shown
        ("riverside", "inform", "org-apo"),
    ],
)
async def test_the_answer_names_or_picks_a_pharmacy(text, intent, expected):
    t = answering(
        "refill_pharmacy", text, intent, refill_medication="mr-lis", refill_choices=["org-harbor", "org-apo"]
    )
    result = await run(ValidateRefillForm(ehr(), CLINIC), t)
    assert slots_set(result) == {"refill_pharmacy": expected, "refill_choices": None}


@pytest.mark.asyncio
async def test_an_unknown_pharmacy_is_said_so():
    t = answering("refill_pharmacy", "walgreens on elm", refill_medication="mr-met5")
    result = await run(ValidateRefillForm(ehr(), CLINIC), t)
    assert said(result) == ["I couldn't find that pharmacy in our list."]
    assert slots_set(result) == {"refill_pharmacy": None, "refill_choices": None}


# -- yes or no --


@pytest.mark.asyncio
async def test_the_summary_asks_for_a_yes():
    t = asking("refill_confirmed", refill_medication="mr-lis", refill_pharmacy="org-maple")
    result = await run(ActionAskRefillConfirmed(ehr(), CLINIC), t)
    assert said(result) == [
        "To confirm: send a refill request for lisinopril 10 MG Oral Tablet to Maple Street Pharmacy, "
        "88 Maple Street, Medford, MA 02155? (yes or no)"
    ]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("text", "intent", "expected"), [("yes please", "affirm", True), ("no", "deny", False)]
)
async def test_yes_or_no_confirms(text, intent, expected):
    t = answering("refill_confirmed", text, intent, refill_medication="mr-lis", refill_pharmacy="org-maple")
    result = await run(ValidateRefillForm(ehr(), CLINIC), t)
    assert slots_set(result) == {"refill_confirmed": expected}


@pytest.mark.asyncio
async def test_anything_else_is_asked_again():
    t = answering("refill_confirmed", "what time do you close", "ask_hours", refill_medication="mr-lis")
    result = await run(ValidateRefillForm(ehr(), CLINIC), t)
    assert slots_set(result) == {"refill_confirmed": None}
    assert said(result) == ["Sorry, I need a yes or a no."]


# -- when the form ends --


def ended(**slots: Any) -> Tracker:
    return tracker("yes", "affirm", slots={**VERIFIED, **slots})


CLEARED = {
    "refill_medication": None,
    "refill_pharmacy": None,
    "refill_confirmed": None,
    "refill_choices": None,
}


@pytest.mark.asyncio
async def test_a_confirmed_refill_is_filed_and_its_reference_quoted():
    gateway = ehr()
    t = ended(refill_medication="mr-lis", refill_pharmacy="org-maple", refill_confirmed=True)
    result = await run(ActionRequestRefill(gateway, CLINIC), t)
    assert gateway.refills == [RefillRequest(task_id="task-1", medication_id="mr-lis", status="requested")]
    assert said(result) == [
        "Done: I've sent a refill request for lisinopril 10 MG Oral Tablet, to be filled at Maple Street "
        "Pharmacy. Your reference is Task/task-1. Your care team will review it, and the pharmacy will let "
        "you know when it's ready."
    ]
    assert slots_set(result) == CLEARED


@pytest.mark.asyncio
async def test_a_whole_refill_from_a_misspelled_request():
    """The steps of one conversation, each action seeing the slots the previous ones set."""
    gateway = ehr()
    slots: dict[str, Any] = {}
    start = await run(ValidateRefillForm(gateway, CLINIC), starting("refill lisinpril pls"))
    slots.update(slots_set(start))
    ask = await run(ActionAskRefillPharmacy(gateway, CLINIC), asking("refill_pharmacy", **slots))
    slots.update(slots_set(ask))
    pharmacy = await run(
        ValidateRefillForm(gateway, CLINIC), answering("refill_pharmacy", "yes", "affirm", **slots)
    )
    slots.update(slots_set(pharmacy))
    confirm = await run(
        ValidateRefillForm(gateway, CLINIC), answering("refill_confirmed", "yes", "affirm", **slots)
    )
    slots.update(slots_set(confirm))
    done = await run(ActionRequestRefill(gateway, CLINIC), ended(**slots))
    assert [r.medication_id for r in gateway.refills] == ["mr-lis"]
    assert "Task/task-1" in said(done)[0]
    assert "Maple Street Pharmacy" in said(done)[0]


@pytest.mark.asyncio
async def test_no_to_the_summary_files_nothing():
    gateway = ehr()
    t = ended(refill_medication="mr-lis", refill_pharmacy="org-maple", refill_confirmed=False)
    result = await run(ActionRequestRefill(gateway, CLINIC), t)
    assert gateway.refills == []
    assert said(result) == ["OK, I haven't sent any refill request."]
    assert slots_set(result) == CLEARED


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("medication", "response"),
    [("mr-ser", "utter_refill_none_left"), ("mr-mph", "utter_refill_controlled")],
)
async def test_no_refills_left_or_controlled_goes_to_the_care_team(medication, response):
    gateway = ehr()
    result = await run(ActionRequestRefill(gateway, CLINIC), ended(refill_medication=medication))
    assert gateway.refills == []
    assert result.responses == [response]
    assert result.slot("offer") == "handoff"
    assert result.slot("handoff_reason") == "refill_needs_care_team"
    assert "care team" in said(result)[0] and "connect you" in said(result)[0]


@pytest.mark.asyncio
async def test_a_read_only_ehr_hands_to_staff_honestly():
    gateway = ehr(capabilities_=READ_ONLY)
    t = ended(refill_medication="mr-lis", refill_pharmacy="org-maple", refill_confirmed=True)
    result = await run(ActionRequestRefill(gateway, CLINIC), t)
    assert gateway.refills == [] and "request_refill" not in gateway.calls
    assert said(result) == [
        "I'm not able to send refill requests to our records system directly. A member of our staff can "
        "take your request and pass it to your care team. Would you like me to connect you?"
    ]
    assert slots_set(result) == {**CLEARED, "offer": "handoff", "handoff_reason": "refill_needs_care_team"}


class RefusingGateway(FakeGateway):
    """Claims refills in its capabilities, then refuses the write (capabilities can be stale)."""

    async def request_refill(self, patient_id: str, medication_id: str, *, pharmacy_id: str | None = None):
        raise NotSupported("refill")


@pytest.mark.asyncio
async def test_a_refused_write_hands_to_staff_too():
    gateway = RefusingGateway(medications={PATIENT: ALL}, pharmacy_list=PHARMACIES)
    t = ended(refill_medication="mr-lis", refill_pharmacy="org-maple", refill_confirmed=True)
    result = await run(ActionRequestRefill(gateway, CLINIC), t)
    assert result.responses == ["utter_refill_not_by_api"]
    assert result.slot("handoff_reason") == "refill_needs_care_team"


@pytest.mark.asyncio
async def test_no_active_medications_offers_the_care_team():
    result = await run(ActionRequestRefill(ehr([]), CLINIC), ended())
    assert result.responses == ["utter_refill_no_active_medications"]
    assert result.slot("offer") == "handoff"


@pytest.mark.asyncio
async def test_a_form_that_ended_without_an_answer_files_nothing():
    gateway = ehr()
    result = await run(ActionRequestRefill(gateway, CLINIC), ended(refill_medication="mr-lis"))
    assert gateway.refills == []
    assert result.responses == ["utter_refill_not_sent"]


@pytest.mark.asyncio
async def test_an_ehr_error_when_filing_is_a_polite_message():
    gateway = ehr(fail_with=EHRUnavailable("down"))
    t = ended(refill_medication="mr-lis", refill_pharmacy="org-maple", refill_confirmed=True)
    result = await run(ActionRequestRefill(gateway, CLINIC), t)
    assert result.responses == ["utter_ehr_unavailable"]
    assert result.slot("offer") == "handoff" and result.slot("handoff_reason") == "ehr_unavailable"


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("action", "t"),
    [
        (ValidateRefillForm, starting("refill lisinopril")),
        (ValidateRefillForm, answering("refill_medication", "lisinopril")),
        (ActionAskRefillMedication, asking("refill_medication")),
        (ActionAskRefillPharmacy, asking("refill_pharmacy", refill_medication="mr-lis")),
        (ActionAskRefillConfirmed, asking("refill_confirmed", refill_medication="mr-lis")),
    ],
)
async def test_an_ehr_error_inside_the_form_ends_it_quietly(action, t):
    result = await run(action(ehr(fail_with=EHRUnavailable("down")), CLINIC), t)
    assert result.messages == []  # action_request_refill, next, says it once
    assert slots_set(result)["requested_slot"] is None


@pytest.mark.asyncio
async def test_the_form_refuses_an_unverified_conversation():
    gateway = ehr()
    t = tracker("refill lisinopril", "request_refill", active_loop="refill_form")
    result = await run(ValidateRefillForm(gateway, CLINIC), t)
    assert result.responses == ["utter_verify_first"] and gateway.calls == []


@pytest.mark.asyncio
async def test_nowhere_to_send_it_offers_staff():
    gateway = FakeGateway(medications={PATIENT: [METFORMIN_500]}, pharmacy_list=[])  # none usual, none listed
    ask = await run(
        ActionAskRefillPharmacy(gateway, CLINIC), asking("refill_pharmacy", refill_medication="mr-met5")
    )
    assert ask.messages == [] and slots_set(ask) == {"requested_slot": None}
    result = await run(ActionRequestRefill(gateway, CLINIC), ended(refill_medication="mr-met5"))
    assert gateway.refills == []
    assert result.responses == ["utter_refill_no_pharmacy"]
    assert result.slot("offer") == "handoff"
