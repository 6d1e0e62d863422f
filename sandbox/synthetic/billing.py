"""Billing: one Account per patient carrying the balance, statements and payments as Invoices,
and insurance Coverage.

Convention (docs/sandbox.md, "Synthetic data"): the current balance is the Account extension
account-balance (valueMoney, USD). A statement is an Invoice of kind `statement`: `issued` while
open, `balanced` once paid. A payment is an Invoice of kind `payment`, `balanced`, totalNet = the
amount paid. A patient owes money exactly when they have one open statement, and then the balance
equals that statement's totalNet."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from typing import Any

from .clinic import VISIT_TYPES, Directory
from .common import (
    ACCOUNT_BALANCE_EXT,
    BASE,
    COVERAGE_CLASS,
    INVOICE_KIND_SYSTEM,
    SUBSCRIBER_RELATIONSHIP,
    V3_ACTCODE,
    Ids,
    age_on,
    concept,
    money,
    ref,
)
from .model import PatientInfo, PatientPlan
from .scheduling import PastVisit

STATEMENT_NUMBER_SYSTEM = f"{BASE}/sandbox/statement-number"
ACCOUNT_NUMBER_SYSTEM = f"{BASE}/sandbox/account-number"
# An active Consent with this category: the patient agreed to billing text messages (docs/sandbox.md).
CONSENT_CATEGORY_SYSTEM = f"{BASE}/fhir/CodeSystem/consent-category"
BILLING_TEXT_CONSENT_SHARE = 0.4  # of adults with a phone and an open balance
PRICE_COMPONENT = "http://hl7.org/fhir/invoice-priceComponentType"
PAYMENT_METHODS = ("Paid online by card", "Paid by phone", "Paid at the front desk", "Paid by check")
ACTCODE_DISPLAY = {
    "PPO": "preferred provider organization policy",
    "HMO": "health maintenance organization policy",
    "PUBLICPOL": "public healthcare",
}


def account_resource(ids: Ids, plan: PatientPlan, info: PatientInfo, directory: Directory) -> dict[str, Any]:
    info.account_id = ids.make("Account", plan.key)
    info.balance_cents = plan.open_amount_cents if plan.billing == "open" else 0
    return {
        "resourceType": "Account",
        "id": info.account_id,
        "extension": [{"url": ACCOUNT_BALANCE_EXT, "valueMoney": money(info.balance_cents)}],
        "identifier": [{"system": ACCOUNT_NUMBER_SYSTEM, "value": f"A{plan.mrn}"}],
        "status": "active",
        "type": concept(V3_ACTCODE, "PBILLACCT", "patient billing account"),
        "name": f"Patient account {plan.mrn}",
        "subject": [ref("Patient", info.id)],
        "owner": ref("Organization", directory.organization_id),
        "guarantor": [{"party": ref("Patient", info.id)}],
    }


def billing_text_consent(
    ids: Ids, plan: PatientPlan, info: PatientInfo, today: dt.date, rng: random.Random
) -> dict[str, Any] | None:
    """A Consent to billing texts for some living adults with a phone (the demo patient always)."""
    adult = info.age(today) >= 18
    eligible = plan.phone is not None and adult and plan.deceased is None
    if not eligible or (
        plan.case != "demo" and not (plan.billing == "open" and rng.random() < BILLING_TEXT_CONSENT_SHARE)
    ):
        return None
    info.billing_text_consent = True
    return {
        "resourceType": "Consent",
        "id": ids.make("Consent", f"{plan.key}/billing-sms"),
        "status": "active",
        "scope": concept("http://terminology.hl7.org/CodeSystem/consentscope", "patient-privacy"),
        "category": [
            concept("http://loinc.org", "59284-0", "Patient Consent"),
            concept(CONSENT_CATEGORY_SYSTEM, "billing-sms", "Billing text messages"),
        ],
        "patient": ref("Patient", info.id),
        "dateTime": (today - dt.timedelta(days=rng.randint(10, 400))).isoformat(),
        "policyRule": concept("http://terminology.hl7.org/CodeSystem/v3-ActCode", "OPTIN", "opt-in"),
        "provision": {"type": "permit"},
    }


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    if parts <= 1:
        return [total]
    cuts = sorted(rng.sample(range(500, max(total - 500, 501), 5), parts - 1)) if total > 1000 * parts else []
    if not cuts:
        return [total]
    edges = [0, *cuts, total]
    return [b - a for a, b in itertools.pairwise(edges)]


def billing_resources(
    ids: Ids,
    plan: PatientPlan,
    info: PatientInfo,
    directory: Directory,
    visits: list[PastVisit],
    today: dt.date,
    rng: random.Random,
) -> list[dict[str, Any]]:
    """Statements (oldest first), each paid one followed by its payment; the open one last."""
    if plan.billing == "never":
        return []
    end = plan.deceased or today
    count = plan.paid_statements + (1 if plan.billing == "open" else 0)
    # statement dates walk back from the most recent one, 30 to 75 days apart
    latest = end - dt.timedelta(days=rng.randint(4, 40) if plan.billing == "open" else rng.randint(45, 120))
    dates = [latest]
    for _ in range(count - 1):
        dates.append(dates[-1] - dt.timedelta(days=rng.randint(30, 75)))
    dates.reverse()
    visit_pool = sorted(visits, key=lambda v: v.day)
    out: list[dict[str, Any]] = []
    for n, day in enumerate(dates):
        is_open = plan.billing == "open" and n == count - 1
        total = (
            plan.open_amount_cents
            if is_open
            else rng.choice((2000, 2500, 3000, 4000)) + rng.randrange(0, 25000, 5)
        )
        earlier = [v for v in visit_pool if v.day < day]
        parts = _split(total, 2 if total > 15000 and rng.random() < 0.5 else 1, rng)
        line_items = []
        for k, amount in enumerate(parts):
            if earlier:
                visit = earlier[-1 - (k % len(earlier))]
                label = (
                    f"{VISIT_TYPES[visit.visit_type][0]} on {visit.day.isoformat()} "
                    f"with {visit.practitioner}: patient responsibility"
                )
            else:
                label = rng.choice(
                    (
                        "Laboratory services: patient responsibility",
                        "Office visit: patient responsibility",
                        "Vaccine administration: patient responsibility",
                    )
                )
            line_items.append(
                {
                    "sequence": k + 1,
                    "chargeItemCodeableConcept": {"text": label},
                    "priceComponent": [{"type": "base", "amount": money(amount)}],
                }
            )
        sid = ids.make("Invoice", f"{plan.key}/statement/{n}")
        number = f"ST-{plan.mrn}-{n + 1:02d}"
        out.append(
            {
                "resourceType": "Invoice",
                "id": sid,
                "identifier": [{"system": STATEMENT_NUMBER_SYSTEM, "value": number}],
                "status": "issued" if is_open else "balanced",
                "type": concept(INVOICE_KIND_SYSTEM, "statement", "Patient statement"),
                "subject": ref("Patient", info.id),
                "recipient": ref("Patient", info.id),
                "date": day.isoformat(),
                "issuer": ref("Organization", directory.organization_id),
                "account": ref("Account", info.account_id),
                "lineItem": line_items,
                "totalGross": money(total),
                "totalNet": money(total),
                "paymentTerms": "Due within 30 days of the statement date.",
            }
        )
        info.statements.append(sid)
        if is_open:
            info.open_statement = sid
            continue
        following = dates[n + 1] if n + 1 < len(dates) else end
        paid_on = day + dt.timedelta(days=rng.randint(3, max(4, min(28, (following - day).days - 1))))
        pid_ = ids.make("Invoice", f"{plan.key}/payment/{n}")
        out.append(
            {
                "resourceType": "Invoice",
                "id": pid_,
                "status": "balanced",
                "type": concept(INVOICE_KIND_SYSTEM, "payment", "Patient payment"),
                "subject": ref("Patient", info.id),
                "date": paid_on.isoformat(),
                "issuer": ref("Organization", directory.organization_id),
                "account": ref("Account", info.account_id),
                "totalNet": money(total),
                "note": [{"text": f"{rng.choice(PAYMENT_METHODS)}, for statement {number}."}],
            }
        )
        info.payments.append(pid_)
    return out


def coverage_resource(
    ids: Ids, plan: PatientPlan, info: PatientInfo, directory: Directory, today: dt.date, rng: random.Random
) -> dict[str, Any] | None:
    if not plan.insurance:
        return None
    insurer = next(i for i in directory.insurers if i.key == plan.insurance[0])
    value, name, kind = insurer.plans[plan.insurance[1]]
    minor = age_on(plan.birth_date, today) < 18
    subscriber_id = f"{insurer.key[:2].upper()}{rng.randint(10_000_000, 99_999_999)}"
    start = dt.date(today.year - rng.randint(0, 6), rng.choice((1, 1, 1, 4, 7, 10)), 1)
    info.coverage_id = ids.make("Coverage", plan.key)
    info.insurer, info.plan, info.subscriber_id = insurer.name, name, subscriber_id
    resource: dict[str, Any] = {
        "resourceType": "Coverage",
        "id": info.coverage_id,
        "status": "active",
        "type": concept(V3_ACTCODE, kind, ACTCODE_DISPLAY[kind]),
    }
    if not minor:
        resource["subscriber"] = ref("Patient", info.id)
    resource.update(
        {
            "subscriberId": subscriber_id,
            "beneficiary": ref("Patient", info.id),
            "dependent": "01" if minor else "00",
            "relationship": concept(
                SUBSCRIBER_RELATIONSHIP, "child" if minor else "self", "Child" if minor else "Self"
            ),
            "period": {"start": start.isoformat()},
            "payor": [ref("Organization", insurer.id, insurer.name)],
            "class": [{"type": concept(COVERAGE_CLASS, "plan", "Plan"), "value": value, "name": name}],
            "order": 1,
        }
    )
    return resource
