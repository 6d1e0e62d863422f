"""Patients: demographics of the random population and the Patient resource itself."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from .clinic import Directory
from .clinical import random_allergies, random_conditions
from .common import (
    BCP47,
    MRN_SYSTEM,
    PREFERRED_PHARMACY_EXT,
    SSN_SYSTEM,
    V2_0203,
    V3_ROLECODE,
    Ids,
    age_on,
    concept,
    ref,
    weighted,
)
from .model import PatientInfo, PatientPlan
from .names import (
    FAMILY,
    GIVEN_FEMALE,
    GIVEN_MALE,
    PHONE_FORMATS,
    address,
    e164,
    email_for,
    format_phone,
    street_address,
)

LANGUAGES = {"en": "English", "es": "Spanish"}


def random_birth_date(rng: random.Random, today: dt.date) -> dt.date:
    """Ages depend on today's year only, so a patient's birth date stays the same all year."""
    age = weighted(
        rng, [((1, 17), 0.07), ((18, 29), 0.17), ((30, 44), 0.25), ((45, 64), 0.32), ((65, 92), 0.19)]
    )
    years = rng.randint(*age)
    return dt.date(today.year - years, 1, 1) + dt.timedelta(days=rng.randrange(365))


def random_ssn(rng: random.Random) -> str:
    """Numbers starting with 9 are never issued as SSNs."""
    return f"9{rng.randint(0, 99):02d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"


def eligible_clinicians(directory: Directory, age: int) -> list[str]:
    group = "child" if age < 18 else "adult"
    return [p.key for p in directory.practitioners if p.patients in (group, "all")]


def random_plan(
    key: str,
    rng: random.Random,
    today: dt.date,
    directory: Directory,
    phone: tuple[str, int] | None,
    taken_names: set[tuple[str, str]],
) -> PatientPlan:
    gender = rng.choice(("female", "male"))
    while True:
        given = rng.choice(GIVEN_FEMALE if gender == "female" else GIVEN_MALE)
        family = rng.choice(FAMILY)
        if (given, family) not in taken_names:
            taken_names.add((given, family))
            break
    birth = random_birth_date(rng, today)
    age = age_on(birth, today)
    stored_phone = None
    if phone is not None and rng.random() > 0.04:
        stored_phone = (phone[0], phone[1], rng.choice(PHONE_FORMATS))
    clinicians = eligible_clinicians(directory, age)
    plan = PatientPlan(
        key=key,
        case=None,
        given=given,
        family=family,
        gender=gender,
        birth_date=birth,
        phone=stored_phone,
        phone_use=rng.choice(("mobile", "mobile", "mobile", "home")),
        email=email_for(given, family, rng) if age >= 16 and rng.random() < 0.45 else None,
        ssn=random_ssn(rng) if age >= 18 and rng.random() < 0.3 else None,
        address=street_address(rng),
        language="es" if rng.random() < 0.06 else "en",
        gp=rng.choice(clinicians),
        pharmacy=rng.choice([p.key for p in directory.pharmacies]) if rng.random() < 0.9 else None,
    )
    if age < 18:
        # a child's number is usually a parent's; the parent is named as the guardian contact
        plan.guardian = (
            rng.choice(GIVEN_FEMALE + GIVEN_MALE),
            family,
            format_phone(phone[0], phone[1], "dashes") if phone else "",
        )
    if rng.random() < 0.9:
        if age >= 65 and rng.random() < 0.8:
            plan.insurance = ("summit", 0)
        else:
            insurer = rng.choice([i for i in directory.insurers if i.key != "summit"])
            plan.insurance = (insurer.key, rng.randrange(len(insurer.plans)))
    plan.conditions = random_conditions(rng, age)
    plan.allergies = random_allergies(rng, age)
    plan.past_visits = weighted(rng, [(0, 0.08), (1, 0.2), (2, 0.25), (3, 0.2), (4, 0.15), (6, 0.12)])
    plan.future_visits = weighted(rng, [(0, 0.45), (1, 0.42), (2, 0.13)])
    plan.future_cancelled = 1 if rng.random() < 0.05 else 0
    plan.billing = weighted(rng, [("open", 0.42), ("paid", 0.33), ("never", 0.25)])
    if plan.billing == "open":
        plan.open_amount_cents = rng.choice((2500, 3500, 4000, 5000)) + rng.randrange(0, 40000, 5)
        plan.paid_statements = rng.randint(0, 3)
    elif plan.billing == "paid":
        plan.paid_statements = rng.randint(1, 4)
    return plan


def make_info(ids: Ids, plan: PatientPlan, directory: Directory) -> PatientInfo:
    pid = ids.make("Patient", plan.key)
    gp = directory.practitioner(plan.gp)
    line, city, postal = plan.address
    stored = format_phone(*plan.phone) if plan.phone else None
    pharmacy = next((p for p in directory.pharmacies if p.key == plan.pharmacy), None)
    return PatientInfo(
        id=pid,
        key=plan.key,
        case=plan.case,
        given=plan.given,
        family=plan.family,
        gender=plan.gender,
        birth_date=plan.birth_date.isoformat(),
        phone=stored,
        phone_e164=e164(plan.phone[0], plan.phone[1]) if plan.phone else None,
        phone_format=plan.phone[2] if plan.phone else None,
        email=plan.email,
        mrn=plan.mrn,
        ssn=plan.ssn,
        address_line=line,
        city=city,
        postal_code=postal,
        language=plan.language,
        deceased=plan.deceased.isoformat() if plan.deceased else None,
        general_practitioner_id=gp.id,
        general_practitioner=gp.display,
        pharmacy_id=pharmacy.id if pharmacy else None,
        pharmacy=pharmacy.name if pharmacy else None,
    )


def patient_resource(plan: PatientPlan, info: PatientInfo, directory: Directory) -> dict[str, Any]:
    identifiers: list[dict[str, Any]] = [
        {
            "use": "usual",
            "type": concept(V2_0203, "MR", "Medical record number"),
            "system": MRN_SYSTEM,
            "value": plan.mrn,
        }
    ]
    if plan.ssn:
        identifiers.append(
            {
                "use": "official",
                "type": concept(V2_0203, "SS", "Social Security number"),
                "system": SSN_SYSTEM,
                "value": plan.ssn,
            }
        )
    telecom: list[dict[str, Any]] = []
    if info.phone:
        telecom.append({"system": "phone", "value": info.phone, "use": plan.phone_use, "rank": 1})
    if plan.email:
        telecom.append({"system": "email", "value": plan.email, "use": "home"})
    resource: dict[str, Any] = {"resourceType": "Patient", "id": info.id}
    if info.pharmacy_id:
        resource["extension"] = [
            {
                "url": PREFERRED_PHARMACY_EXT,
                "valueReference": ref("Organization", info.pharmacy_id, info.pharmacy),
            }
        ]
    resource["identifier"] = identifiers
    resource["active"] = True
    resource["name"] = [{"use": "official", "family": plan.family, "given": [plan.given]}]
    if telecom:
        resource["telecom"] = telecom
    resource["gender"] = plan.gender
    resource["birthDate"] = info.birth_date
    if plan.deceased:
        resource["deceasedDateTime"] = info.deceased
    resource["address"] = [address(info.address_line, info.city, info.postal_code)]
    if plan.guardian:
        g_given, g_family, g_phone = plan.guardian
        contact: dict[str, Any] = {
            "relationship": [concept(V3_ROLECODE, "GUARD", "guardian")],
            "name": {"use": "official", "family": g_family, "given": [g_given]},
        }
        if g_phone:
            contact["telecom"] = [{"system": "phone", "value": g_phone, "use": "mobile"}]
        resource["contact"] = [contact]
    if plan.language != "en":
        resource["communication"] = [
            {
                "language": concept(BCP47, plan.language, LANGUAGES[plan.language]),
                "preferred": True,
            }
        ]
    resource["generalPractitioner"] = [
        ref("Practitioner", info.general_practitioner_id, info.general_practitioner)
    ]
    resource["managingOrganization"] = ref("Organization", directory.organization_id)
    return resource
