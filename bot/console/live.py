"""Pushes to the console's pages: server-sent events at ``GET /console/api/events``.

A signed-in page opens one stream (``EventSource``; the session cookie authorises it, as every
console route: without a live session the answer is 401 and nothing is streamed). Events:

- ``queue`` ``{}``: the queue changed (an entry came, was taken or left): the page asks
  ``/console/api/queue`` again (which the audit log records as every listing is);
- ``line`` ``{entry, sender, text}``: a new message in a conversation the agent holds
  (``sender``: ``patient``, ``assistant`` or ``agent``), only to that agent's pages;
- ``closed`` ``{entry, why}``: a conversation the agent held went back to the assistant
  (``returned``) or ended (``ended``).

Nothing is kept: a message's text passes from the tracker event to the open streams' queues and
is gone once written. A stream ends when its session ends (sign-out, idle expiry: checked at
every event and every keep-alive), when it falls too far behind, or when the server stops.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

KEEPALIVE_SECONDS = 15.0
MAX_PENDING = 256  # events waiting for one slow page; past that the page is dropped (it reconnects)

Item = tuple[str, dict[str, Any]] | None  # None: close the stream


@dataclass(eq=False)
class Subscriber:
    session_id: str = field(repr=False)
    agent: str
    queue: asyncio.Queue[Item] = field(default_factory=lambda: asyncio.Queue(MAX_PENDING + 1))
    closed: bool = False

    def put(self, item: Item) -> None:
        if self.closed:
            return
        if item is None or self.queue.qsize() >= MAX_PENDING:
            self.closed = True
            item = None
        self.queue.put_nowait(item)


class Hub:
    def __init__(self) -> None:
        self._subscribers: set[Subscriber] = set()

    def subscribe(self, session_id: str, agent: str) -> Subscriber:
        subscriber = Subscriber(session_id, agent)
        self._subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)

    def publish(self, event: str, data: dict[str, Any], agent: str | None = None) -> None:
        """To every open page, or only to ``agent``'s."""
        for subscriber in list(self._subscribers):
            if agent is None or subscriber.agent == agent:
                subscriber.put((event, data))

    def end_session(self, session_id: str) -> None:
        for subscriber in list(self._subscribers):
            if subscriber.session_id == session_id:
                subscriber.put(None)

    def close(self) -> None:
        for subscriber in list(self._subscribers):
            subscriber.put(None)
        self._subscribers.clear()

    def __len__(self) -> int:
        return len(self._subscribers)


def frame(event: str, data: dict[str, Any]) -> str:
    """One server-sent event; ``json.dumps`` escapes newlines, so the data is one line."""
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"
