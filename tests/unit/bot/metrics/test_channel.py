"""bot/metrics/channel.py: GET /metrics mounted as the Rasa server mounts it, over ASGI.

The app has a stand-in agent holding the real ephemeral store and the counting broker. The action
server is played by a small local HTTP server answering what each test sets; the reminder outbox
is a real one in a temporary folder. Tried: no token configured, a wrong token, dev mode; the
action server down, answering 500, answering text that is not Prometheus, answering names that are
not its own; an outbox missing, holding every state, and a file that is not a database; a store
without the broker (the server must refuse to start).
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from rasa.core.channels.channel import register
from rasa.shared.core.domain import Domain
from sanic import Sanic

from actions.metrics import EHRMetrics
from bot import lifecycle
from bot.metrics import MetricsInput
from bot.metrics import broker as broker_module
from bot.metrics.broker import MetricsBroker
from bot.metrics.registry import ConversationMetrics
from bot.reminders.outbox import FAILED, SENT, SKIPPED, Outbox
from bot.store import EphemeralTrackerStore
from tests.integration.stack import free_port
from tests.unit.asgi import served as asgi_client

TOKEN = "unit-metrics-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
_names = itertools.count()


class FakeActionServer:
    """Answers GET /internal/metrics with ``status`` and ``body``; records the Authorization header."""

    def __init__(self) -> None:
        self.status = 200
        self.body = b""
        self.authorization: str | None = None
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                return

            def do_GET(self) -> None:
                server.authorization = self.headers.get("Authorization")
                self.send_response(server.status if self.path == "/internal/metrics" else 404)
                self.send_header("Content-Length", str(len(server.body)))
                self.end_headers()
                self.wfile.write(server.body)

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}/webhook"
        threading.Thread(target=self._http.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._http.shutdown()
        self._http.server_close()


@pytest.fixture
def action_server() -> Iterator[FakeActionServer]:
    server = FakeActionServer()
    yield server
    server.close()


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(Sanic, "test_mode", True)
    monkeypatch.setenv("FRONTDESK_METRICS_TOKEN", TOKEN)
    monkeypatch.setenv("FRONTDESK_INTERNAL_TOKEN", "internal-secret")
    monkeypatch.setenv("ACTION_SERVER_URL", f"http://127.0.0.1:{free_port()}/webhook")  # nobody there
    monkeypatch.setenv("REMINDER_OUTBOX", str(tmp_path / "outbox.sqlite3"))
    monkeypatch.setenv("FRONTDESK_IDLE_TIMEOUT_SECONDS", "900")
    monkeypatch.delenv("FRONTDESK_DEV_MODE", raising=False)
    monkeypatch.setattr(broker_module, "_shared", ConversationMetrics())


@asynccontextmanager
async def client_of(agent: Any) -> AsyncIterator[httpx.AsyncClient]:
    app = Sanic(f"frontdesk-metrics-test-{next(_names)}")
    app.ctx.agent = agent
    register([MetricsInput()], app, route="/webhooks/")
    async with asgi_client(app, "http://rasa.test") as client:
        yield client


@asynccontextmanager
async def served(broker: Any = None) -> AsyncIterator[httpx.AsyncClient]:
    """The channel, with an agent whose store publishes to ``broker`` (a new MetricsBroker by default)."""
    broker = MetricsBroker() if broker is None else broker
    store = EphemeralTrackerStore(Domain.empty(), event_broker=broker)
    domain = SimpleNamespace(intents=["greet", "goodbye", "nlu_fallback"])
    try:
        async with client_of(SimpleNamespace(tracker_store=store, domain=domain)) as client:
            yield client
    finally:
        await store.stop_sweeper()
        lifecycle.attach_store(None)
        if isinstance(broker, MetricsBroker):
            await broker.close()


def parsed(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


@pytest.mark.asyncio
async def test_a_scrape_needs_the_token(monkeypatch: pytest.MonkeyPatch) -> None:
    """No token, a wrong one: 401. The variable unset: 403 (off). Dev mode without it: open."""
    async with served() as client:
        assert (await client.get("/metrics")).status_code == 401
        assert (await client.get("/metrics", headers={"Authorization": "Bearer nope"})).status_code == 401
        assert (await client.get("/metrics", headers=AUTH)).status_code == 200
        monkeypatch.delenv("FRONTDESK_METRICS_TOKEN")
        off = await client.get("/metrics", headers=AUTH)
        assert off.status_code == 403 and "FRONTDESK_METRICS_TOKEN" in off.text
        monkeypatch.setenv("FRONTDESK_DEV_MODE", "1")
        assert (await client.get("/metrics")).status_code == 200


@pytest.mark.asyncio
async def test_without_the_action_server_its_own_metrics_still_come() -> None:
    """The action server is not listening: 200, the Rasa server's series, and up = 0; the domain's
    intents are there at zero."""
    async with served() as client:
        response = await client.get("/metrics", headers=AUTH)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = parsed(response.text)
    assert samples[("frontdesk_action_server_up", ())] == 0
    assert samples[("frontdesk_conversations_started_total", (("channel", "web"),))] == 0
    assert samples[("frontdesk_intents_total", (("intent", "nlu_fallback"),))] == 0
    assert not any(name.startswith("frontdesk_ehr_") for name, _ in samples)


@pytest.mark.asyncio
async def test_the_action_servers_metrics_are_appended(
    action_server: FakeActionServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The action server answers its real registry's text: appended, asked for with the internal token."""
    monkeypatch.setenv("ACTION_SERVER_URL", action_server.url)
    ehr = EHRMetrics()
    ehr.observe("Patient.search", "success", 0.12)
    action_server.body = ehr.render()
    async with served() as client:
        samples = parsed((await client.get("/metrics", headers=AUTH)).text)
    assert samples[("frontdesk_action_server_up", ())] == 1
    key = (("operation", "Patient.search"), ("outcome", "success"))
    assert samples[("frontdesk_ehr_requests_total", key)] == 1
    assert action_server.authorization == "Bearer internal-secret"


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("status", "body"),
    [
        (500, b"boom"),
        (200, b"<html>not metrics</html>\n"),
        (200, b'frontdesk_conversations_started_total{channel="web"} 99\n'),  # a name not its own
        (200, b"\xff\xfe"),
    ],
)
async def test_an_action_server_answering_something_else_is_left_out(
    action_server: FakeActionServer, monkeypatch: pytest.MonkeyPatch, status: int, body: bytes
) -> None:
    """500, HTML, a series that would shadow the Rasa server's own, bytes that are not UTF-8:
    nothing of it is appended, and up = 0."""
    monkeypatch.setenv("ACTION_SERVER_URL", action_server.url)
    action_server.status, action_server.body = status, body
    async with served() as client:
        response = await client.get("/metrics", headers=AUTH)
    samples = parsed(response.text)
    assert samples[("frontdesk_action_server_up", ())] == 0
    assert samples[("frontdesk_conversations_started_total", (("channel", "web"),))] == 0
    assert b"html" not in response.content


@pytest.mark.asyncio
async def test_reminders_are_read_from_the_outbox(tmp_path: Path) -> None:
    """An outbox with reminders in each state: counted by state, opt-outs apart from other skips."""
    outbox = Outbox(tmp_path / "outbox.sqlite3")
    finals = [SENT, SENT, FAILED, (SKIPPED, "opted out"), (SKIPPED, "no longer due"), None]
    for index, final in enumerate(finals):
        key = f"appointment:a{index}:24h"
        outbox.add(key, "appointment", f"Appointment/a{index}")
        if final is None:
            continue
        state, detail = final if isinstance(final, tuple) else (final, None)
        outbox.claim(key, "hash", "2026-11-28")
        for _ in range(3 if state == FAILED else 1):  # a failure is final after the last attempt
            outbox.finish(key, state, detail)
            if state == FAILED and outbox.get(key).state != FAILED:  # type: ignore[union-attr]
                outbox.claim(key, "hash", "2026-11-28")
    async with served() as client:
        samples = parsed((await client.get("/metrics", headers=AUTH)).text)
    counted = {labels[0][1]: v for (name, labels), v in samples.items() if name == "frontdesk_reminders"}
    assert counted == {"sent": 2, "failed": 1, "opted_out": 1, "skipped": 1, "pending": 1, "sending": 0}
    assert samples[("frontdesk_reminder_outbox_readable", ())] == 1


@pytest.mark.asyncio
async def test_an_unreadable_outbox_does_not_stop_the_scrape(tmp_path: Path) -> None:
    """The outbox path holds a file that is not a database: readable = 0, the rest still comes;
    and no outbox at all counts zeros without creating the file."""
    async with served() as client:
        nothing = parsed((await client.get("/metrics", headers=AUTH)).text)
        (tmp_path / "outbox.sqlite3").write_bytes(b"not a database at all" * 10)
        broken = parsed((await client.get("/metrics", headers=AUTH)).text)
    assert nothing[("frontdesk_reminder_outbox_readable", ())] == 1
    assert nothing[("frontdesk_reminders", (("state", "sent"),))] == 0
    assert broken[("frontdesk_reminder_outbox_readable", ())] == 0
    assert ("frontdesk_conversations_started_total", (("channel", "rest"),)) in broken


@pytest.mark.asyncio
async def test_a_store_without_the_broker_stops_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """The store has no broker (Rasa could not import it and went on): the server exits with 3."""
    exits: list[int] = []
    monkeypatch.setattr(os, "_exit", exits.append)
    store = EphemeralTrackerStore(Domain.empty())
    try:
        async with client_of(SimpleNamespace(tracker_store=store, domain=None)):
            pass
    finally:
        await store.stop_sweeper()
        lifecycle.attach_store(None)
    assert exits == [3]
