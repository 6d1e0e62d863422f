"""Reading a number from the environment, one way for every settings module of the Rasa server's side.

(``actions/ehr/settings.py`` keeps its own: the gateway imports nothing of Frontdesk.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def env_number(
    env: Mapping[str, str],
    name: str,
    default: Any,
    *,
    minimum: float | None = None,
    error: type[ValueError] = ValueError,
) -> float:
    """``env[name]`` as a number, ``default`` when unset or blank. Without ``minimum`` it must be
    positive; with one, at least that. A bad value raises ``error`` naming the variable."""
    raw = env.get(name, "").strip()
    value = raw if raw else default
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise error(f"{name} must be a number, got {value!r}") from None
    if minimum is None and number <= 0:
        raise error(f"{name} must be positive")
    if minimum is not None and number < minimum:
        raise error(f"{name} must be at least {minimum:g}")
    return number
