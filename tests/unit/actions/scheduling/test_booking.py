"""Booking: a pick; a yes; the booking (only then); a time taken meanwhile offered again; a read-only
EHR; an EHR down. Offering the times is test_offering.py's."""

from __future__ import annotations

from typing import Any

import pytest

from actions.ehr import EHRUnavailable
from actions.scheduling.booking import ActionBookAppointment
from tests.unit.actions.conversation import run
from tests.unit.actions.scheduling.support import (
    CLINIC,
    FORM,
    PATEL,
    answering,
    at,
    gateway_with_patel_as_usual,
    option_ids,
    slot_events,
    starting,
    submit_tracker,
    validator,
)
from tests.unit.fakes import READ_ONLY, FakeGateway

# -- the form: picking and confirming -------------------------------------------------------------

OFFERED = {
    "schedule_visit_type": "follow-up",
    "schedule_clinician_id": PATEL.id,
    "schedule_options": [
        {"id": "s-tue-930", "start": at(1, 9, 30).isoformat()},
        {"id": "s-tue-10", "start": at(1, 10).isoformat()},
        {"id": "s-tue-1030", "start": at(1, 10, 30).isoformat()},
    ],
}


def picking(text: str, intent: str = "inform", **kwargs: Any) -> Any:
    return answering(FORM, "schedule_slot_id", text, intent=intent, slots=OFFERED, **kwargs)


@pytest.mark.asyncio
@pytest.mark.parametrize("text", ["the second one", "2", "10am", "the 10:00 one"])
async def test_a_pick_is_described_and_confirmation_asked_nothing_is_booked_yet(text: str) -> None:
    gateway = gateway_with_patel_as_usual()
    result = await run(validator(gateway), picking(text))
    assert result.texts == [
        "To confirm: a follow-up visit on Tuesday, December 1 at 10:00 AM with Dr. Priya Patel MD at "
        "Riverside Family Medicine - Medford. Shall I book it?"
    ]
    assert slot_events(result.events) == {
        "schedule_slot_id": "s-tue-10",
        "schedule_confirmed": None,
        "requested_slot": "schedule_confirmed",
    }
    assert "book" not in gateway.calls


@pytest.mark.asyncio
async def test_a_pick_taken_meanwhile_is_said_and_fresh_options_shown() -> None:
    gateway = gateway_with_patel_as_usual()
    gateway.slots = [s for s in gateway.slots if s.id != "s-tue-10"]  # someone else booked it
    result = await run(validator(gateway), picking("the second one"))
    assert result.texts[0] == "I'm sorry, that time was just taken."
    assert result.texts[1].startswith("Here are open times for a follow-up visit:")
    assert "s-tue-10" not in option_ids(result.events)
    assert slot_events(result.events)["requested_slot"] == "schedule_slot_id"


@pytest.mark.asyncio
async def test_another_day_searches_again() -> None:
    result = await run(validator(gateway_with_patel_as_usual()), picking("anything monday?"))
    assert option_ids(result.events) == ["s-mon-9"]
    assert slot_events(result.events)["schedule_window"]["start"].startswith("2026-11-30")


@pytest.mark.asyncio
async def test_anyone_searches_again_without_the_usual_clinician() -> None:
    result = await run(validator(gateway_with_patel_as_usual()), picking("anyone is fine"))
    assert slot_events(result.events)["schedule_clinician_id"] is None
    assert option_ids(result.events) == ["s-mon-9", "s-tue-8", "s-tue-930"]  # the soonest, anyone's


@pytest.mark.asyncio
async def test_an_unclear_pick_is_asked_again() -> None:
    result = await run(validator(gateway_with_patel_as_usual()), picking("hmm not sure"))
    assert result.texts == [
        "Sorry, which one? Reply with its number (1 to 3), or tell me another day or time."
    ]
    assert slot_events(result.events) == {"schedule_slot_id": None, "requested_slot": "schedule_slot_id"}


@pytest.mark.asyncio
async def test_no_to_the_options_books_nothing_and_ends_the_form() -> None:
    gateway = gateway_with_patel_as_usual()
    result = await run(validator(gateway), picking("no none of those", "deny"))
    assert result.texts == ["OK, I haven't booked anything. If you'd like another time, just ask."]
    assert slot_events(result.events)["requested_slot"] is None
    assert "book" not in gateway.calls


def confirming(value: Any, text: str, intent: str) -> Any:
    return answering(
        FORM,
        "schedule_confirmed",
        value,
        text=text,
        intent=intent,
        slots={**OFFERED, "schedule_slot_id": "s-tue-10"},
    )


@pytest.mark.asyncio
async def test_yes_completes_the_form_and_books_nothing_itself() -> None:
    gateway = gateway_with_patel_as_usual()
    result = await run(validator(gateway), confirming(True, "yes", "affirm"))
    assert result.events == [
        {"event": "slot", "timestamp": None, "name": "schedule_confirmed", "value": True},
        {"event": "slot", "timestamp": None, "name": "requested_slot", "value": None},
    ]
    assert result.texts == []
    assert "book" not in gateway.calls


@pytest.mark.asyncio
async def test_no_completes_the_form_without_a_yes() -> None:
    result = await run(validator(gateway_with_patel_as_usual()), confirming(False, "no", "deny"))
    assert result.texts == ["OK, I haven't booked anything. If you'd like another time, just ask."]
    assert slot_events(result.events) == {"schedule_confirmed": False, "requested_slot": None}


@pytest.mark.asyncio
async def test_a_different_pick_at_the_confirmation_is_described_instead() -> None:
    result = await run(
        validator(gateway_with_patel_as_usual()),
        confirming("actually the third one", "actually the third one", "inform"),
    )
    assert result.texts[0].startswith("To confirm: a follow-up visit on Tuesday, December 1 at 10:30 AM")
    assert slot_events(result.events)["schedule_slot_id"] == "s-tue-1030"


@pytest.mark.asyncio
async def test_an_unclear_answer_to_the_confirmation_is_asked_again() -> None:
    result = await run(validator(gateway_with_patel_as_usual()), confirming("hmm", "hmm", "inform"))
    assert result.texts == ["Please answer yes to book it, or no to leave it."]
    assert slot_events(result.events) == {"schedule_confirmed": None, "requested_slot": "schedule_confirmed"}


# -- booking ---------------------------------------------------------------------------------------

CONFIRMED = {**OFFERED, "schedule_slot_id": "s-tue-10", "schedule_confirmed": True}


@pytest.mark.asyncio
async def test_booking_after_the_yes() -> None:
    gateway = gateway_with_patel_as_usual()
    result = await run(ActionBookAppointment(gateway, CLINIC), submit_tracker(CONFIRMED))
    assert result.texts == [
        "You're booked: follow-up visit on Tuesday, December 1 at 10:00 AM with Dr. Priya Patel MD at "
        "Riverside Family Medicine - Medford, 1200 Riverside Avenue, Medford, MA 02155.\n"
        "Please bring a photo ID and your insurance card."
    ]
    assert gateway.calls == ["book"]
    booked = [a for a in gateway.appointments["p-demo"] if a.slot_ids == ("s-tue-10",)]
    assert len(booked) == 1 and booked[0].visit_type == "follow-up"
    assert all(
        value is None for value in slot_events(result.events).values()
    )  # every scheduling slot cleared


@pytest.mark.asyncio
@pytest.mark.parametrize("confirmed", [None, False])
async def test_no_booking_without_a_yes(confirmed: bool | None) -> None:
    gateway = gateway_with_patel_as_usual()
    result = await run(
        ActionBookAppointment(gateway, CLINIC), submit_tracker({**CONFIRMED, "schedule_confirmed": confirmed})
    )
    assert gateway.calls == []
    assert result.texts == []


@pytest.mark.asyncio
async def test_a_time_taken_meanwhile_sends_the_form_round_again_with_fresh_options() -> None:
    gateway = gateway_with_patel_as_usual()
    gateway.slots = [s for s in gateway.slots if s.id != "s-tue-10"]  # taken between the yes and the booking
    result = await run(ActionBookAppointment(gateway, CLINIC), submit_tracker(CONFIRMED))
    assert result.texts == ["I'm sorry, that time was just taken by someone else."]
    assert slot_events(result.events) == {
        "schedule_slot_id": None,
        "schedule_confirmed": None,
        "schedule_options": None,
        "schedule_next": "choose_again",
    }
    # the rules start the form again, which offers what is free now
    again = starting(FORM, "yes", "affirm", slots={**OFFERED, "schedule_next": "choose_again"})
    fresh = await run(validator(gateway), again)
    assert fresh.texts[0].startswith("Here are open times for a follow-up visit:")
    assert "s-tue-10" not in option_ids(fresh.events)
    assert slot_events(fresh.events)["schedule_next"] is None
    assert slot_events(fresh.events)["requested_slot"] == "schedule_slot_id"


@pytest.mark.asyncio
async def test_a_read_only_ehr_at_booking_time_is_said_plainly() -> None:
    gateway = gateway_with_patel_as_usual(capabilities_=READ_ONLY)
    result = await run(ActionBookAppointment(gateway, CLINIC), submit_tracker(CONFIRMED))
    assert result.texts[0].startswith("I'm sorry, I can't book appointments in our scheduling system")
    assert result.slot("offer") == "handoff" and result.slot("handoff_reason") == "staff_change"


@pytest.mark.asyncio
async def test_the_ehr_down_at_booking_time_is_answered_politely() -> None:
    gateway = gateway_with_patel_as_usual(fail_with=EHRUnavailable("down", status=503))
    result = await run(ActionBookAppointment(gateway, CLINIC), submit_tracker(CONFIRMED))
    assert result.responses == ["utter_ehr_unavailable"]
    assert result.slot("offer") == "handoff"


@pytest.mark.asyncio
async def test_the_general_practitioner_on_record_is_the_usual_clinician() -> None:
    from actions.ehr import Patient
    from actions.scheduling.offering import usual_clinician

    on_record = Patient(
        id="p-demo", given_name="Dana", family_name="W", birth_date=None, general_practitioner_id="dr-x"
    )
    usual = await usual_clinician(FakeGateway(patients=[on_record]), "p-demo")
    assert usual is not None and usual.id == "dr-x"
    assert await usual_clinician(FakeGateway(), "p-demo") is None  # nothing on record, nothing booked
