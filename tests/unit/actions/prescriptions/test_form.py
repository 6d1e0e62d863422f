"""The refill form: starting on the request, which medication, which pharmacy, yes or no."""

from __future__ import annotations

import pytest

from actions.prescriptions.form import ValidateRefillForm
from actions.prescriptions.questions import (
    ActionAskRefillConfirmed,
    ActionAskRefillMedication,
    ActionAskRefillPharmacy,
)
from tests.unit.actions.conversation import CLINIC, VERIFIED, run, tracker
from tests.unit.actions.prescriptions.fixtures import (
    LISINOPRIL,
    SERTRALINE,
    answering,
    asking,
    ehr,
    medication_entity,
    said,
    slots_set,
    starting,
)
from tests.unit.fakes import READ_ONLY

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
