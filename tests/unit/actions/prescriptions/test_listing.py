"""The medication list, and how a patient's words name a medication on it."""

from __future__ import annotations

import pytest

from actions.ehr import EHRUnavailable
from actions.prescriptions.form import ValidateRefillForm
from actions.prescriptions.listing import ActionShowMedications
from actions.prescriptions.matching import choose, match_by_name
from tests.unit.actions.conversation import CLINIC, VERIFIED, run, tracker
from tests.unit.actions.prescriptions.fixtures import (
    ALL,
    ATORVASTATIN,
    LISINOPRIL,
    METFORMIN_500,
    METFORMIN_1000,
    METHYLPHENIDATE,
    SERTRALINE,
    ehr,
    said,
    slots_set,
    starting,
)

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
