"""MedicationRequests: RxNorm coded, with refills, validity, the preferred pharmacy and a recognisable
marker on controlled substances."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any, NamedTuple

from .clinical import CONDITIONS
from .common import (
    CONTROLLED_SUBSTANCE_EXT,
    DEA_SCHEDULE_SYSTEM,
    MED_CATEGORY_SYSTEM,
    MEDREQ_CATEGORY,
    REFILLS_REMAINING_EXT,
    RXNORM,
    SNOMED,
    UCUM,
    Ids,
    add_years,
    coding,
    concept,
    ref,
)
from .model import MedicationInfo, PatientInfo, PatientPlan

COURSE_SYSTEM = "http://terminology.hl7.org/CodeSystem/medicationrequest-course-of-therapy"
ORAL = ("26643006", "Oral route (qualifier value)")
INHALED = ("447694001", "Respiratory tract route (qualifier value)")


class Drug(NamedTuple):
    rxnorm: str
    display: str
    instructions: str
    as_needed: bool
    route: tuple[str, str]
    quantity: int
    unit: str
    supply_days: int
    refills: int  # refills usually authorized
    schedule: str | None  # DEA schedule, e.g. "CII"


# fmt: off
MEDICATIONS: dict[str, Drug] = {
    "lisinopril": Drug("314076", "lisinopril 10 MG Oral Tablet",
                       "Take 1 tablet by mouth once a day.", False, ORAL, 90, "tablet", 90, 3, None),
    "amlodipine": Drug("197361", "amlodipine 5 MG Oral Tablet",
                       "Take 1 tablet by mouth once a day.", False, ORAL, 90, "tablet", 90, 3, None),
    "hydrochlorothiazide": Drug("310798", "hydrochlorothiazide 25 MG Oral Tablet",
                                "Take 1 tablet by mouth every morning.", False, ORAL,
                                90, "tablet", 90, 3, None),
    "atorvastatin": Drug("617310", "atorvastatin 20 MG Oral Tablet",
                         "Take 1 tablet by mouth at bedtime.", False, ORAL, 90, "tablet", 90, 3, None),
    "metformin": Drug("861007", "metformin hydrochloride 500 MG Oral Tablet",
                      "Take 1 tablet by mouth twice a day with meals.", False, ORAL,
                      180, "tablet", 90, 3, None),
    "levothyroxine": Drug("966222", "levothyroxine sodium 0.05 MG Oral Tablet",
                          "Take 1 tablet by mouth every morning on an empty stomach.", False, ORAL,
                          30, "tablet", 30, 11, None),
    "albuterol": Drug("745679", "200 ACTUAT albuterol 0.09 MG/ACTUAT Metered Dose Inhaler",
                      "Inhale 2 puffs every 4 to 6 hours as needed for wheezing or shortness of breath.",
                      True, INHALED, 1, "inhaler", 30, 5, None),
    "sertraline": Drug("312940", "sertraline 50 MG Oral Tablet",
                       "Take 1 tablet by mouth once a day.", False, ORAL, 30, "tablet", 30, 5, None),
    "methylphenidate": Drug("1091392", "methylphenidate hydrochloride 20 MG Oral Tablet",
                            "Take 1 tablet by mouth twice a day, in the morning and at noon.", False, ORAL,
                            60, "tablet", 30, 0, "CII"),
    "hydrocodone_apap": Drug("857005", "acetaminophen 325 MG / hydrocodone bitartrate 7.5 MG Oral Tablet",
                             "Take 1 tablet by mouth every 6 hours as needed for severe pain. "
                             "No more than 4 tablets a day.", True, ORAL, 20, "tablet", 5, 0, "CII"),
}
# fmt: on
SCHEDULE_DISPLAY = {"CII": "Schedule II", "CIII": "Schedule III", "CIV": "Schedule IV", "CV": "Schedule V"}


def _plan_medications(plan: PatientPlan, rng: random.Random) -> list[tuple[str, str | None, bool]]:
    """(medication key, condition key it treats, active?) for each MedicationRequest to write."""
    chosen: list[tuple[str, str | None, bool]] = []
    for cond_key, active in plan.conditions:
        options = CONDITIONS[cond_key][3]
        if not options:
            continue
        if active:
            if rng.random() < 0.15 and cond_key not in ("adhd",) and not plan.case:
                continue  # managed without medicine
            med = options[0] if plan.case or rng.random() < 0.6 else rng.choice(options)
            chosen.append((med, cond_key, True))
            if len(options) > 1 and rng.random() < 0.2 and not plan.case:
                # switched medicines once: the old request is stopped
                old = rng.choice([o for o in options if o != med])
                chosen.append((old, cond_key, False))
        else:
            chosen.append((options[0], cond_key, False))
    for med in plan.extra_meds:
        chosen.append((med, None, True))
    seen: set[tuple[str, bool]] = set()
    unique = []
    for item in chosen:
        if (item[0], item[2]) not in seen:
            seen.add((item[0], item[2]))
            unique.append(item)
    return unique


def build_medication_requests(
    ids: Ids,
    plan: PatientPlan,
    info: PatientInfo,
    today: dt.date,
    condition_ids: dict[str, str],
    pharmacy_id: str | None,
    rng: random.Random,
) -> list[dict[str, Any]]:
    out = []
    end = plan.deceased or today
    for key, cond_key, active in _plan_medications(plan, rng):
        code, display, text, prn, route, qty, unit, supply_days, usual_refills, schedule = MEDICATIONS[key]
        override = plan.medication_overrides.get(key, {})
        if plan.deceased:
            active = False
        if active:
            # a Schedule II prescription is written for one month at a time and cannot be refilled
            default_age = rng.randint(3, 25) if schedule == "CII" else rng.randint(5, 330)
            if plan.case and schedule != "CII":
                default_age = 60  # special cases keep refills unless a case says otherwise
            authored = end - dt.timedelta(days=override.get("days_ago", default_age))
        else:
            authored = end - dt.timedelta(days=rng.randint(200, 1100))
        refills = override.get("refills_authorized", 0 if schedule == "CII" else usual_refills)
        fills_done = 1 + (end - authored).days // supply_days
        remaining = max(0, refills - (fills_done - 1))
        if "refills_remaining" in override:
            remaining = override["refills_remaining"]
        validity_end = add_years(authored, 1) if schedule != "CII" else authored + dt.timedelta(days=90)
        if not active:
            validity_end = min(validity_end, end - dt.timedelta(days=1))
        category = [concept(MEDREQ_CATEGORY, "community", "Community")]
        extensions: list[dict[str, Any]] = []
        if active:
            extensions.append({"url": REFILLS_REMAINING_EXT, "valueUnsignedInt": remaining})
        if schedule:
            category.append(concept(MED_CATEGORY_SYSTEM, "controlled-substance", "Controlled substance"))
            extensions.append(
                {
                    "url": CONTROLLED_SUBSTANCE_EXT,
                    "valueCoding": coding(DEA_SCHEDULE_SYSTEM, schedule, SCHEDULE_DISPLAY[schedule]),
                }
            )
        mid = ids.make("MedicationRequest", f"{plan.key}/{key}/{'active' if active else 'stopped'}")
        dosage: dict[str, Any] = {"sequence": 1, "text": text, "route": concept(SNOMED, *route)}
        if prn:
            dosage["asNeededBoolean"] = True
        resource: dict[str, Any] = {"resourceType": "MedicationRequest", "id": mid}
        if extensions:
            resource["extension"] = extensions
        resource.update(
            {
                "status": "active" if active else "stopped",
                "intent": "order",
                "category": category,
                "medicationCodeableConcept": concept(RXNORM, code, display),
                "subject": ref("Patient", info.id),
                "authoredOn": authored.isoformat(),
                "requester": ref("Practitioner", info.general_practitioner_id, info.general_practitioner),
                "courseOfTherapyType": concept(
                    COURSE_SYSTEM,
                    "acute" if supply_days < 30 else "continuous",
                    "Short course (acute) therapy" if supply_days < 30 else "Continuous long term therapy",
                ),
                "dosageInstruction": [dosage],
                "dispenseRequest": {
                    "validityPeriod": {"start": authored.isoformat(), "end": validity_end.isoformat()},
                    "numberOfRepeatsAllowed": refills,
                    "quantity": {"value": qty, "unit": unit},
                    "expectedSupplyDuration": {
                        "value": supply_days,
                        "unit": "days",
                        "system": UCUM,
                        "code": "d",
                    },
                },
            }
        )
        if cond_key and cond_key in condition_ids:
            resource["reasonReference"] = [ref("Condition", condition_ids[cond_key])]
        if pharmacy_id:
            resource["dispenseRequest"]["performer"] = ref("Organization", pharmacy_id, info.pharmacy)
        out.append(resource)
        info.medications.append(
            MedicationInfo(
                mid, display, code, resource["status"], refills, remaining if active else 0, schedule
            )
        )
    return out
