"""Conditions (SNOMED CT) and AllergyIntolerances."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from .common import (
    ALLERGY_CLINICAL,
    ALLERGY_VER,
    CONDITION_CATEGORY,
    CONDITION_CLINICAL,
    CONDITION_VER,
    RXNORM,
    SNOMED,
    Ids,
    concept,
    ref,
)
from .model import PatientInfo, PatientPlan

# key -> (SNOMED code, display, chronic?, medication keys that may treat it)
CONDITIONS: dict[str, tuple[str, str, bool, tuple[str, ...]]] = {
    "hypertension": (
        "59621000",
        "Essential hypertension (disorder)",
        True,
        ("lisinopril", "amlodipine", "hydrochlorothiazide"),
    ),
    "hyperlipidemia": ("55822004", "Hyperlipidemia (disorder)", True, ("atorvastatin",)),
    "diabetes": ("44054006", "Type 2 diabetes mellitus (disorder)", True, ("metformin",)),
    "hypothyroidism": ("40930008", "Hypothyroidism (disorder)", True, ("levothyroxine",)),
    "asthma": ("195967001", "Asthma (disorder)", True, ("albuterol",)),
    "depression": ("370143000", "Major depressive disorder (disorder)", True, ("sertraline",)),
    "anxiety": ("21897009", "Generalized anxiety disorder (disorder)", True, ("sertraline",)),
    "adhd": ("406506008", "Attention deficit hyperactivity disorder (disorder)", True, ("methylphenidate",)),
    "gerd": ("235595009", "Gastroesophageal reflux disease (disorder)", True, ()),
    "allergic_rhinitis": ("61582004", "Allergic rhinitis (disorder)", True, ()),
    "knee_osteoarthritis": ("239873007", "Osteoarthritis of knee (disorder)", True, ()),
    "low_back_pain": ("278860009", "Chronic low back pain (finding)", True, ()),
    "bronchitis": ("10509002", "Acute bronchitis (disorder)", False, ()),
    "sinusitis": ("444814009", "Viral sinusitis (disorder)", False, ()),
    "strep_throat": ("43878008", "Streptococcal sore throat (disorder)", False, ()),
    "ankle_sprain": ("44465007", "Sprain of ankle (disorder)", False, ()),
    "clavicle_fracture": ("58150001", "Fracture of clavicle (disorder)", False, ("hydrocodone_apap",)),
}

# (condition, minimum age, chance) for adults; children draw from a smaller list
ADULT_CHRONIC = (
    ("hypertension", 30, 0.30),
    ("hyperlipidemia", 35, 0.25),
    ("diabetes", 35, 0.11),
    ("hypothyroidism", 25, 0.07),
    ("asthma", 18, 0.08),
    ("depression", 18, 0.08),
    ("anxiety", 18, 0.07),
    ("gerd", 25, 0.08),
    ("allergic_rhinitis", 18, 0.10),
    ("knee_osteoarthritis", 50, 0.10),
    ("low_back_pain", 25, 0.07),
    ("adhd", 18, 0.02),
)
CHILD_CHRONIC = (("asthma", 2, 0.12), ("allergic_rhinitis", 4, 0.10), ("adhd", 6, 0.06))
ACUTE = ("bronchitis", "sinusitis", "strep_throat", "ankle_sprain", "clavicle_fracture")

# key -> (system, code, display, category, criticality, reactions: ((SNOMED, display, severity), ...))
ALLERGIES: dict[str, tuple[str, str, str, str, str, tuple[tuple[str, str, str], ...]]] = {
    "penicillin": (
        RXNORM,
        "7984",
        "Penicillin V",
        "medication",
        "high",
        (
            ("247472004", "Wheal (finding)", "moderate"),
            ("402387002", "Allergic angioedema (disorder)", "moderate"),
        ),
    ),
    "sulfa": (
        RXNORM,
        "10831",
        "Sulfamethoxazole / Trimethoprim",
        "medication",
        "low",
        (("271807003", "Eruption of skin (disorder)", "mild"),),
    ),
    "aspirin": (RXNORM, "1191", "Aspirin", "medication", "low", (("247472004", "Wheal (finding)", "mild"),)),
    "ibuprofen": (
        RXNORM,
        "5640",
        "Ibuprofen",
        "medication",
        "low",
        (("418290006", "Itching (finding)", "mild"),),
    ),
    "cephalexin": (
        RXNORM,
        "2231",
        "Cephalexin",
        "medication",
        "low",
        (("271807003", "Eruption of skin (disorder)", "mild"),),
    ),
    "peanut": (
        SNOMED,
        "762952008",
        "Peanut (substance)",
        "food",
        "high",
        (("39579001", "Anaphylaxis (disorder)", "severe"),),
    ),
    "shellfish": (
        SNOMED,
        "735029006",
        "Shellfish (substance)",
        "food",
        "high",
        (("402387002", "Allergic angioedema (disorder)", "moderate"),),
    ),
    "bee_venom": (
        SNOMED,
        "288328004",
        "Bee venom (substance)",
        "environment",
        "high",
        (("39579001", "Anaphylaxis (disorder)", "severe"),),
    ),
    "latex": (
        SNOMED,
        "111088007",
        "Latex (substance)",
        "environment",
        "low",
        (("418290006", "Itching (finding)", "mild"),),
    ),
}
NO_KNOWN_ALLERGY = ("716186003", "No known allergy (situation)")


def random_conditions(rng: random.Random, age: int) -> list[tuple[str, bool]]:
    table = ADULT_CHRONIC if age >= 18 else CHILD_CHRONIC
    chosen = [
        (key, True)
        for key, min_age, chance in table
        if age >= min_age and rng.random() < chance * (1.6 if age >= 60 else 1.0)
    ]
    for _ in range(rng.choice((0, 0, 1, 1, 2))):
        acute = rng.choice(ACUTE)
        if all(acute != key for key, _ in chosen):
            chosen.append((acute, False))
    return chosen


def random_allergies(rng: random.Random, age: int) -> list[str] | str | None:
    roll = rng.random()
    if roll < 0.30:
        return None  # nothing recorded
    if roll < 0.78:
        return "nka"
    pool = list(ALLERGIES)
    return sorted(rng.sample(pool, rng.choice((1, 1, 1, 2))), key=pool.index)


def build_conditions(
    ids: Ids, plan: PatientPlan, info: PatientInfo, today: dt.date, rng: random.Random
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Condition resources, and condition key -> Condition id (for MedicationRequest.reasonReference)."""
    born = dt.date.fromisoformat(info.birth_date)
    end = plan.deceased or today
    out: list[dict[str, Any]] = []
    by_key: dict[str, str] = {}
    for key, active in plan.conditions:
        code, display, chronic, _ = CONDITIONS[key]
        cid = ids.make("Condition", f"{plan.key}/{key}")
        earliest = max(
            born + dt.timedelta(days=365 * 2), end - dt.timedelta(days=365 * (12 if chronic else 3))
        )
        span = max(1, (end - earliest).days - 30)
        onset = earliest + dt.timedelta(days=rng.randrange(span))
        resource: dict[str, Any] = {
            "resourceType": "Condition",
            "id": cid,
            "clinicalStatus": concept(
                CONDITION_CLINICAL, "active" if active else "resolved", "Active" if active else "Resolved"
            ),
            "verificationStatus": concept(CONDITION_VER, "confirmed", "Confirmed"),
            "category": [
                concept(CONDITION_CATEGORY, "problem-list-item", "Problem List Item")
                if chronic
                else concept(CONDITION_CATEGORY, "encounter-diagnosis", "Encounter Diagnosis")
            ],
            "code": concept(SNOMED, code, display),
            "subject": ref("Patient", info.id),
            "onsetDateTime": onset.isoformat(),
            "recordedDate": onset.isoformat(),
            "recorder": ref("Practitioner", info.general_practitioner_id),
        }
        if not active:
            abated = min(end, onset + dt.timedelta(days=rng.randint(7, 45)))
            resource["abatementDateTime"] = abated.isoformat()
        else:
            info.conditions.append(display)
        out.append(resource)
        by_key[key] = cid
    return out, by_key


def build_allergies(
    ids: Ids, plan: PatientPlan, info: PatientInfo, today: dt.date, rng: random.Random
) -> list[dict[str, Any]]:
    if plan.allergies is None:
        return []
    born = dt.date.fromisoformat(info.birth_date)
    span = max(1, (today - born).days)
    recorded = (today - dt.timedelta(days=rng.randrange(min(span, 3650)))).isoformat()
    common = {
        "clinicalStatus": concept(ALLERGY_CLINICAL, "active", "Active"),
        "verificationStatus": concept(ALLERGY_VER, "confirmed", "Confirmed"),
        "patient": ref("Patient", info.id),
        "recordedDate": recorded,
        "recorder": ref("Practitioner", info.general_practitioner_id),
    }
    if plan.allergies == "nka":
        info.no_known_allergies = True
        return [
            {
                "resourceType": "AllergyIntolerance",
                "id": ids.make("AllergyIntolerance", f"{plan.key}/nka"),
                **common,
                "code": concept(SNOMED, *NO_KNOWN_ALLERGY),
            }
        ]
    out = []
    for key in plan.allergies:
        system, code, display, category, criticality, reactions = ALLERGIES[key]
        info.allergies.append(display)
        out.append(
            {
                "resourceType": "AllergyIntolerance",
                "id": ids.make("AllergyIntolerance", f"{plan.key}/{key}"),
                **common,
                "type": "allergy",
                "category": [category],
                "criticality": criticality,
                "code": concept(system, code, display),
                "reaction": [
                    {
                        "manifestation": [concept(SNOMED, r_code, r_display)],
                        "severity": severity,
                    }
                    for r_code, r_display, severity in reactions
                ],
            }
        )
    return out
