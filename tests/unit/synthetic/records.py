"""What the synthetic-data tests share: the generation's parameters and helpers to read its resources."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

ZONE_NAME = "America/New_York"
ZONE = ZoneInfo(ZONE_NAME)
# The 60 days after this date cross the start of daylight saving time (8 March 2026), so slots are
# stored with both -05:00 and -04:00 offsets.
TODAY = dt.date(2026, 2, 20)
PATIENTS = 500

PHONE_PATTERNS = {
    "paren": re.compile(r"^\((\d{3})\) 555-(01\d\d)$"),
    "dashes": re.compile(r"^(\d{3})-555-(01\d\d)$"),
    "e164": re.compile(r"^\+1(\d{3})555(01\d\d)$"),
    "digits": re.compile(r"^(\d{3})555(01\d\d)$"),
    "dots": re.compile(r"^(\d{3})\.555\.(01\d\d)$"),
}


def digits_of(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    return digits[1:] if len(digits) == 11 and digits.startswith("1") else digits


def of_patient(by_type, resource_type, patient_id):
    field = {"Account": "subject", "AllergyIntolerance": "patient", "Coverage": "beneficiary"}.get(
        resource_type, "subject"
    )
    out = []
    for r in by_type[resource_type]:
        target = r.get(field)
        refs = target if isinstance(target, list) else [target]
        if resource_type == "Appointment":
            refs = [p["actor"] for p in r["participant"]]
        if any(x and x.get("reference") == f"Patient/{patient_id}" for x in refs):
            out.append(r)
    return out


def extension(resource, url):
    return next((e for e in resource.get("extension", []) if e["url"] == url), None)


def instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)
