"""Bearer tokens on the Rasa server's own routes (the REST channel, the internal routes)."""

from __future__ import annotations

import hmac
import os

from sanic.request import Request

# FRONTDESK_DEV_MODE=1: the REST channel takes requests without a token (make run, local work).
DEV_MODE_ENV = "FRONTDESK_DEV_MODE"


def dev_mode() -> bool:
    return os.environ.get(DEV_MODE_ENV, "").strip().lower() in ("1", "true", "yes")


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def token_matches(request: Request, expected: str) -> bool:
    """Whether the request carries ``expected`` as its bearer token (constant-time compare)."""
    given = bearer_token(request)
    if given is None or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8", "replace"))
