"""The clinic and the organizations around it: Organization, Location, Practitioner, PractitionerRole,
pharmacies and insurers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .common import (
    NUCC,
    ORG_TYPE,
    PRACTITIONER_ROLE,
    PROVIDER_ID_SYSTEM,
    TIMEZONE_EXT,
    V3_ROLECODE,
    VISIT_TYPE_SYSTEM,
    WEEKDAYS,
    Ids,
    concept,
    ref,
)
from .names import ORG_AREA_CODE, address, format_phone

CLINIC_NAME = "Riverside Family Medicine"
OPEN_HOUR, CLOSE_HOUR = 8, 17  # clinic hours, Monday to Friday, in the clinic's time zone
LUNCH_HOUR = 12  # no slots 12:00-13:00
SLOT_MINUTES = 30

# code -> (display, v2-0276 appointmentType code, patient instruction or None)
VISIT_TYPES: dict[str, tuple[str, str, str | None]] = {
    "new-patient": (
        "New patient visit",
        "ROUTINE",
        "Please arrive 15 minutes early and bring a photo ID, your insurance card and a list of the "
        "medicines you take.",
    ),
    "follow-up": ("Follow-up visit", "FOLLOWUP", None),
    "annual-physical": (
        "Annual physical",
        "CHECKUP",
        "Please bring your insurance card and a list of your medicines. If you may have blood drawn, "
        "do not eat for 8 hours before (water is fine).",
    ),
    "sick-visit": ("Sick visit", "WALKIN", None),
    "telehealth": (
        "Telehealth visit (video)",
        "ROUTINE",
        "We will text you a video link 15 minutes before the visit. Find a quiet place with good "
        "internet and have your medicines nearby.",
    ),
}
IN_PERSON_TYPES = ("new-patient", "follow-up", "annual-physical", "sick-visit")


def visit_type_concept(code: str) -> dict[str, Any]:
    return concept(VISIT_TYPE_SYSTEM, code, VISIT_TYPES[code][0])


@dataclass(frozen=True)
class LocationInfo:
    key: str
    id: str
    name: str
    line: str
    city: str
    postal: str
    phone: str


@dataclass(frozen=True)
class PractitionerInfo:
    key: str
    id: str
    role_id: str
    given: str
    family: str
    gender: str
    degree: str
    specialty: tuple[str, str]  # NUCC code, display
    role_code: str | None
    patients: str  # "adult", "child" or "all"
    days: dict[int, str]  # weekday (0 = Monday) -> location key
    telehealth: bool

    @property
    def display(self) -> str:
        return (
            f"Dr. {self.given} {self.family}"
            if self.degree in ("MD", "DO")
            else f"{self.given} {self.family}, {self.degree}"
        )

    @property
    def visit_types(self) -> tuple[str, ...]:
        return IN_PERSON_TYPES + (("telehealth",) if self.telehealth else ())


@dataclass(frozen=True)
class PharmacyInfo:
    key: str
    id: str
    location_id: str
    name: str
    phone: str


@dataclass(frozen=True)
class InsurerInfo:
    key: str
    id: str
    name: str
    plans: tuple[tuple[str, str, str], ...]  # (plan value, plan name, v3 ActCode coverage type)


@dataclass
class Directory:
    organization_id: str
    locations: list[LocationInfo]
    practitioners: list[PractitionerInfo]
    pharmacies: list[PharmacyInfo]
    insurers: list[InsurerInfo]
    resources: list[dict[str, Any]] = field(default_factory=list)

    def location(self, key: str) -> LocationInfo:
        return next(loc for loc in self.locations if loc.key == key)

    def practitioner(self, key: str) -> PractitionerInfo:
        return next(p for p in self.practitioners if p.key == key)


# fmt: off
_LOCATIONS = (
    ("medford", "Riverside Family Medicine - Medford", "1200 Riverside Avenue", "Medford", "02155", 190),
    ("malden", "Riverside Family Medicine - Malden", "45 Pleasant Street, Suite 200", "Malden", "02148", 191),
    ("arlington", "Riverside Family Medicine - Arlington", "310 Massachusetts Avenue", "Arlington", "02474",
     192),
)

_FM = ("207Q00000X", "Family Medicine")
_IM = ("207R00000X", "Internal Medicine")
_PEDS = ("208000000X", "Pediatrics")
_GERI = ("207RG0300X", "Geriatric Medicine")
_NP = ("363LF0000X", "Nurse Practitioner, Family")
_PA = ("363AM0700X", "Physician Assistant, Medical")

# key, given, family, gender, degree, specialty, role, patients, {weekday: location}, telehealth
_PRACTITIONERS = (
    ("hart", "Amelia", "Hart", "female", "MD", _FM, "doctor", "all",
     {0: "medford", 1: "medford", 2: "medford", 3: "medford"}, True),
    ("ortiz", "Rafael", "Ortiz", "male", "MD", _FM, "doctor", "all",
     {0: "medford", 1: "malden", 2: "medford", 3: "malden"}, False),
    ("whitaker", "Susan", "Whitaker", "female", "MD", _IM, "doctor", "adult",
     {1: "medford", 2: "medford", 4: "medford"}, True),
    ("mensah", "Kwame", "Mensah", "male", "MD", _IM, "doctor", "adult",
     {0: "malden", 2: "malden", 3: "malden"}, False),
    ("fischer", "Lena", "Fischer", "female", "MD", _PEDS, "doctor", "child",
     {0: "medford", 1: "medford", 3: "medford"}, False),
    ("nair", "Meera", "Nair", "female", "MD", _PEDS, "doctor", "child",
     {1: "arlington", 2: "arlington", 4: "arlington"}, True),
    ("blake", "Jordan", "Blake", "nonbinary", "NP", _NP, "nurse", "all",
     {0: "arlington", 2: "arlington", 4: "arlington"}, True),
    ("nguyen", "Casey", "Nguyen", "male", "PA-C", _PA, None, "all",
     {1: "malden", 3: "malden", 4: "malden"}, False),
    ("reilly", "Thomas", "Reilly", "male", "MD", _GERI, "doctor", "adult",
     {0: "arlington", 1: "arlington", 3: "arlington"}, False),
    ("sato", "Hana", "Sato", "female", "MD", _FM, "doctor", "all",
     {2: "malden", 4: "medford"}, True),
)

_PHARMACIES = (
    ("maple", "Maple Street Pharmacy", "88 Maple Street", "Medford", "02155", 193),
    ("harbor", "Harbor Point Pharmacy", "512 Broadway", "Everett", "02149", 194),
    ("apothecary", "Riverside Apothecary", "17 Salem Street", "Malden", "02148", 195),
    ("northgate", "Northgate Community Pharmacy", "900 Main Street", "Melrose", "02176", 196),
    ("cedar", "Cedar Hill Drug", "64 Mystic Street", "Arlington", "02474", 197),
)

# key, name, ((plan value, plan name, v3 ActCode coverage type), ...)
_INSURERS = (
    ("harborlight", "Harborlight Health Plan", (
        ("HL-PPO-1500", "Harborlight PPO 1500", "PPO"),
        ("HL-HMO-BASIC", "Harborlight HMO Basic", "HMO"),
    )),
    ("pinecrest", "Pinecrest Mutual Insurance", (
        ("PM-PPO-GOLD", "Pinecrest PPO Gold", "PPO"),
        ("PM-HDHP-3000", "Pinecrest High Deductible 3000", "PPO"),
    )),
    ("granite", "Granite Shield Health", (("GS-HMO-SELECT", "Granite Shield HMO Select", "HMO"),)),
    ("summit", "Summit Senior Care Plan", (("SS-MA-PLUS", "Summit Senior Advantage Plus", "PUBLICPOL"),)),
)
# fmt: on

PHARMACY_TAXONOMY = ("3336C0003X", "Community/Retail Pharmacy")


def _org_phone(line: int) -> str:
    return format_phone(ORG_AREA_CODE, line, "paren")


def build_directory(ids: Ids, timezone: str) -> Directory:
    org_id = ids.make("Organization", "clinic")
    resources: list[dict[str, Any]] = []
    resources.append(
        {
            "resourceType": "Organization",
            "id": org_id,
            "active": True,
            "type": [concept(ORG_TYPE, "prov", "Healthcare Provider")],
            "name": CLINIC_NAME,
            "alias": ["Riverside FM"],
            "telecom": [{"system": "phone", "value": _org_phone(190), "use": "work"}],
            "address": [address("1200 Riverside Avenue", "Medford", "02155", use="work")],
        }
    )

    locations: list[LocationInfo] = []
    for key, name, line, city, postal, phone_line in _LOCATIONS:
        site = LocationInfo(key, ids.make("Location", key), name, line, city, postal, _org_phone(phone_line))
        locations.append(site)
        resources.append(
            {
                "resourceType": "Location",
                "id": site.id,
                "extension": [{"url": TIMEZONE_EXT, "valueCode": timezone}],
                "status": "active",
                "name": name,
                "description": f"{CLINIC_NAME} office in {city}. Free parking behind the building.",
                "mode": "instance",
                "type": [concept(V3_ROLECODE, "FMC", "Family medicine clinic")],
                "telecom": [{"system": "phone", "value": site.phone, "use": "work"}],
                "address": address(line, city, postal, use="work"),
                "managingOrganization": ref("Organization", org_id, CLINIC_NAME),
                "hoursOfOperation": [
                    {
                        "daysOfWeek": list(WEEKDAYS[:5]),
                        "openingTime": f"{OPEN_HOUR:02d}:00:00",
                        "closingTime": f"{CLOSE_HOUR:02d}:00:00",
                    }
                ],
            }
        )

    practitioners: list[PractitionerInfo] = []
    for key, given, family, gender, degree, specialty, role, group, days, tele in _PRACTITIONERS:
        prac = PractitionerInfo(
            key,
            ids.make("Practitioner", key),
            ids.make("PractitionerRole", key),
            given,
            family,
            "other" if gender == "nonbinary" else gender,
            degree,
            specialty,
            role,
            group,
            dict(days),
            tele,
        )
        practitioners.append(prac)
        human_name: dict[str, Any] = {"use": "official", "family": family, "given": [given]}
        human_name["suffix"] = [degree]
        if degree == "MD":
            human_name["prefix"] = ["Dr."]
        resources.append(
            {
                "resourceType": "Practitioner",
                "id": prac.id,
                "identifier": [{"system": PROVIDER_ID_SYSTEM, "value": f"RFM-{key.upper()}"}],
                "active": True,
                "name": [human_name],
                "telecom": [{"system": "phone", "value": _org_phone(190), "use": "work"}],
                "gender": prac.gender,
                "qualification": [{"code": {"text": degree}}],
            }
        )
        location_keys = sorted(set(days.values()), key=[loc.key for loc in locations].index)
        role_res: dict[str, Any] = {
            "resourceType": "PractitionerRole",
            "id": prac.role_id,
            "active": True,
            "practitioner": ref("Practitioner", prac.id, prac.display),
            "organization": ref("Organization", org_id, CLINIC_NAME),
            "specialty": [concept(NUCC, specialty[0], specialty[1])],
            "location": [ref("Location", ids.make("Location", k)) for k in location_keys],
            "availableTime": [
                {
                    "daysOfWeek": [WEEKDAYS[d] for d in sorted(days)],
                    "availableStartTime": f"{OPEN_HOUR:02d}:00:00",
                    "availableEndTime": f"{CLOSE_HOUR:02d}:00:00",
                }
            ],
        }
        if role:
            role_res["code"] = [concept(PRACTITIONER_ROLE, role, role.capitalize())]
        resources.append(role_res)

    pharmacies: list[PharmacyInfo] = []
    for key, name, line, city, postal, phone_line in _PHARMACIES:
        pharm = PharmacyInfo(
            key,
            ids.make("Organization", f"pharmacy/{key}"),
            ids.make("Location", f"pharmacy/{key}"),
            name,
            _org_phone(phone_line),
        )
        pharmacies.append(pharm)
        addr = address(line, city, postal, use="work")
        resources.append(
            {
                "resourceType": "Organization",
                "id": pharm.id,
                "active": True,
                "type": [
                    concept(ORG_TYPE, "prov", "Healthcare Provider"),
                    concept(NUCC, *PHARMACY_TAXONOMY),
                ],
                "name": name,
                "telecom": [{"system": "phone", "value": pharm.phone, "use": "work"}],
                "address": [addr],
            }
        )
        resources.append(
            {
                "resourceType": "Location",
                "id": pharm.location_id,
                "status": "active",
                "name": name,
                "mode": "instance",
                "type": [concept(V3_ROLECODE, "PHARM", "Pharmacy")],
                "telecom": [{"system": "phone", "value": pharm.phone, "use": "work"}],
                "address": addr,
                "managingOrganization": ref("Organization", pharm.id, name),
                "hoursOfOperation": [
                    {"daysOfWeek": list(WEEKDAYS[:5]), "openingTime": "08:00:00", "closingTime": "21:00:00"},
                    {"daysOfWeek": list(WEEKDAYS[5:]), "openingTime": "09:00:00", "closingTime": "18:00:00"},
                ],
            }
        )

    insurers: list[InsurerInfo] = []
    for n, (key, name, plans) in enumerate(_INSURERS):
        insurer = InsurerInfo(key, ids.make("Organization", f"insurer/{key}"), name, plans)
        insurers.append(insurer)
        resources.append(
            {
                "resourceType": "Organization",
                "id": insurer.id,
                "active": True,
                "type": [concept(ORG_TYPE, "ins", "Insurance Company")],
                "name": name,
                "telecom": [
                    {"system": "phone", "value": format_phone("800", 100 + n, "dashes"), "use": "work"}
                ],
            }
        )

    return Directory(org_id, locations, practitioners, pharmacies, insurers, resources)
