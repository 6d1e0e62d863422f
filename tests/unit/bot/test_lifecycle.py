"""bot/lifecycle.py: ending a conversation deletes it, tells the action server, runs every listener.

A fake store (a dict) stands in for the tracker store; the action server is a local HTTP server
(http.server in a thread) that records what it is told.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot import lifecycle
from bot.lifecycle import EndReason


class FakeStore:
    def __init__(self, *ids: str) -> None:
        self.trackers = {i: "tracker" for i in ids}
        self.touched: list[str] = []

    def forget(self, sender_id: str) -> bool:
        return self.trackers.pop(sender_id, None) is not None

    def contains(self, sender_id: str) -> bool:
        return sender_id in self.trackers

    def touch(self, sender_id: str) -> None:
        self.touched.append(sender_id)


class ActionServer:
    """Records each POST body and Authorization header; answers ``status``."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict, str | None]] = []
        self.status = 204
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.calls.append((self.path, body, self.headers.get("Authorization")))
                self.send_response(server.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/webhook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture
def store() -> Iterator[FakeStore]:
    fake = FakeStore("rest:a", "web:b")
    lifecycle.attach_store(fake)
    yield fake
    lifecycle.attach_store(None)
    lifecycle._listeners.clear()


@pytest.fixture
def action_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[ActionServer]:
    server = ActionServer()
    monkeypatch.setenv("ACTION_SERVER_URL", server.url)
    monkeypatch.setenv("FRONTDESK_INTERNAL_TOKEN", "s3cret")
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.mark.asyncio
async def test_end_deletes_tells_the_action_server_and_runs_listeners(store, action_server) -> None:
    """Ending a live conversation: gone from the store, the action server told (with the secret),
    the listener called with the id and reason; True because it existed."""
    heard: list[tuple[str, EndReason]] = []

    async def listener(sender_id: str, reason: EndReason) -> None:
        heard.append((sender_id, reason))

    lifecycle.on_conversation_end(listener)
    assert lifecycle.is_live("rest:a")
    assert await lifecycle.end_conversation("rest:a", EndReason.PATIENT_ENDED) is True
    assert not lifecycle.is_live("rest:a")
    assert lifecycle.is_live("web:b")
    assert heard == [("rest:a", EndReason.PATIENT_ENDED)]
    assert action_server.calls == [("/internal/conversations/end", {"sender_id": "rest:a"}, "Bearer s3cret")]


@pytest.mark.asyncio
async def test_end_is_idempotent(store, action_server) -> None:
    """Ending twice (and ending an id never seen): False, nothing else deleted, listeners still run."""
    heard: list[str] = []

    async def listener(sender_id: str, reason: EndReason) -> None:
        heard.append(sender_id)

    lifecycle.on_conversation_end(listener)
    lifecycle.on_conversation_end(listener)  # registered once only
    assert await lifecycle.end_conversation("web:b", EndReason.IDLE) is True
    assert await lifecycle.end_conversation("web:b", EndReason.IDLE) is False
    assert await lifecycle.end_conversation("sms:never", EndReason.OPTED_OUT) is False
    assert heard == ["web:b", "web:b", "sms:never"]
    assert lifecycle.is_live("rest:a")


@pytest.mark.asyncio
async def test_a_failing_listener_is_logged_without_the_id_and_the_others_run(
    store, action_server, caplog
) -> None:
    """A listener raising an error whose message holds PHI: the next listener still runs, the
    error is logged by type, and neither the id nor the message appears in the log."""
    heard: list[str] = []

    async def broken(sender_id: str, reason: EndReason) -> None:
        raise RuntimeError("Dana Whitfield 617-555-0123")

    async def fine(sender_id: str, reason: EndReason) -> None:
        heard.append(sender_id)

    lifecycle.on_conversation_end(broken)
    lifecycle.on_conversation_end(fine)
    caplog.set_level(logging.INFO, logger="frontdesk.lifecycle")
    assert await lifecycle.end_conversation("rest:a", EndReason.GOODBYE) is True
    assert heard == ["rest:a"]
    assert "RuntimeError" in caplog.text
    assert "Dana" not in caplog.text and "617" not in caplog.text and "rest:a" not in caplog.text


@pytest.mark.asyncio
async def test_an_unreachable_or_refusing_action_server_does_not_stop_the_end(
    store, monkeypatch, caplog
) -> None:
    """The action server down (connection refused) or answering 401: the tracker is still deleted,
    the listeners still run, a warning is logged."""
    heard: list[str] = []

    async def listener(sender_id: str, reason: EndReason) -> None:
        heard.append(sender_id)

    lifecycle.on_conversation_end(listener)
    monkeypatch.setenv("ACTION_SERVER_URL", "http://127.0.0.1:9/webhook")
    assert await lifecycle.end_conversation("rest:a", EndReason.AGENT_CLOSED) is True
    refusing = ActionServer()
    refusing.status = 401
    monkeypatch.setenv("ACTION_SERVER_URL", refusing.url)
    assert await lifecycle.end_conversation("web:b", EndReason.AGENT_CLOSED) is True
    refusing.httpd.shutdown()
    refusing.httpd.server_close()
    assert heard == ["rest:a", "web:b"]
    assert "could not tell the action server" in caplog.text
    assert "HTTP 401" in caplog.text


def test_touch_and_is_live_without_a_store() -> None:
    """Before the store exists (or in a process without one) nothing is live and touch is a no-op."""
    lifecycle.attach_store(None)
    assert not lifecycle.is_live("rest:a")
    lifecycle.touch("rest:a")


def test_touch_reaches_the_store(store) -> None:
    """touch() restarts the conversation's idle clock in the store."""
    lifecycle.touch("web:b")
    assert store.touched == ["web:b"]


def test_idle_timeout(monkeypatch) -> None:
    """The seconds override wins; without it the clinic's minutes; a bad override is refused."""
    monkeypatch.delenv("FRONTDESK_IDLE_TIMEOUT_SECONDS", raising=False)
    monkeypatch.setenv("IDLE_TIMEOUT_MINUTES", "0.5")
    lifecycle.cached_clinic_settings.cache_clear()
    try:
        assert lifecycle.idle_timeout_seconds() == 30
    finally:
        lifecycle.cached_clinic_settings.cache_clear()
    monkeypatch.setenv("FRONTDESK_IDLE_TIMEOUT_SECONDS", "2.5")
    assert lifecycle.idle_timeout_seconds() == 2.5
    for bad in ("soon", "0", "-3"):
        monkeypatch.setenv("FRONTDESK_IDLE_TIMEOUT_SECONDS", bad)
        with pytest.raises(ValueError):
            lifecycle.idle_timeout_seconds()


def test_action_server_url_from_the_webhook_url(monkeypatch) -> None:
    """ACTION_SERVER_URL names the webhook; the end route sits beside it; unset means no call."""
    monkeypatch.setenv("ACTION_SERVER_URL", "http://actions:5055/webhook/")
    assert lifecycle.action_server_end_url() == "http://actions:5055/internal/conversations/end"
    monkeypatch.delenv("ACTION_SERVER_URL")
    assert lifecycle.action_server_end_url() is None
