"""What the SMS channel holds per conversation, in memory only, and drops when it ends.

- the sender's number, to reply to (Rasa's sender id is a keyed hash of it, so the number cannot
  be got back from the id);
- the payloads of the last message's buttons, so that a reply of "2" means the second choice;
- a lock, so that one number's texts are handled one at a time, in the order they came.

``forget`` (the conversation-end listener) drops the number and the choices. Locks remove
themselves when no text of that number is being handled or waiting.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class SmsConversations:
    def __init__(self) -> None:
        self._phones: dict[str, str] = {}
        self._choices: dict[str, list[str]] = {}
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    def remember(self, sender_id: str, phone: str) -> None:
        self._phones[sender_id] = phone

    def phone(self, sender_id: str) -> str | None:
        return self._phones.get(sender_id)

    def set_choices(self, sender_id: str, payloads: list[str]) -> None:
        if payloads:
            self._choices[sender_id] = payloads
        else:
            self._choices.pop(sender_id, None)

    def choice(self, sender_id: str, text: str) -> str | None:
        """The payload of the button numbered ``text``, if the last message had one."""
        payloads = self._choices.get(sender_id) or []
        number = text.strip().rstrip(".")
        if number.isdigit() and 1 <= int(number) <= len(payloads):
            return payloads[int(number) - 1]
        return None

    def forget(self, sender_id: str) -> None:
        self._phones.pop(sender_id, None)
        self._choices.pop(sender_id, None)

    @asynccontextmanager
    async def turn(self, sender_id: str) -> AsyncIterator[None]:
        """Hold this conversation's lock for one text."""
        lock, users = self._locks.get(sender_id, (asyncio.Lock(), 0))
        self._locks[sender_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[sender_id]
            if users <= 1:
                del self._locks[sender_id]
            else:
                self._locks[sender_id] = (lock, users - 1)

    def sizes(self) -> dict[str, int]:
        """How many conversations each kind of state is held for (tests, metrics)."""
        return {"phones": len(self._phones), "choices": len(self._choices), "locks": len(self._locks)}
