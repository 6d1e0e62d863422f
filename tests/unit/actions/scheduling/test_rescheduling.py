"""Moving a visit: the new time is booked before the old one is cancelled, so a failure never
leaves the patient with none; a time taken meanwhile is offered again; inside the change window or
on a read-only EHR, staff are offered."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from actions.scheduling.rescheduling import (
    ActionRescheduleAppointment,
    ValidateRescheduleForm,
    split_request,
)
from tests.unit.actions.conversation import run
from tests.unit.actions.scheduling.support import (
    CLINIC,
    MALDEN,
    NGUYEN,
    NOW,
    PATEL,
    BookFails,
    CancelFails,
    answering,
    appointment,
    at,
    clock,
    entity,
    handoff_outcome,
    slot,
    slot_events,
    starting,
    status,
    submit_tracker,
    two_booked,
)
from tests.unit.fakes import READ_ONLY, FakeGateway

FORM = "reschedule_form"


def open_times() -> list[Any]:
    return [
        slot("s-fri-9", at(4, 9)),
        slot("s-fri-930", at(4, 9, 30)),
        slot("s-fri-10-nguyen", at(4, 10), NGUYEN, MALDEN),
        slot("s-mon-9", at(7, 9)),
    ]


def ehr(kind: type[FakeGateway] = FakeGateway, **kwargs: Any) -> FakeGateway:
    return kind(appointments={"p-demo": two_booked()}, slots=open_times(), **kwargs)


def validator(gateway: FakeGateway) -> ValidateRescheduleForm:
    return ValidateRescheduleForm(gateway, CLINIC, clock=clock)


@pytest.mark.parametrize(
    ("text", "which", "when"),
    [
        ("move my tuesday appointment to friday", "move my tuesday appointment", "friday"),
        ("can i reschedule to next week", "can i reschedule", "next week"),
        ("i need to reschedule my appt", "i need", "reschedule my appt"),
        ("reschedule my appointment", "reschedule my appointment", ""),
    ],
)
def test_the_request_is_split_into_which_appointment_and_when(text: str, which: str, when: str) -> None:
    assert split_request(text) == (which, when)


@pytest.mark.asyncio
async def test_the_named_appointment_and_the_new_day_with_the_same_clinician() -> None:
    gateway = ehr()
    tracker = starting(FORM, "move my tuesday appointment to friday", "reschedule_appointment")
    result = await run(validator(gateway), tracker)
    assert result.texts == [
        "Let's find a new time for your follow-up visit on Tuesday, December 1 at 9:30 AM with Dr. Priya "
        "Patel MD at Riverside Family Medicine - Medford.",
        "Here are open times for a follow-up visit:\n"
        "1. Friday, December 4 at 9:00 AM with Dr. Priya Patel MD at Riverside Family Medicine - Medford\n"
        "2. Friday, December 4 at 9:30 AM with Dr. Priya Patel MD at Riverside Family Medicine - Medford\n"
        'Which one would you like? You can also tell me another day or time, or say "anyone" to see other '
        "clinicians.",
    ]
    slots = slot_events(result.events)
    assert slots["schedule_appointment_id"] == "a-tue"
    assert slots["schedule_visit_type"] == "follow-up"
    assert slots["schedule_clinician_id"] == PATEL.id
    assert slots["requested_slot"] == "schedule_slot_id"
    assert "book" not in gateway.calls and "cancel" not in gateway.calls


@pytest.mark.asyncio
async def test_which_one_is_asked_when_the_request_does_not_say() -> None:
    result = await run(validator(ehr()), starting(FORM, "i need to reschedule", "reschedule_appointment"))
    assert result.texts[0].startswith(
        "Which appointment would you like to move?\n1. Follow-up visit on Tuesday"
    )
    assert slot_events(result.events)["requested_slot"] == "schedule_appointment_id"
    pick = answering(
        FORM,
        "schedule_appointment_id",
        "the 2nd",
        slots={"schedule_options": slot_events(result.events)["schedule_options"]},
    )
    chosen = await run(validator(ehr()), pick)
    assert chosen.texts[0].startswith(
        "Let's find a new time for your annual physical on Thursday, December 3"
    )
    slots = slot_events(chosen.events)
    assert slots["schedule_appointment_id"] == "a-thu"
    assert slots["schedule_clinician_id"] == NGUYEN.id
    assert [o["id"] for o in slots["schedule_options"]] == ["s-fri-10-nguyen"]


@pytest.mark.asyncio
async def test_an_appointment_type_the_clinic_does_not_name_asks_for_the_visit_type() -> None:
    gateway = FakeGateway(
        appointments={"p-demo": [appointment("a-x", at(1, 9, 30), visit_type="Routine appointment")]},
        slots=open_times(),
    )
    result = await run(validator(gateway), starting(FORM, "reschedule pls", "reschedule_appointment"))
    assert result.texts[0].startswith("Let's find a new time for your appointment on Tuesday, December 1")
    assert "What kind of visit is it:" in result.texts[0]
    assert slot_events(result.events)["requested_slot"] == "schedule_visit_type"
    assert slot_events(result.events)["schedule_appointment_id"] == "a-x"


@pytest.mark.asyncio
async def test_inside_the_change_window_goes_to_staff() -> None:
    gateway = FakeGateway(
        appointments={"p-demo": [appointment("a-soon", NOW + timedelta(hours=3))]}, slots=open_times()
    )
    result = await run(validator(gateway), starting(FORM, "move my appt", "reschedule_appointment"))
    assert (
        "is less than 24 hours away. Changes that close to the visit are made by our staff."
        in result.texts[0]
    )
    assert handoff_outcome(result.events) == ("handoff", "staff_change", None)


@pytest.mark.asyncio
async def test_a_read_only_ehr_is_said_plainly() -> None:
    gateway = ehr(capabilities_=READ_ONLY)
    result = await run(validator(gateway), starting(FORM, "move my appt", "reschedule_appointment"))
    assert result.texts == [
        "I'm sorry, I can't move appointments in our scheduling system from this chat. A member of our staff "
        "can do it for you. Would you like me to connect you?"
    ]
    assert gateway.calls == ["capabilities"]


@pytest.mark.asyncio
async def test_no_appointment_to_move() -> None:
    result = await run(validator(FakeGateway()), starting(FORM, "move my appt", "reschedule_appointment"))
    assert result.texts == [
        "You don't have any upcoming appointments to move. If you'd like to book one, just ask."
    ]


CHOSEN = {
    "schedule_appointment_id": "a-tue",
    "schedule_visit_type": "follow-up",
    "schedule_clinician_id": PATEL.id,
    "schedule_options": [
        {"id": "s-fri-9", "start": at(4, 9).isoformat()},
        {"id": "s-fri-930", "start": at(4, 9, 30).isoformat()},
    ],
}


@pytest.mark.asyncio
async def test_the_pick_is_confirmed_as_a_move_from_the_old_time_to_the_new() -> None:
    tracker = answering(FORM, "schedule_slot_id", "the second", slots=CHOSEN)
    gateway = ehr()
    result = await run(validator(gateway), tracker)
    assert result.texts == [
        "To confirm: move your follow-up visit on Tuesday, December 1 at 9:30 AM with Dr. Priya Patel MD at "
        "Riverside Family Medicine - Medford to Friday, December 4 at 9:30 AM with Dr. Priya Patel MD at "
        "Riverside Family Medicine - Medford?"
    ]
    assert slot_events(result.events) == {
        "schedule_slot_id": "s-fri-930",
        "schedule_confirmed": None,
        "requested_slot": "schedule_confirmed",
    }
    assert "book" not in gateway.calls and "cancel" not in gateway.calls


@pytest.mark.asyncio
async def test_yes_completes_the_form_no_changes_nothing() -> None:
    def confirming(value: Any, intent: str) -> Any:
        return answering(
            FORM,
            "schedule_confirmed",
            value,
            intent=intent,
            slots={**CHOSEN, "schedule_slot_id": "s-fri-930"},
        )

    yes = await run(validator(ehr()), confirming(True, "affirm"))
    assert slot_events(yes.events) == {"schedule_confirmed": True, "requested_slot": None}
    no = await run(validator(ehr()), confirming(False, "deny"))
    assert no.texts == ["OK, I haven't changed anything: your appointment stays as it is."]
    assert slot_events(no.events) == {"schedule_confirmed": False, "requested_slot": None}


CONFIRMED = {**CHOSEN, "schedule_slot_id": "s-fri-930", "schedule_confirmed": True}


def mover(gateway: FakeGateway) -> ActionRescheduleAppointment:
    return ActionRescheduleAppointment(gateway, CLINIC, clock=clock)


@pytest.mark.asyncio
async def test_the_new_time_is_booked_before_the_old_one_is_cancelled() -> None:
    gateway = ehr()
    result = await run(mover(gateway), submit_tracker(CONFIRMED))
    assert gateway.calls == ["upcoming_appointments", "book", "cancel"]
    assert status(gateway, "a-tue") == "cancelled"
    new = [a for a in gateway.appointments["p-demo"] if a.slot_ids == ("s-fri-930",)]
    assert len(new) == 1 and new[0].status == "booked" and new[0].visit_type == "follow-up"
    assert result.texts == [
        "Done: you're booked for a follow-up visit on Friday, December 4 at 9:30 AM with Dr. Priya Patel MD "
        "at Riverside Family Medicine - Medford, 1200 Riverside Avenue, Medford, MA 02155. Your appointment "
        "on Tuesday, December 1 at 9:30 AM is cancelled.\n"
        "Please bring a photo ID and your insurance card."
    ]
    assert all(value is None for value in slot_events(result.events).values())


@pytest.mark.asyncio
@pytest.mark.parametrize("confirmed", [None, False])
async def test_nothing_changes_without_a_yes(confirmed: bool | None) -> None:
    gateway = ehr()
    result = await run(mover(gateway), submit_tracker({**CONFIRMED, "schedule_confirmed": confirmed}))
    assert gateway.calls == [] and result.texts == []


@pytest.mark.asyncio
async def test_a_new_time_taken_meanwhile_leaves_the_old_one_and_offers_fresh_times() -> None:
    gateway = ehr()
    gateway.slots = [s for s in gateway.slots if s.id != "s-fri-930"]
    result = await run(mover(gateway), submit_tracker(CONFIRMED))
    assert result.texts == [
        "I'm sorry, that time was just taken by someone else. Your appointment hasn't changed."
    ]
    assert slot_events(result.events)["schedule_next"] == "choose_again"
    assert "cancel" not in gateway.calls and status(gateway, "a-tue") == "booked"
    again = starting(FORM, "yes", "affirm", slots={**CHOSEN, "schedule_next": "choose_again"})
    fresh = await run(validator(gateway), again)
    assert [o["id"] for o in slot_events(fresh.events)["schedule_options"]] == ["s-fri-9", "s-mon-9"]
    assert "schedule_appointment_id" not in slot_events(fresh.events)  # still the one being moved


@pytest.mark.asyncio
async def test_a_failed_booking_leaves_the_old_appointment_untouched() -> None:
    gateway = ehr(BookFails)
    result = await run(mover(gateway), submit_tracker(CONFIRMED))
    assert gateway.calls == ["upcoming_appointments", "book"]
    assert status(gateway, "a-tue") == "booked"
    assert result.texts == [
        "I'm sorry, I couldn't book the new time, so your follow-up visit on Tuesday, December 1 at 9:30 AM "
        "with Dr. Priya Patel MD at Riverside Family Medicine - Medford is unchanged. Our records system may "
        "be having trouble. Would you like me to connect you with a member of our staff?"
    ]
    assert result.slot("offer") == "handoff" and result.slot("handoff_reason") == "ehr_unavailable"


@pytest.mark.asyncio
async def test_a_failed_cancellation_of_the_old_one_is_told_and_handed_to_staff() -> None:
    gateway = ehr(CancelFails)
    result = await run(mover(gateway), submit_tracker(CONFIRMED))
    assert gateway.calls == ["upcoming_appointments", "book", "cancel"]
    assert [a.slot_ids for a in gateway.appointments["p-demo"] if a.status == "booked"][-1] == ("s-fri-930",)
    assert result.texts == [
        "Your new appointment is booked: follow-up visit on Friday, December 4 at 9:30 AM with Dr. Priya "
        "Patel MD at Riverside Family Medicine - Medford, 1200 Riverside Avenue, Medford, MA 02155. But I "
        "couldn't cancel your appointment on Tuesday, December 1 at 9:30 AM, so I'm passing this to our "
        "staff to cancel it for you."
    ]
    assert result.slot("schedule_next") == "staff"  # the rules run action_handoff at once
    assert result.slot("handoff_reason") == "staff_change"


@pytest.mark.asyncio
async def test_the_window_is_checked_again_when_moving() -> None:
    gateway = ehr()
    late = ActionRescheduleAppointment(gateway, CLINIC, clock=lambda: at(1, 8))
    result = await run(late, submit_tracker(CONFIRMED))
    assert "is less than 24 hours away" in result.texts[0]
    assert gateway.calls == ["upcoming_appointments"]


@pytest.mark.asyncio
async def test_a_read_only_ehr_at_the_move_is_said_plainly() -> None:
    gateway = ehr(capabilities_=READ_ONLY)
    result = await run(mover(gateway), submit_tracker(CONFIRMED))
    assert result.texts[0].startswith("I'm sorry, I can't move appointments in our scheduling system")
    assert result.slot("handoff_reason") == "staff_change"
    assert status(gateway, "a-tue") == "booked"


@pytest.mark.asyncio
async def test_a_named_clinician_in_the_pick_searches_again() -> None:
    tracker = answering(
        FORM, "schedule_slot_id", "with dr nguyen", slots=CHOSEN, entities=[entity("clinician", "dr nguyen")]
    )
    result = await run(validator(ehr()), tracker)
    assert slot_events(result.events)["schedule_clinician_id"] == NGUYEN.id
    assert [o["id"] for o in slot_events(result.events)["schedule_options"]] == ["s-fri-10-nguyen"]
