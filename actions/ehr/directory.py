"""Clinicians' and places' names and addresses, looked up by id and cached.

They are not PHI and rarely change: appointments, open times and prescriptions all name
clinicians and places, and each name is fetched once per ten minutes, not once per mention.
"""

from __future__ import annotations

import time
from typing import Any

from .client import FhirClient
from .domain import Clinician, Place
from .fhir_values import address_text, display_name, phone_value


class Directory:
    """Clinicians' and places' names, cached: they are not PHI and rarely change."""

    def __init__(self, client: FhirClient, ttl: float = 600.0) -> None:
        self._client = client
        self._ttl = ttl
        self._entries: dict[str, tuple[float, Clinician | Place]] = {}

    async def clinicians(self, ids: set[str]) -> dict[str, Clinician]:
        found = await self._lookup("Practitioner", ids)
        return {k: v for k, v in found.items() if isinstance(v, Clinician)}

    async def places(self, ids: set[str]) -> dict[str, Place]:
        found = await self._lookup("Location", ids)
        return {k: v for k, v in found.items() if isinstance(v, Place)}

    async def _lookup(self, resource_type: str, ids: set[str]) -> dict[str, Clinician | Place]:
        now = time.monotonic()
        result: dict[str, Clinician | Place] = {}
        missing = []
        for ident in ids:
            cached = self._entries.get(f"{resource_type}/{ident}")
            if cached and cached[0] > now:
                result[ident] = cached[1]
            else:
                missing.append(ident)
        if missing:
            resources = await self._client.search(
                resource_type, {"_id": ",".join(sorted(missing))}, limit=len(missing)
            )
            for resource in resources:
                entry = _directory_entry(resource)
                self._entries[f"{resource_type}/{resource.id}"] = (now + self._ttl, entry)
                result[resource.id] = entry
        return result


def _directory_entry(resource: Any) -> Clinician | Place:
    if resource.resource_type == "Practitioner":
        return Clinician(id=resource.id, name=display_name(resource.name))
    return Place(
        id=resource.id,
        name=resource.name or "",
        address=address_text(resource.address),
        phone=phone_value(resource.telecom),
    )
