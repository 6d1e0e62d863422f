"""Twilio retries a webhook it got no timely answer to, with the same MessageSid: remember the
sids seen lately so that each message is handled once.

Bounded (the oldest are forgotten first) and expiring (a sid is remembered for ``ttl`` seconds;
Twilio's retries come within seconds to minutes). Kept in memory: after a restart a retry of a
message handled before it would be handled again, which is the lesser harm than losing one.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable


class SeenMessages:
    def __init__(
        self, max_entries: int = 10_000, ttl: float = 3600.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_entries, self.ttl, self._clock = max_entries, ttl, clock
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first_time(self, message_sid: str) -> bool:
        """True the first time a sid is offered (and remembers it); False for a repeat."""
        now = self._clock()
        self._expire(now)
        if message_sid in self._seen:
            return False
        self._seen[message_sid] = now
        while len(self._seen) > self.max_entries:
            self._seen.popitem(last=False)
        return True

    def _expire(self, now: float) -> None:
        while self._seen:
            sid, seen_at = next(iter(self._seen.items()))
            if now - seen_at < self.ttl:
                break
            del self._seen[sid]

    def __len__(self) -> int:
        return len(self._seen)
