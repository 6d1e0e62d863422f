"""Internal routes on the Rasa server, for the agent console and for tests.

Mounted by Rasa like a channel (credentials.yml names ``bot.channels.internal.InternalInput``),
under ``/internal``, never under ``/webhooks``:

- ``POST /internal/conversations/<id>/end`` ends a conversation (``{"reason": "agent_closed"}``
  by default; any ``bot.lifecycle.EndReason`` value): ``{"ended": true}`` if it was live;
- ``GET /internal/conversations/<id>`` says whether the conversation is live, and nothing else;
- ``GET /internal/store`` says how many conversations the store holds, and nothing else;
- ``GET /internal/handoff/availability``: whether the clinic is open, how many agents are signed
  in, how many handoffs wait, the expected wait and the next opening (counts and times only;
  ``bot/console/availability.py``), for ``action_handoff``; 503 when no console runs here.

Every route needs ``Authorization: Bearer <FRONTDESK_INTERNAL_TOKEN>``; without that variable set
the routes answer 403 (they are off). The channel also installs the check that the server runs on
the ephemeral store (``bot/store/guard.py``).
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import unquote

from rasa.core.channels.channel import UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import lifecycle
from bot.channels.routes import RoutesChannel
from bot.channels.tokens import token_matches
from bot.console import availability
from bot.lifecycle import INTERNAL_TOKEN_ENV, EndReason
from bot.store.guard import require_ephemeral_store


def _refusal(request: Request) -> HTTPResponse | None:
    expected = os.environ.get(INTERNAL_TOKEN_ENV, "").strip()
    if not expected:
        return response.json({"error": f"internal routes are off: set {INTERNAL_TOKEN_ENV}"}, status=403)
    if not token_matches(request, expected):
        return response.json({"error": "a valid bearer token is required"}, status=401)
    return None


class InternalInput(RoutesChannel):
    channel_name = "internal"
    prefix = "/internal"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        internal = Blueprint("frontdesk_internal", __name__)
        require_ephemeral_store(internal)

        @internal.route("/conversations/<sender_id:path>/end", methods=["POST"])
        async def end(request: Request, sender_id: str) -> HTTPResponse:
            refused = _refusal(request)
            if refused is not None:
                return refused
            body = request.json if request.body else {}
            raw_reason = body.get("reason", EndReason.AGENT_CLOSED.value) if isinstance(body, dict) else None
            try:
                reason = EndReason(raw_reason)
            except ValueError:
                choices = ", ".join(r.value for r in EndReason)
                return response.json({"error": f"reason must be one of: {choices}"}, status=400)
            ended = await lifecycle.end_conversation(unquote(sender_id), reason)
            return response.json({"ended": ended})

        @internal.route("/conversations/<sender_id:path>", methods=["GET"])
        async def live(request: Request, sender_id: str) -> HTTPResponse:
            refused = _refusal(request)
            if refused is not None:
                return refused
            return response.json({"live": lifecycle.is_live(unquote(sender_id))})

        @internal.route("/handoff/availability", methods=["GET"])
        async def handoff_availability(request: Request) -> HTTPResponse:
            refused = _refusal(request)
            if refused is not None:
                return refused
            found = availability.current()
            if found is None:
                return response.json({"error": "the agent console does not run in this server"}, status=503)
            return response.json(found.as_json())

        @internal.route("/store", methods=["GET"])
        async def store_size(request: Request) -> HTTPResponse:
            refused = _refusal(request)
            if refused is not None:
                return refused
            store = lifecycle.attached_store()
            size = store.size() if store is not None and hasattr(store, "size") else None
            return response.json({"conversations": size})

        return internal
