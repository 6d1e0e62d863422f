"""Scheduling conversations through the REST channel, checked against the sandbox EHR.

Tried here: the upcoming appointments (when, in the clinic's zone, with whom and where) and "none"
for a patient with none; booking a follow-up near a day ("next tuesday afternoon"), picking an
option and saying yes, after which the Appointment is in the EHR on that Slot; saying no, after
which nothing is; cancelling (the Appointment is cancelled and its Slot free again); and moving a
visit (the new time booked, the old one cancelled).

Each test that writes uses its own patients: the sandbox is shared by the whole session.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.integration.conversation import (
    CLINIC,
    Fhir,
    ask_verified,
    day_label,
    local,
    next_weeks,
    numbered,
    offered_day,
    offered_slot,
    person_names,
    slot_id,
    visit_code,
    visit_codes,
    when,
    with_article,
)

pytestmark = pytest.mark.integration

TUESDAY, THURSDAY = 1, 3


@pytest.fixture
def fhir(sandbox) -> Fhir:
    return Fhir(sandbox.base_url)


def changeable(fhir: Fhir, candidates: list[Any]) -> tuple[Any, dict[str, Any]]:
    """The first candidate with exactly one upcoming appointment, far enough away to be changed in
    the chat (outside the clinic's change window), and that appointment."""
    earliest = datetime.now(CLINIC.zone) + timedelta(hours=CLINIC.change_window_hours + 2)
    for info in candidates:
        upcoming = fhir.upcoming(info.id)
        if len(upcoming) == 1 and local(upcoming[0]["start"]) > earliest:
            return info, upcoming[0]
    raise AssertionError("no candidate has one upcoming appointment outside the change window")


def describes(line: str, fhir: Fhir, appointment: dict[str, Any]) -> None:
    """``line`` gives the appointment's time in the clinic's zone, its clinician and its place."""
    assert when(local(appointment["start"])) in line, line
    practitioner = fhir.actor(appointment, "Practitioner")
    assert practitioner is not None
    for name in person_names(practitioner):
        assert name in line, line
    location = fhir.actor(appointment, "Location")
    assert location is not None
    if visit_code(appointment) == "telehealth":
        assert location["name"] not in line, line  # a video visit has no place to go to
    else:
        assert f" at {location['name']}" in line, line


def test_next_appointments_with_time_clinician_and_place(chat, sandbox, fhir):
    info = sandbox.patient("demo")
    expected = [fhir.read("Appointment", i) for i in info.upcoming_appointments]
    assert len(expected) == 2
    reply = ask_verified(chat, info, "when is my next appointment")
    assert f"You have {len(expected)} upcoming appointments:" in reply
    lines = numbered(reply)
    for line, appointment in zip(lines, expected, strict=True):
        assert line.startswith(CLINIC.visit_label(visit_code(appointment)).capitalize()), line
        describes(line, fhir, appointment)
    assert "reschedule or cancel" in reply


def test_no_upcoming_appointments(chat, sandbox, fhir):
    info = sandbox.patient("no_appointments")
    assert fhir.upcoming(info.id) == []
    reply = ask_verified(chat, info, "do i have any appointments coming up")
    assert "You don't have any upcoming appointments." in reply
    assert numbered(reply) == []


def test_booking_a_follow_up_next_tuesday_afternoon(chat, sandbox, fhir):
    info = sandbox.case("phone_formats")[0]
    before = {a["id"] for a in fhir.appointments(info.id)}
    reply = ask_verified(chat, info, "book a follow up next tuesday afternoon")
    assert "Here are open times for a follow-up visit:" in reply
    options = numbered(reply)
    assert options
    tuesday = day_label(next_weeks(TUESDAY))
    for option in options:
        assert option.startswith(f"{tuesday} at "), option
        assert option.split(" with ")[0].endswith(" PM"), option  # the afternoon
    chosen = options[1] if len(options) > 1 else options[0]

    confirm = chat.said("the second one" if len(options) > 1 else "the first one")
    assert f"To confirm: a follow-up visit on {chosen}. Shall I book it?" in confirm
    assert {a["id"] for a in fhir.appointments(info.id)} == before  # nothing yet without a yes

    booked = chat.said("yes")
    assert booked.startswith(f"You're booked: follow-up visit on {chosen}, "), booked
    assert CLINIC.what_to_bring.split(",")[0] in booked

    new = [a for a in fhir.appointments(info.id) if a["id"] not in before]
    assert len(new) == 1
    appointment = new[0]
    assert appointment["status"] == "booked"
    assert visit_code(appointment) == "follow-up"
    assert {"reference": f"Patient/{info.id}"} in [p["actor"] for p in appointment["participant"]]
    describes(chosen, fhir, appointment)
    slot = fhir.read("Slot", slot_id(appointment))
    assert slot["status"] == "busy"
    assert local(slot["start"]) == local(appointment["start"])
    assert "follow-up" in visit_codes(slot)  # an in-person slot, not a video-only one


def test_saying_no_to_the_time_books_nothing(chat, sandbox, fhir):
    info = sandbox.case("phone_formats")[1]
    before = [(a["id"], a["status"]) for a in fhir.appointments(info.id)]
    reply = ask_verified(chat, info, "i need to make an appointment")
    assert "What kind of visit is it:" in reply
    offered = chat.said("a sick visit")
    assert "Here are open times for a sick visit:" in offered
    options = numbered(offered)
    assert options
    confirm = chat.said("1")
    assert f"To confirm: a sick visit on {options[0]}. Shall I book it?" in confirm
    assert "haven't booked anything" in chat.said("no")
    assert [(a["id"], a["status"]) for a in fhir.appointments(info.id)] == before
    assert not (chat.tracker()["active_loop"] or {}).get("name")  # the booking is over


def test_cancelling_an_appointment(chat, sandbox, fhir):
    candidates = [
        sandbox.case("phone_formats")[2],
        sandbox.patient("no_phone"),
        sandbox.patient("hyphenated"),
    ]
    info, appointment = changeable(fhir, candidates)
    label = CLINIC.visit_label(visit_code(appointment))
    confirm = ask_verified(chat, info, "i need to cancel my appointment")
    assert f"To confirm: cancel your {label} on " in confirm
    describes(confirm, fhir, appointment)
    assert fhir.read("Appointment", appointment["id"])["status"] == "booked"  # nothing without a yes

    done = chat.said("yes")
    assert f"Done: your {label} on {when(local(appointment['start']))}" in done
    assert "is cancelled" in done
    cancelled = fhir.read("Appointment", appointment["id"])
    assert cancelled["status"] == "cancelled"
    assert fhir.read("Slot", slot_id(appointment))["status"] == "free"
    assert fhir.upcoming(info.id) == []


def test_moving_an_appointment_books_the_new_time_and_cancels_the_old(chat, sandbox, fhir):
    candidates = [sandbox.case("phone_formats")[3], *sandbox.case("namesake")]
    info, old = changeable(fhir, candidates)
    label = CLINIC.visit_label(visit_code(old))
    before = {a["id"] for a in fhir.appointments(info.id)}
    reply = ask_verified(chat, info, "can i move my appointment to next thursday")
    assert f"Let's find a new time for your {label} on {when(local(old['start']))}" in reply
    assert f"Here are open times for {with_article(label)}:" in reply
    options = numbered(reply)
    assert options
    thursday = day_label(next_weeks(THURSDAY))
    assert all(option.startswith(f"{thursday} at ") for option in options), options
    chosen = options[0]

    confirm = chat.said("the first one")
    assert f"To confirm: move your {label} on " in confirm
    assert confirm.rstrip().endswith(f" to {chosen}?"), confirm
    describes(confirm.split(" to ")[0], fhir, old)

    done = chat.said("yes")
    assert f"Done: you're booked for {with_article(label)} on {chosen}, " in done
    assert f"Your appointment on {when(local(old['start']))} is cancelled." in done

    assert fhir.read("Appointment", old["id"])["status"] == "cancelled"
    assert fhir.read("Slot", slot_id(old))["status"] == "free"
    new = [a for a in fhir.appointments(info.id) if a["id"] not in before]
    assert len(new) == 1 and new[0]["status"] == "booked"
    describes(chosen, fhir, new[0])
    assert fhir.read("Slot", slot_id(new[0]))["status"] == "busy"
    assert [a["id"] for a in fhir.upcoming(info.id)] == [new[0]["id"]]


@pytest.mark.parametrize(
    ("request_text", "code"),
    [
        ("book a follow up next tuesday at 4pm", "follow-up"),
        ("can i do a video visit next tuesday morning", "telehealth"),
    ],
)
def test_times_offered_take_the_kind_of_visit_asked_for(chat, sandbox, fhir, request_text, code):
    """In-person and video visits have their own slots (the last two of the day of clinicians who
    see patients by video are for video visits only): only slots that take the visit are offered."""
    info = sandbox.patient("demo")  # nothing is booked: the options are only looked at
    reply = ask_verified(chat, info, request_text)
    assert f"Here are open times for {with_article(CLINIC.visit_label(code))}:" in reply
    options = numbered(reply)
    assert options
    for option in options:
        # Nothing may be free then (video hours are late afternoon): nearby days are offered.
        slot = offered_slot(fhir, option, offered_day(option))
        assert slot["status"] == "free"
        assert code in visit_codes(slot), (option, visit_codes(slot))
