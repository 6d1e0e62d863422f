"""What the search tests compare the sandbox with: its whole contents read back by brute force,
and what each search parameter must find in a resource, written out by hand from the R4
expressions (dates compared as Medplum compares them)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from sandbox.synthetic import Dataset

Resource = dict[str, Any]


@dataclass
class Server:
    base_url: str
    dataset: Dataset
    http: httpx.Client
    _all: dict[str, list[Resource]] = field(default_factory=dict)

    def bundle(self, resource_type: str, params: Any) -> dict[str, Any]:
        response = self.http.get(f"/{resource_type}", params=params)
        assert response.status_code == 200, (resource_type, params, response.text[:500])
        body: dict[str, Any] = response.json()
        assert body["resourceType"] == "Bundle" and body["type"] == "searchset"
        return body

    def ids(self, resource_type: str, params: Any) -> list[str]:
        """The ids of one page of matches, in the server's order; checks `total` covers them."""
        body = self.bundle(resource_type, params)
        found = [e["resource"]["id"] for e in body.get("entry", [])]
        assert body["total"] >= len(found)
        return found

    def all_ids(self, resource_type: str, params: dict[str, str]) -> list[str]:
        """The ids of every match, page by page (`_offset`), in the server's order."""
        found: list[str] = []
        while True:
            body = self.bundle(resource_type, {**params, "_count": "1000", "_offset": str(len(found))})
            page = [e["resource"]["id"] for e in body.get("entry", [])]
            found += page
            if not page or len(found) >= body["total"]:
                assert len(found) == body["total"]
                return found

    def forget(self) -> None:
        """After a test writes: every() reads the server again."""
        self._all.clear()

    def every(self, resource_type: str) -> list[Resource]:
        """Every stored resource of a type, in storage order (an unfiltered search, paged)."""
        if resource_type not in self._all:
            found: list[Resource] = []
            while True:
                body = self.bundle(resource_type, {"_count": "1000", "_offset": str(len(found))})
                page = [e["resource"] for e in body.get("entry", [])]
                found += page
                if not page or len(found) >= body["total"]:
                    break
            assert len(found) == body["total"]
            self._all[resource_type] = found
        return self._all[resource_type]


# --- what each parameter finds in a resource, written out by hand from the R4 expressions ------


def ref(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [item["reference"] for item in items if isinstance(item, dict) and "reference" in item]


def to_patients(refs: list[str]) -> list[str]:
    return [r for r in refs if r.startswith("Patient/")]


REFERENCES: dict[tuple[str, str], Callable[[Resource], list[str]]] = {
    ("MedicationRequest", "patient"): lambda r: to_patients(ref(r.get("subject"))),
    ("MedicationRequest", "subject"): lambda r: ref(r.get("subject")),
    ("Condition", "patient"): lambda r: to_patients(ref(r.get("subject"))),
    ("Condition", "subject"): lambda r: ref(r.get("subject")),
    ("AllergyIntolerance", "patient"): lambda r: ref(r.get("patient")),
    ("Appointment", "patient"): lambda r: to_patients(
        [x for p in r["participant"] for x in ref(p.get("actor"))]
    ),
    ("Account", "patient"): lambda r: to_patients(ref(r.get("subject", []))),
    ("Account", "subject"): lambda r: ref(r.get("subject", [])),
    ("Invoice", "subject"): lambda r: ref(r.get("subject")),
    ("Invoice", "patient"): lambda r: to_patients(ref(r.get("subject"))),
    ("Coverage", "beneficiary"): lambda r: ref(r.get("beneficiary")),
    ("Coverage", "patient"): lambda r: to_patients(ref(r.get("beneficiary"))),
}


def codes(concept: Any) -> list[tuple[str | None, str]]:
    """(system, code) of each coding, and (None, text/display): Medplum matches a bare code
    against a CodeableConcept's text and its codings' displays too, ignoring case."""
    concepts = concept if isinstance(concept, list) else [concept] if concept else []
    found: list[tuple[str | None, str]] = []
    for c in concepts:
        if c.get("text"):
            found.append((None, c["text"]))
        for coding in c.get("coding", []):
            if coding.get("display"):
                found.append((None, coding["display"]))
            found.append((coding.get("system"), coding.get("code")))
    return found


def token_matches(tokens: list[tuple[str | None, str]], query: str) -> bool:
    for value in query.split(","):
        if "|" in value:
            system, code = value.split("|", 1)
            if any(
                (s or "").lower() == system.lower() and (not code or (c or "").lower() == code.lower())
                for s, c in tokens
            ):
                return True
        elif any((c or "").lower() == value.lower() for _, c in tokens):
            return True
    return False


# --- dates as Medplum compares them: each value is a period in UTC, to the millisecond ----------


def period(value: str) -> tuple[dt.datetime, dt.datetime]:
    utc = dt.timezone.utc
    if len(value) == 4:
        year = int(value)
        return dt.datetime(year, 1, 1, tzinfo=utc), dt.datetime(year, 12, 31, 23, 59, 59, 999000, tzinfo=utc)
    if len(value) == 7:  # 31-day months only: Medplum ends any month on day 31 (1984-02 runs to 03-02)
        year, month = int(value[:4]), int(value[5:])
        return dt.datetime(year, month, 1, tzinfo=utc), dt.datetime(
            year, month, 31, 23, 59, 59, 999000, tzinfo=utc
        )
    if len(value) == 10:
        day = dt.date.fromisoformat(value)
        start = dt.datetime(day.year, day.month, day.day, tzinfo=utc)
        return start, start + dt.timedelta(days=1, milliseconds=-1)
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(utc)
    return moment, moment + dt.timedelta(milliseconds=999)


def date_matches(stored: str | None, query: str) -> bool:
    if not stored:
        return False
    prefix, value = (query[:2], query[2:]) if query[:2].isalpha() else ("eq", query)
    start, end = period(stored)
    low, high = period(value)
    return {
        "eq": start < high and end > low,
        "ap": start < high and end > low,
        "ne": not (start < high and end > low),
        "lt": start < low,
        "gt": end > high,
        "le": start <= high,
        "ge": end >= low,
        "sa": start > high,
        "eb": end < low,
    }[prefix]
