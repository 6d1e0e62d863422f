"""The job's texter: the SMS channel's one sender (opt-outs, GSM-7, splitting, retries)."""

from __future__ import annotations

from bot.channels.sms.sender import SendResult, SmsSender


class SmsTexter:
    def __init__(self, sender: SmsSender) -> None:
        self.sender = sender

    def is_opted_out(self, to: str) -> bool:
        return self.sender.is_opted_out(to)

    def number_key(self, to: str) -> str:
        """The salted hash the opt-out list keys numbers by: the daily cap counts by it too."""
        return self.sender.hasher.opt_out_key(to)

    async def send(self, to: str, text: str) -> SendResult:
        return await self.sender.send(to, text)

    async def sent_since(self, to: str, since: float) -> bool | None:
        return await self.sender.api.sent_since(to, since)

    async def aclose(self) -> None:
        await self.sender.aclose()
