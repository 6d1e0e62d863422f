"""Balance, statements, payments and insurance.

R4 has no standard home for a patient's balance. Frontdesk reads this
convention (docs/sandbox.md): the patient's active Account carries the amount
due in the ``account-balance`` extension (R5 names it Account.balance);
statements and patient payments are Invoices told apart by their type.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .client import FhirClient
from .domain import Balance, CoverageInfo, Money, Payment, Statement
from .fhir_values import as_date, codeable_text, has_code, money, reference_id

BALANCE_EXTENSION = "https://frontdesk.dev/fhir/StructureDefinition/account-balance"
INVOICE_KIND_SYSTEM = "https://frontdesk.dev/fhir/CodeSystem/invoice-kind"


async def balance(client: FhirClient, patient_id: str) -> Balance | None:
    accounts = await client.search(
        "Account", {"patient": f"Patient/{patient_id}", "status": "active"}, limit=5
    )
    for account in accounts:
        if account.resource_type != "Account":
            continue
        for extension in account.extension or []:
            if extension.url == BALANCE_EXTENSION:
                due = money(extension.valueMoney)
                if due is not None:
                    return Balance(account_id=account.id, due=due)
        # No balance recorded on the account: what its open statements add up to.
        open_statements = await _invoices(client, patient_id, "statement", status="issued", limit=50)
        total = sum((s.totalNet.value for s in open_statements if s.totalNet), Decimal(0))
        return Balance(account_id=account.id, due=Money(amount=Decimal(total)))
    return None


async def _invoices(
    client: FhirClient, patient_id: str, kind: str, *, status: str | None = None, limit: int = 1
) -> list[Any]:
    params = {
        "subject": f"Patient/{patient_id}",
        "type": f"{INVOICE_KIND_SYSTEM}|{kind}",
        "_sort": "-date",
        "_count": str(limit),
    }
    if status:
        params["status"] = status
    found = await client.search("Invoice", params, limit=limit)
    invoices = [
        r for r in found if r.resource_type == "Invoice" and has_code(r.type, INVOICE_KIND_SYSTEM, kind)
    ]
    invoices.sort(key=lambda r: str(r.date or ""), reverse=True)
    return invoices


async def last_statement(client: FhirClient, patient_id: str) -> Statement | None:
    for invoice in await _invoices(client, patient_id, "statement"):
        amount = money(invoice.totalNet)
        if invoice.date and amount:
            return Statement(
                id=invoice.id,
                date=as_date(invoice.date),
                amount=amount,
                paid=invoice.status == "balanced",
            )
    return None


async def last_payment(client: FhirClient, patient_id: str) -> Payment | None:
    for invoice in await _invoices(client, patient_id, "payment"):
        amount = money(invoice.totalNet)
        if invoice.date and amount:
            return Payment(id=invoice.id, date=as_date(invoice.date), amount=amount)
    return None


async def coverage(client: FhirClient, patient_id: str) -> list[CoverageInfo]:
    found = await client.search(
        "Coverage", {"beneficiary": f"Patient/{patient_id}", "status": "active"}, limit=10
    )
    coverages = [r for r in found if r.resource_type == "Coverage"]
    payor_ids = {i for c in coverages for p in c.payor or [] if (i := reference_id(p, "Organization"))}
    names: dict[str, str] = {}
    if payor_ids:
        orgs = await client.search("Organization", {"_id": ",".join(sorted(payor_ids))}, limit=len(payor_ids))
        names = {o.id: o.name or "" for o in orgs if o.resource_type == "Organization"}
    result = []
    for c in coverages:
        payor = next(
            (names.get(reference_id(p, "Organization") or "") or (p.display or "") for p in c.payor or []),
            "",
        )
        result.append(
            CoverageInfo(
                id=c.id,
                payor=payor,
                plan=_plan_name(c),
                member_id_last4=(c.subscriberId or "")[-4:] or None,
            )
        )
    return result


def _plan_name(coverage: Any) -> str | None:
    for item in coverage.class_fhir or []:
        if has_code(item.type, "http://terminology.hl7.org/CodeSystem/coverage-class", "plan"):
            return item.name or item.value
    return codeable_text(coverage.type)
