"""The REST channel: a card number never reaches the UserMessage, and the patient is warned.

The channel is mounted on a Sanic app the way the Rasa server mounts it (``channel.register``
under ``/webhooks/``), with a stand-in agent on ``app.ctx`` that records the messages it is handed
and answers through their output channel; requests go in over ASGI (httpx's ASGITransport).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from rasa.core.channels.channel import UserMessage, register
from sanic import Sanic

from bot.channels.rest import RestInput, card_number_warning
from bot.redaction import REDACTED
from settings import ClinicSettings
from tests.unit.asgi import served

CLINIC = ClinicSettings(
    name="Test Clinic",
    timezone="America/New_York",
    phone="(555) 010-0100",
    hours="9-5",
    payment_portal_url="https://pay.test-clinic.example/portal",
)
_app_names = itertools.count()


TOKEN = "unit-test-rest-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(autouse=True)
def rest_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REST_CHANNEL_TOKEN", TOKEN)
    monkeypatch.delenv("FRONTDESK_DEV_MODE", raising=False)


@pytest.fixture(autouse=True)
def sanic_test_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    # Sanic rewrites some of its own methods when an app starts ("touch-up"); in test mode it keeps
    # the originals, so that more than one app can start in one process (as sanic-testing does).
    monkeypatch.setattr(Sanic, "test_mode", True)


class RecordingAgent:
    """Stands in for Rasa's agent: keeps each message and replies "ok"."""

    def __init__(self) -> None:
        self.messages: list[UserMessage] = []

    async def handle_message(self, message: UserMessage) -> None:
        self.messages.append(message)
        await message.output_channel.send_text_message(message.sender_id, "ok")


@asynccontextmanager
async def client_of(agent: RecordingAgent) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of a Sanic app with the channel mounted as the Rasa server mounts it.

    The app is started through the ASGI lifespan protocol, as an ASGI server would start it.
    """
    app = Sanic(f"frontdesk-rest-test-{next(_app_names)}")
    app.ctx.agent = agent
    register([RestInput(clinic=CLINIC)], app, route="/webhooks/")
    async with served(app, "http://rasa.test") as client:
        yield client


async def post(
    body: Any, *, stream: bool = False, headers: dict[str, str] | None = None
) -> tuple[httpx.Response, RecordingAgent]:
    agent = RecordingAgent()
    async with client_of(agent) as client:
        params = {"stream": "true"} if stream else {}
        response = await client.post(
            "/webhooks/rest/webhook", json=body, params=params, headers=AUTH if headers is None else headers
        )
    return response, agent


@pytest.mark.asyncio
async def test_a_card_number_is_removed_before_the_message_is_created() -> None:
    response, agent = await post({"sender": "c-1", "message": "pay my bill with 4111 1111 1111 1111 please"})

    assert response.status_code == 200
    [message] = agent.messages
    assert message.text == f"pay my bill with {REDACTED} please"
    assert message.sender_id == "rest:c-1"
    assert message.input_channel == "rest"
    assert "4111" not in response.text
    assert response.json() == [
        {"recipient_id": "rest:c-1", "text": card_number_warning(CLINIC)},
        {"recipient_id": "rest:c-1", "text": "ok"},
    ]


@pytest.mark.asyncio
async def test_the_warning_says_not_to_send_card_numbers_and_where_to_pay() -> None:
    warning = card_number_warning(CLINIC)
    assert "don't send card numbers" in warning
    assert "https://pay.test-clinic.example/portal" in warning
    no_portal = ClinicSettings(name="Test Clinic", timezone="UTC", phone="(555) 010-0100", hours="9-5")
    assert "calling our billing office at (555) 010-0100" in card_number_warning(no_portal)


@pytest.mark.asyncio
async def test_an_ordinary_message_passes_unchanged_without_a_warning() -> None:
    text = "my number is 617-555-0142, zip 02155, born 03/14/1984"
    response, agent = await post({"sender": "c-2", "message": text, "metadata": {"locale": "en"}})

    [message] = agent.messages
    assert message.text == text
    assert message.metadata == {"locale": "en"}
    assert response.json() == [{"recipient_id": "rest:c-2", "text": "ok"}]


@pytest.mark.asyncio
async def test_streaming_replies_are_redacted_and_warned_too() -> None:
    response, agent = await post({"sender": "c-3", "message": "5555-5555-5555-4444"}, stream=True)

    [message] = agent.messages
    assert message.text == REDACTED
    lines = [json.loads(line) for line in response.text.splitlines() if line]
    assert [line["text"] for line in lines] == [card_number_warning(CLINIC), "ok"]


@pytest.mark.asyncio
async def test_the_url_and_health_route_are_rasas() -> None:
    async with client_of(RecordingAgent()) as client:
        health = await client.get("/webhooks/rest/")
    assert health.json() == {"status": "ok"}
    assert RestInput.name() == "rest"


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}, {"Authorization": "Basic " + TOKEN}],
    ids=["none", "wrong token", "no scheme", "basic"],
)
async def test_without_the_bearer_token_nothing_is_processed(headers: dict[str, str]) -> None:
    """No Authorization header, a wrong token, the token without "Bearer", Basic auth: 401, no message."""
    response, agent = await post({"sender": "c-4", "message": "hi"}, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert agent.messages == []


@pytest.mark.asyncio
async def test_dev_mode_needs_no_token(monkeypatch: pytest.MonkeyPatch) -> None:
    """FRONTDESK_DEV_MODE=1 and no token at all: the message is handled."""
    monkeypatch.delenv("REST_CHANNEL_TOKEN")
    monkeypatch.setenv("FRONTDESK_DEV_MODE", "1")
    response, agent = await post({"sender": "c-5", "message": "hi"}, headers={})
    assert response.status_code == 200
    assert [m.sender_id for m in agent.messages] == ["rest:c-5"]


@pytest.mark.asyncio
async def test_no_token_configured_and_not_dev_mode_refuses_all(monkeypatch: pytest.MonkeyPatch) -> None:
    """Neither REST_CHANNEL_TOKEN nor dev mode: 503 saying what to set, even with some token sent."""
    monkeypatch.delenv("REST_CHANNEL_TOKEN")
    response, agent = await post({"sender": "c-6", "message": "hi"})
    assert response.status_code == 503
    assert "REST_CHANNEL_TOKEN" in response.json()["error"]
    assert agent.messages == []


@pytest.mark.asyncio
@pytest.mark.parametrize("sender", ["web:abc", "sms:0123abcd", "rest:x"])
async def test_a_client_cannot_pick_another_channels_conversation(sender: str) -> None:
    """A sender that names another namespace stays inside rest:, and the channel is always rest
    even when the body claims another one (with an SMS sender's phone in the metadata)."""
    metadata = {"sender_phone": "+16175550123"}
    body = {"sender": sender, "message": "hi", "input_channel": "sms", "metadata": metadata}
    response, agent = await post(body)
    assert response.status_code == 200
    [message] = agent.messages
    assert message.sender_id == f"rest:{sender}"
    assert message.input_channel == "rest"


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "body",
    [
        {"message": "hi"},
        {"sender": "", "message": "hi"},
        {"sender": 42, "message": "hi"},
        {"sender": "x" * 129, "message": "hi"},
        {"sender": "tab\there", "message": "hi"},
        {"sender": "c-7", "message": {"text": "hi"}},
        {"sender": "c-7"},
        {"sender": "c-7", "message": ""},
        {"sender": "c-7", "message": " \n\t "},
        ["not", "an", "object"],
    ],
    ids=[
        "no sender",
        "empty",
        "number",
        "too long",
        "control char",
        "message not a string",
        "no message",
        "empty message",
        "blank message",
        "array",
    ],
)
async def test_bad_requests_get_a_clear_400(body: Any) -> None:
    """Missing, empty, non-string, 129-character or control-character senders; a message that is not
    a string, missing, empty or only white space; a JSON array: 400 with the reason, nothing
    processed."""
    response, agent = await post(body)
    assert response.status_code == 400
    assert response.json()["error"]
    assert agent.messages == []


@pytest.mark.asyncio
async def test_a_body_that_is_not_json_gets_400() -> None:
    """A form-encoded body where JSON is expected, and invalid UTF-8: 400, nothing processed."""
    agent = RecordingAgent()
    async with client_of(agent) as client:
        form = await client.post("/webhooks/rest/webhook", data={"sender": "c-8"}, headers=AUTH)
        raw = await client.post(
            "/webhooks/rest/webhook", content=b'{"sender": "c-8", "message": "\xff\xfe"}', headers=AUTH
        )
    assert form.status_code == 400
    assert raw.status_code == 400
    assert agent.messages == []
