"""A raw socket.io client of the web-chat channel, for integration tests (what a browser's widget
does, without the browser). Long polling only: python-socketio's websocket client needs a newer
aiohttp than rasa pins."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import socketio

from tests.integration.stack import RASA_TOKEN

SOCKET_PATH = "/webchat/socket.io"


def tracker(rasa_url: str, conversation_id: str) -> dict[str, Any]:
    """A conversation's tracker through Rasa's HTTP API."""
    response = httpx.get(
        f"{rasa_url}/conversations/{conversation_id}/tracker", params={"token": RASA_TOKEN}, timeout=30
    )
    response.raise_for_status()
    return dict(response.json())


def user_texts(rasa_url: str, conversation_id: str) -> list[str]:
    """What the patient said in a conversation, as the tracker stored it."""
    events = tracker(rasa_url, conversation_id).get("events") or []
    return [e.get("text") or "" for e in events if e.get("event") == "user"]


class WebChat:
    """One browser tab's connection: what it presented, what the server said back."""

    def __init__(self, rasa_url: str) -> None:
        self.rasa_url = rasa_url
        self.sio = socketio.AsyncClient(reconnection=False)
        self.bot: list[str] = []
        self.ended: list[str] = []
        self.session: dict[str, Any] = {}
        self.sio.on("bot_uttered", self._bot_uttered)
        self.sio.on("conversation_ended", self._conversation_ended)

    async def _bot_uttered(self, data: dict[str, Any]) -> None:
        self.bot.append(data["text"])

    async def _conversation_ended(self, data: dict[str, Any]) -> None:
        self.ended.append(data["reason"])

    @property
    def conversation_id(self) -> str:
        return str(self.session["conversation_id"])

    async def open(self, auth: Any = None) -> dict[str, Any]:
        """Connect presenting ``auth`` (``{"conversation_id": ...}`` or anything else) and start."""
        await self.sio.connect(
            self.rasa_url, socketio_path=SOCKET_PATH, transports=["polling"], auth=auth, wait_timeout=10
        )
        self.session = await self.sio.call("start", {}, timeout=30)
        return self.session

    async def send(self, payload: Any) -> Any:
        """Emit ``user_uttered`` with any payload; the server's acknowledgement."""
        return await self.sio.call("user_uttered", payload, timeout=60)

    async def say(self, text: str) -> str:
        """Send a message the server accepts; everything the assistant answered, as one string."""
        before = len(self.bot)
        ack = await self.send({"message": text})
        assert ack == {"ok": True}, ack
        await asyncio.sleep(0)  # let the client's event handlers run past the acknowledgement
        return " ".join(self.bot[before:])

    async def call(self, event: str) -> Any:
        return await self.sio.call(event, {}, timeout=30)

    async def close(self) -> None:
        if self.sio.connected:
            await self.sio.disconnect()
