"""Whole conversations through the REST channel: a real Rasa server, the action server, and the
sandbox EHR behind a proxy that can be made to fail. Expected facts come from the sandbox's data.

Tried here: the greeting's disclosure; clinic questions without verification; verifying with
each kind of third identifier; a wrong birth date, an unknown person and a misspelt name all
getting the same neutral message; three failures locking and offering a person; an emergency
and a request for a person in the middle of verification; the EHR answering 500, timing out,
or refusing connections; and goodbye ending the conversation.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration

NEUTRAL = "couldn't verify those details"


def us_date(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{int(month)}/{int(day)}/{year}"


def verify(chat, info, third: str) -> str:
    """Answer the verification form; returns what the bot said after the last answer."""
    chat.say(f"{info.given} {info.family}")
    chat.say(us_date(info.birth_date))
    return chat.said(third)


def test_first_message_says_it_is_an_automated_assistant(chat):
    reply = chat.said("hi")
    assert "automated assistant" in reply
    assert "911" in reply


def test_clinic_questions_need_no_verification(chat):
    assert "Monday to Friday" in chat.said("what are your hours")
    assert "Riverside Avenue" in chat.said("where are you located")


@pytest.mark.parametrize("kind", ["zip", "mrn", "phone"])
def test_verified_patient_gets_the_request_they_made_first(chat, sandbox, kind):
    info = sandbox.patient("demo")
    asked = chat.said("whats my balance")
    assert "full name" in asked
    third = {"zip": info.postal_code, "mrn": f"MRN {info.mrn}", "phone": info.phone}[kind]
    reply = verify(chat, info, third)
    assert f"Thank you, {info.given}" in reply
    assert f"${info.balance:,.2f}" in reply
    slots = chat.tracker()["slots"]
    assert slots["verified"] is True and slots["patient_id"] == info.id
    for kept_no_longer in ("full_name", "birth_date", "extra_identifier"):
        assert slots[kept_no_longer] is None


def test_every_failure_is_the_same_neutral_message(chat, sandbox):
    info = sandbox.patient("demo")
    chat.say("what do i owe")
    wrong_zip = verify(chat, info, "00000")
    assert NEUTRAL in wrong_zip
    chat.say("Jordan Pemberton")
    chat.say("1/1/1970")
    unknown = chat.said("02155")
    assert NEUTRAL in unknown
    assert info.given not in unknown + wrong_zip


def test_three_failures_lock_and_offer_a_person_who_takes_over(chat, sandbox):
    info = sandbox.patient("no_balance")
    chat.say("whats my balance")
    for _ in range(3):
        chat.say(f"{info.given} {info.family}")
        chat.say("1/1/1901")
        reply = chat.said(info.postal_code)
    assert "connect you" in reply and NEUTRAL in reply
    assert "connecting you" in chat.said("yes please")
    assert chat.say("hello?") == []  # paused: a person has the conversation now
    assert chat.tracker()["slots"]["handoff_reason"] == "locked_out"


def test_emergency_in_the_middle_of_verification(chat):
    chat.say("i need a refill")
    reply = chat.said("my husband has chest pain and cant breathe")
    assert "911" in reply
    assert "ahead of other conversations" in reply
    tracker = chat.tracker()
    assert tracker["slots"]["handoff_priority"] == "urgent"
    assert tracker["active_loop"] in ({}, None) or not tracker["active_loop"].get("name")


def test_asking_for_a_person_in_the_middle_of_verification(chat):
    chat.say("when is my next appointment")
    assert "connecting you" in chat.said("i want to talk to a real person")


@pytest.mark.parametrize("mode", ["error", "slow", "down"])
def test_ehr_failure_is_an_apology_and_an_offer(chat, sandbox, ehr_proxy, mode):
    info = sandbox.patient("demo")
    chat.say("whats my balance")
    ehr_proxy.mode = mode
    reply = verify(chat, info, info.postal_code)
    assert "can't reach our records system" in reply
    assert "Traceback" not in reply and "Error" not in reply
    ehr_proxy.mode = "ok"
    assert "Monday to Friday" in chat.said("what are your hours")  # what still works


def test_goodbye_ends_the_conversation(chat, sandbox):
    info = sandbox.patient("demo")
    chat.say("whats my balance")
    verify(chat, info, info.postal_code)
    assert "Take care" in chat.said("thats all thanks bye")
    slots = chat.tracker()["slots"]
    assert slots["verified"] is False and slots["patient_id"] is None
