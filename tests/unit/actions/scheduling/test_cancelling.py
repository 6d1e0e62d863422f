"""Cancelling: which appointment, a yes, then the cancellation; inside the change window or on a
read-only EHR, staff are offered instead."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from actions.ehr import EHRUnavailable
from actions.scheduling.cancelling import ActionCancelAppointment, ValidateCancelForm
from tests.unit.actions.conversation import run
from tests.unit.actions.scheduling.support import (
    CLINIC,
    NOW,
    answering,
    appointment,
    at,
    clock,
    entity,
    handoff_outcome,
    slot_events,
    starting,
    status,
    submit_tracker,
    two_booked,
)
from tests.unit.fakes import READ_ONLY, FakeGateway

FORM = "cancel_form"


def booked(**kwargs: Any) -> FakeGateway:
    return FakeGateway(appointments={"p-demo": two_booked()}, **kwargs)


def validator(gateway: FakeGateway) -> ValidateCancelForm:
    return ValidateCancelForm(gateway, CLINIC, clock=clock)


@pytest.mark.asyncio
async def test_several_appointments_are_listed_to_choose_from() -> None:
    gateway = booked()
    result = await run(validator(gateway), starting(FORM, "i need to cancel", "cancel_appointment"))
    assert result.texts == [
        "Which appointment would you like to cancel?\n"
        "1. Follow-up visit on Tuesday, December 1 at 9:30 AM with Dr. Priya Patel MD at Riverside Family "
        "Medicine - Medford\n"
        "2. Annual physical on Thursday, December 3 at 2:00 PM with Dr. Minh Nguyen MD at Riverside Family "
        "Medicine - Malden"
    ]
    slots = slot_events(result.events)
    assert [o["id"] for o in slots["schedule_options"]] == ["a-tue", "a-thu"]
    assert slots["requested_slot"] == "schedule_appointment_id"
    assert gateway.calls == ["capabilities", "upcoming_appointments"]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("text", "entities"),
    [
        ("cancel the second one", []),
        ("cancel my thursday appointment", []),
        ("cancel my physical", [entity("visit_type", "annual-physical")]),
        ("cancel my appt with dr nguyen", [entity("clinician", "dr nguyen")]),
    ],
)
async def test_the_request_can_name_the_appointment(text: str, entities: list[dict[str, Any]]) -> None:
    result = await run(validator(booked()), starting(FORM, text, "cancel_appointment", entities=entities))
    assert result.texts == [
        "To confirm: cancel your annual physical on Thursday, December 3 at 2:00 PM with Dr. Minh Nguyen MD "
        "at Riverside Family Medicine - Malden?"
    ]
    assert slot_events(result.events)["schedule_appointment_id"] == "a-thu"
    assert slot_events(result.events)["requested_slot"] == "schedule_confirmed"


@pytest.mark.asyncio
async def test_a_single_appointment_is_the_one() -> None:
    gateway = FakeGateway(appointments={"p-demo": [appointment("a-tue", at(1, 9, 30))]})
    result = await run(validator(gateway), starting(FORM, "cancel my appt", "cancel_appointment"))
    assert result.texts[0].startswith(
        "To confirm: cancel your follow-up visit on Tuesday, December 1 at 9:30 AM"
    )
    assert "cancel" not in gateway.calls


@pytest.mark.asyncio
async def test_picking_from_the_list() -> None:
    options = [
        {"id": "a-tue", "start": at(1, 9, 30).isoformat()},
        {"id": "a-thu", "start": at(3, 14).isoformat()},
    ]
    tracker = answering(FORM, "schedule_appointment_id", "the first", slots={"schedule_options": options})
    result = await run(validator(booked()), tracker)
    assert result.texts[0].startswith("To confirm: cancel your follow-up visit on Tuesday, December 1")
    unclear = answering(FORM, "schedule_appointment_id", "hmm", slots={"schedule_options": options})
    again = await run(validator(booked()), unclear)
    assert again.texts == ["Sorry, which one? Reply with its number (1 to 2)."]
    assert slot_events(again.events) == {
        "schedule_appointment_id": None,
        "requested_slot": "schedule_appointment_id",
    }


@pytest.mark.asyncio
async def test_nothing_to_cancel() -> None:
    result = await run(validator(FakeGateway()), starting(FORM, "cancel my appt", "cancel_appointment"))
    assert result.texts == ["You don't have any upcoming appointments to cancel."]
    assert slot_events(result.events)["requested_slot"] is None


@pytest.mark.asyncio
async def test_inside_the_change_window_goes_to_staff() -> None:
    soon = appointment("a-soon", NOW + timedelta(hours=20))
    gateway = FakeGateway(appointments={"p-demo": [soon]})
    result = await run(validator(gateway), starting(FORM, "cancel my appt", "cancel_appointment"))
    assert result.texts == [
        "Your follow-up visit on Saturday, November 28 at 6:00 AM with Dr. Priya Patel MD at Riverside "
        "Family Medicine - Medford is less than 24 hours away. Changes that close to the visit are made by "
        "our staff. Would you like me to connect you?"
    ]
    assert handoff_outcome(result.events) == ("handoff", "staff_change", None)
    assert "cancel" not in gateway.calls


@pytest.mark.asyncio
async def test_the_change_window_is_the_clinics_setting() -> None:
    from dataclasses import replace

    soon = appointment("a-soon", NOW + timedelta(hours=20))
    gateway = FakeGateway(appointments={"p-demo": [soon]})
    action = ValidateCancelForm(gateway, replace(CLINIC, change_window_hours=12), clock=clock)
    result = await run(action, starting(FORM, "cancel my appt", "cancel_appointment"))
    assert result.texts[0].startswith("To confirm: cancel your follow-up visit")


@pytest.mark.asyncio
async def test_a_read_only_ehr_is_said_plainly() -> None:
    gateway = booked(capabilities_=READ_ONLY)
    result = await run(validator(gateway), starting(FORM, "cancel my appt", "cancel_appointment"))
    assert result.texts == [
        "I'm sorry, I can't cancel appointments in our scheduling system from this chat. A member of our "
        "staff can do it for you. Would you like me to connect you?"
    ]
    assert slot_events(result.events)["handoff_reason"] == "staff_change"
    assert gateway.calls == ["capabilities"]


def confirming(value: Any, text: str, intent: str) -> Any:
    return answering(
        FORM,
        "schedule_confirmed",
        value,
        text=text,
        intent=intent,
        slots={"schedule_appointment_id": "a-thu"},
    )


@pytest.mark.asyncio
async def test_yes_and_no_to_the_confirmation() -> None:
    gateway = booked()
    yes = await run(validator(gateway), confirming(True, "yes", "affirm"))
    assert slot_events(yes.events) == {"schedule_confirmed": True, "requested_slot": None}
    no = await run(validator(gateway), confirming(False, "no", "deny"))
    assert no.texts == ["OK, I haven't cancelled anything."]
    assert slot_events(no.events) == {"schedule_confirmed": False, "requested_slot": None}
    unclear = await run(validator(gateway), confirming("hmm", "hmm", "inform"))
    assert unclear.texts == ["Please answer yes to cancel it, or no to keep it."]
    assert "cancel" not in gateway.calls


@pytest.mark.asyncio
async def test_cancelled_only_after_the_yes() -> None:
    gateway = booked()
    result = await run(
        ActionCancelAppointment(gateway, CLINIC, clock=clock),
        submit_tracker({"schedule_appointment_id": "a-thu", "schedule_confirmed": True}),
    )
    assert result.texts == [
        "Done: your annual physical on Thursday, December 3 at 2:00 PM with Dr. Minh Nguyen MD at Riverside "
        "Family Medicine - Malden is cancelled. If you'd like a new time, just ask."
    ]
    assert gateway.calls == ["upcoming_appointments", "cancel"]
    assert status(gateway, "a-thu") == "cancelled" and status(gateway, "a-tue") == "booked"
    assert all(value is None for value in slot_events(result.events).values())


@pytest.mark.asyncio
@pytest.mark.parametrize("confirmed", [None, False])
async def test_nothing_cancelled_without_a_yes(confirmed: bool | None) -> None:
    gateway = booked()
    result = await run(
        ActionCancelAppointment(gateway, CLINIC, clock=clock),
        submit_tracker({"schedule_appointment_id": "a-thu", "schedule_confirmed": confirmed}),
    )
    assert gateway.calls == [] and result.texts == []


@pytest.mark.asyncio
async def test_the_window_is_checked_again_when_cancelling() -> None:
    gateway = booked()
    late = ActionCancelAppointment(gateway, CLINIC, clock=lambda: at(3, 9))  # the yes came very late
    result = await run(late, submit_tracker({"schedule_appointment_id": "a-thu", "schedule_confirmed": True}))
    assert result.texts[0].endswith(
        "Changes that close to the visit are made by our staff. Would you like me to connect you?"
    )
    assert "cancel" not in gateway.calls


@pytest.mark.asyncio
async def test_an_appointment_gone_meanwhile() -> None:
    gateway = booked()
    result = await run(
        ActionCancelAppointment(gateway, CLINIC, clock=clock),
        submit_tracker({"schedule_appointment_id": "a-gone", "schedule_confirmed": True}),
    )
    assert result.texts == ["That appointment is no longer on your schedule, so there is nothing to cancel."]
    assert "cancel" not in gateway.calls


@pytest.mark.asyncio
async def test_the_ehr_down_when_cancelling_is_answered_politely() -> None:
    gateway = booked(fail_with=EHRUnavailable("down", status=503))
    result = await run(
        ActionCancelAppointment(gateway, CLINIC, clock=clock),
        submit_tracker({"schedule_appointment_id": "a-thu", "schedule_confirmed": True}),
    )
    assert result.responses == ["utter_ehr_unavailable"]
    assert result.slot("offer") == "handoff" and result.slot("handoff_reason") == "ehr_unavailable"
