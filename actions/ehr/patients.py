"""Finding patients: by phone, by name and birth date, by MRN."""

from __future__ import annotations

from datetime import date
from typing import Any

from .client import FhirClient
from .domain import Patient
from .fhir_values import fold, human_name, reference_id
from .phones import search_spellings, to_e164

MRN_TYPE = ("http://terminology.hl7.org/CodeSystem/v2-0203", "MR")
SSN_SYSTEM = "http://hl7.org/fhir/sid/us-ssn"
# A search that matches more people than this is not identifying anyone.
MAX_CANDIDATES = 50


def to_patient(resource: Any) -> Patient:
    given, family = human_name(resource.name)
    phones = []
    for point in resource.telecom or []:
        if point.system == "phone" and point.value:
            phones.append(to_e164(point.value) or point.value)
    mrn = ssn = None
    for identifier in resource.identifier or []:
        if identifier.system == SSN_SYSTEM and identifier.value:
            ssn = "".join(ch for ch in identifier.value if ch.isdigit())
        elif _is_mrn(identifier) and identifier.value and mrn is None:
            mrn = identifier.value
    postal = next((a.postalCode for a in resource.address or [] if a.postalCode), None)
    language = None
    for communication in resource.communication or []:
        codings = communication.language.coding or []
        if codings and codings[0].code:
            language = codings[0].code
            if communication.preferred:
                break
    deceased = bool(resource.deceasedBoolean) or resource.deceasedDateTime is not None
    usual = next(
        (i for ref in resource.generalPractitioner or [] if (i := reference_id(ref, "Practitioner"))), None
    )
    return Patient(
        id=resource.id,
        given_name=given,
        family_name=family,
        birth_date=resource.birthDate,
        phones=tuple(dict.fromkeys(phones)),
        mrn=mrn,
        postal_code=postal,
        ssn_last4=ssn[-4:] if ssn and len(ssn) >= 4 else None,
        deceased=deceased,
        language=language,
        general_practitioner_id=usual,
    )


def _is_mrn(identifier: Any) -> bool:
    for coding in (identifier.type.coding if identifier.type else None) or []:
        if (coding.system, coding.code) == MRN_TYPE:
            return True
    return False


async def by_phone(client: FhirClient, phone: str) -> list[Patient]:
    wanted = to_e164(phone)
    if wanted is None:
        return []
    found = await client.search("Patient", {"phone": ",".join(search_spellings(phone))}, limit=MAX_CANDIDATES)
    patients = [to_patient(r) for r in found if r.resource_type == "Patient"]
    # The EHR matched one of our spellings; confirm it is the same number.
    return [p for p in patients if wanted in p.phones]


async def by_name_and_birth_date(
    client: FhirClient, given: str, family: str, birth_date: date
) -> list[Patient]:
    born = birth_date.isoformat()
    found = await client.search("Patient", {"family": family, "birthdate": born}, limit=MAX_CANDIDATES)
    if not found:
        # Servers differ on accents and punctuation in name search ("Nunez" vs "Núñez");
        # the birth date alone is narrow enough to compare names ourselves.
        found = await client.search("Patient", {"birthdate": born}, limit=MAX_CANDIDATES)
    patients = [to_patient(r) for r in found if r.resource_type == "Patient"]
    return [p for p in patients if p.birth_date == birth_date and names_match(p, given, family)]


def names_match(patient: Patient, given: str, family: str) -> bool:
    """Same family name, and the typed given name is the first given name or all of them.

    Comparison ignores case, accents, spaces, hyphens and apostrophes, so
    "jose nunez" matches "José Núñez" and "obrien" matches "O'Brien".
    """
    if fold(patient.family_name) != fold(family):
        return False
    typed = fold(given)
    if not typed:
        return False
    on_file = patient.given_name.split()
    return typed == fold(patient.given_name) or (bool(on_file) and typed == fold(on_file[0]))


async def by_mrn(client: FhirClient, mrn: str, system: str | None) -> list[Patient]:
    token = f"{system}|{mrn}" if system else mrn
    found = await client.search("Patient", {"identifier": token}, limit=2)
    return [
        to_patient(r)
        for r in found
        if r.resource_type == "Patient"
        and any(i.value == mrn and (system is None or i.system == system) for i in r.identifier or [])
    ]
