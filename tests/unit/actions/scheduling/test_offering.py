"""Offering times to book: open times near the day and time asked for, with the usual clinician or
anyone; the booking form's start (visit type, clinician, nothing near, a read-only EHR, an EHR down)."""

from __future__ import annotations

import pytest

from actions.dates import parse_when
from actions.ehr import EHRUnavailable
from actions.scheduling.context import wants_anyone
from actions.scheduling.offering import find_times
from tests.unit.actions.conversation import run
from tests.unit.actions.scheduling.support import (
    FORM,
    NGUYEN,
    NOW,
    PATEL,
    answering,
    at,
    entity,
    gateway_with_patel_as_usual,
    handoff_outcome,
    open_times,
    option_ids,
    slot,
    slot_events,
    starting,
    user_event,
    validator,
)
from tests.unit.fakes import READ_ONLY, FakeGateway

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
