"""Billing actions against a fake EHR: what the patient is told, and the events that steer the rules.

Messages are rendered through the responses of domain/billing.yml, so the tests read what the
patient would read.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from actions.billing import (
    ActionDisputeBill,
    ActionPayBill,
    ActionPaymentPlan,
    ActionShowBalance,
    ActionShowInsurance,
    ActionShowLastPayment,
    ActionShowStatement,
    long_date,
)
from actions.ehr import Balance, CoverageInfo, EHRTimeout, EHRUnavailable, Money, Payment, Statement
from tests.unit.actions import conversation
from tests.unit.actions.conversation import VERIFIED, Responses, run, tracker
from tests.unit.fakes import FakeGateway

PORTAL = "https://pay.test-clinic.example/portal"
NO_PORTAL = conversation.CLINIC
CLINIC = replace(NO_PORTAL, payment_portal_url=PORTAL)
PATIENT = VERIFIED["patient_id"]
said = Responses("billing.yml").said


def verified(text: str, intent: str, **slots: Any):
    return tracker(text, intent, slots={**VERIFIED, **slots})


def money(amount: str) -> Money:
    return Money(Decimal(amount))


@pytest.mark.asyncio
async def test_balance_owed_with_where_to_pay():
    gateway = FakeGateway(balances={PATIENT: Balance("acct-1", money("125.40"))})
    result = await run(ActionShowBalance(gateway, CLINIC), verified("what do i owe", "ask_balance"))
    assert result.events == []
    assert said(result) == [
        "Your current balance is $125.40.",
        f"You can pay securely online at {PORTAL}. For your security, please don't send card numbers "
        "in this chat: I can't take payments here.",
    ]


@pytest.mark.asyncio
async def test_large_balance_is_grouped():
    gateway = FakeGateway(balances={PATIENT: Balance("acct-1", money("1234.5"))})
    result = await run(ActionShowBalance(gateway, CLINIC), verified("balance", "ask_balance"))
    assert said(result)[0] == "Your current balance is $1,234.50."


@pytest.mark.asyncio
async def test_balance_owed_without_a_portal_gives_the_phone():
    gateway = FakeGateway(balances={PATIENT: Balance("acct-1", money("60.00"))})
    result = await run(ActionShowBalance(gateway, NO_PORTAL), verified("balance", "ask_balance"))
    assert result.responses == ["utter_balance_due", "utter_pay_by_phone"]
    assert "call our billing office at (555) 010-0100" in said(result)[1]


@pytest.mark.asyncio
async def test_owes_nothing():
    gateway = FakeGateway(balances={PATIENT: Balance("acct-1", money("0"))})
    result = await run(ActionShowBalance(gateway, CLINIC), verified("balance", "ask_balance"))
    assert said(result) == ["You don't owe anything right now: your balance is $0.00."]


@pytest.mark.asyncio
async def test_a_credit_is_not_a_debt():
    gateway = FakeGateway(balances={PATIENT: Balance("acct-1", money("-20.00"))})
    result = await run(ActionShowBalance(gateway, CLINIC), verified("balance", "ask_balance"))
    assert said(result) == ["You don't owe anything: you have a credit of $20.00 on your account."]


@pytest.mark.asyncio
async def test_no_billing_account():
    result = await run(ActionShowBalance(FakeGateway(), CLINIC), verified("balance", "ask_balance"))
    assert result.responses == ["utter_no_billing_account"]
    assert result.events == []


@pytest.mark.asyncio
async def test_a_held_request_is_cleared_once_served():
    gateway = FakeGateway(balances={PATIENT: Balance("acct-1", money("5.00"))})
    result = await run(
        ActionShowBalance(gateway, CLINIC), verified("01/02/1980", "inform", pending_request="ask_balance")
    )
    assert result.slot("pending_request") is None
    assert result.responses[0] == "utter_balance_due"


@pytest.mark.asyncio
async def test_nothing_is_disclosed_before_verification():
    gateway = FakeGateway(balances={PATIENT: Balance("acct-1", money("125.40"))})
    result = await run(ActionShowBalance(gateway, CLINIC), tracker("what do i owe", "ask_balance"))
    assert result.responses == ["utter_verify_first"]
    assert gateway.calls == []


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "action",
    [ActionShowBalance, ActionShowStatement, ActionShowLastPayment, ActionShowInsurance],
)
async def test_an_ehr_failure_is_a_polite_message_and_the_offer_of_a_person(action):
    gateway = FakeGateway(fail_with=EHRTimeout("billing read timed out"))
    result = await run(action(gateway, CLINIC), verified("balance", "ask_balance"))
    assert result.responses == ["utter_ehr_unavailable"]
    assert result.slot("offer") == "handoff"
    assert result.slot("handoff_reason") == "ehr_unavailable"


@pytest.mark.asyncio
async def test_open_statement_with_where_to_pay():
    statement = Statement("inv-9", date(2026, 10, 3), money("85.20"), paid=False)
    gateway = FakeGateway(statements={PATIENT: statement})
    result = await run(ActionShowStatement(gateway, CLINIC), verified("last statement", "ask_statement"))
    assert said(result)[0] == "Your last statement, dated October 3, 2026, is for $85.20 and is still open."
    assert result.responses[1] == "utter_pay_online"


@pytest.mark.asyncio
async def test_paid_statement():
    statement = Statement("inv-8", date(2026, 7, 14), money("40.00"), paid=True)
    gateway = FakeGateway(statements={PATIENT: statement})
    result = await run(ActionShowStatement(gateway, CLINIC), verified("last statement", "ask_statement"))
    assert said(result) == [
        "Your last statement, dated July 14, 2026, was for $40.00 and has been paid in full."
    ]


@pytest.mark.asyncio
async def test_no_statements():
    result = await run(ActionShowStatement(FakeGateway(), CLINIC), verified("statement", "ask_statement"))
    assert said(result) == ["I don't see any statements on your account yet."]


@pytest.mark.asyncio
async def test_last_payment():
    gateway = FakeGateway(payments={PATIENT: Payment("pay-3", date(2026, 9, 1), money("60.00"))})
    result = await run(
        ActionShowLastPayment(gateway, CLINIC), verified("did u get my payment", "ask_last_payment")
    )
    assert said(result) == ["We received your last payment of $60.00 on September 1, 2026. Thank you!"]


@pytest.mark.asyncio
async def test_no_payments():
    result = await run(ActionShowLastPayment(FakeGateway(), CLINIC), verified("payment", "ask_last_payment"))
    assert result.responses == ["utter_no_payments"]


@pytest.mark.asyncio
async def test_insurance_on_file():
    gateway = FakeGateway(
        coverages={
            PATIENT: [
                CoverageInfo("cov-1", "Harborlight Health", plan="PPO Gold", member_id_last4="4821"),
                CoverageInfo("cov-2", "Summit Medicare Supplement"),
            ]
        }
    )
    result = await run(ActionShowInsurance(gateway, CLINIC), verified("what insurance", "ask_insurance"))
    assert said(result) == [
        "Here is the insurance we have on file for you:\n"
        "- Harborlight Health (PPO Gold), member ID ending in 4821\n"
        "- Summit Medicare Supplement\n"
        "If this has changed, please bring your new card to your next visit."
    ]


@pytest.mark.asyncio
async def test_no_insurance_on_file():
    result = await run(ActionShowInsurance(FakeGateway(), CLINIC), verified("insurance?", "ask_insurance"))
    assert said(result) == [
        "I don't see any active insurance on file for you. Please bring your insurance card to your "
        "next visit, or call us at (555) 010-0100 to add it."
    ]


@pytest.mark.asyncio
async def test_paying_is_a_link_needing_no_verification_and_no_card():
    gateway = FakeGateway()
    result = await run(ActionPayBill(gateway, CLINIC), tracker("i want to pay my bill", "pay_bill"))
    assert result.events == []
    assert result.responses == ["utter_pay_online"]
    assert PORTAL in said(result)[0]
    assert "don't send card numbers" in said(result)[0]
    assert gateway.calls == []  # nothing read from the record


@pytest.mark.asyncio
async def test_paying_without_a_portal_gives_the_phone():
    result = await run(ActionPayBill(FakeGateway(), NO_PORTAL), tracker("pay", "pay_bill"))
    assert said(result)[0].startswith("To pay, please call our billing office at (555) 010-0100.")


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("action", "intent", "reason", "response"),
    [
        (ActionPaymentPlan, "payment_plan", "payment_plan", "utter_payment_plan_to_billing"),
        (ActionDisputeBill, "dispute_bill", "billing_dispute", "utter_dispute_to_billing"),
    ],
)
async def test_plans_and_disputes_go_to_the_billing_team(action, intent, reason, response):
    gateway = FakeGateway(fail_with=EHRUnavailable("down"))  # nothing is read: it cannot fail
    result = await run(action(gateway, CLINIC), verified("can i pay in installments", intent))
    assert result.events == [{"event": "slot", "timestamp": None, "name": "handoff_reason", "value": reason}]
    assert result.responses == [response]
    assert "billing team" in said(result)[0]


def test_long_date():
    assert long_date(date(2026, 3, 4)) == "March 4, 2026"
