"""The clinical summary an agent sees on handoff: active problems and allergies."""

from __future__ import annotations

from .client import FhirClient
from .domain import Allergy, Condition
from .fhir_values import codeable_text

CLINICAL_STATUS = "http://terminology.hl7.org/CodeSystem/condition-clinical"


async def active_conditions(client: FhirClient, patient_id: str) -> list[Condition]:
    found = await client.search(
        "Condition", {"patient": f"Patient/{patient_id}", "clinical-status": "active"}, limit=100
    )
    return [
        Condition(
            id=c.id,
            name=codeable_text(c.code) or "condition",
            clinical_status=codeable_text(c.clinicalStatus) or "active",
        )
        for c in found
        if c.resource_type == "Condition"
    ]


async def allergies(client: FhirClient, patient_id: str) -> list[Allergy]:
    found = await client.search("AllergyIntolerance", {"patient": f"Patient/{patient_id}"}, limit=100)
    result = []
    for a in found:
        if a.resource_type != "AllergyIntolerance":
            continue
        status = codeable_text(a.clinicalStatus)
        if status and status.lower() in ("inactive", "resolved"):
            continue
        reactions = tuple(
            text for r in a.reaction or [] for m in r.manifestation or [] if (text := codeable_text(m))
        )
        result.append(
            Allergy(
                id=a.id,
                substance=codeable_text(a.code) or "allergy",
                criticality=a.criticality,
                reactions=reactions,
            )
        )
    return result
