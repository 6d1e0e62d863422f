"""The SMS channel on a Sanic app mounted as the Rasa server mounts it (``register`` under
``/webhooks/``), with a stand-in agent that records messages and answers through their output
channel, and a fake Twilio Messages API (httpx MockTransport). Requests go in over ASGI.

Tried here: an unconfigured channel (503); a missing and a forged signature (403, the agent never
called); a genuine text (empty TwiML at once, the agent gets the redacted text under the hashed id
with the number in metadata, the reply texted); a repeated MessageSid; STOP, START, HELP and a
text while opted out; a card number; a numbered reply to buttons; and the end-of-conversation
listener dropping the number.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from rasa.core.channels.channel import UserMessage, register
from sanic import Sanic
from twilio.request_validator import RequestValidator

from bot import lifecycle
from bot.channels.rest import card_number_warning
from bot.channels.sms.channel import EMPTY_TWIML, SmsInput
from bot.channels.sms.settings import load_sms_settings
from bot.redaction import REDACTED
from settings import ClinicSettings
from tests.unit.asgi import served
from tests.unit.bot.sms.fakes import MessagesRecorder, sender_for

pytestmark = pytest.mark.asyncio

CLINIC = ClinicSettings(name="Test Clinic", timezone="America/New_York", phone="(555) 010-0100", hours="9-5")
PUBLIC = "https://sms.clinic.example/webhooks/sms/webhook"
TOKEN = "token"
NUMBER = "+16175550123"
_names = itertools.count()
_sids = itertools.count(1)


@pytest.fixture(autouse=True)
def quiet_lifecycle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Sanic, "test_mode", True)
    monkeypatch.delenv("ACTION_SERVER_URL", raising=False)  # no action server to tell


class Agent:
    """Stands in for Rasa's agent: records each message, answers "ok" (or ``buttons``)."""

    def __init__(self) -> None:
        self.messages: list[UserMessage] = []
        self.buttons: list[dict[str, str]] = []

    async def handle_message(self, message: UserMessage) -> None:
        self.messages.append(message)
        if self.buttons:
            await message.output_channel.send_text_with_buttons(message.sender_id, "Pick one", self.buttons)
        else:
            await message.output_channel.send_text_message(message.sender_id, "ok")


class Stack:
    def __init__(self, channel: SmsInput, agent: Agent, twilio: MessagesRecorder, client: httpx.AsyncClient):
        self.channel, self.agent, self.twilio, self.client = channel, agent, twilio, client

    @property
    def conversation_id(self) -> str:
        assert self.channel.sender is not None
        return self.channel.sender.hasher.conversation_id(NUMBER)

    async def text(
        self, body: str, *, sid: str | None = None, signature: str | None = "sign"
    ) -> httpx.Response:
        """Post a text as Twilio would (``signature="sign"``), and wait until it has been handled."""
        form = {"MessageSid": sid or f"SM{next(_sids):032x}", "From": NUMBER, "Body": body}
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if signature == "sign":
            headers["X-Twilio-Signature"] = RequestValidator(TOKEN).compute_signature(PUBLIC, form)
        elif signature is not None:
            headers["X-Twilio-Signature"] = signature
        response = await self.client.post("/webhooks/sms/webhook", content=urlencode(form), headers=headers)
        await self.channel.settle()
        return response


def configured(data_dir: Path) -> dict[str, str]:
    return {
        "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_FROM_NUMBER": "+17815550100",
        "SMS_PUBLIC_URL": PUBLIC,
        "SMS_DATA_DIR": str(data_dir),
    }


@asynccontextmanager
async def stack(data_dir: Path, *, env: dict[str, str] | None = None) -> AsyncIterator[Stack]:
    settings = load_sms_settings(configured(data_dir) if env is None else env)
    twilio = MessagesRecorder()
    sender = sender_for(twilio, data_dir) if settings.configured else None
    channel = SmsInput(settings, sender, clinic=CLINIC)
    agent = Agent()
    app = Sanic(f"frontdesk-sms-test-{next(_names)}")
    app.ctx.agent = agent
    register([channel], app, route="/webhooks/")
    try:
        async with served(app, "http://rasa.test") as client:
            yield Stack(channel, agent, twilio, client)
    finally:
        lifecycle.remove_listener(channel._conversation_ended)


async def test_an_unconfigured_channel_answers_503(tmp_path):
    async with stack(tmp_path, env={}) as s:
        response = await s.text("hi")
        assert response.status_code == 503
        assert (await s.client.get("/webhooks/sms/")).json() == {"status": "not configured"}
    assert s.agent.messages == []


async def test_missing_and_forged_signatures_are_refused_and_nothing_is_handled(tmp_path):
    async with stack(tmp_path) as s:
        assert (await s.text("hi", signature=None)).status_code == 403
        assert (await s.text("hi", signature="Zm9yZ2Vk")).status_code == 403
    assert s.agent.messages == [] and s.twilio.sent == []


async def test_a_genuine_text_reaches_the_assistant_and_the_reply_is_texted(tmp_path):
    async with stack(tmp_path) as s:
        response = await s.text("when is my next appointment")
        assert response.status_code == 200 and response.text == EMPTY_TWIML
        [message] = s.agent.messages
        assert message.text == "when is my next appointment"
        assert message.sender_id == s.conversation_id
        assert message.sender_id.startswith("sms:") and NUMBER[2:] not in message.sender_id
        assert message.input_channel == "sms"
        assert message.metadata == {"sender_phone": NUMBER}
        assert s.twilio.bodies(NUMBER) == ["ok"]


async def test_a_repeated_message_sid_is_handled_once(tmp_path):
    async with stack(tmp_path) as s:
        first = await s.text("hi", sid="SM" + "f" * 32)
        second = await s.text("hi", sid="SM" + "f" * 32)
        assert first.status_code == second.status_code == 200
    assert len(s.agent.messages) == 1 and s.twilio.bodies() == ["ok"]


async def test_stop_start_help_and_silence_while_opted_out(tmp_path, caplog):
    ended: list[tuple[str, lifecycle.EndReason]] = []

    async def record(sender_id: str, reason: lifecycle.EndReason) -> None:
        ended.append((sender_id, reason))

    lifecycle.on_conversation_end(record)
    try:
        async with stack(tmp_path) as s:
            await s.text("hello")
            await s.text("STOP")
            await s.text("what is my balance")
            await s.text("stop")
            await s.text("HELP")
            await s.text("START")
            await s.text("help")
    finally:
        lifecycle.remove_listener(record)
    bodies = s.twilio.bodies(NUMBER)
    assert len(bodies) == 4, bodies
    assert bodies[0] == "ok"
    assert "unsubscribed" in bodies[1] and "Test Clinic" in bodies[1] and "START" in bodies[1]
    assert "subscribed to texts again" in bodies[2]
    assert "Test Clinic" in bodies[3] and "(555) 010-0100" in bodies[3]
    assert [m.text for m in s.agent.messages] == ["hello"]  # no keyword reached the assistant
    conversation = s.conversation_id
    assert (conversation, lifecycle.EndReason.OPTED_OUT) in ended
    assert "5550123" not in caplog.text and "balance" not in caplog.text
    assert "opt-out recorded" in caplog.text  # the log says what happened, not to whom


async def test_a_card_number_never_reaches_the_assistant(tmp_path):
    async with stack(tmp_path) as s:
        await s.text("pay with 4111 1111 1111 1111 please")
    [message] = s.agent.messages
    assert message.text == f"pay with {REDACTED} please"
    [reply] = s.twilio.bodies(NUMBER)
    assert "4111" not in reply
    assert reply.startswith(card_number_warning(CLINIC)[:60]) and reply.endswith("ok")


async def test_a_numbered_reply_picks_a_button(tmp_path):
    async with stack(tmp_path) as s:
        s.agent.buttons = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]
        await s.text("book something")
        assert s.twilio.bodies(NUMBER)[-1] == "Pick one\n1. Yes\n2. No\nReply with the number of your choice."
        s.agent.buttons = []
        await s.text("2")
    assert s.agent.messages[-1].text == "/deny"


async def test_bad_texts_are_answered_without_the_assistant(tmp_path):
    async with stack(tmp_path) as s:
        await s.text("")
        await s.text("x" * 5000)
        await s.text("\x00\x07")
    bodies = s.twilio.bodies(NUMBER)
    assert "didn't get any words" in bodies[0] and "didn't get any words" in bodies[2]
    assert "too long" in bodies[1]
    assert s.agent.messages == []


async def test_the_end_of_a_conversation_drops_the_number(tmp_path):
    async with stack(tmp_path) as s:
        await s.text("hello")
        conversation = s.conversation_id
        assert s.channel.conversations.phone(conversation) == NUMBER
        output = s.channel.get_output_channel()
        assert output is not None
        await output.send_text_message(conversation, "an agent's reply")
        await lifecycle.end_conversation(conversation, lifecycle.EndReason.IDLE)
        assert s.channel.conversations.phone(conversation) is None
        assert s.channel.conversations.sizes() == {"phones": 0, "choices": 0, "locks": 0}
        await output.send_text_message(conversation, "too late")  # no number held: not sent
    assert s.twilio.bodies(NUMBER) == ["ok", "an agent's reply"]


class Store:
    """Stands in for the tracker store: knows which conversations exist."""

    def __init__(self) -> None:
        self.live: set[str] = set()

    def forget(self, sender_id: str) -> bool:
        existed = sender_id in self.live
        self.live.discard(sender_id)
        return existed

    def contains(self, sender_id: str) -> bool:
        return sender_id in self.live

    def touch(self, sender_id: str) -> None:
        return None


async def test_no_number_is_held_for_a_conversation_the_store_does_not_have(tmp_path):
    """A turn that ended its conversation (goodbye), or left no tracker, leaves no number behind:
    no end would come later to drop it."""
    store = Store()
    lifecycle.attach_store(store)
    try:
        async with stack(tmp_path) as s:
            store.live.add(s.conversation_id)
            await s.text("hello")
            assert s.channel.conversations.phone(s.conversation_id) == NUMBER
            store.live.clear()  # as after action_end_conversation
            await s.text("bye")
            assert s.channel.conversations.phone(s.conversation_id) is None
            assert s.twilio.bodies(NUMBER) == ["ok", "ok"]  # the last turn's reply still went out
    finally:
        lifecycle.attach_store(None)
