"""The frame: greeting disclosure, holding requests, handoff, fallback, safety, clinic answers."""

from __future__ import annotations

import pytest

from actions.clinic_info import ActionClinicAnswer
from actions.conversation import (
    ActionEndConversation,
    ActionGreet,
    ActionHoldRequest,
    ActionMisunderstood,
)
from actions.safety import ActionEmergency, ActionNoMedicalAdvice
from settings import ClinicSettings, Location
from tests.unit.actions.conversation import run, tracker

CLINIC = ClinicSettings(
    name="Test Clinic",
    timezone="America/New_York",
    phone="(555) 010-0100",
    fax="(555) 010-0199",
    hours="Monday to Friday, 8 to 5.",
    locations=(Location("Main", "1 Main St, Town, MA 02155", parking="Lot behind."),),
    what_to_bring="Bring your ID.",
)


def fallback(text: str = "blorp") -> dict:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": "nlu_fallback"}}}


@pytest.mark.asyncio
async def test_greeting_discloses_an_automated_assistant():
    result = await run(ActionGreet(clinic=CLINIC), tracker("hi", "greet"))
    assert result.messages[0]["response"] == "utter_greet"
    assert result.messages[0]["clinic_name"] == "Test Clinic"


@pytest.mark.asyncio
async def test_hold_request_keeps_only_protected_intents():
    held = await run(ActionHoldRequest(), tracker("whats my bal", "ask_balance"))
    assert held.slot("pending_request") == "ask_balance"
    other = await run(ActionHoldRequest(), tracker("hours?", "ask_hours"))
    assert other.slot("pending_request") is None


@pytest.mark.asyncio
async def test_second_misunderstanding_in_a_row_offers_a_person():
    once = await run(ActionMisunderstood(), tracker("blorp", "nlu_fallback"))
    assert once.responses == ["utter_default"] and once.events == []
    t = tracker("blorp", "nlu_fallback", events=[fallback()])
    t.events[-1]["parse_data"] = {"intent": {"name": "nlu_fallback"}}
    twice = await run(ActionMisunderstood(), t)
    assert twice.responses == ["utter_offer_handoff_after_misunderstanding"]
    assert twice.slot("offer") == "handoff" and twice.slot("handoff_reason") == "misunderstood"


@pytest.mark.asyncio
async def test_goodbye_resets_every_slot():
    result = await run(
        ActionEndConversation(clinic=CLINIC), tracker("bye", "goodbye", slots={"verified": True})
    )
    assert result.responses == ["utter_goodbye"]
    assert {"event": "reset_slots", "timestamp": None} in result.events


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("intent", "must_say", "reason"), [("emergency", "911", "emergency"), ("self_harm", "988", "self_harm")]
)
async def test_safety_message_at_once_even_inside_a_form(intent, must_say, reason):
    result = await run(ActionEmergency(clinic=CLINIC), tracker("help", intent, active_loop="verify_form"))
    assert must_say in result.texts[0]
    assert result.slot("handoff_reason") == reason
    assert result.events[0] == {"event": "active_loop", "name": None, "timestamp": None}


@pytest.mark.asyncio
async def test_no_medical_advice_points_to_the_nurse_line():
    result = await run(
        ActionNoMedicalAdvice(clinic=CLINIC), tracker("should i double my dose", "medical_advice")
    )
    assert "can't give medical advice" in result.texts[0] and CLINIC.phone in result.texts[0]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("intent", "expected"),
    [
        ("ask_hours", "Monday to Friday"),
        ("ask_location", "1 Main St"),
        ("ask_contact", "(555) 010-0199"),
        ("ask_parking", "Lot behind."),
        ("ask_what_to_bring", "Bring your ID."),
    ],
)
async def test_clinic_questions_answered_from_settings(intent, expected):
    result = await run(ActionClinicAnswer(clinic=CLINIC), tracker("?", intent))
    assert expected in result.texts[0]
