"""Asking the Rasa server whether a person can take a handoff now (for ``action_handoff``).

The agent console, and so the queue and the agents' sessions, live in the Rasa server; the
action server asks it ``GET /internal/handoff/availability`` (bot/console/availability.py) with
the internal bearer token. The answer holds counts and times only.

This is the action server's one HTTP call that is not to the EHR: it goes to Frontdesk's own
server, and nothing about a patient goes either way. Whatever goes wrong (the server is down or
slow, the token is refused, the answer is not what it should be) the answer is None and the
handoff goes ahead as it did before availability existed: queued, with the usual words.

Settings (environment): ``FRONTDESK_SERVER_URL`` (default ``http://127.0.0.1:5005``), the Rasa
server as the action server reaches it; ``FRONTDESK_INTERNAL_TOKEN``; ``HANDOFF_AVAILABILITY``
(``1`` by default; ``0`` never asks, for a clinic whose staff work the queue in another tool).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

log = logging.getLogger("frontdesk.actions")

SERVER_URL_ENV = "FRONTDESK_SERVER_URL"
DEFAULT_SERVER_URL = "http://127.0.0.1:5005"
SWITCH_ENV = "HANDOFF_AVAILABILITY"
ROUTE = "/internal/handoff/availability"
TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True)
class Availability:
    open: bool
    agents_signed_in: int
    waiting_ahead: int
    wait_minutes: int | None
    next_open: datetime | None

    @property
    def can_connect(self) -> bool:
        return self.open and self.agents_signed_in > 0


AvailabilitySource = Callable[[], Awaitable[Availability | None]]


def parse(body: Any) -> Availability | None:
    """The route's JSON as an Availability; None when anything is missing or of the wrong kind."""
    if not isinstance(body, dict):
        return None
    is_open, agents, waiting = body.get("open"), body.get("agents_signed_in"), body.get("waiting_ahead")
    wait, next_open = body.get("wait_minutes"), body.get("next_open")
    if not isinstance(is_open, bool) or not isinstance(agents, int) or not isinstance(waiting, int):
        return None
    if not _count(agents) or not _count(waiting):
        return None
    if wait is not None and not (isinstance(wait, int) and _count(wait) and wait > 0):
        return None
    when = None
    if next_open is not None:
        if not isinstance(next_open, str):
            return None
        try:
            when = datetime.fromisoformat(next_open)
        except ValueError:
            return None
        if when.tzinfo is None:
            return None
    if is_open and agents > 0 and wait is None:
        return None  # someone can take it, so there must be a wait
    return Availability(is_open, agents, waiting, wait, when)


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


class AvailabilityClient:
    """``await client()``: the availability now, or None when it cannot be told."""

    def __init__(
        self,
        env: Mapping[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        env = os.environ if env is None else env
        self.enabled = env.get(SWITCH_ENV, "1").strip() != "0"
        self.url = (env.get(SERVER_URL_ENV, "").strip() or DEFAULT_SERVER_URL).rstrip("/") + ROUTE
        self._token = env.get("FRONTDESK_INTERNAL_TOKEN", "").strip()
        self._transport = transport
        self._timeout = timeout
        # One long-lived client, made in the running loop at the first question (making one costs
        # about 20 ms: most of what asking added to a handoff).
        self._http: httpx.AsyncClient | None = None

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def __call__(self) -> Availability | None:
        if not self.enabled:
            return None
        headers = {"Authorization": f"Bearer {self._token}"} if self._token else {}
        if self._http is None:
            self._http = httpx.AsyncClient(transport=self._transport, timeout=self._timeout)
        try:
            response = await self._http.get(self.url, headers=headers)
        except httpx.HTTPError as error:
            log.warning("handoff availability unknown: %s", type(error).__name__)
            return None
        if response.status_code != 200:
            log.warning("handoff availability unknown: HTTP %s", response.status_code)
            return None
        try:
            found = parse(response.json())
        except ValueError:
            found = None
        if found is None:
            log.warning("handoff availability unknown: an answer not understood")
        return found
