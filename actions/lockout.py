"""Failed verification attempts and lockouts, kept in the action server's memory.

Keys are HMACs of the conversation id or of the claimed identity (folded name and birth
date, or phone number), under a key made fresh for each process: nothing here names anyone,
and nothing survives a restart. One action server process is assumed; several replicas would
keep this in a shared store (docs/operations.md).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class LockoutBook:
    max_attempts: int = 3
    lockout_seconds: float = 30 * 60
    clock: Callable[[], float] = time.monotonic
    _key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    _failures: dict[str, int] = field(default_factory=dict)
    _locked_until: dict[str, float] = field(default_factory=dict)

    def key(self, kind: str, value: str) -> str:
        return hmac.new(self._key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()

    def is_locked(self, *keys: str) -> bool:
        now = self.clock()
        for key in keys:
            until = self._locked_until.get(key)
            if until is not None and until > now:
                return True
            if until is not None:
                del self._locked_until[key]
        return False

    def record_failure(self, *keys: str) -> bool:
        """Count one failed attempt against each key; True when that locks any of them."""
        locked = False
        for key in keys:
            count = self._failures.get(key, 0) + 1
            self._failures[key] = count
            if count >= self.max_attempts:
                self._locked_until[key] = self.clock() + self.lockout_seconds
                self._failures.pop(key, None)
                locked = True
        if locked:
            for key in keys:  # one lock covers the conversation and the identity together
                self._locked_until[key] = self.clock() + self.lockout_seconds
                self._failures.pop(key, None)
        return locked

    def record_success(self, *keys: str) -> None:
        for key in keys:
            self._failures.pop(key, None)

    def forget_conversation(self, key: str) -> None:
        """Drop a conversation's failure count (its lock, if any, stays until it expires)."""
        self._failures.pop(key, None)

    def end_conversation(self, sender_id: str) -> None:
        """The conversation ended: drop its failure count. Its lock stays until it expires, and
        so do the claimed identities' counts and locks (they are not the conversation's: they stop
        guesses spread over many conversations)."""
        self.forget_conversation(self.key("conversation", sender_id))

    def conversation_failures(self, sender_id: str) -> int:
        """How many failed attempts the conversation has now (0 after it ended)."""
        return self._failures.get(self.key("conversation", sender_id), 0)

    def __len__(self) -> int:
        return len(self._failures) + len(self._locked_until)
