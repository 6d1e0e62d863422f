"""The console's settings, from the environment (docs/console.md)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

SECURE_COOKIES_ENV = "CONSOLE_SECURE_COOKIES"
IDLE_MINUTES_ENV = "CONSOLE_IDLE_MINUTES"
SIGN_IN_ATTEMPTS_ENV = "CONSOLE_SIGN_IN_ATTEMPTS"
SIGN_IN_WINDOW_MINUTES_ENV = "CONSOLE_SIGN_IN_WINDOW_MINUTES"


class ConsoleSettingsError(ValueError):
    pass


@dataclass(frozen=True)
class ConsoleSettings:
    secure_cookies: bool = True
    idle_seconds: float = 15 * 60.0
    sign_in_attempts: int = 5
    sign_in_window_seconds: float = 15 * 60.0

    @property
    def cookie_name(self) -> str:
        # Browsers refuse a __Secure- cookie that is not Secure (or not set over https).
        return "__Secure-frontdesk-console" if self.secure_cookies else "frontdesk-console"


def _positive(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConsoleSettingsError(f"{name} must be a number, got {raw!r}") from None
    if value <= 0:
        raise ConsoleSettingsError(f"{name} must be positive")
    return value


def load_console_settings(env: Mapping[str, str] | None = None) -> ConsoleSettings:
    env = os.environ if env is None else env
    secure_raw = env.get(SECURE_COOKIES_ENV, "").strip().lower()
    if secure_raw not in ("", "1", "true", "yes", "0", "false", "no"):
        raise ConsoleSettingsError(f"{SECURE_COOKIES_ENV} must be 1 or 0, got {secure_raw!r}")
    return ConsoleSettings(
        secure_cookies=secure_raw not in ("0", "false", "no"),
        idle_seconds=_positive(env, IDLE_MINUTES_ENV, 15) * 60,
        sign_in_attempts=int(_positive(env, SIGN_IN_ATTEMPTS_ENV, 5)),
        sign_in_window_seconds=_positive(env, SIGN_IN_WINDOW_MINUTES_ENV, 15) * 60,
    )
