"""The REST channel against the real Rasa server: its token, its namespace, and bad input.

Tried here: no token, a wrong token, a token sent as a query parameter instead of the header; a
client naming a web-chat or SMS conversation id as its sender (it lands in rest:<that id>, and the
web or SMS conversation of that id gets nothing); and as messages: an empty one, a blank one, 10 KB
of text, control characters, emoji, HTML and script tags, a lone surrogate escape (invalid
UTF-16). An empty or blank message is refused with 400 and the reason; every other one is answered
with 200 and a reply; none of them touches a verified conversation running at the same time.
"""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.integration.stack import RASA_TOKEN, REST_TOKEN, Chat

pytestmark = pytest.mark.integration


def post(url: str, body: object, headers: dict[str, str] | None = None, **params: str) -> httpx.Response:
    return httpx.post(
        f"{url}/webhooks/rest/webhook",
        json=body,
        headers={"Authorization": f"Bearer {REST_TOKEN}"} if headers is None else headers,
        params=params,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("headers", "params"),
    [({}, {}), ({"Authorization": "Bearer nope"}, {}), ({}, {"token": REST_TOKEN})],
    ids=["no token", "wrong token", "token in the query"],
)
def test_without_the_bearer_token_the_channel_refuses(assistant, headers, params):
    """401 and no conversation: the tracker of that sender stays empty."""
    chat = Chat(assistant)
    response = post(assistant, {"sender": chat.sender, "message": "hi"}, headers, **params)
    assert response.status_code == 401
    assert [e for e in chat.tracker()["events"] if e["event"] == "user"] == []


def user_messages(url: str, conversation_id: str) -> list[str]:
    response = httpx.get(
        f"{url}/conversations/{conversation_id}/tracker", params={"token": RASA_TOKEN}, timeout=30
    )
    response.raise_for_status()
    return [e.get("text") for e in response.json()["events"] if e["event"] == "user"]


@pytest.mark.parametrize("other", ["web:", "sms:"])
def test_a_rest_client_cannot_reach_another_channels_conversation(assistant, other):
    """A REST client sending as "web:<id>" or "sms:<id>": the message lands in rest:web:<id> (or
    rest:sms:<id>); the web or SMS conversation of that id gets nothing."""
    sender = f"{other}{uuid.uuid4().hex}"
    assert post(assistant, {"sender": sender, "message": "hello"}).status_code == 200
    assert user_messages(assistant, f"rest:{sender}") == ["hello"]
    assert user_messages(assistant, sender) == []


BAD_MESSAGES = {
    "empty": "",
    "blank": "  \n ",
    "10 KB": "appointment " * 850,
    "control characters": "hi\x00\x07\x1b[31m there\r\n",
    "emoji": "hi 😀👍🏽 when is my appointment 🗓️",
    "html and script": "<b>hi</b><script>alert('x')</script><img src=x onerror=alert(1)>",
    "lone surrogate": "hi \udc80 there",
}


@pytest.mark.parametrize("text", list(BAD_MESSAGES.values()), ids=list(BAD_MESSAGES))
def test_bad_messages_are_answered_and_touch_no_other_conversation(assistant, sandbox, text):
    """Each odd message gets 200 and at least one reply (an empty or blank one a 400 with the
    reason), and a verified conversation at the same time keeps its state."""
    info = sandbox.patient("demo")
    verified = Chat(assistant)
    year, month, day = info.birth_date.split("-")
    verified.say("what do i owe")
    verified.say(f"{info.given} {info.family}")
    verified.say(f"{int(month)}/{int(day)}/{year}")
    assert "you're verified" in verified.said(info.postal_code)
    odd = Chat(assistant)
    body = {"sender": odd.sender, "message": text}
    try:
        response = post(assistant, body)
    except UnicodeEncodeError:  # httpx will not encode a lone surrogate as JSON: send the bytes
        raw = b'{"sender": "' + odd.sender.encode() + b'", "message": "hi \\udc80 there"}'
        response = httpx.post(
            f"{assistant}/webhooks/rest/webhook",
            content=raw,
            headers={"Authorization": f"Bearer {REST_TOKEN}", "Content-Type": "application/json"},
            timeout=60,
        )
    if not text.strip():
        assert response.status_code == 400
        assert response.json() == {"error": "message must be a non-empty string"}
    else:
        assert response.status_code == 200, response.text[:200]
        replies = [m.get("text", "") for m in response.json()]
        assert replies and all(isinstance(r, str) and r for r in replies)
    assert verified.tracker()["slots"]["verified"] is True
    assert "full name" not in verified.said("what do i owe")
