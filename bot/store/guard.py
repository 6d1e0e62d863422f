"""Refuse to serve unless the conversation store is the ephemeral one.

Rasa loads the tracker store named in endpoints.yml and, when the class cannot be imported,
warns and falls back to its stock in-memory store, which keeps every conversation until the
process ends. Rasa loads channels without such a fallback (a missing channel class stops the
server), so a channel installs this check: once the agent has loaded (``after_server_start``;
the agent loads in ``before_server_start``), the store must be an ``EphemeralTrackerStore``,
otherwise the process logs why and exits with status 3.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from typing import Any

from sanic import Blueprint, Sanic

from bot.store.ephemeral import EphemeralTrackerStore

log = logging.getLogger("frontdesk.store")
EXIT_STATUS = 3


def configured_store(app: Sanic) -> Any | None:
    """The store under Rasa's wrappers (``FailSafeTrackerStore``), or None without an agent."""
    agent = getattr(app.ctx, "agent", None)
    store = getattr(agent, "tracker_store", None)
    while store is not None and hasattr(store, "_tracker_store"):
        store = store._tracker_store
    return store


def require_ephemeral_store(blueprint: Blueprint) -> None:
    """Install the check on a channel's blueprint (several channels may; it runs for each)."""

    @blueprint.listener("after_server_start")
    async def check_store(app: Sanic, loop: asyncio.AbstractEventLoop) -> None:
        if not hasattr(getattr(app.ctx, "agent", None), "tracker_store"):
            return  # no Rasa agent (no model loaded: Rasa says so itself, and serves no conversation)
        store = configured_store(app)
        if isinstance(store, EphemeralTrackerStore):
            store.start_sweeper()
            return
        message = (
            f"Refusing to start: the conversation store is {type(store).__name__}, not "
            "bot.store.EphemeralTrackerStore. Check tracker_store in endpoints.yml and the "
            "warning above about a tracker store that was not found."
        )
        log.critical(message)
        print(message, file=sys.stderr, flush=True)
        logging.shutdown()
        os._exit(EXIT_STATUS)
