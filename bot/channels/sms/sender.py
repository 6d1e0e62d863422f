"""Texts out: the one way anything in Frontdesk sends an SMS.

``SmsSender.send(to, text)`` is what the channel's replies, the reminders (issue 6) and the agent
console (issue 5) call. It checks the opt-out list first, every time, so no code path can text a
number that asked not to be texted; it shapes the text for a phone (``text.py``: GSM-7 only,
split and numbered when long); and it posts each part through ``MessagesApi``, stopping at the
first part Twilio will not take.

Twilio answers error 21610 when its own opt-out handling has blocked the number (the patient
sent STOP to Twilio's number before we saw it): that is recorded here as an opt-out too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.channels.sms.identity import NumberHasher, load_secret
from bot.channels.sms.messages_api import MessagesApi, RetryPolicy, SendFailed
from bot.channels.sms.optouts import OptOutStore
from bot.channels.sms.settings import SmsSettings, load_sms_settings
from bot.channels.sms.text import split_for_sms, to_gsm

log = logging.getLogger("frontdesk.sms")

TWILIO_UNSUBSCRIBED = 21610  # "Attempt to send to unsubscribed recipient"


@dataclass(frozen=True)
class SendResult:
    parts: int  # texts Twilio accepted
    total: int  # texts the reply was split into
    opted_out: bool = False  # nothing was sent: the number opted out

    @property
    def delivered(self) -> bool:
        """Twilio took every part (whether the phone gets it is up to the carrier)."""
        return self.total > 0 and self.parts == self.total


class SmsSender:
    def __init__(
        self, api: MessagesApi, opt_outs: OptOutStore, hasher: NumberHasher, max_segments: int = 3
    ) -> None:
        self.api, self.opt_outs, self.hasher, self.max_segments = api, opt_outs, hasher, max_segments

    @classmethod
    def from_settings(cls, settings: SmsSettings) -> SmsSender:
        api = MessagesApi(
            settings.account_sid,
            settings.auth_token,
            from_number=settings.from_number,
            messaging_service_sid=settings.messaging_service_sid,
            base_url=settings.api_base_url,
            policy=RetryPolicy(retries=settings.send_retries, max_wait=settings.max_retry_wait),
        )
        hasher = NumberHasher(load_secret(settings))
        return cls(api, OptOutStore.in_dir(settings.data_dir), hasher, settings.max_segments)

    def is_opted_out(self, to: str) -> bool:
        return self.opt_outs.is_opted_out(self.hasher.opt_out_key(to))

    async def send(self, to: str, text: str, *, despite_opt_out: bool = False) -> SendResult:
        """Text ``text`` to the E.164 number ``to``, unless it opted out.

        ``despite_opt_out`` is for the one text that confirms an opt-out, which carriers require.
        Never raises for a refused or failed send: the result says how far it got."""
        if not despite_opt_out and self.is_opted_out(to):
            log.info("a text was not sent: the number opted out")
            return SendResult(0, 0, opted_out=True)
        parts = split_for_sms(to_gsm(text), self.max_segments)
        sent = 0
        for part in parts:
            try:
                await self.api.create(to, part)
            except SendFailed as failure:
                if failure.code == TWILIO_UNSUBSCRIBED:
                    self.opt_outs.opt_out(self.hasher.opt_out_key(to))
                    return SendResult(sent, len(parts), opted_out=True)
                break
            sent += 1
        return SendResult(sent, len(parts))

    async def aclose(self) -> None:
        await self.api.aclose()


_default: SmsSender | None = None


def default_sender() -> SmsSender | None:
    """The process's one sender, built from the environment on first use; None while SMS is not
    configured (docs/sms.md). Reminders and the agent console use this."""
    global _default
    if _default is None:
        settings = load_sms_settings()
        if settings.configured:
            _default = SmsSender.from_settings(settings)
    return _default


def set_default_sender(sender: SmsSender | None) -> None:
    """The channel registers the sender it built, so every caller shares one client."""
    global _default
    _default = sender
