"""Telling a web chat's open pages that a member of staff has the conversation, and when not.

The agent console's handoff queue (``bot/console/queue.py``) says when its list changes
(``on_change``: an entry came, was taken, left) and when an entry leaves (``on_closed``). This
registers on both and keeps, per web-chat conversation an agent holds, the name the patient is
shown. On a change it emits ``staff`` to the conversation's room:

- ``{"name": "Ana"}`` when an agent takes it (the agent's account name if it reads as a first
  name, else "a member of staff": ``shown_name``);
- ``{"name": null, "why": "returned"}`` when the agent returns it to the assistant;
- ``{"name": null, "why": "away"}`` when the agent holding it is no longer signed in (signed out,
  or the session expired: checked at every queue change and every ``every`` seconds), and when the
  console then puts it back in the queue for the next agent (``Console.release_left``, which also
  tells the patient). The console stops keeping such a conversation alive, so the widget must warn
  about idleness again.

Each time the name goes, the idle clock starts again, on the server as in the widget.

An ended conversation needs nothing more: the channel's own ``conversation_ended`` tells the page.
The widget shows "You're chatting with ..." and does not warn about idleness while a name is set
(the console keeps a conversation whose agent is signed in from timing out). A page that connects
later (a reload) learns the name from ``start``'s reply (``name_for``). Nothing here is a
patient's: conversation ids and agents' names only.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from bot import lifecycle
from bot.channels.webchat.conversations import PREFIX

log = logging.getLogger("frontdesk.webchat")

STAFF = "a member of staff"
_FIRST_NAME = re.compile(r"[a-z]{2,30}")

Emit = Callable[[str, dict[str, Any], str], Awaitable[None]]  # (event, data, room)


class _Entry(Protocol):
    sender_id: str
    taken_by: str | None


class _Queue(Protocol):
    on_change: list[Callable[[], None]]
    on_closed: list[Callable[[Any, str], None]]

    def taken(self) -> list[Any]: ...

    def entries(self) -> list[Any]: ...


def shown_name(agent: str | None) -> str:
    """What the patient is told: "Ana" for the account ``ana`` or ``ana.smith`` (the part before
    the first ``.``, ``_`` or ``-``, letters only), "a member of staff" for anything else."""
    first = re.split(r"[._-]", (agent or "").strip().lower(), maxsplit=1)[0]
    return first.capitalize() if _FIRST_NAME.fullmatch(first) else STAFF


class StaffPresence:
    """Which web chats an agent holds, told to their pages as it changes."""

    def __init__(self, emit: Emit) -> None:
        self._emit = emit
        self._queue: _Queue | None = None
        self._present: Callable[[str], bool] = lambda agent: True
        self._held: dict[str, str] = {}  # conversation id -> the name shown to the patient
        self._sending: set[asyncio.Task[None]] = set()
        self._checking: asyncio.Task[None] | None = None

    def attach(
        self, queue: _Queue, present: Callable[[str], bool] | None = None, every: float | None = None
    ) -> None:
        """Follow ``queue``; ``present(agent)``: whether the agent is signed in, asked at each
        change and, with ``every``, that often (sign-outs and expiries are not queue changes)."""
        if self._queue is not None:
            return
        self._queue = queue
        if present is not None:
            self._present = present
        queue.on_change.append(self.changed)
        queue.on_closed.append(self.closed)
        self.changed()
        if every is not None:
            self._checking = asyncio.get_running_loop().create_task(self._check(every))

    async def _check(self, every: float) -> None:
        while True:
            await asyncio.sleep(every)
            self.changed()

    def detach(self) -> None:
        if self._queue is not None:
            for hooks, hook in ((self._queue.on_change, self.changed), (self._queue.on_closed, self.closed)):
                if hook in hooks:
                    hooks.remove(hook)  # type: ignore[arg-type]
        if self._checking is not None:
            self._checking.cancel()
            self._checking = None
        self._queue = None
        self._held.clear()

    def name_for(self, conversation_id: str) -> str | None:
        return self._held.get(conversation_id)

    def changed(self) -> None:
        """The queue changed: tell the pages of web chats taken or let go since the last change."""
        if self._queue is None:
            return
        taken = [entry for entry in self._queue.taken() if entry.sender_id.startswith(PREFIX)]
        now = {
            entry.sender_id: shown_name(entry.taken_by)
            for entry in taken
            if entry.taken_by is not None and self._present(entry.taken_by)
        }
        for conversation_id, name in now.items():
            if self._held.get(conversation_id) != name:
                self._held[conversation_id] = name
                self._send({"name": name}, conversation_id)
        # Still in the queue (taken by an agent who left, or put back for the next one): away.
        queued = {entry.sender_id for entry in self._queue.entries()}
        for conversation_id in [c for c in self._held if c not in now]:
            del self._held[conversation_id]
            self._let_go(conversation_id, "away" if conversation_id in queued else "returned")

    def closed(self, entry: _Entry, why: str) -> None:
        """An entry left the queue: returned (the page is told) or ended (the page hears that)."""
        if self._held.pop(entry.sender_id, None) is not None and why != "ended":
            self._let_go(entry.sender_id, why)

    def _let_go(self, conversation_id: str, why: str) -> None:
        # The widget starts its idle clock again now: so does the server (else it could end the
        # chat before the widget's warning, the console's last touch being up to a third ago).
        lifecycle.touch(conversation_id)
        self._send({"name": None, "why": why}, conversation_id)

    def _send(self, data: dict[str, Any], conversation_id: str) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop: nobody is connected to tell
        task = loop.create_task(self._emit_safely(data, conversation_id))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _emit_safely(self, data: dict[str, Any], conversation_id: str) -> None:
        try:
            await self._emit("staff", data, conversation_id)
        except Exception as error:  # the page learns at its next start; the log gets the type
            log.error("could not tell a web chat page about staff: %s", type(error).__name__)
