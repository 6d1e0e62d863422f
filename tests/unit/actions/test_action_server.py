"""actions/server.py: rasa-sdk's app plus the internal route that drops a conversation's state.

The app is built as ``python -m actions.server`` builds it and driven over ASGI (httpx's
ASGITransport); the lockout book is the action server's real one.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from sanic import Sanic

from actions.lockout import LockoutBook
from actions.verification import lockouts
from tests.unit.asgi import served

with warnings.catch_warnings():  # sanic_cors, imported by rasa-sdk's endpoint, uses distutils
    warnings.simplefilter("ignore", DeprecationWarning)
    from actions.server import build_app

_names = itertools.count()
# rasa-sdk's app has a before_server_start listener, which Sanic warns about under ASGI.
pytestmark = pytest.mark.filterwarnings("ignore:You have set a listener:UserWarning")


@pytest.fixture(autouse=True)
def sanic_test_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Sanic, "test_mode", True)


@asynccontextmanager
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = build_app()
    app.name = f"actions-test-{next(_names)}"
    async with served(app, "http://actions.test") as http:
        yield http


def test_ending_drops_the_conversations_count_but_not_a_lock() -> None:
    """One failure in a conversation, then its end: the count is gone; a conversation locked out
    stays locked after its end, and the identity's count stays (guesses spread over conversations)."""
    book = LockoutBook(max_attempts=2)
    conversation, identity = book.key("conversation", "rest:a"), book.key("identity", "dana|whitfield")
    book.record_failure(conversation, identity)
    assert book.conversation_failures("rest:a") == 1
    book.end_conversation("rest:a")
    assert book.conversation_failures("rest:a") == 0
    assert book._failures.get(identity) == 1
    locked = book.key("conversation", "rest:b")
    book.record_failure(locked)
    book.record_failure(locked)
    assert book.is_locked(locked)
    book.end_conversation("rest:b")
    assert book.is_locked(locked)


@pytest.mark.asyncio
async def test_the_route_drops_the_state_with_the_token(monkeypatch: pytest.MonkeyPatch) -> None:
    """With FRONTDESK_INTERNAL_TOKEN set: the right bearer token ends (204, count 0); no token or a
    wrong one is 401 and changes nothing; a missing or non-string sender_id, or no JSON, is 400."""
    monkeypatch.setenv("FRONTDESK_INTERNAL_TOKEN", "s3cret")
    book = lockouts()
    book.record_failure(book.key("conversation", "web:x"))
    auth = {"Authorization": "Bearer s3cret"}
    async with client() as http:
        assert (
            await http.post("/internal/conversations/end", json={"sender_id": "web:x"})
        ).status_code == 401
        wrong = {"Authorization": "Bearer nope"}
        assert (
            await http.post("/internal/conversations/end", json={"sender_id": "web:x"}, headers=wrong)
        ).status_code == 401
        assert (await http.get("/internal/conversations/web:x", headers=auth)).json() == {
            "verification_failures": 1
        }
        for body in ({}, {"sender_id": ""}, {"sender_id": 7}, ["web:x"]):
            assert (
                await http.post("/internal/conversations/end", json=body, headers=auth)
            ).status_code == 400
        not_json = await http.post("/internal/conversations/end", content=b"sender_id=web:x", headers=auth)
        assert not_json.status_code == 400
        ended = await http.post("/internal/conversations/end", json={"sender_id": "web:x"}, headers=auth)
        assert ended.status_code == 204
        assert (await http.get("/internal/conversations/web:x", headers=auth)).json() == {
            "verification_failures": 0
        }
        assert (await http.get("/health")).json() == {"status": "ok"}


@pytest.mark.asyncio
async def test_without_a_secret_the_route_is_open(monkeypatch: pytest.MonkeyPatch) -> None:
    """No FRONTDESK_INTERNAL_TOKEN configured: the route works without a header (bind privately)."""
    monkeypatch.delenv("FRONTDESK_INTERNAL_TOKEN", raising=False)
    async with client() as http:
        assert (
            await http.post("/internal/conversations/end", json={"sender_id": "sms:y"})
        ).status_code == 204
