"""The SMS channel: Twilio's webhook in, the Messages API out (docs/sms.md).

``POST /webhooks/sms/webhook`` (the channel is named ``sms``):

1. 503 while SMS is not configured (the server still starts; a warning at start says what is
   missing);
2. 403 without a valid ``X-Twilio-Signature`` for the configured public URL; 415 for a body that
   is not a form, 400 for a form that cannot be decoded or lacks a phone number or MessageSid;
3. a MessageSid already seen is acknowledged and ignored (Twilio's retries);
4. otherwise the text is handled in the background and Twilio gets an empty TwiML answer at once:
   the assistant may take seconds (the EHR), and Twilio gives up on a webhook after 15.

Handling one text, one number at a time: carrier keywords first (``keywords.py``: opt-out,
opt-in, help); nothing at all for a number that opted out; a short answer for an empty, a
media-only or an over-long text; card numbers removed before the message exists (with the same
warning as the other channels); then the assistant, whose whole answer is texted back as one reply.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.rest import card_number_warning
from bot.channels.sms import replies
from bot.channels.sms.conversations import SmsConversations
from bot.channels.sms.dedupe import SeenMessages
from bot.channels.sms.keywords import Keyword, classify
from bot.channels.sms.output import SmsOutput, TurnOutput
from bot.channels.sms.sender import SendResult, SmsSender, set_default_sender
from bot.channels.sms.settings import SmsSettings, load_sms_settings
from bot.channels.sms.webhook import FormParams, Inbound, Refused, inbound, read_form, signature_valid
from bot.lifecycle import EndReason, attached_store, end_conversation, is_live, on_conversation_end, tag
from bot.redaction import install_card_number_filter, redact_card_numbers
from bot.reminders.replies import reminder_reply
from bot.reminders.settings import DEFAULT_OUTBOX
from settings import ClinicSettings
from settings.clinic import cached_clinic_settings

log = logging.getLogger("frontdesk.sms")

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
SIGNATURE_HEADER = "X-Twilio-Signature"


class SmsInput(InputChannel):
    def __init__(
        self,
        settings: SmsSettings,
        sender: SmsSender | None,
        clinic: ClinicSettings | None = None,
        seen: SeenMessages | None = None,
        reminder_outbox: Path | None = None,
    ) -> None:
        self.settings, self.sender, self._clinic = settings, sender, clinic
        # Where the reminder job records what it sent: C, R and X are read against it.
        self.reminder_outbox = reminder_outbox or Path(os.environ.get("REMINDER_OUTBOX") or DEFAULT_OUTBOX)
        self.seen = seen or SeenMessages()
        self.conversations = SmsConversations()
        self._tasks: set[asyncio.Task[None]] = set()
        on_conversation_end(self._conversation_ended)

    @classmethod
    def name(cls) -> str:
        return "sms"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        install_card_number_filter()
        settings = load_sms_settings()
        if not settings.configured:
            log.warning(
                "SMS is not configured (missing: %s); /webhooks/sms/webhook answers 503 until it is. "
                "See docs/sms.md.",
                ", ".join(settings.missing),
            )
            return cls(settings, None)
        sender = SmsSender.from_settings(settings)
        set_default_sender(sender)
        return cls(settings, sender)

    @property
    def clinic(self) -> ClinicSettings:
        return self._clinic or cached_clinic_settings()

    def get_output_channel(self) -> SmsOutput | None:
        return SmsOutput(self.conversations, self.sender) if self.sender else None

    async def text_conversation(self, sender_id: str, text: str) -> SendResult | None:
        """Text ``text`` to the number behind a live SMS conversation (the agent console's replies),
        so the caller never holds the number; None when this channel holds no number for it."""
        phone = self.conversations.phone(sender_id)
        if self.sender is None or phone is None:
            return None
        return await self.sender.send(phone, text)

    async def settle(self) -> None:
        """Wait until every text accepted so far has been handled (tests use it)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _conversation_ended(self, sender_id: str, reason: EndReason) -> None:
        self.conversations.forget(sender_id)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        sms = Blueprint("sms_webhook", __name__)

        @sms.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.sender else "not configured"})

        @sms.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            outcome = self.accept(request.headers.get("content-type"), request.body, request.headers)
            if isinstance(outcome, HTTPResponse):
                return outcome
            task = asyncio.create_task(self.handle(outcome, on_new_message))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return _twiml()

        @sms.listener("before_server_stop")
        async def close(*_: Any) -> None:
            for task in list(self._tasks):
                task.cancel()
            if self.sender is not None:
                await self.sender.aclose()

        return sms

    def accept(self, content_type: str | None, body: bytes, headers: Any) -> Inbound | HTTPResponse:
        """The webhook's checks, in order; an ``Inbound`` to handle, or the answer to give."""
        if self.sender is None:
            return response.text("SMS is not configured on this server.", status=503)
        signature = headers.get(SIGNATURE_HEADER)
        if not signature:
            return _refuse(403, "no Twilio signature")
        try:
            params = read_form(content_type, body)
        except Refused as refused:
            # A body that is not a form is checked as signed over the URL alone: forged is 403.
            if refused.status == 415 and not signature_valid(
                self.settings.auth_token, self.settings.public_url, FormParams([]), signature
            ):
                return _refuse(403, "invalid Twilio signature")
            return _refuse(refused.status, refused.reason)
        if not signature_valid(self.settings.auth_token, self.settings.public_url, params, signature):
            return _refuse(403, "invalid Twilio signature")
        try:
            message = inbound(params)
        except Refused as refused:
            return _refuse(refused.status, refused.reason)
        if not self.seen.first_time(message.message_sid):
            log.info("SMS webhook: a repeated MessageSid was acknowledged and ignored")
            return _twiml()
        return message

    async def handle(self, message: Inbound, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        """Handle one accepted text (in the background); never raises."""
        assert self.sender is not None
        sender_id = self.sender.hasher.conversation_id(message.phone)
        try:
            async with self.conversations.turn(sender_id):
                await self._handle(sender_id, message, on_new_message)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # the patient still gets an answer; the log gets the type only
            log.error("an SMS message could not be handled (%s) in %s", type(error).__name__, tag(sender_id))
            await self.sender.send(message.phone, replies.failed(self.clinic))
        finally:
            # No conversation in the store (it ended during this turn, or never started): hold
            # nothing for it, since no end will come to drop it.
            if attached_store() is not None and not is_live(sender_id):
                self.conversations.forget(sender_id)

    async def _handle(
        self, sender_id: str, message: Inbound, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        assert self.sender is not None
        sender, phone, clinic = self.sender, message.phone, self.clinic
        opt_out_key = sender.hasher.opt_out_key(phone)
        keyword = classify(message.text)
        if keyword is Keyword.OPT_OUT:
            if sender.opt_outs.opt_out(opt_out_key):  # answered once: a second STOP gets nothing
                await sender.send(phone, replies.opted_out(clinic), despite_opt_out=True)
            log.info("SMS opt-out recorded; conversation %s ends", tag(sender_id))
            self.conversations.forget(sender_id)
            await end_conversation(sender_id, EndReason.OPTED_OUT)
            return
        if keyword is Keyword.OPT_IN:
            sender.opt_outs.opt_in(opt_out_key)
            log.info("SMS opt-in recorded")
            await sender.send(phone, replies.opted_in(clinic))
            return
        if sender.is_opted_out(phone):
            log.info("a text from a number that opted out was dropped unread")
            return
        if keyword is Keyword.HELP:
            await sender.send(phone, replies.help_text(clinic))
            return
        if not message.text:
            await sender.send(phone, replies.media_only(clinic) if message.media else replies.empty(clinic))
            return
        if len(message.text) > self.settings.max_inbound_chars:
            await sender.send(phone, replies.too_long(clinic, self.settings.max_inbound_chars))
            return

        extra: dict[str, Any] = {}
        answered = reminder_reply(message.text, self.reminder_outbox, opt_out_key)
        if answered is not None:  # C, R or X to a reminder sent to this number
            text, extra = answered
        else:
            text = self.conversations.choice(sender_id, message.text) or message.text
        redacted = redact_card_numbers(text)
        self.conversations.remember(sender_id, phone)
        output = TurnOutput()
        if redacted.removed:
            output.texts.append(card_number_warning(clinic))
        await on_new_message(
            UserMessage(
                redacted.text,
                output,
                sender_id,
                input_channel=self.name(),
                message_id=message.message_sid,
                metadata={"sender_phone": phone, **extra},
            )
        )
        self.conversations.set_choices(sender_id, output.choices)
        if output.texts:
            await sender.send(phone, output.reply())


def _twiml() -> HTTPResponse:
    return response.text(EMPTY_TWIML, content_type="text/xml")


def _refuse(status: int, reason: str) -> HTTPResponse:
    log.warning("SMS webhook refused a request: %s (HTTP %d)", reason, status)
    return response.text(reason, status=status)
