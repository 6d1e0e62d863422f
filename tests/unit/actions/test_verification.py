"""Verification: identifiers matched against a fake EHR; one neutral message for every failure."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from actions import verification
from actions.ehr import EHRUnavailable, Patient
from actions.lockout import LockoutBook
from actions.verification import (
    ActionVerifyPatient,
    Identifier,
    ValidateVerifyForm,
    parse_identifier,
    split_name,
)
from tests.unit.actions.conversation import CLINIC, run, tracker
from tests.unit.fakes import FakeGateway


def patient(
    ident: str, name: str, born: date, phone: str, mrn: str, postal_code: str, **kwargs: Any
) -> Patient:
    """A synthetic patient on record: ``name`` is "Given Family"."""
    given, family = name.split()
    return Patient(
        id=ident,
        given_name=given,
        family_name=family,
        birth_date=born,
        phones=(phone,),
        mrn=mrn,
        postal_code=postal_code,
        **kwargs,
    )


DANA = patient(
    "p-dana", "Dana Whitfield", date(1984, 3, 14), "+16175550123", "6425729", "02155", ssn_last4="4321"
)
# A family: two adults share one number.
ALEX = patient("p-alex", "Alex Rivera", date(1979, 1, 2), "+17815550150", "1000001", "02148")
SAM = patient("p-sam", "Sam Rivera", date(1981, 5, 6), "+17815550150", "1000002", "02148")
TEN_YEARS_AGO = date.today().replace(year=date.today().year - 10)
MINOR = patient("p-kid", "Kid Young", TEN_YEARS_AGO, "+16175550111", "1000003", "02474")
GONE = patient("p-gone", "Gone Before", date(1940, 1, 1), "+16175550112", "1000004", "02474", deceased=True)

NEUTRAL = "utter_verification_failed"


@pytest.fixture(autouse=True)
def fresh_lockouts(monkeypatch):
    book = LockoutBook(max_attempts=3, lockout_seconds=1800)
    monkeypatch.setattr(verification, "_lockouts", book)
    return book


def web(full_name: str, birth_date: str, identifier: str, sender: str = "web-1", **slots):
    return tracker(
        slots={"full_name": full_name, "birth_date": birth_date, "extra_identifier": identifier, **slots},
        sender_id=sender,
    )


def sms(birth_date: str, phone: str, first_name: str | None = None, sender: str = "sms-1", **slots):
    event = {"event": "user", "text": "x", "input_channel": "sms", "metadata": {"sender_phone": phone}}
    t = tracker(
        slots={"birth_date": birth_date, "sms_first_name": first_name, **slots},
        sender_id=sender,
        channel="sms",
    )
    t.events[-1] = event
    return t


def action(gateway: FakeGateway) -> ActionVerifyPatient:
    return ActionVerifyPatient(gateway=gateway, clinic=CLINIC)


@pytest.mark.asyncio
@pytest.mark.parametrize("identifier", ["zip:02155", "mrn:6425729", "phone:+16175550123", "ssn4:4321"])
async def test_web_patient_verified_by_name_birth_date_and_one_more(identifier):
    result = await run(action(FakeGateway(patients=[DANA])), web("dana whitfield", "1984-03-14", identifier))
    assert result.slot("verified") is True
    assert result.slot("patient_id") == "p-dana"
    assert result.slot("first_name") == "Dana"
    for slot in ("full_name", "birth_date", "extra_identifier", "sms_first_name"):
        assert result.slot(slot) is None  # identifiers are not kept once checked
    assert result.responses[0] == "utter_verified"


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("name", "born", "identifier"),
    [
        ("Dana Whitfield", "1984-03-15", "zip:02155"),  # wrong birth date
        ("Dana Whitfield", "1984-03-14", "zip:02139"),  # wrong ZIP
        ("Nobody Here", "1984-03-14", "zip:02155"),  # no such patient
        ("Dana Whitfield", "1984-03-14", "ssn4:0000"),
    ],
)
async def test_every_failure_gets_the_same_neutral_message(name, born, identifier):
    result = await run(action(FakeGateway(patients=[DANA])), web(name, born, identifier))
    assert result.responses == [NEUTRAL]
    assert result.slot("verification") == "failed"
    assert "verified" not in [e.get("name") for e in result.events]
    assert not any("Dana" in text or "Whitfield" in text for text in result.texts)


@pytest.mark.asyncio
async def test_three_failures_lock_the_conversation_and_the_identity():
    gateway = FakeGateway(patients=[DANA])
    for _ in range(2):
        result = await run(action(gateway), web("Dana Whitfield", "1984-03-14", "zip:00000"))
        assert result.slot("verification") == "failed"
    result = await run(action(gateway), web("Dana Whitfield", "1984-03-14", "zip:00000"))
    assert result.slot("verification") == "locked"
    assert result.slot("offer") == "handoff"
    assert result.responses == ["utter_verification_locked"]
    # Now even the right details are refused, in this conversation...
    result = await run(action(gateway), web("Dana Whitfield", "1984-03-14", "zip:02155"))
    assert result.slot("verification") == "locked"
    # ...and for that claimed identity in another conversation.
    result = await run(action(gateway), web("Dana Whitfield", "1984-03-14", "zip:02155", sender="web-2"))
    assert result.slot("verification") == "locked"
    # Someone else in a new conversation is not affected.
    other = Patient(
        id="p-o", given_name="Olu", family_name="Ade", birth_date=date(1990, 1, 1), postal_code="02155"
    )
    result = await run(
        action(FakeGateway(patients=[other])), web("Olu Ade", "1990-01-01", "zip:02155", sender="web-3")
    )
    assert result.slot("verified") is True


@pytest.mark.asyncio
async def test_lockout_expires(fresh_lockouts):
    now = [0.0]
    fresh_lockouts.clock = lambda: now[0]
    gateway = FakeGateway(patients=[DANA])
    for _ in range(3):
        await run(action(gateway), web("Dana Whitfield", "1984-03-14", "zip:00000"))
    now[0] = 1801.0
    result = await run(action(gateway), web("Dana Whitfield", "1984-03-14", "zip:02155"))
    assert result.slot("verified") is True


@pytest.mark.asyncio
async def test_sms_verified_by_number_and_birth_date():
    result = await run(action(FakeGateway(patients=[DANA])), sms("1984-03-14", "+16175550123"))
    assert result.slot("verified") is True and result.slot("patient_id") == "p-dana"


@pytest.mark.asyncio
async def test_sms_shared_number_asks_for_the_first_name_then_verifies():
    gateway = FakeGateway(patients=[ALEX, SAM])
    first = await run(action(gateway), sms("1981-05-06", "+17815550150"))
    assert first.slot("verification") == "need_name"
    assert first.messages == []  # the form asks the question
    second = await run(action(gateway), sms("1981-05-06", "+17815550150", first_name="sam"))
    assert second.slot("verified") is True and second.slot("patient_id") == "p-sam"
    wrong = await run(action(gateway), sms("1981-05-06", "+17815550150", first_name="alex", sender="sms-2"))
    assert wrong.responses == [NEUTRAL]


@pytest.mark.asyncio
async def test_sms_unknown_number_is_the_same_neutral_failure():
    result = await run(action(FakeGateway(patients=[DANA])), sms("1984-03-14", "+12125550199"))
    assert result.responses == [NEUTRAL]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("patient", "response"), [(MINOR, "utter_no_self_service_minor"), (GONE, "utter_no_self_service")]
)
async def test_minor_and_deceased_get_no_self_service(patient, response):
    t = web(
        f"{patient.given_name} {patient.family_name}",
        patient.birth_date.isoformat(),
        f"zip:{patient.postal_code}",
    )
    result = await run(action(FakeGateway(patients=[patient])), t)
    assert result.responses == [response]
    assert result.slot("verification") == "refused"
    assert result.slot("offer") == "handoff" and result.slot("handoff_reason") == "no_self_service"
    assert "verified" not in [e.get("name") for e in result.events]


@pytest.mark.asyncio
async def test_ehr_down_is_a_polite_message_not_a_failure(fresh_lockouts):
    gateway = FakeGateway(patients=[DANA], fail_with=EHRUnavailable("GET Patient"))
    result = await run(action(gateway), web("Dana Whitfield", "1984-03-14", "zip:02155"))
    assert result.responses == ["utter_ehr_unavailable"]
    assert result.slot("offer") == "handoff"
    assert len(fresh_lockouts) == 0  # an outage is not the patient's failed attempt


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("02155", Identifier("zip", "02155")),
        ("my zip is 02155-1234", Identifier("zip", "02155")),
        ("4321", Identifier("ssn4", "4321")),
        ("last 4 of ssn 4321", Identifier("ssn4", "4321")),
        ("MRN 6425729", Identifier("mrn", "6425729")),
        ("6425729", Identifier("mrn", "6425729")),
        ("(617) 555-0123", Identifier("phone", "+16175550123")),
        ("617.555.0123", Identifier("phone", "+16175550123")),
        ("hello", None),
        ("", None),
    ],
)
def test_identifier_kinds_are_recognised(text, expected):
    assert parse_identifier(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dana Whitfield", ("Dana", "Whitfield")),
        ("my name is José Núñez", ("José", "Núñez")),
        ("Whitfield, Dana", ("Dana", "Whitfield")),
        ("Mary Kate Smith-Jones", ("Mary", "Smith-Jones")),
        ("Siobhan O'Brien", ("Siobhan", "O'Brien")),
    ],
)
def test_split_name(text, expected):
    assert split_name(text) == expected


def test_form_validates_birth_dates_and_identifiers():
    form = ValidateVerifyForm()
    from rasa_sdk.executor import CollectingDispatcher

    dispatcher = CollectingDispatcher()
    t = tracker()
    assert form.validate_birth_date("3/14/1984", dispatcher, t, {}) == {"birth_date": "1984-03-14"}
    assert form.validate_birth_date("yesterday-ish", dispatcher, t, {}) == {"birth_date": None}
    assert form.validate_extra_identifier("zip 02155", dispatcher, t, {}) == {"extra_identifier": "zip:02155"}
    assert form.validate_extra_identifier("no idea", dispatcher, t, {}) == {"extra_identifier": None}
    assert form.validate_full_name("Cher", dispatcher, t, {}) == {"full_name": None}
    assert [m.get("response") for m in dispatcher.messages if m.get("response")] == [
        "utter_birth_date_unreadable",
        "utter_identifier_unreadable",
    ]


@pytest.mark.asyncio
async def test_form_asks_sms_patients_less():
    form = ValidateVerifyForm()
    from rasa_sdk.executor import CollectingDispatcher

    web_slots = await form.required_slots([], CollectingDispatcher(), web("a b", "", ""), {})
    assert web_slots == ["full_name", "birth_date", "extra_identifier"]
    assert await form.required_slots([], CollectingDispatcher(), sms("", "+16175550123"), {}) == [
        "birth_date"
    ]
    shared = sms("", "+17815550150", verification="need_name")
    assert await form.required_slots([], CollectingDispatcher(), shared, {}) == [
        "birth_date",
        "sms_first_name",
    ]
