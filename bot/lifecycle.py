"""How a conversation ends, and what ending it deletes (docs/privacy.md).

A conversation lives in the ephemeral tracker store (``bot/store/``) while it lasts. Ending it,
whatever the reason, does three things, in this order:

1. deletes its tracker from the store (and makes sure a message still being handled for it
   cannot write it back);
2. tells the action server to drop what it holds for the conversation (``actions/server.py``,
   ``POST /internal/conversations/end``);
3. awaits every listener registered with ``on_conversation_end`` (the channels drop their own
   state; the web chat tells an open page that the conversation ended).

Ending is idempotent: ending twice deletes nothing the second time, and steps 2 and 3 run on
every call (they only drop state, so running them again does no harm). A listener that fails is
logged, by the exception's type only, and the others still run.

Nothing here logs a conversation id: ids are logged as a short one-way tag (``tag``).
"""

from __future__ import annotations

import enum
import hashlib
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Protocol

import httpx

from settings.clinic import cached_clinic_settings
from settings.env import env_number

log = logging.getLogger("frontdesk.lifecycle")

# Set FRONTDESK_IDLE_TIMEOUT_SECONDS to override the clinic's idle_timeout_minutes (tests).
IDLE_SECONDS_ENV = "FRONTDESK_IDLE_TIMEOUT_SECONDS"
# The shared secret of the internal routes (both servers), when set (docs/operations.md).
INTERNAL_TOKEN_ENV = "FRONTDESK_INTERNAL_TOKEN"
END_ROUTE = "/internal/conversations/end"


class EndReason(str, enum.Enum):
    GOODBYE = "goodbye"  # the assistant closed it (action_end_conversation ran)
    PATIENT_ENDED = "patient_ended"  # web chat "End chat" button
    PAGE_CLOSED = "page_closed"  # web chat page said it is closing (and did not come back)
    AGENT_CLOSED = "agent_closed"  # agent console (issue 5)
    IDLE = "idle"  # idle longer than the timeout (the store's own sweep)
    OPTED_OUT = "opted_out"  # SMS STOP


Listener = Callable[[str, EndReason], Awaitable[None]]


class ConversationStore(Protocol):
    """What the lifecycle needs of the tracker store (``bot.store.EphemeralTrackerStore``)."""

    def forget(self, sender_id: str) -> bool:
        """Delete the conversation's tracker now and refuse in-flight saves of it; True if it existed."""

    def contains(self, sender_id: str) -> bool: ...

    def touch(self, sender_id: str) -> None: ...


_store: ConversationStore | None = None
_listeners: list[Listener] = []


def attach_store(store: ConversationStore | None) -> None:
    """The tracker store registers itself here when Rasa creates it (None detaches it)."""
    global _store
    _store = store


def attached_store() -> ConversationStore | None:
    return _store


def on_conversation_end(listener: Listener) -> None:
    """Run ``listener(sender_id, reason)`` after every end. Registering the same one twice is a no-op."""
    if listener not in _listeners:
        _listeners.append(listener)


def remove_listener(listener: Listener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def tag(sender_id: str) -> str:
    """A short one-way tag for a conversation id, for logs (never the id itself)."""
    return hashlib.sha256(sender_id.encode("utf-8", "replace")).hexdigest()[:10]


def idle_timeout_seconds() -> float:
    """The idle timeout: FRONTDESK_IDLE_TIMEOUT_SECONDS if set, else the clinic's minutes x 60."""
    return env_number(os.environ, IDLE_SECONDS_ENV, cached_clinic_settings().idle_timeout_minutes * 60)


def is_live(sender_id: str) -> bool:
    """Whether a tracker for ``sender_id`` is in the store now (an empty one never is)."""
    return _store is not None and _store.contains(sender_id)


def touch(sender_id: str) -> None:
    """Activity without a message (the web chat's "Stay" button): restarts the idle clock."""
    if _store is not None:
        _store.touch(sender_id)


def action_server_end_url() -> str | None:
    """The action server's internal end route, from ACTION_SERVER_URL (``.../webhook``)."""
    url = os.environ.get("ACTION_SERVER_URL", "").strip()
    if not url:
        return None
    base = url.rstrip("/")
    base = base.removesuffix("/webhook")
    return base + END_ROUTE


async def _tell_action_server(sender_id: str) -> None:
    url = action_server_end_url()
    if url is None:
        return
    headers = {}
    token = os.environ.get(INTERNAL_TOKEN_ENV, "").strip()
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        async with httpx.AsyncClient(timeout=5) as client:
            response = await client.post(url, json={"sender_id": sender_id}, headers=headers)
        if response.status_code >= 300:
            log.warning(
                "the action server refused to drop conversation %s: HTTP %s",
                tag(sender_id),
                response.status_code,
            )
    except httpx.HTTPError as error:
        log.warning(
            "could not tell the action server to drop conversation %s: %s",
            tag(sender_id),
            type(error).__name__,
        )


async def end_conversation(sender_id: str, reason: EndReason) -> bool:
    """End a conversation: delete its tracker, tell the action server, await every listener.

    Idempotent; True if a tracker for it existed."""
    existed = _store.forget(sender_id) if _store is not None else False
    log.info("conversation %s ended (%s)", tag(sender_id), EndReason(reason).value)
    await _tell_action_server(sender_id)
    for listener in list(_listeners):
        try:
            await listener(sender_id, reason)
        except Exception as error:  # a listener's failure is its own; the others still run
            log.error(
                "a conversation-end listener (%s) failed for %s: %s",
                getattr(listener, "__qualname__", type(listener).__name__),
                tag(sender_id),
                type(error).__name__,
            )
    return existed
