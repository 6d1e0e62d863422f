"""``GET /metrics`` on the Rasa server, in Prometheus text format (docs/metrics.md).

Mounted by Rasa like a channel (credentials.yml names ``bot.metrics.MetricsInput``). Each scrape
renders the Rasa server's own metrics (``registry.py``, counted by ``broker.py``), the reminder
outbox's counts (``reminders.py``), and then appends the action server's EHR metrics, fetched
from its ``GET /internal/metrics`` with a short timeout. When the action server does not answer
(or answers something else), the Rasa server's metrics still come, with
``frontdesk_action_server_up 0``.

The route needs ``Authorization: Bearer <FRONTDESK_METRICS_TOKEN>``. Without that variable it is
off (403), unless ``FRONTDESK_DEV_MODE=1`` (then it is open). The metrics carry no PHI, but the
Rasa server faces the internet, and its volumes are the clinic's business.

The channel also checks, once the agent has loaded, that the conversation store publishes to
``MetricsBroker``: Rasa only warns when it cannot import an event broker, and the metrics would
then stay at zero without anyone knowing. The server refuses to start instead (exit status 3,
as ``bot/store/guard.py`` does for the store).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from rasa.core.channels.channel import UserMessage
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.routes import RoutesChannel
from bot.channels.tokens import dev_mode, token_matches
from bot.lifecycle import INTERNAL_TOKEN_ENV
from bot.metrics.broker import MetricsBroker, shared_metrics
from bot.metrics.reminders import reminder_counts
from bot.store.ephemeral import EphemeralTrackerStore
from bot.store.guard import EXIT_STATUS, configured_store

log = logging.getLogger("frontdesk.metrics")

METRICS_TOKEN_ENV = "FRONTDESK_METRICS_TOKEN"
ACTION_METRICS_ROUTE = "/internal/metrics"
ACTION_METRICS_TIMEOUT_SECONDS = 2.0
MAX_ACTION_METRICS_BYTES = 1_000_000
ACTION_METRICS_PREFIX = "frontdesk_ehr_"


def _refusal(request: Request) -> HTTPResponse | None:
    expected = os.environ.get(METRICS_TOKEN_ENV, "").strip()
    if not expected:
        if dev_mode():
            return None
        return response.json({"error": f"metrics are off: set {METRICS_TOKEN_ENV}"}, status=403)
    if not token_matches(request, expected):
        return response.json({"error": "a valid bearer token is required"}, status=401)
    return None


def metrics_broker(app: Sanic) -> MetricsBroker | None:
    """The broker the conversation store publishes to, if it is ours."""
    broker = getattr(configured_store(app), "event_broker", None)
    return broker if isinstance(broker, MetricsBroker) else None


def action_server_metrics_url() -> str | None:
    """The action server's metrics route, from ACTION_SERVER_URL (``.../webhook``)."""
    url = os.environ.get("ACTION_SERVER_URL", "").strip()
    if not url:
        return None
    return url.rstrip("/").removesuffix("/webhook") + ACTION_METRICS_ROUTE


async def action_server_metrics() -> bytes | None:
    """The action server's metrics text, or None when it did not answer with them in time."""
    url = action_server_metrics_url()
    if url is None:
        return None
    token = os.environ.get(INTERNAL_TOKEN_ENV, "").strip()
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        async with httpx.AsyncClient(timeout=ACTION_METRICS_TIMEOUT_SECONDS) as client:
            answer = await client.get(url, headers=headers)
    except httpx.HTTPError as error:
        log.warning("the action server's metrics could not be fetched: %s", type(error).__name__)
        return None
    if answer.status_code != 200 or len(answer.content) > MAX_ACTION_METRICS_BYTES:
        log.warning("the action server's metrics were refused: HTTP %s", answer.status_code)
        return None
    text = answer.content
    try:
        names = [family.name for family in text_string_to_metric_families(text.decode("utf-8"))]
    except (ValueError, UnicodeDecodeError, IndexError, KeyError):
        log.warning("the action server answered something that is not Prometheus text")
        return None
    if not all(name.startswith(ACTION_METRICS_PREFIX) for name in names):
        log.warning("the action server's metrics hold names that are not its own")
        return None
    return text if text.endswith(b"\n") or not text else text + b"\n"


async def render() -> bytes:
    """The whole scrape: the Rasa server's metrics, then the action server's."""
    metrics = shared_metrics()
    try:
        counts = await asyncio.to_thread(reminder_counts)
    except (sqlite3.Error, OSError) as error:
        log.warning("the reminder outbox could not be read: %s", type(error).__name__)
        metrics.reminder_outbox_readable.set(0)
    else:
        metrics.reminder_outbox_readable.set(1)
        for state, count in counts.items():
            metrics.reminders.labels(state=state).set(count)
    action_text = await action_server_metrics()
    metrics.action_server_up.set(0 if action_text is None else 1)
    return generate_latest(metrics.registry) + (action_text or b"")


def require_metrics_broker(blueprint: Blueprint) -> None:
    """Once the agent has loaded: the store must publish to ``MetricsBroker``, else exit 3."""

    @blueprint.listener("after_server_start")
    async def check_broker(app: Sanic, loop: asyncio.AbstractEventLoop) -> None:
        agent = getattr(app.ctx, "agent", None)
        if not hasattr(agent, "tracker_store"):
            return  # no model loaded: Rasa says so itself, and serves no conversation
        if not isinstance(configured_store(app), EphemeralTrackerStore):
            return  # bot/store/guard.py stops the server, and says why
        broker = metrics_broker(app)
        if broker is not None:
            domain = getattr(agent, "domain", None)
            broker.know_intents(list(getattr(domain, "intents", None) or []))
            return
        message = (
            "Refusing to start: the conversation store does not publish to "
            "bot.metrics.MetricsBroker, so /metrics would count nothing. Check event_broker in "
            "endpoints.yml and the warning above about an event broker that was not found."
        )
        log.critical(message)
        print(message, file=sys.stderr, flush=True)
        logging.shutdown()
        os._exit(EXIT_STATUS)


class MetricsInput(RoutesChannel):
    channel_name = "metrics"
    prefix = "/metrics"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        metrics = Blueprint("frontdesk_metrics", __name__)
        require_metrics_broker(metrics)

        @metrics.route("/", methods=["GET"])
        async def scrape(request: Request) -> HTTPResponse:
            refused = _refusal(request)
            if refused is not None:
                return refused
            broker = metrics_broker(request.app)
            if broker is not None:
                broker.prune()
            return response.raw(await render(), content_type=CONTENT_TYPE_LATEST)

        return metrics
