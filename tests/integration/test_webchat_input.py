"""Bad input on the web-chat channel, against the real Rasa server.

Each payload is answered (the assistant replies) or refused (the acknowledgement says why, in
words the widget shows); none makes the server fail, and a conversation going on beside them
carries on untouched. Tried: an empty and a blank message, a 10 KB message, control characters,
a lone surrogate (what invalid UTF-8 becomes once decoded) and raw invalid UTF-8 bytes on the
wire, emoji, HTML and script tags, non-dict payloads (string, list, number, null, binary),
missing or mistyped fields, an unknown event (Rasa's own ``session_request``), and a closing
beacon with junk in it.
"""

from __future__ import annotations

import httpx
import pytest
import pytest_asyncio

from tests.integration.webchat_client import SOCKET_PATH, WebChat, user_texts

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]

ANSWERED = [
    "what are your hours\x00\x07\x1b[31m",
    "where do I park 😀👍🏽👨‍👩‍👧",
    "<script>alert('x')</script> what are your hours",
    '<img src=x onerror="alert(1)"> where do I park',
    "what are\udcff your hours",
]
REFUSED = [
    ({"message": ""}, "empty"),
    ({"message": "   \n\t  "}, "empty"),
    ({"message": "\x00\x01\x02\x7f"}, "empty"),
    ({"message": "a" * 10_240}, "too_long"),
    ({}, "not_text"),
    ({"text": "what are your hours"}, "not_text"),
    ({"message": None}, "not_text"),
    ({"message": 42}, "not_text"),
    ({"message": ["what", "are"]}, "not_text"),
    ({"message": {"nested": "hi"}}, "not_text"),
    ({"message": b"\xff\xfe binary"}, "not_text"),
    ("what are your hours", "not_text"),
    (["what are your hours"], "not_text"),
    (17, "not_text"),
    (None, "not_text"),
    (b"\xff\xfe\x00", "not_text"),
]


@pytest_asyncio.fixture
async def bystander(assistant):
    """A conversation going on beside the bad input; it must not notice."""
    chat = WebChat(assistant)
    await chat.open()
    await chat.say("what are your hours")
    yield chat
    await chat.close()


async def still_fine(assistant: str, bystander: WebChat) -> None:
    assert httpx.get(f"{assistant}/", timeout=10).status_code == 200
    assert "Free parking" in await bystander.say("where do I park")
    assert user_texts(assistant, bystander.conversation_id) == ["what are your hours", "where do I park"]


async def test_odd_text_is_answered(assistant, bystander):
    """Tried: control characters and an ANSI escape, emoji with skin tone and joiners, script and
    img tags, a lone surrogate. Each is acknowledged and answered; the stored text is clean."""
    chat = WebChat(assistant)
    await chat.open()
    try:
        for text in ANSWERED:
            assert await chat.say(text), text
        stored = user_texts(assistant, chat.conversation_id)
        assert stored[0] == "what are your hours[31m"
        assert stored[2] == "<script>alert('x')</script> what are your hours"  # text, kept as typed
        assert stored[4] == "what are\ufffd your hours"
        assert not any(ch in "".join(stored) for ch in "\x00\x07\x1b\udcff")
    finally:
        await chat.close()
    await still_fine(assistant, bystander)


async def test_bad_payloads_are_refused_with_a_reason(assistant, bystander):
    """Tried: every payload in REFUSED, on one connection: each refused with its code and a
    sentence for the patient, nothing reaches the conversation, the connection stays usable."""
    chat = WebChat(assistant)
    await chat.open()
    try:
        for payload, code in REFUSED:
            ack = await chat.send(payload)
            assert ack["error"] == code, payload
            assert len(ack["text"]) > 20, payload
        assert user_texts(assistant, chat.conversation_id) == []
        assert "open Monday to Friday" in await chat.say("what are your hours")
        unknown = await chat.sio.call("session_request", {"session_id": "rest:someone"}, timeout=5)
        assert unknown["error"] == "unknown_event"  # Rasa's own socket.io event means nothing here
    finally:
        await chat.close()
    await still_fine(assistant, bystander)


async def test_events_before_start_and_invalid_utf8_on_the_wire(assistant, bystander):
    """Tried: raw engine.io long-polling requests: a socket.io event whose body is invalid UTF-8,
    and a POST with no session at all. The server answers each with a 4xx, not a 5xx."""
    base = f"{assistant}{SOCKET_PATH}/"
    async with httpx.AsyncClient(timeout=10) as client:
        opened = await client.get(base, params={"EIO": "4", "transport": "polling"})
        assert opened.status_code == 200
        sid = opened.text[opened.text.index('"sid":"') + 7 :].split('"')[0]
        connect = await client.post(
            base, params={"EIO": "4", "transport": "polling", "sid": sid}, content=b"40"
        )
        assert connect.status_code == 200
        bad = b'42["user_uttered",{"message":"\xff\xfe\xc3\x28"}]'
        answer = await client.post(base, params={"EIO": "4", "transport": "polling", "sid": sid}, content=bad)
        assert 200 <= answer.status_code < 500
        orphan = await client.post(
            base, params={"EIO": "4", "transport": "polling", "sid": "nobody"}, content=b'42["end",{}]'
        )
        assert 400 <= orphan.status_code < 500
        junk = [b"", b"\xff\xfe\x00", b"rest:someone", b"web:" + b"x" * 500, b'{"conversation_id": 1}']
        for body in junk:
            closing = await client.post(f"{assistant}/webhooks/webchat/closing", content=body)
            assert closing.status_code == 204, body
    await still_fine(assistant, bystander)
