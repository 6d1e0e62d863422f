"""Active prescriptions, pharmacies and refill requests.

A refill request is a Task focused on the MedicationRequest (the FHIR R4
refill-request pattern): status requested, intent order, for the patient,
owned by the prescriber, with the chosen pharmacy as an input.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from .client import FhirClient
from .directory import Directory
from .domain import Medication, Pharmacy, RefillRequest
from .errors import NotFound
from .fhir_values import (
    address_text,
    codeable_text,
    has_code,
    phone_value,
    reference_id,
)

# How a controlled substance and the refills left are marked in the sandbox
# (docs/sandbox.md). Real EHRs differ; docs/operations.md says what to map.
CONTROLLED_EXTENSION = "https://frontdesk.dev/fhir/StructureDefinition/controlled-substance"
CONTROLLED_CATEGORY = (
    "https://frontdesk.dev/fhir/CodeSystem/medication-request-category",
    "controlled-substance",
)
REFILLS_REMAINING_EXTENSION = "https://frontdesk.dev/fhir/StructureDefinition/refills-remaining"
PHARMACY_TYPE = ("http://nucc.org/provider-taxonomy", "3336C0003X")
TASK_CODE_SYSTEM = "http://hl7.org/fhir/CodeSystem/task-code"
REFILL_INPUT_SYSTEM = "https://frontdesk.dev/fhir/CodeSystem/refill-input"


def is_controlled(request: Any) -> bool:
    if any(ext.url == CONTROLLED_EXTENSION for ext in request.extension or []):
        return True
    system, code = CONTROLLED_CATEGORY
    return any(has_code(category, system, code) for category in request.category or [])


def refills_left(request: Any) -> int | None:
    """Refills still available: the remaining-refills extension where the EHR keeps it;
    otherwise None, since numberOfRepeatsAllowed counts those authorised, not those left."""
    for ext in request.extension or []:
        if ext.url == REFILLS_REMAINING_EXTENSION and ext.valueUnsignedInt is not None:
            return int(ext.valueUnsignedInt)
    dispense = request.dispenseRequest
    if dispense is not None and dispense.numberOfRepeatsAllowed == 0:
        return 0  # none were ever authorised, so none are left
    return None


async def active(client: FhirClient, directory: Directory, patient_id: str) -> list[Medication]:
    found = await client.search(
        "MedicationRequest",
        {"patient": f"Patient/{patient_id}", "status": "active", "intent": "order"},
        limit=100,
    )
    requests = [r for r in found if r.resource_type == "MedicationRequest"]
    prescriber_ids = {i for r in requests if (i := reference_id(r.requester, "Practitioner"))}
    prescribers = await directory.clinicians(prescriber_ids)
    medications = []
    for r in requests:
        dispense = r.dispenseRequest
        medications.append(
            Medication(
                id=r.id,
                name=codeable_text(r.medicationCodeableConcept)
                or (r.medicationReference.display if r.medicationReference else None)
                or "medication",
                status=r.status,
                refills_left=refills_left(r),
                controlled=is_controlled(r),
                prescriber=prescribers.get(reference_id(r.requester, "Practitioner") or ""),
                pharmacy_id=reference_id(dispense.performer, "Organization") if dispense else None,
                instructions=next((d.text for d in r.dosageInstruction or [] if d.text), None),
            )
        )
    medications.sort(key=lambda m: m.name.casefold())
    return medications


async def pharmacies(client: FhirClient) -> list[Pharmacy]:
    system, code = PHARMACY_TYPE
    found = await client.search("Organization", {"type": f"{system}|{code}", "active": "true"}, limit=100)
    result = [
        Pharmacy(id=o.id, name=o.name or "", address=address_text(o.address), phone=phone_value(o.telecom))
        for o in found
        if o.resource_type == "Organization"
    ]
    result.sort(key=lambda p: p.name)
    return result


async def request_refill(
    client: FhirClient, patient_id: str, medication_id: str, *, pharmacy_id: str | None
) -> RefillRequest:
    request = await client.read("MedicationRequest", medication_id)
    if reference_id(request.subject, "Patient") != patient_id:
        # Never file a request against someone else's prescription.
        raise NotFound("MedicationRequest")
    task: dict[str, Any] = {
        "resourceType": "Task",
        "status": "requested",
        "intent": "order",
        "priority": "routine",
        "code": {
            "coding": [
                {"system": TASK_CODE_SYSTEM, "code": "fulfill", "display": "Fulfill the focal request"}
            ],
            "text": "Refill request",
        },
        "description": "Patient requested a refill through Frontdesk",
        "focus": {"reference": f"MedicationRequest/{medication_id}"},
        "for": {"reference": f"Patient/{patient_id}"},
        "authoredOn": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "requester": {"reference": f"Patient/{patient_id}"},
    }
    if request.requester is not None and request.requester.reference:
        task["owner"] = {"reference": request.requester.reference}
    if pharmacy_id:
        task["input"] = [
            {
                "type": {"coding": [{"system": REFILL_INPUT_SYSTEM, "code": "pharmacy"}], "text": "Pharmacy"},
                "valueReference": {"reference": f"Organization/{pharmacy_id}"},
            }
        ]
    created = await client.create(task)
    return RefillRequest(task_id=created.id, medication_id=medication_id, status=created.status)
