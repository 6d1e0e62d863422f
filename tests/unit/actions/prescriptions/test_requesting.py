"""When the refill form ends: the request filed, or why not and who can help."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker

from actions.ehr import EHRUnavailable, NotSupported, RefillRequest
from actions.prescriptions.form import ValidateRefillForm
from actions.prescriptions.questions import (
    ActionAskRefillConfirmed,
    ActionAskRefillMedication,
    ActionAskRefillPharmacy,
)
from actions.prescriptions.requesting import ActionRequestRefill
from tests.unit.actions.conversation import CLINIC, VERIFIED, run, tracker
from tests.unit.actions.prescriptions.fixtures import (
    ALL,
    METFORMIN_500,
    PATIENT,
    PHARMACIES,
    answering,
    asking,
    ehr,
    said,
    slots_set,
    starting,
)
from tests.unit.fakes import READ_ONLY, FakeGateway

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
