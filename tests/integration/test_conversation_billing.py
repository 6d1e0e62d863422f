"""Billing conversations through the REST channel, checked against the sandbox EHR.

Tried here: the balance, the last statement, the last payment and the insurance on file, as the
case data has them, for a patient who owes money and for one never billed; how to pay (the
clinic's portal, no verification needed); a payment plan handed to the billing team (the
conversation is paused: the bot says nothing more); and a card number typed in the middle of a
conversation, which never reaches the stored conversation and earns a warning.
"""

from __future__ import annotations

import json

import pytest

from tests.integration.conversation import CLINIC, Fhir, ask_verified, dollars, long_date

pytestmark = pytest.mark.integration

CARD = "4111 1111 1111 1111"  # a well-known test card number (passes the Luhn check)
CARD_WARNING = "I removed what looked like a card number from your message and did not keep it"


@pytest.fixture
def fhir(sandbox) -> Fhir:
    return Fhir(sandbox.base_url)


def test_balance_statement_payment_and_insurance(chat, sandbox, fhir):
    info = sandbox.patient("demo")
    assert info.balance > 0 and info.open_statement and info.payments
    owed = ask_verified(chat, info, "how much do i owe")
    assert f"Your current balance is {dollars(info.balance)}." in owed
    assert CLINIC.payment_portal_url in owed

    statement = fhir.read("Invoice", info.statements[-1])
    assert statement["id"] == info.open_statement and statement["status"] == "issued"
    assert dollars(statement["totalNet"]["value"]) == dollars(info.balance)
    reply = chat.said("can i see my last statement")
    assert (
        f"Your last statement, dated {long_date(statement['date'])}, is for {dollars(info.balance)} "
        "and is still open." in reply
    )
    assert CLINIC.payment_portal_url in reply

    payment = fhir.read("Invoice", info.payments[-1])
    reply = chat.said("when did you get my last payment")
    assert (
        f"We received your last payment of {dollars(payment['totalNet']['value'])} "
        f"on {long_date(payment['date'])}." in reply
    )

    reply = chat.said("what insurance do you have on file for me")
    assert "Here is the insurance we have on file for you:" in reply
    assert f"- {info.insurer} ({info.plan}), member ID ending in {info.subscriber_id[-4:]}" in reply
    assert info.subscriber_id not in reply  # only its last four digits


def test_never_billed_owes_nothing_and_has_no_statements_or_payments(chat, sandbox):
    info = sandbox.patient("no_statements")
    assert info.balance == 0 and not info.statements and not info.payments
    owed = ask_verified(chat, info, "whats my balance")
    assert "You don't owe anything right now: your balance is $0.00." in owed
    assert "I don't see any statements on your account yet." in chat.said("show me my last statement")
    assert "I don't see any payments on your account." in chat.said("when was my last payment")


def test_how_to_pay_is_the_portal_link_without_verification(chat):
    reply = chat.said("how do i pay my bill online")
    assert f"You can pay securely online at {CLINIC.payment_portal_url}." in reply
    assert "don't send card numbers" in reply
    assert "full name" not in reply
    assert chat.tracker()["slots"]["verified"] is False


def test_payment_plan_goes_to_the_billing_team_and_pauses_the_bot(chat, sandbox):
    info = sandbox.patient("family")  # Maria Delgado, who owes money
    assert info.balance > 0
    reply = ask_verified(chat, info, "can i set up a payment plan")
    assert "Payment plans are set up by our billing team" in reply
    assert "I'm connecting you with a member of our staff" in reply
    assert chat.say("hello? is anyone there") == []  # a person has the conversation now
    tracker = chat.tracker()
    assert tracker["paused"] is True
    assert tracker["slots"]["handoff_reason"] == "payment_plan"
    assert tracker["slots"]["handoff_priority"] == "normal"


def test_card_number_mid_conversation_is_not_stored_and_is_warned_about(chat, sandbox):
    info = sandbox.patient("with_ssn")
    owed = ask_verified(chat, info, "whats my balance")
    assert f"Your current balance is {dollars(info.balance)}." in owed
    replies = chat.say(f"can i just pay it here, my card is {CARD} exp 04/29")
    assert CARD_WARNING in replies[0]  # the warning comes first
    assert CLINIC.payment_portal_url in replies[0]
    tracker = chat.tracker()
    stored = json.dumps(tracker)
    digits = CARD.replace(" ", "")
    for form in (CARD, digits, CARD.replace(" ", "-")):
        assert form not in stored
    user_events = [e for e in tracker["events"] if e.get("event") == "user"]
    what_was_kept = [e["text"] for e in user_events] + [
        json.dumps([e["parse_data"].get("text"), e["parse_data"].get("entities")]) for e in user_events
    ]
    for kept in what_was_kept:
        assert not any(group in kept for group in set(CARD.split())), kept  # not even a part of it
    assert "can i just pay it here, my card is [card number removed] exp 04/29" in what_was_kept
    assert tracker["slots"]["verified"] is True  # the conversation goes on
    assert f"{dollars(info.balance)}" in chat.said("whats my balance again")
