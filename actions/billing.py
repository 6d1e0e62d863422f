"""Billing: balance, last statement, last payment, insurance on file; paying; plans and disputes.

The assistant never takes a payment or card details: paying is a link to the clinic's payment
portal (``payment_portal_url`` in clinic.yml), or its phone number where no portal is set. A
card number typed into the chat is removed by the channel before it is stored (bot/redaction.py).
Payment plans and disputed bills go to a person on the billing team: these actions set the
reason and the rules run ``action_handoff``.
"""

from __future__ import annotations

from datetime import date

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import EHRAction, PatientAction
from actions.ehr import CoverageInfo, Money
from settings import ClinicSettings


def long_date(day: date) -> str:
    """A date as patients read it: "March 14, 2026"."""
    return f"{day:%B} {day.day}, {day.year}"


def how_to_pay(dispatcher: CollectingDispatcher, clinic: ClinicSettings) -> None:
    """Where to pay: the clinic's portal, or its phone number when no portal is configured."""
    if clinic.payment_portal_url:
        dispatcher.utter_message(response="utter_pay_online", payment_portal_url=clinic.payment_portal_url)
    else:
        dispatcher.utter_message(response="utter_pay_by_phone", clinic_phone=clinic.phone)


def coverage_line(coverage: CoverageInfo) -> str:
    line = coverage.payor
    if coverage.plan:
        line += f" ({coverage.plan})"
    if coverage.member_id_last4:
        line += f", member ID ending in {coverage.member_id_last4}"
    return f"- {line}"


class ActionShowBalance(PatientAction):
    def name(self) -> str:
        return "action_show_balance"

    async def act_for(
        self, patient_id: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        balance = await self.gateway.outstanding_balance(patient_id)
        if balance is None:
            dispatcher.utter_message(response="utter_no_billing_account")
        elif balance.due.amount > 0:
            dispatcher.utter_message(response="utter_balance_due", amount=str(balance.due))
            how_to_pay(dispatcher, self.clinic)
        elif balance.due.amount < 0:
            credit = Money(-balance.due.amount, balance.due.currency)
            dispatcher.utter_message(response="utter_balance_credit", amount=str(credit))
        else:
            dispatcher.utter_message(response="utter_balance_zero")
        return []


class ActionShowStatement(PatientAction):
    def name(self) -> str:
        return "action_show_statement"

    async def act_for(
        self, patient_id: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        statement = await self.gateway.last_statement(patient_id)
        if statement is None:
            dispatcher.utter_message(response="utter_no_statements")
            return []
        details = {"statement_date": long_date(statement.date), "amount": str(statement.amount)}
        if statement.paid:
            dispatcher.utter_message(response="utter_last_statement_paid", **details)
        else:
            dispatcher.utter_message(response="utter_last_statement_open", **details)
            how_to_pay(dispatcher, self.clinic)
        return []


class ActionShowLastPayment(PatientAction):
    def name(self) -> str:
        return "action_show_last_payment"

    async def act_for(
        self, patient_id: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        payment = await self.gateway.last_payment(patient_id)
        if payment is None:
            dispatcher.utter_message(response="utter_no_payments")
        else:
            dispatcher.utter_message(
                response="utter_last_payment",
                amount=str(payment.amount),
                payment_date=long_date(payment.date),
            )
        return []


class ActionShowInsurance(PatientAction):
    def name(self) -> str:
        return "action_show_insurance"

    async def act_for(
        self, patient_id: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        coverages = await self.gateway.coverage(patient_id)
        if not coverages:
            dispatcher.utter_message(response="utter_no_insurance", clinic_phone=self.clinic.phone)
        else:
            lines = "\n".join(coverage_line(c) for c in coverages)
            dispatcher.utter_message(response="utter_insurance_on_file", coverage_list=lines)
        return []


class ActionPayBill(EHRAction):
    """How to pay. Needs no verification: it says only where the clinic takes payments."""

    def name(self) -> str:
        return "action_pay_bill"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        how_to_pay(dispatcher, self.clinic)
        return []


class ActionPaymentPlan(PatientAction):
    """Payment plans are arranged by the billing team; the rules hand off next."""

    def name(self) -> str:
        return "action_payment_plan"

    async def act_for(
        self, patient_id: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_payment_plan_to_billing")
        return [SlotSet("handoff_reason", "payment_plan")]


class ActionDisputeBill(PatientAction):
    """Questions about charges are reviewed by the billing team; the rules hand off next."""

    def name(self) -> str:
        return "action_dispute_bill"

    async def act_for(
        self, patient_id: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_dispute_to_billing")
        return [SlotSet("handoff_reason", "billing_dispute")]
