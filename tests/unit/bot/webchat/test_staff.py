"""What the widget's pages are told about a member of staff, fed by the real handoff queue."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.channels.webchat.staff import STAFF, StaffPresence, shown_name
from bot.console.queue import HandoffQueue
from bot.lifecycle import EndReason

WEB = "web:abc"


def paused(queue: HandoffQueue, sender: str) -> str:
    queue.observe({"event": "user", "sender_id": sender, "text": "a person please"})
    queue.observe({"event": "pause", "sender_id": sender})
    [entry] = [e for e in queue.entries() if e.sender_id == sender]
    return entry.id


class Room:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any], str]] = []

    async def emit(self, event: str, data: dict[str, Any], room: str) -> None:
        self.sent.append((event, data, room))


@pytest.mark.parametrize(
    ("account", "shown"),
    [
        ("ana", "Ana"),
        ("ana.smith", "Ana"),
        ("jo_b", "Jo"),
        ("mary-kate", "Mary"),
        ("a", STAFF),
        ("agent7", STAFF),
        ("x9.y", STAFF),
        ("", STAFF),
        (None, STAFF),
        ("<script>", STAFF),
    ],
)
def test_the_name_shown_is_a_first_name_or_a_member_of_staff(account: str | None, shown: str) -> None:
    """Tried: plain names, names with separators, one letter, digits, empty, None, markup."""
    assert shown_name(account) == shown


@pytest.mark.asyncio
async def test_taking_and_returning_a_web_chat_tells_its_room() -> None:
    """Tried: an SMS and a web chat queued; the web chat taken (its room hears the name, the
    SMS conversation nothing), taken again by the same agent (nothing new), returned (the room
    hears null and why); the name is known for a page that starts meanwhile."""
    queue, room = HandoffQueue(), Room()
    presence = StaffPresence(room.emit)
    presence.attach(queue)
    web_entry = paused(queue, WEB)
    sms_entry = paused(queue, "sms:xyz")
    await queue.take(sms_entry, "bo")
    await queue.take(web_entry, "ana")
    await queue.take(web_entry, "ana")
    await asyncio.sleep(0)
    assert room.sent == [("staff", {"name": "Ana"}, WEB)]
    assert presence.name_for(WEB) == "Ana" and presence.name_for("sms:xyz") is None
    queue.observe({"event": "resume", "sender_id": WEB})
    await asyncio.sleep(0)
    assert room.sent[1:] == [("staff", {"name": None, "why": "returned"}, WEB)]
    assert presence.name_for(WEB) is None


@pytest.mark.asyncio
async def test_an_ended_conversation_is_forgotten_without_a_staff_event() -> None:
    """Tried: a taken web chat that ends (the channel's own conversation_ended tells the page);
    then detaching stops the hooks."""
    queue, room = HandoffQueue(), Room()
    presence = StaffPresence(room.emit)
    presence.attach(queue)
    await queue.take(paused(queue, WEB), "ana")
    await queue.conversation_ended(WEB, EndReason.AGENT_CLOSED)
    await asyncio.sleep(0)
    assert room.sent == [("staff", {"name": "Ana"}, WEB)]
    assert presence.name_for(WEB) is None
    presence.detach()
    assert presence.changed not in queue.on_change and presence.closed not in queue.on_closed
    await queue.take(paused(queue, WEB), "ana")
    await asyncio.sleep(0)
    assert len(room.sent) == 1


@pytest.mark.asyncio
async def test_a_failed_emit_is_logged_by_type_only(caplog: pytest.LogCaptureFixture) -> None:
    """Tried: the socket server raising while telling a page: logged without the message."""

    async def broken(event: str, data: dict[str, Any], room: str) -> None:
        raise RuntimeError(f"boom {room}")

    queue = HandoffQueue()
    StaffPresence(broken).attach(queue)
    await queue.take(paused(queue, WEB), "ana")
    await asyncio.sleep(0.01)
    assert "RuntimeError" in caplog.text and WEB not in caplog.text


@pytest.mark.asyncio
async def test_an_agent_no_longer_signed_in_is_away_and_back_when_signed_in_again() -> None:
    """Tried: the holding agent's session ends (found at the next periodic check, not a queue
    change): the room hears null with "away" and the conversation stays taken; the agent signs
    in again: the name comes back; detaching stops the checks."""
    queue, room = HandoffQueue(), Room()
    signed_in = {"ana"}
    presence = StaffPresence(room.emit)
    presence.attach(queue, lambda agent: agent in signed_in, every=0.01)
    entry_id = paused(queue, WEB)
    await queue.take(entry_id, "ana")
    await asyncio.sleep(0)
    signed_in.clear()
    await asyncio.sleep(0.05)
    assert room.sent == [("staff", {"name": "Ana"}, WEB), ("staff", {"name": None, "why": "away"}, WEB)]
    assert presence.name_for(WEB) is None and queue.get(entry_id) is not None
    signed_in.add("ana")
    await asyncio.sleep(0.05)
    assert room.sent[2:] == [("staff", {"name": "Ana"}, WEB)]
    presence.detach()
    signed_in.clear()
    await asyncio.sleep(0.05)
    assert len(room.sent) == 3
