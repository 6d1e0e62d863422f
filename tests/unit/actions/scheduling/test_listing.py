"""Showing upcoming appointments, and how times, clinicians and places read (clinic time zone)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from actions.ehr import EHRTimeout
from actions.scheduling.formatting import describe_slot, hours, visit_code, when
from actions.scheduling.listing import ActionShowAppointments
from tests.unit.actions.conversation import VERIFIED, run, tracker
from tests.unit.actions.scheduling.support import (
    CLINIC,
    MALDEN,
    NGUYEN,
    ZONE,
    appointment,
    at,
    slot,
)
from tests.unit.fakes import FakeGateway


def test_times_read_in_the_clinics_zone_whatever_zone_they_come_in() -> None:
    utc = datetime(2026, 12, 1, 14, 30, tzinfo=ZoneInfo("UTC"))
    assert when(utc, ZONE) == "Tuesday, December 1 at 9:30 AM"
    assert when(at(1, 12), ZONE) == "Tuesday, December 1 at 12:00 PM"
    assert when(at(4, 15, 5), ZONE) == "Friday, December 4 at 3:05 PM"
    # after the end of daylight saving time, and before it
    assert when(datetime(2026, 7, 1, 13, 0, tzinfo=ZoneInfo("UTC")), ZONE) == "Wednesday, July 1 at 9:00 AM"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("follow-up", "follow-up"),
        ("Follow-up visit", "follow-up"),
        ("physical", "annual-physical"),
        ("Telehealth visit (video)", "telehealth"),
        ("video", "telehealth"),
        ("sick", "sick-visit"),
        ("visit", None),  # part of several labels: names none
        ("Routine appointment", None),
        ("", None),
        (None, None),
    ],
)
def test_visit_types_are_recognised_however_they_are_worded(text: str | None, code: str | None) -> None:
    assert visit_code(text, CLINIC) == code


def test_a_video_visit_shows_no_place_and_hours_read_naturally() -> None:
    option = slot("s1", at(1, 9, 30), NGUYEN, MALDEN)
    assert (
        describe_slot(option, ZONE, "telehealth") == "Tuesday, December 1 at 9:30 AM with Dr. Minh Nguyen MD"
    )
    assert describe_slot(option, ZONE, "follow-up").endswith("at Riverside Family Medicine - Malden")
    assert hours(24) == "24 hours"
    assert hours(1) == "1 hour"
    assert hours(1.5) == "1.5 hours"


@pytest.mark.asyncio
async def test_no_upcoming_appointments() -> None:
    gateway = FakeGateway()
    held = {**VERIFIED, "pending_request": "ask_appointments"}  # asked before verifying
    result = await run(
        ActionShowAppointments(gateway, CLINIC), tracker("when is my appt", "ask_appointments", held)
    )
    assert result.texts == [
        "You don't have any upcoming appointments. If you'd like to book one, just tell me what kind of "
        "visit and when suits you."
    ]
    assert result.events == [{"event": "slot", "timestamp": None, "name": "pending_request", "value": None}]
    assert gateway.calls == ["upcoming_appointments"]


@pytest.mark.asyncio
async def test_several_appointments_listed_soonest_first_with_clinician_place_and_what_to_bring() -> None:
    gateway = FakeGateway(
        appointments={
            "p-demo": [
                appointment(
                    "a2", at(8, 14), NGUYEN, MALDEN, "annual-physical", "Do not eat for 8 hours before."
                ),
                appointment("a1", at(1, 9, 30)),
                appointment("a3", at(10, 11), visit_type="telehealth"),
            ]
        }
    )
    result = await run(
        ActionShowAppointments(gateway, CLINIC), tracker("my appts?", "ask_appointments", VERIFIED)
    )
    assert result.texts == [
        "You have 3 upcoming appointments:\n"
        "1. Follow-up visit on Tuesday, December 1 at 9:30 AM with Dr. Priya Patel MD at Riverside Family "
        "Medicine - Medford, 1200 Riverside Avenue, Medford, MA 02155.\n"
        "2. Annual physical on Tuesday, December 8 at 2:00 PM with Dr. Minh Nguyen MD at Riverside Family "
        "Medicine - Malden, 45 Pleasant Street, Malden, MA 02148.\n"
        "   Do not eat for 8 hours before.\n"
        "3. Video visit on Thursday, December 10 at 11:00 AM with Dr. Priya Patel MD.\n"
        "What to bring: Please bring a photo ID and your insurance card.\n"
        "You can ask me to reschedule or cancel any of them."
    ]


@pytest.mark.asyncio
async def test_an_appointment_of_a_type_the_clinic_does_not_name_is_still_listed() -> None:
    gateway = FakeGateway(
        appointments={"p-demo": [appointment("a1", at(1, 9, 30), visit_type="Routine appointment")]}
    )
    result = await run(
        ActionShowAppointments(gateway, CLINIC), tracker("my appt?", "ask_appointments", VERIFIED)
    )
    assert result.texts[0].startswith(
        "You have one upcoming appointment:\n1. Appointment on Tuesday, December 1"
    )
    assert result.texts[0].endswith("You can ask me to reschedule or cancel it.")


@pytest.mark.asyncio
async def test_nothing_is_read_for_an_unverified_conversation() -> None:
    gateway = FakeGateway(appointments={"p-demo": [appointment("a1", at(1, 9, 30))]})
    result = await run(ActionShowAppointments(gateway, CLINIC), tracker("my appts?", "ask_appointments"))
    assert result.responses == ["utter_verify_first"]
    assert gateway.calls == []


@pytest.mark.asyncio
async def test_the_ehr_down_gets_a_polite_answer_and_the_offer_of_a_person() -> None:
    gateway = FakeGateway(fail_with=EHRTimeout("Appointment search timed out"))
    result = await run(
        ActionShowAppointments(gateway, CLINIC), tracker("my appts?", "ask_appointments", VERIFIED)
    )
    assert result.responses == ["utter_ehr_unavailable"]
    assert result.slot("offer") == "handoff"
    assert result.slot("handoff_reason") == "ehr_unavailable"
