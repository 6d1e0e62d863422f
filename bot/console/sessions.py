"""Agents' sessions (in memory), CSRF tokens, and the limit on failed sign-ins.

A session is a random 256-bit id in a cookie, mapped here to the agent, a CSRF token (the
synchronizer token every state change must carry) and the time of its last use. A session unused
for longer than the idle timeout is gone; a server restart signs everyone out. Tokens are
compared in constant time.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

Clock = Callable[[], float]


def same(given: str | None, expected: str) -> bool:
    """Constant-time equality of two tokens (False when one is missing)."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8", "replace"))


@dataclass
class Session:
    id: str = field(repr=False)
    agent: str
    csrf_token: str = field(repr=False)
    last_used: float


class SessionStore:
    def __init__(self, idle_seconds: float, clock: Clock = time.monotonic) -> None:
        if idle_seconds <= 0:
            raise ValueError("the idle timeout must be positive")
        self.idle_seconds = idle_seconds
        self._clock = clock
        self._sessions: dict[str, Session] = {}

    def create(self, agent: str) -> Session:
        self._sweep()
        session = Session(secrets.token_urlsafe(32), agent, secrets.token_urlsafe(32), self._clock())
        self._sessions[session.id] = session
        return session

    def get(self, session_id: str | None) -> Session | None:
        """The live session with this id, its idle clock restarted; None if unknown or idle too long."""
        if not session_id:
            return None
        session = self._sessions.get(session_id)
        if session is None or not same(session_id, session.id):
            return None
        now = self._clock()
        if now - session.last_used > self.idle_seconds:
            del self._sessions[session_id]
            return None
        session.last_used = now
        return session

    def alive(self, session_id: str) -> bool:
        """Whether the session is live, without restarting its idle clock (an open event stream
        must not keep a session alive)."""
        session = self._sessions.get(session_id)
        return session is not None and self._clock() - session.last_used <= self.idle_seconds

    def signed_in(self, agent: str) -> bool:
        """Whether ``agent`` has a live session (without restarting its clock)."""
        return any(s.agent == agent and self.alive(s.id) for s in list(self._sessions.values()))

    def agents(self) -> set[str]:
        """The agents with a live session (without restarting any clock)."""
        return {s.agent for s in list(self._sessions.values()) if self.alive(s.id)}

    def end(self, session_id: str | None) -> None:
        if session_id:
            self._sessions.pop(session_id, None)

    def end_agent(self, agent: str) -> None:
        for session_id in [s.id for s in self._sessions.values() if s.agent == agent]:
            del self._sessions[session_id]

    def count(self) -> int:
        self._sweep()
        return len(self._sessions)

    def _sweep(self) -> None:
        now = self._clock()
        for session_id in [s.id for s in self._sessions.values() if now - s.last_used > self.idle_seconds]:
            del self._sessions[session_id]


class SignInLimiter:
    """At most ``attempts`` failed sign-ins per ``window_seconds``, per agent name and per client.

    A locked key is refused before its password is checked (so guessing costs nothing more than
    waiting), until its oldest failure leaves the window. A success clears the name's failures."""

    def __init__(self, attempts: int, window_seconds: float, clock: Clock = time.monotonic) -> None:
        self.attempts = attempts
        self.window_seconds = window_seconds
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}

    def retry_after(self, *keys: str) -> float:
        """Seconds until these keys may try again (0: now)."""
        now = self._clock()
        wait = 0.0
        for key in keys:
            failures = self._recent(key, now)
            if len(failures) >= self.attempts:
                wait = max(wait, failures[0] + self.window_seconds - now)
        return wait

    def failed(self, *keys: str) -> None:
        now = self._clock()
        for key in keys:
            self._recent(key, now).append(now)
        if len(self._failures) > 10_000:  # bounded whatever a client sends
            for key in [k for k, v in self._failures.items() if not v or now - v[-1] > self.window_seconds]:
                del self._failures[key]

    def succeeded(self, key: str) -> None:
        self._failures.pop(key, None)

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures.setdefault(key, deque())
        while failures and now - failures[0] >= self.window_seconds:
            failures.popleft()
        return failures
