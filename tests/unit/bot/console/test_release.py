"""A conversation whose agent left (signed out, or the session expired) goes back to the queue."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.channels.webchat.staff import StaffPresence
from bot.console import state
from bot.console.queue import HandoffQueue, TakeOutcome
from bot.console.settings import ConsoleSettings
from bot.console.state import Console
from tests.unit.bot.console.test_queue import handoff

WEB = "web:abc"


def test_a_released_entry_is_waiting_again_in_its_old_place_and_counts_one_wait() -> None:
    """Tried: release a taken entry (back, untaken, ahead of a later one, a change announced);
    release it again, an untaken one and an unknown id (None each); taken again by another agent:
    the expected-wait figures hold the first take only."""

    async def scenario() -> None:
        queue = HandoffQueue()
        changes: list[int] = []
        queue.on_change.append(lambda: changes.append(1))
        handoff(queue, "rest:first", "requested", "normal")
        handoff(queue, "rest:later", "requested", "normal")
        first, later = (entry.id for entry in queue.entries())
        assert (await queue.take(first, "ana")).outcome is TakeOutcome.TAKEN
        before = len(changes)
        released = queue.release(first)
        assert released is not None and released.taken_by is None
        assert len(changes) == before + 1
        assert [entry.id for entry in queue.entries()] == [first, later]
        assert queue.release(first) is None and queue.release(later) is None and queue.release("nope") is None
        assert (await queue.take(first, "bo")).taken_by == "bo"
        assert len(queue.recent_waits()) == 1

    asyncio.run(scenario())


@pytest.mark.asyncio
async def test_release_left_puts_back_only_conversations_whose_agent_is_gone(
    monkeypatch: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Tried: ana signs out, bo stays signed in: ana's conversation goes back and its patient is
    told (once); bo's stays his; a second sweep changes nothing; a failure to tell the patient
    still leaves the conversation queued (and is logged by type only)."""
    told: list[tuple[str, str]] = []

    async def tell(app: Any, sender_id: str, channel: str) -> bool:
        told.append((sender_id, channel))
        if sender_id == "rest:broken":
            raise RuntimeError("boom " + sender_id)
        return True

    monkeypatch.setattr(state, "tell_requeued", tell)
    console = Console(ConsoleSettings())
    console._app = object()  # attach() would start the keep-alive loop; only the app is needed
    ana, bo = console.sessions.create("ana"), console.sessions.create("bo")
    for sender in ("web:ana", "web:bo"):
        handoff(console.queue, sender, "requested", "normal")
    by_sender = {entry.sender_id: entry.id for entry in console.queue.entries()}
    await console.queue.take(by_sender["web:ana"], "ana")
    await console.queue.take(by_sender["web:bo"], "bo")
    console.sessions.end(ana.id)
    assert await console.release_left() == 1
    assert told == [("web:ana", "web")]
    assert console.queue.get(by_sender["web:ana"]).taken_by is None  # type: ignore[union-attr]
    assert console.queue.get(by_sender["web:bo"]).taken_by == "bo"  # type: ignore[union-attr]
    assert await console.release_left() == 0 and len(told) == 1
    assert bo.agent == "bo"

    handoff(console.queue, "rest:broken", "requested", "normal")
    broken = next(entry.id for entry in console.queue.entries() if entry.sender_id == "rest:broken")
    await console.queue.take(broken, "cy")  # cy never signed in
    assert await console.release_left() == 1
    assert console.queue.get(broken).taken_by is None  # type: ignore[union-attr]
    assert "RuntimeError" in caplog.text and "boom" not in caplog.text and "rest:broken" not in caplog.text


@pytest.mark.asyncio
async def test_the_web_chat_hears_away_not_returned_when_its_conversation_is_put_back() -> None:
    """Tried: an agent takes a web chat, then it is released: the page hears null with "away" (the
    assistant has not resumed), never "returned"."""
    queue = HandoffQueue()
    sent: list[tuple[str, dict[str, Any], str]] = []

    async def emit(event: str, data: dict[str, Any], room: str) -> None:
        sent.append((event, data, room))

    presence = StaffPresence(emit)
    presence.attach(queue, lambda agent: True)
    handoff(queue, WEB, "requested", "normal")
    entry_id = queue.entries()[0].id
    await queue.take(entry_id, "ana")
    queue.release(entry_id)
    await asyncio.sleep(0)
    assert sent == [("staff", {"name": "Ana"}, WEB), ("staff", {"name": None, "why": "away"}, WEB)]
    presence.detach()
