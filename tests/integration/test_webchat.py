"""The web-chat channel over a raw socket.io client, against the real Rasa server.

Ids: the server issues them; a presented id from another channel (``rest:``, ``sms:``), a made-up
one, a near-miss of a real one, or a non-string gets a fresh id and an empty transcript, and
nothing sent afterwards reaches the other conversation. Fields in a payload that name a
conversation are ignored. A reload (reconnecting with the held id) resumes with the transcript.
"""

from __future__ import annotations

import secrets

import pytest

from bot.redaction import REDACTED
from tests.integration.stack import Chat
from tests.integration.webchat_client import WebChat, tracker, user_texts

pytestmark = [pytest.mark.integration, pytest.mark.asyncio]


async def test_first_connection_gets_a_fresh_id_and_a_reload_resumes_it(assistant):
    """Tried: connecting with nothing, talking, disconnecting, reconnecting with the held id."""
    first = WebChat(assistant)
    session = await first.open()
    assert session["conversation_id"].startswith("web:") and not session["resumed"]
    assert session["transcript"] == []
    assert 0 < session["warn_before"] < session["idle_timeout"]
    assert "open Monday to Friday" in await first.say("what are your hours")
    await first.close()

    again = WebChat(assistant)
    resumed = await again.open({"conversation_id": session["conversation_id"]})
    try:
        assert resumed["resumed"] and resumed["conversation_id"] == session["conversation_id"]
        senders = [(line["sender"], line["text"]) for line in resumed["transcript"]]
        assert senders[0] == ("user", "what are your hours")
        assert senders[1][0] == "bot" and "open Monday to Friday" in senders[1][1]
    finally:
        await again.close()


async def test_foreign_made_up_and_near_miss_ids_get_a_fresh_conversation(assistant):
    """Tried, as the presented id: a live REST conversation's id (``rest:...``) and its bare sender,
    an ``sms:`` id, a random ``web:`` id, another browser's live id with one character changed, an
    empty string, a number, a list, a non-dict auth. Each gets a new ``web:`` id and an empty
    transcript, and a message sent then does not reach the REST or the other browser's conversation."""
    rest = Chat(assistant)
    rest.say("what are your hours")
    rest_id = getattr(rest, "conversation_id", rest.sender)
    other = WebChat(assistant)
    await other.open()
    await other.say("where do I park")
    near_miss = other.conversation_id[:-1] + ("A" if other.conversation_id[-1] != "A" else "B")
    presented = [
        {"conversation_id": rest_id},
        {"conversation_id": rest.sender},
        {"conversation_id": "sms:" + secrets.token_hex(32)},
        {"conversation_id": "web:" + secrets.token_urlsafe(24)},
        {"conversation_id": near_miss},
        {"conversation_id": ""},
        {"conversation_id": 12345},
        {"conversation_id": [other.conversation_id]},
        "web:" + other.conversation_id,
    ]
    rest_before = user_texts(assistant, rest_id)
    try:
        for auth in presented:
            intruder = WebChat(assistant)
            session = await intruder.open(auth)
            try:
                assert not session["resumed"], auth
                assert session["transcript"] == [], auth
                assert session["conversation_id"].startswith("web:"), auth
                assert session["conversation_id"] not in (rest_id, other.conversation_id), auth
                await intruder.say("I want to hear about my balance")
            finally:
                await intruder.close()
        assert user_texts(assistant, rest_id) == rest_before
        assert user_texts(assistant, other.conversation_id) == ["where do I park"]
    finally:
        await other.close()


async def test_payload_fields_cannot_redirect_a_message(assistant):
    """Tried: ``user_uttered`` payloads naming another conversation (``session_id``, ``sender``,
    ``conversation_id``, ``sender_id``): the message lands in the socket's own conversation."""
    victim, sender = WebChat(assistant), WebChat(assistant)
    await victim.open()
    await sender.open()
    try:
        await victim.say("what are your hours")
        ack = await sender.send(
            {
                "message": "where do I park",
                "session_id": victim.conversation_id,
                "sender": victim.conversation_id,
                "sender_id": victim.conversation_id,
                "conversation_id": victim.conversation_id,
            }
        )
        assert ack == {"ok": True}
        assert user_texts(assistant, victim.conversation_id) == ["what are your hours"]
        assert user_texts(assistant, sender.conversation_id) == ["where do I park"]
    finally:
        await victim.close()
        await sender.close()


async def test_a_card_number_is_removed_before_the_conversation_sees_it(assistant):
    """Tried: a Visa test number in a message: the patient is warned, the tracker holds the marker."""
    chat = WebChat(assistant)
    await chat.open()
    try:
        reply = await chat.say("my card is 4111 1111 1111 1111 what do I owe")
        assert "removed what looked like a card number" in reply
        texts = user_texts(assistant, chat.conversation_id)
        assert texts and REDACTED in texts[0] and "4111" not in " ".join(texts)
    finally:
        await chat.close()


async def test_end_chat_ends_the_conversation_and_its_id(assistant):
    """Tried: ``end`` after talking: the page is told (``patient_ended``), the store has no tracker
    left with the patient's words, and presenting the id again gets a fresh conversation."""
    chat = WebChat(assistant)
    await chat.open()
    await chat.say("what are your hours")
    ended_id = chat.conversation_id
    assert await chat.call("end") == {"ok": True}
    assert chat.ended == ["patient_ended"]
    assert await chat.send({"message": "hello?"}) == {
        "error": "no_conversation",
        "text": "This chat has ended. Please start a new one.",
    }
    await chat.close()
    assert "what are your hours" not in str(tracker(assistant, ended_id))

    back = WebChat(assistant)
    session = await back.open({"conversation_id": ended_id})
    try:
        assert not session["resumed"] and session["conversation_id"] != ended_id
        assert session["transcript"] == []
    finally:
        await back.close()
