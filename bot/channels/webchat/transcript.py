"""The transcript a reloaded page gets back from the server.

The browser keeps nothing of the conversation but its id (in sessionStorage): after a reload or a
dropped connection it asks again, and gets the current session's messages from the tracker.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rasa.shared.core.events import BotUttered, Event, SessionStarted, UserUttered

Line = dict[str, str]


def transcript(events: Iterable[Event]) -> list[Line]:
    """The messages of the current session, oldest first: ``{"sender": "user"|"bot", "text"}``."""
    lines: list[Line] = []
    for event in events:
        if isinstance(event, SessionStarted):
            lines = []
        elif isinstance(event, UserUttered) and event.text:
            lines.append({"sender": "user", "text": event.text})
        elif isinstance(event, BotUttered) and event.text:
            lines.append({"sender": "bot", "text": event.text})
    return lines


async def stored_transcript(agent: Any, conversation_id: str) -> list[Line]:
    """The transcript of a conversation in the agent's tracker store (empty when there is none).

    ``retrieve`` never creates a tracker, so asking about a conversation that has had no message
    yet leaves nothing behind."""
    store = getattr(agent, "tracker_store", None)
    if store is None:
        return []
    tracker = await store.retrieve(conversation_id)
    if tracker is None:
        return []
    return transcript(tracker.events)
