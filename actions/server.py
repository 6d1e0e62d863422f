"""The action server: rasa-sdk's app, the PHI log filter, and an internal route to end a conversation.

Run it as ``python -m actions.server`` (same options as ``python -m rasa_sdk``; ``--actions``
defaults to ``actions``; without a level flag, ``LOG_LEVEL`` sets the level, as for the Rasa
server). Compared with ``python -m rasa_sdk``:

- the PHI log filter (``privacy/logs.py``) is on every handler, before anything is logged;
- ``POST /internal/conversations/end`` with ``{"sender_id": "..."}`` drops what this process keeps
  for the conversation: its failed-verification count (``actions/lockout.py``; a lock, and the
  counts kept against the claimed identity, stay until they expire). The Rasa server calls it
  whenever a conversation ends (``bot/lifecycle.py``). When ``FRONTDESK_INTERNAL_TOKEN`` is set,
  the route needs ``Authorization: Bearer <token>`` (401 otherwise); set it on both servers;
- ``GET /internal/conversations/<id>`` answers what this process holds for one conversation, as
  counts only (the privacy tests read it), under the same token;
- ``GET /internal/metrics``: this process's EHR requests in Prometheus text (``actions/metrics.py``),
  under the same token; the Rasa server's ``GET /metrics`` includes it (docs/metrics.md).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
import sys
from typing import Any
from urllib.parse import unquote

from prometheus_client import CONTENT_TYPE_LATEST
from rasa_sdk import utils
from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
from rasa_sdk.endpoint import create_app, create_argument_parser, create_ssl_context
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.metrics import ehr_metrics
from actions.verification import lockouts
from privacy.logs import install as install_phi_filter

log = logging.getLogger("frontdesk.actions.server")
TOKEN_ENV = "FRONTDESK_INTERNAL_TOKEN"


def _authorised(request: Request) -> bool:
    expected = os.environ.get(TOKEN_ENV, "").strip()
    if not expected:
        return True  # no secret configured: bind the action server to a private address
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), expected.encode())


def add_internal_routes(app: Sanic) -> None:
    @app.post("/internal/conversations/end")
    async def end_conversation(request: Request) -> HTTPResponse:
        if not _authorised(request):
            return response.json({"error": "a valid bearer token is required"}, status=401)
        try:
            body: Any = request.json
        except Exception:
            body = None
        sender_id = body.get("sender_id") if isinstance(body, dict) else None
        if not isinstance(sender_id, str) or not sender_id:
            return response.json({"error": "sender_id must be a non-empty string"}, status=400)
        lockouts().end_conversation(sender_id)
        return response.empty(status=204)

    @app.get("/internal/conversations/<sender_id:path>")
    async def held_for(request: Request, sender_id: str) -> HTTPResponse:
        if not _authorised(request):
            return response.json({"error": "a valid bearer token is required"}, status=401)
        failures = lockouts().conversation_failures(unquote(sender_id))  # "rest%3Aabc" from some clients
        return response.json({"verification_failures": failures})

    @app.get("/internal/metrics")
    async def metrics(request: Request) -> HTTPResponse:
        if not _authorised(request):
            return response.json({"error": "a valid bearer token is required"}, status=401)
        return response.raw(ehr_metrics().render(), content_type=CONTENT_TYPE_LATEST)

    async def filter_late_handlers(app: Sanic, loop: asyncio.AbstractEventLoop) -> None:
        install_phi_filter()  # Sanic adds its own handlers when it starts

    app.register_listener(filter_late_handlers, "after_server_start")


def build_app(actions_package: str = "actions", cors: Any = "*", auto_reload: bool = False) -> Sanic:
    app = create_app(actions_package, cors_origins=cors, auto_reload=auto_reload)
    add_internal_routes(app)
    ehr_metrics()  # counts the gateway's requests from now on
    return app


def main(argv: list[str] | None = None) -> None:
    parser = create_argument_parser()
    parser.set_defaults(actions="actions")
    args = parser.parse_args(argv)
    flags = {"-v", "--verbose", "-vv", "--debug", "--quiet"}
    if os.environ.get("LOG_LEVEL") and not flags.intersection(argv if argv is not None else sys.argv[1:]):
        args.loglevel = logging.getLevelName(os.environ["LOG_LEVEL"].upper())  # as the Rasa server does
    logging.getLogger("matplotlib").setLevel(logging.WARN)
    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(
        logging.getLogger(APPLICATION_ROOT_LOGGER_NAME),
        args.log_file,
        args.loglevel,
        args.logging_config_file,
    )
    utils.update_sanic_log_level()
    install_phi_filter()
    app = build_app(args.actions, args.cors, args.auto_reload)
    ssl_context = create_ssl_context(args.ssl_certificate, args.ssl_keyfile, args.ssl_password)
    host = os.environ.get("SANIC_HOST", "0.0.0.0")
    log.info("Action server listening on port %s", args.port)
    app.run(host, args.port, ssl=ssl_context, workers=utils.number_of_sanic_workers())


if __name__ == "__main__":
    main()
