"""A fake Twilio Messages API for unit tests, served through httpx's MockTransport, and a
sender wired to it."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs

import httpx

from bot.channels.sms.identity import NumberHasher
from bot.channels.sms.messages_api import MessagesApi, RetryPolicy
from bot.channels.sms.optouts import OptOutStore
from bot.channels.sms.sender import SmsSender


class MessagesRecorder:
    """Accepts every text (201) unless ``answer`` is set to a status; records what was sent."""

    def __init__(self) -> None:
        self.sent: list[dict[str, str]] = []
        self.answer: int | None = None
        self.code: int | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.answer is not None:
            return httpx.Response(self.answer, json={"code": self.code})
        form = {k: v[0] for k, v in parse_qs(request.content.decode(), keep_blank_values=True).items()}
        self.sent.append(form)
        return httpx.Response(201, json={"sid": f"SM{len(self.sent):032x}"})

    def bodies(self, to: str | None = None) -> list[str]:
        return [m["Body"] for m in self.sent if to is None or m["To"] == to]


async def _no_wait(seconds: float) -> None:
    return None


def sender_for(recorder: MessagesRecorder, data_dir: Path, max_segments: int = 3) -> SmsSender:
    api = MessagesApi(
        "AC" + "1" * 32,
        "token",
        from_number="+17815550100",
        base_url="https://twilio.test",
        policy=RetryPolicy(retries=1),
        transport=httpx.MockTransport(recorder),
        sleep=_no_wait,
    )
    return SmsSender(api, OptOutStore.in_dir(data_dir), NumberHasher(b"k" * 32), max_segments)
