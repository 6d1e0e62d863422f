"""A "C" in reply to a reminder text, against a fake EHR: confirmed only for a patient who has
the number it came from, with one neutral answer for every other case."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from actions.ehr import Appointment, EHRUnavailable, Patient
from actions.reminders import ActionConfirmAppointment
from tests.unit.actions.conversation import CLINIC, run, tracker
from tests.unit.fakes import READ_ONLY, FakeGateway

PHONE = "+16175550123"
DANA = Patient("p-dana", "Dana", "Whitfield", date(1984, 3, 14), phones=(PHONE,))
SAM = Patient("p-sam", "Sam", "Whitfield", date(2001, 5, 2), phones=(PHONE,))  # same household number
VISIT = Appointment(
    "appt-1", datetime(2026, 12, 2, 14, tzinfo=timezone.utc), datetime(2026, 12, 2, 15), "booked"
)


def ehr(**kwargs) -> FakeGateway:
    return FakeGateway(patients=[SAM, DANA], appointments={"p-dana": [VISIT]}, **kwargs)


def reply(channel: str = "sms", **metadata):
    t = tracker(text="/confirm_appointment", intent="confirm_appointment", channel=channel)
    t.latest_message["metadata"] = metadata
    return t


@pytest.mark.asyncio
async def test_c_confirms_the_reminded_appointment_for_the_patient_with_that_number():
    """Two patients share the number; the appointment is the second one's."""
    gateway = ehr()
    result = await run(
        ActionConfirmAppointment(gateway, CLINIC), reply(sender_phone=PHONE, reminder_appointment="appt-1")
    )
    assert gateway.confirmed == {("appt-1", "p-dana")}
    assert result.responses == ["utter_appointment_confirmed"] and result.events == []


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("channel", "metadata"),
    [
        ("sms", {"sender_phone": "+16175559999", "reminder_appointment": "appt-1"}),  # not their number
        ("sms", {"sender_phone": PHONE}),  # no reminder behind it
        ("sms", {"sender_phone": PHONE, "reminder_appointment": "appt-other"}),  # not their visit
        ("rest", {"sender_phone": PHONE, "reminder_appointment": "appt-1"}),  # metadata forged on REST
        ("sms", {"sender_phone": PHONE, "reminder_appointment": ["appt-1"]}),  # wrong type
    ],
)
async def test_anything_else_confirms_nothing_and_says_the_same(channel, metadata):
    """Tried: another number, no reminder, an appointment that is not theirs, the metadata sent
    through the REST channel, a list where an id belongs."""
    gateway = ehr()
    result = await run(ActionConfirmAppointment(gateway, CLINIC), reply(channel, **metadata))
    assert gateway.confirmed == set()
    assert result.responses == ["utter_confirm_needs_reminder"]


@pytest.mark.asyncio
async def test_an_ehr_that_cannot_take_the_write_says_to_call():
    gateway = ehr(capabilities_=READ_ONLY)
    result = await run(
        ActionConfirmAppointment(gateway, CLINIC), reply(sender_phone=PHONE, reminder_appointment="appt-1")
    )
    assert result.responses == ["utter_confirm_by_phone"] and gateway.confirmed == set()


@pytest.mark.asyncio
async def test_an_ehr_that_is_down_gets_the_apology_and_an_offer():
    gateway = ehr(fail_with=EHRUnavailable("down"))
    result = await run(
        ActionConfirmAppointment(gateway, CLINIC), reply(sender_phone=PHONE, reminder_appointment="appt-1")
    )
    assert result.responses == ["utter_ehr_unavailable"]
    assert {"event": "slot", "name": "offer", "value": "handoff"} in [
        {k: e.get(k) for k in ("event", "name", "value")} for e in result.events
    ]
