"""The console's settings, from the environment (docs/console.md)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from settings.env import env_number

SECURE_COOKIES_ENV = "CONSOLE_SECURE_COOKIES"
IDLE_MINUTES_ENV = "CONSOLE_IDLE_MINUTES"
SIGN_IN_ATTEMPTS_ENV = "CONSOLE_SIGN_IN_ATTEMPTS"
SIGN_IN_WINDOW_MINUTES_ENV = "CONSOLE_SIGN_IN_WINDOW_MINUTES"
CANNED_REPLIES_ENV = "CONSOLE_CANNED_REPLIES"  # replies separated by "|"
HANDLE_MINUTES_ENV = "CONSOLE_HANDLE_MINUTES"  # per conversation, for the expected wait
MAX_CANNED_REPLIES = 20
MAX_CANNED_CHARS = 500
DEFAULT_CANNED_REPLIES = (
    "Hello, I'm a member of the clinic's staff. I'm reading your conversation now.",
    "Thank you for waiting. Let me look into that for you.",
    "Before I can discuss your care or account, please tell me your full name and date of birth.",
    "Is there anything else I can help you with today?",
)


class ConsoleSettingsError(ValueError):
    pass


@dataclass(frozen=True)
class ConsoleSettings:
    secure_cookies: bool = True
    idle_seconds: float = 15 * 60.0
    sign_in_attempts: int = 5
    sign_in_window_seconds: float = 15 * 60.0
    canned_replies: tuple[str, ...] = DEFAULT_CANNED_REPLIES
    handle_minutes: float = 5.0  # bot/console/availability.py

    @property
    def cookie_name(self) -> str:
        # Browsers refuse a __Secure- cookie that is not Secure (or not set over https).
        return "__Secure-frontdesk-console" if self.secure_cookies else "frontdesk-console"


def _canned(env: Mapping[str, str]) -> tuple[str, ...]:
    raw = env.get(CANNED_REPLIES_ENV, "")
    if not raw.strip():
        return DEFAULT_CANNED_REPLIES
    replies = tuple(part.strip() for part in raw.split("|") if part.strip())
    if len(replies) > MAX_CANNED_REPLIES:
        raise ConsoleSettingsError(f"{CANNED_REPLIES_ENV}: at most {MAX_CANNED_REPLIES} replies")
    if any(len(reply) > MAX_CANNED_CHARS for reply in replies):
        raise ConsoleSettingsError(f"{CANNED_REPLIES_ENV}: each reply at most {MAX_CANNED_CHARS} characters")
    return replies


def load_console_settings(env: Mapping[str, str] | None = None) -> ConsoleSettings:
    env = os.environ if env is None else env
    secure_raw = env.get(SECURE_COOKIES_ENV, "").strip().lower()
    if secure_raw not in ("", "1", "true", "yes", "0", "false", "no"):
        raise ConsoleSettingsError(f"{SECURE_COOKIES_ENV} must be 1 or 0, got {secure_raw!r}")
    return ConsoleSettings(
        secure_cookies=secure_raw not in ("0", "false", "no"),
        idle_seconds=env_number(env, IDLE_MINUTES_ENV, 15, error=ConsoleSettingsError) * 60,
        sign_in_attempts=int(env_number(env, SIGN_IN_ATTEMPTS_ENV, 5, error=ConsoleSettingsError)),
        sign_in_window_seconds=env_number(env, SIGN_IN_WINDOW_MINUTES_ENV, 15, error=ConsoleSettingsError)
        * 60,
        canned_replies=_canned(env),
        handle_minutes=env_number(env, HANDLE_MINUTES_ENV, 5, error=ConsoleSettingsError),
    )
