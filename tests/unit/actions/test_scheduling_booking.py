"""Booking: open times near what was asked, with the usual clinician or anyone; a pick; a yes; the
booking (only then); a time taken meanwhile offered again; a read-only EHR; an EHR down."""

from __future__ import annotations

from typing import Any

import pytest

from actions.dates import parse_when
from actions.ehr import EHRUnavailable
from actions.scheduling.booking import ActionBookAppointment, ValidateBookingForm
from actions.scheduling.context import wants_anyone
from actions.scheduling.offering import find_times
from tests.unit.actions.conversation import run
from tests.unit.actions.test_scheduling_support import (
    CLINIC,
    MALDEN,
    NGUYEN,
    NOW,
    PATEL,
    answering,
    appointment,
    at,
    clock,
    entity,
    handoff_outcome,
    slot,
    slot_events,
    starting,
    submit_tracker,
    user_event,
)
from tests.unit.fakes import READ_ONLY, FakeGateway

FORM = "booking_form"


def open_times() -> list[Any]:
    return [
        slot("s-mon-9", at(30, 9, month=11)),
        slot("s-tue-8", at(1, 8)),
        slot("s-tue-930", at(1, 9, 30)),
        slot("s-tue-10", at(1, 10)),
        slot("s-tue-1030", at(1, 10, 30)),
        slot("s-tue-14", at(1, 14)),
        slot("s-tue-10-nguyen", at(1, 10), NGUYEN, MALDEN),
        slot("s-wed-10-nguyen", at(2, 10), NGUYEN, MALDEN),
        slot("s-tue-11-video", at(1, 11), visit_types=("telehealth",)),
    ]


def gateway_with_patel_as_usual(**kwargs: Any) -> FakeGateway:
    """The patient has a visit booked with Dr. Patel next month: she is their clinician."""
    return FakeGateway(
        slots=open_times(), appointments={"p-demo": [appointment("a-jan", at(15, 9, month=12))]}, **kwargs
    )


def validator(gateway: FakeGateway) -> ValidateBookingForm:
    return ValidateBookingForm(gateway, CLINIC, clock=clock)


def option_ids(events: list[dict[str, Any]]) -> list[str]:
    return [o["id"] for o in slot_events(events)["schedule_options"]]


# -- finding open times ---------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_times_near_the_day_and_time_asked_for_with_the_visit_type() -> None:
    gateway = FakeGateway(slots=open_times())
    window = parse_when("tuesday at 10", NOW)
    found = await find_times(gateway, visit_type="follow-up", window=window, clinician_id=PATEL.id, now=NOW)
    assert found is not None
    assert [s.id for s in found.slots] == ["s-tue-930", "s-tue-10", "s-tue-1030"]
    assert found.note == ""


@pytest.mark.asyncio
async def test_only_the_part_of_the_day_asked_for() -> None:
    gateway = FakeGateway(slots=open_times())
    window = parse_when("tuesday afternoon", NOW)
    found = await find_times(gateway, visit_type="follow-up", window=window, clinician_id=None, now=NOW)
    assert found is not None
    assert [s.id for s in found.slots] == ["s-tue-14"]


@pytest.mark.asyncio
async def test_anyone_when_the_usual_clinician_has_nothing_then() -> None:
    gateway = FakeGateway(slots=open_times())
    window = parse_when("wednesday", NOW)
    found = await find_times(gateway, visit_type="follow-up", window=window, clinician_id=PATEL.id, now=NOW)
    assert found is not None
    assert [s.id for s in found.slots] == ["s-wed-10-nguyen"]
    assert found.note == "Your clinician has nothing open then, so these are with others. "


@pytest.mark.asyncio
async def test_the_nearest_days_when_nothing_is_open_on_the_day_asked() -> None:
    gateway = FakeGateway(
        slots=[slot("s-mon", at(30, 9, month=11)), slot("s-fri", at(4, 9)), slot("s-tue", at(8, 9))]
    )
    window = parse_when("thursday", NOW)  # December 3
    found = await find_times(gateway, visit_type="follow-up", window=window, clinician_id=None, now=NOW)
    assert found is not None
    assert [s.id for s in found.slots] == ["s-mon", "s-fri", "s-tue"]
    assert found.note == "Nothing is open then, so these are the nearest times. "


@pytest.mark.asyncio
async def test_nothing_near_at_all() -> None:
    gateway = FakeGateway(slots=[slot("s-far", at(30, 9))])
    found = await find_times(gateway, visit_type="follow-up", window=None, clinician_id=None, now=NOW)
    assert found is None


@pytest.mark.parametrize(
    ("text", "anyone"),
    [
        ("anyone is fine", True),
        ("any doctor", True),
        ("a different provider please", True),
        ("whoever", True),
        ("any one of those works", False),  # any of the times, not any clinician
        ("the first one", False),
    ],
)
def test_asking_for_anyone(text: str, anyone: bool) -> None:
    assert wants_anyone(text) is anyone


@pytest.mark.asyncio
async def test_a_window_asked_for_earlier_never_offers_a_time_already_past() -> None:
    gateway = FakeGateway(slots=[slot("s-past", at(1, 13)), slot("s-later", at(1, 15))])
    window = parse_when("tuesday afternoon", NOW)
    found = await find_times(gateway, visit_type="follow-up", window=window, clinician_id=None, now=at(1, 14))
    assert found is not None and [s.id for s in found.slots] == ["s-later"]


# -- the form: starting ----------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_request_with_visit_type_and_time_shows_open_times_with_the_usual_clinician() -> None:
    gateway = gateway_with_patel_as_usual()
    tracker = starting(
        FORM,
        "can i get a follow up tuesday at 10",
        "book_appointment",
        entities=[entity("visit_type", "follow-up")],
    )
    result = await run(validator(gateway), tracker)
    assert result.texts == [
        "Here are open times for a follow-up visit:\n"
        "1. Tuesday, December 1 at 9:30 AM with Dr. Priya Patel MD at Riverside Family Medicine - Medford\n"
        "2. Tuesday, December 1 at 10:00 AM with Dr. Priya Patel MD at Riverside Family Medicine - Medford\n"
        "3. Tuesday, December 1 at 10:30 AM with Dr. Priya Patel MD at Riverside Family Medicine - Medford\n"
        'Which one would you like? You can also tell me another day or time, or say "anyone" to see other '
        "clinicians."
    ]
    slots = slot_events(result.events)
    assert slots["schedule_visit_type"] == "follow-up"
    assert slots["schedule_clinician_id"] == PATEL.id
    assert slots["schedule_window"]["preferred_time"] == "10:00"
    assert option_ids(result.events) == ["s-tue-930", "s-tue-10", "s-tue-1030"]
    assert slots["requested_slot"] == "schedule_slot_id"
    assert slots["offer"] is None
    assert "book" not in gateway.calls


@pytest.mark.asyncio
async def test_the_request_is_read_even_when_verification_came_between() -> None:
    gateway = gateway_with_patel_as_usual()
    history = [
        user_event(
            "book a video visit for tuesday", "book_appointment", [entity("visit_type", "telehealth")]
        ),
        user_event("03/14/1984", "inform"),
    ]
    tracker = starting(FORM, "4321", "inform", history=history, slots={"pending_request": "book_appointment"})
    result = await run(validator(gateway), tracker)
    assert result.texts[0].startswith(
        "Here are open times for a video visit:\n1. Tuesday, December 1 at 11:00 AM"
    )
    assert "Medford" not in result.texts[0]  # no place for a video visit
    assert option_ids(result.events) == ["s-tue-11-video"]
    assert slot_events(result.events)["pending_request"] is None  # the held request is served


@pytest.mark.asyncio
async def test_without_a_visit_type_it_asks_which_kind_then_shows_times() -> None:
    gateway = gateway_with_patel_as_usual()
    start = await run(validator(gateway), starting(FORM, "i need an appointment", "book_appointment"))
    assert start.texts == [
        "What kind of visit is it: new patient visit, follow-up visit, annual physical, sick visit or "
        "video visit?"
    ]
    assert slot_events(start.events)["requested_slot"] == "schedule_visit_type"
    answer = answering(FORM, "schedule_visit_type", "physical", slots={"schedule_clinician_id": PATEL.id})
    result = await run(validator(gateway), answer)
    assert result.texts[0].startswith("Here are open times for an annual physical:")
    assert slot_events(result.events)["schedule_visit_type"] == "annual-physical"
    assert option_ids(result.events) == ["s-mon-9", "s-tue-8", "s-tue-930"]


@pytest.mark.asyncio
async def test_an_unclear_visit_type_is_asked_again() -> None:
    result = await run(
        validator(gateway_with_patel_as_usual()),
        answering(FORM, "schedule_visit_type", "hmm"),
    )
    assert result.texts[0].startswith("Sorry, I didn't catch that. What kind of visit is it:")
    assert slot_events(result.events) == {
        "schedule_visit_type": None,
        "requested_slot": "schedule_visit_type",
    }


@pytest.mark.asyncio
async def test_anyone_asked_for_up_front_skips_the_usual_clinician() -> None:
    gateway = gateway_with_patel_as_usual()
    tracker = starting(
        FORM,
        "sick visit wednesday, anyone is fine",
        "book_appointment",
        entities=[entity("visit_type", "sick-visit")],
    )
    result = await run(validator(gateway), tracker)
    assert option_ids(result.events) == ["s-wed-10-nguyen"]
    assert slot_events(result.events)["schedule_clinician_id"] is None
    assert result.texts[0].startswith(
        "Here are open times for a sick visit:\n1. Wednesday, December 2 at 10:00 AM"
    )


@pytest.mark.asyncio
async def test_a_named_clinician_is_looked_for() -> None:
    gateway = gateway_with_patel_as_usual()
    tracker = starting(
        FORM,
        "follow up with dr nguyen tuesday",
        "book_appointment",
        entities=[entity("visit_type", "follow-up"), entity("clinician", "dr nguyen")],
    )
    result = await run(validator(gateway), tracker)
    assert slot_events(result.events)["schedule_clinician_id"] == NGUYEN.id
    assert option_ids(result.events) == ["s-tue-10-nguyen"]


@pytest.mark.asyncio
async def test_nothing_free_near_then_offers_staff_and_ends_the_form() -> None:
    gateway = FakeGateway(slots=[])
    tracker = starting(
        FORM, "follow up tuesday", "book_appointment", entities=[entity("visit_type", "follow-up")]
    )
    result = await run(validator(gateway), tracker)
    assert result.texts == [
        "I'm sorry, I couldn't find an open time for a follow-up visit then, or in the weeks around it. Our "
        "staff may be able to fit you in. Would you like me to connect you?"
    ]
    slots = slot_events(result.events)
    assert slots["offer"] == "handoff" and slots["handoff_reason"] == "staff_change"
    assert slots["requested_slot"] is None


@pytest.mark.asyncio
async def test_a_read_only_ehr_is_said_plainly_and_staff_offered() -> None:
    gateway = gateway_with_patel_as_usual(capabilities_=READ_ONLY)
    tracker = starting(FORM, "book a follow up", "book_appointment")
    result = await run(validator(gateway), tracker)
    assert result.texts == [
        "I'm sorry, I can't book appointments in our scheduling system from this chat. A member of our staff "
        "can do it for you. Would you like me to connect you?"
    ]
    assert handoff_outcome(result.events) == ("handoff", "staff_change", None)
    assert gateway.calls == ["capabilities"]


@pytest.mark.asyncio
async def test_the_ehr_down_ends_the_form_politely() -> None:
    gateway = FakeGateway(fail_with=EHRUnavailable("down", status=503))
    result = await run(validator(gateway), starting(FORM, "book a follow up", "book_appointment"))
    assert result.responses == ["utter_ehr_unavailable"]
    assert handoff_outcome(result.events) == ("handoff", "ehr_unavailable", None)


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
