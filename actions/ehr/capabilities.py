"""What an EHR lets us do, read from its CapabilityStatement.

EHRs differ: Epic's R4 Appointment is read-only (booking goes through
``$find``/``$book``), athena's FHIR API is read-only, others book by writing
Slot and Appointment. The assistant asks these flags before offering a write,
and hands the request to staff when the answer is no.
"""

from __future__ import annotations

from typing import Any

from .domain import Capabilities


def read_capabilities(statement: Any) -> Capabilities:
    """Capabilities from a parsed CapabilityStatement (``fhir.resources`` model)."""
    interactions: dict[str, set[str]] = {}
    system_interactions: set[str] = set()
    for rest in statement.rest or []:
        if rest.mode != "server":
            continue
        for resource in rest.resource or []:
            codes = {i.code for i in resource.interaction or []}
            interactions.setdefault(resource.type, set()).update(codes)
        system_interactions.update(i.code for i in rest.interaction or [])

    def can(resource_type: str, *codes: str) -> bool:
        return bool(interactions.get(resource_type, set()) & set(codes))

    writes_appointment = can("Appointment", "create")
    updates_appointment = can("Appointment", "update", "patch")
    return Capabilities(
        fhir_version=statement.fhirVersion,
        # Booking by REST means creating the Appointment and marking its Slot busy.
        can_book=writes_appointment and can("Slot", "update", "patch"),
        can_cancel=updates_appointment,
        can_request_refill=can("Task", "create"),
        supports_patch=any("patch" in codes for codes in interactions.values()),
        supports_transaction="transaction" in system_interactions,
        resource_types=frozenset(interactions),
    )
