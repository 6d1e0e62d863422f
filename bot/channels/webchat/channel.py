"""The web-chat input channel: socket.io inside the Rasa server, with ids the server issues.

Unlike Rasa's ``SocketIOInput``, the browser cannot choose which conversation it speaks in. It
connects to ``/webchat/socket.io`` presenting the id it holds (``auth: {conversation_id}``); the
server binds the socket to that conversation only if it issued the id and the conversation is
still going on, and to a fresh ``web:`` id otherwise (``conversations.py``). Every later event is
taken for the socket's bound conversation, whatever the payload says.

Events, browser to server (each answered by an acknowledgement):
  ``start``         -> ``{conversation_id, resumed, transcript, idle_timeout, warn_before, clinic}``
  ``user_uttered``  ``{message}`` -> ``{ok: true}`` or ``{error, text}`` (refused, see payloads.py)
  ``stay``          restarts the idle clock (``lifecycle.touch``)
  ``end``           ends the conversation (``EndReason.PATIENT_ENDED``)
Server to browser: ``bot_uttered`` ``{text}``, ``conversation_ended`` ``{reason}`` and ``staff``
``{name}`` (an agent took the chat; ``null``: returned to the assistant; ``staff.py``), sent to
the conversation's room (every tab bound to it). ``start``'s reply carries ``staff`` too.

``POST /webhooks/webchat/closing`` (the page's ``sendBeacon`` on ``pagehide``, body: the id) ends
the conversation with ``EndReason.PAGE_CLOSED`` unless a page presents the id again within the
grace period: a reload fires ``pagehide`` too.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from bot import lifecycle
from bot.channels.rest import card_number_warning
from bot.channels.webchat.conversations import PREFIX, Binding, Conversations
from bot.channels.webchat.pages import missing_assets, pages_blueprint
from bot.channels.webchat.payloads import Refusal, message_text, presented_id, refusal_reply
from bot.channels.webchat.staff import StaffPresence
from bot.channels.webchat.transcript import stored_transcript
from bot.redaction import install_card_number_filter, redact_card_numbers
from settings.clinic import cached_clinic_settings

log = logging.getLogger("frontdesk.webchat")

SOCKET_PATH = "/webchat/socket.io"
CLOSE_GRACE_ENV = "WEBCHAT_CLOSE_GRACE_SECONDS"
ALLOWED_ORIGINS_ENV = "WEBCHAT_ALLOWED_ORIGINS"  # comma-separated; overrides credentials.yml
DEFAULT_CLOSE_GRACE = 10.0
MAX_SOCKET_PAYLOAD = 64 * 1024  # bytes; a message is at most 2,000 characters
NOT_STARTED = {"error": "no_conversation", "text": "This chat has ended. Please start a new one."}
UNKNOWN_EVENT = {"error": "unknown_event", "text": "Sorry, this chat page is out of date. Please reload it."}
FAILED = {
    "error": "failed",
    "text": "Sorry, something went wrong on our side. Please try again, or call the clinic.",
}


def warn_before(idle_timeout: float) -> float:
    """How long before the idle timeout the widget warns: a quarter of it, at most two minutes."""
    return min(120.0, idle_timeout / 4)


def origin_check(allowed: list[str]) -> Callable[[str | None, dict[str, Any]], bool]:
    """socket.io's origin check: the server's own origin (as the browser reached it, also behind a
    proxy that sets X-Forwarded-Proto/Host) and the listed clinic sites."""
    listed = {origin.rstrip("/") for origin in allowed}

    def allowed_origin(origin: str | None, environ: dict[str, Any]) -> bool:
        if origin is None:
            return True
        scheme, host = environ.get("wsgi.url_scheme", "http"), environ.get("HTTP_HOST", "")
        forwarded_scheme = environ.get("HTTP_X_FORWARDED_PROTO", scheme).split(",")[0].strip()
        forwarded_host = environ.get("HTTP_X_FORWARDED_HOST", host).split(",")[0].strip()
        own = {f"{scheme}://{host}", f"{forwarded_scheme}://{forwarded_host}"}
        return origin in own or origin in listed

    return allowed_origin


class WebChatOutput(OutputChannel):
    """Sends the assistant's messages to every socket bound to the conversation."""

    def __init__(self, sio: AsyncServer) -> None:
        self.sio = sio

    @classmethod
    def name(cls) -> str:
        return "webchat"

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.sio.emit("bot_uttered", {"text": text}, room=recipient_id)


class _SocketBlueprint(Blueprint):
    """The channel's blueprint; registering it also attaches socket.io and the pages to the app
    (Rasa mounts channel blueprints under ``/webhooks/<name>/``, the pages live at the root)."""

    def __init__(self, channel: WebChatInput, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ctx.channel = channel

    def register(self, app: Sanic, options: dict[str, Any]) -> None:
        self.ctx.channel.attach(app)
        super().register(app, options)


class WebChatInput(InputChannel):
    """Web chat over socket.io, at ``/webchat/socket.io``; pages at ``/chat`` and ``/webchat/``."""

    def __init__(self, allowed_origins: list[str] | None = None, close_grace: float | None = None) -> None:
        self.allowed_origins = allowed_origins or None  # None: the server's own origin only
        self.close_grace = DEFAULT_CLOSE_GRACE if close_grace is None else close_grace
        self.conversations = Conversations(lifecycle.is_live, lifecycle.idle_timeout_seconds)
        self.sio: AsyncServer | None = None
        self._app: Sanic | None = None
        self._closing: dict[str, asyncio.TimerHandle] = {}
        self._on_new_message: Callable[[UserMessage], Awaitable[Any]] | None = None
        self.staff = StaffPresence(self._emit)

    @classmethod
    def name(cls) -> str:
        return "webchat"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        install_card_number_filter()
        credentials = credentials or {}
        from_env = [o.strip() for o in os.environ.get(ALLOWED_ORIGINS_ENV, "").split(",") if o.strip()]
        origins = from_env or credentials.get("allowed_origins") or []
        if isinstance(origins, str):
            origins = [origins]
        grace = os.environ.get(CLOSE_GRACE_ENV) or credentials.get("close_grace_seconds")
        return cls([str(o).rstrip("/") for o in origins], float(grace) if grace else None)

    def get_output_channel(self) -> OutputChannel | None:
        return WebChatOutput(self.sio) if self.sio is not None else None

    def attach(self, app: Sanic) -> None:
        """Put socket.io and the pages on the app (called when Rasa registers the blueprint)."""
        assert self.sio is not None, "blueprint() creates the socket server first"
        self._app = app
        self.sio.attach(app, SOCKET_PATH)
        app.blueprint(pages_blueprint())
        app.register_listener(self._watch_console, "after_server_start")
        app.register_listener(self._unwatch_console, "before_server_stop")
        missing = missing_assets()
        if missing:
            log.error("web chat files missing (%s): run `make setup`", ", ".join(missing))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        self._on_new_message = on_new_message
        # engine.io logs nothing (its logger is off by default); python-socketio's neither.
        self.sio = AsyncServer(
            async_mode="sanic",
            cors_allowed_origins=origin_check(self.allowed_origins) if self.allowed_origins else None,
            max_http_buffer_size=MAX_SOCKET_PAYLOAD,
        )
        self.sio.on("connect", self._connect)
        self.sio.on("disconnect", self._disconnect)
        self.sio.on("start", self._start)
        self.sio.on("user_uttered", self._user_uttered)
        self.sio.on("stay", self._stay)
        self.sio.on("end", self._end)
        self.sio.on("*", self._unknown_event)
        lifecycle.on_conversation_end(self._conversation_ended)

        hooks = _SocketBlueprint(self, "webchat_webhook", __name__)

        @hooks.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hooks.route("/closing", methods=["POST"])
        async def closing(request: Request) -> HTTPResponse:
            self.page_closing(request.body[:200].decode("utf-8", "replace").strip())
            return response.empty(status=204)

        return hooks

    async def _emit(self, event: str, data: dict[str, Any], room: str) -> None:
        if self.sio is not None:
            await self.sio.emit(event, data, room=room)

    async def _watch_console(self, app: Sanic, *_: Any) -> None:
        """If the agent console runs on this server, follow who holds which web chat."""
        for channel in getattr(app.ctx, "input_channels", None) or []:
            console = getattr(channel, "console", None) if channel.name() == "console" else None
            if console is not None:
                self.staff.attach(console.queue, console.sessions.signed_in, console.keep_alive_interval())

    async def _unwatch_console(self, *_: Any) -> None:
        self.staff.detach()

    # -- socket events -----------------------------------------------------------------------------

    async def _connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
        binding = self.conversations.bind(sid, presented_id(auth))
        self._joined(sid, binding)
        return True

    def _joined(self, sid: str, binding: Binding) -> None:
        assert self.sio is not None
        self.sio.enter_room(sid, binding.conversation_id)
        pending = self._closing.pop(binding.conversation_id, None)
        if pending is not None:
            pending.cancel()  # the page came back: it was a reload, not a close
        if binding.resumed:
            lifecycle.touch(binding.conversation_id)  # coming back counts as activity

    async def _disconnect(self, sid: str) -> None:
        self.conversations.unbind(sid)

    async def _start(self, sid: str, data: Any = None) -> dict[str, Any]:
        binding = self.conversations.binding_of(sid)
        if binding is None:  # its conversation ended while the socket stayed open: a new one
            binding = self.conversations.bind(sid, None)
            self._joined(sid, binding)
        conversation_id = binding.conversation_id
        agent = getattr(getattr(self._app, "ctx", None), "agent", None)
        timeout = lifecycle.idle_timeout_seconds()
        return {
            "conversation_id": conversation_id,
            "resumed": binding.resumed,
            "transcript": await stored_transcript(agent, conversation_id),
            "idle_timeout": timeout,
            "warn_before": warn_before(timeout),
            "clinic": cached_clinic_settings().name,
            "staff": self.staff.name_for(conversation_id),
        }

    async def _user_uttered(self, sid: str, data: Any = None) -> dict[str, Any]:
        conversation_id = self.conversations.conversation_of(sid)
        if conversation_id is None:
            return NOT_STARTED
        try:
            text = message_text(data)
        except Refusal as refusal:
            return refusal_reply(refusal)
        assert self.sio is not None and self._on_new_message is not None
        output = WebChatOutput(self.sio)
        redacted = redact_card_numbers(text)
        if redacted.removed:
            await output.send_text_message(conversation_id, card_number_warning(cached_clinic_settings()))
        message = UserMessage(redacted.text, output, conversation_id, input_channel=self.name())
        try:
            await self._on_new_message(message)
        except Exception as error:  # the patient gets an answer; the log gets the type, no text
            tag = lifecycle.tag(conversation_id)
            log.error("web chat message failed in %s: %s", tag, type(error).__name__)
            return FAILED
        return {"ok": True}

    async def _stay(self, sid: str, data: Any = None) -> dict[str, Any]:
        conversation_id = self.conversations.conversation_of(sid)
        if conversation_id is None:
            return NOT_STARTED
        lifecycle.touch(conversation_id)
        return {"ok": True, "idle_timeout": lifecycle.idle_timeout_seconds()}

    async def _end(self, sid: str, data: Any = None) -> dict[str, Any]:
        conversation_id = self.conversations.conversation_of(sid)
        if conversation_id is not None:
            await lifecycle.end_conversation(conversation_id, lifecycle.EndReason.PATIENT_ENDED)
        return {"ok": True}

    async def _unknown_event(self, event: str, sid: str, *data: Any) -> dict[str, str]:
        return UNKNOWN_EVENT

    # -- ends --------------------------------------------------------------------------------------

    def page_closing(self, conversation_id: str) -> None:
        """A page said it is closing: end its conversation unless a page presents it again soon."""
        if not conversation_id.startswith(PREFIX) or not self.conversations.going_on(conversation_id):
            return
        if conversation_id in self._closing:
            return
        loop = asyncio.get_running_loop()
        self._closing[conversation_id] = loop.call_later(
            self.close_grace, lambda: asyncio.ensure_future(self._closed(conversation_id))
        )

    async def _closed(self, conversation_id: str) -> None:
        self._closing.pop(conversation_id, None)
        await lifecycle.end_conversation(conversation_id, lifecycle.EndReason.PAGE_CLOSED)

    async def _conversation_ended(self, conversation_id: str, reason: lifecycle.EndReason) -> None:
        """Lifecycle listener: tell the open pages, and drop what the channel held."""
        pending = self._closing.pop(conversation_id, None)
        if pending is not None:
            pending.cancel()
        sockets = self.conversations.forget(conversation_id)
        if self.sio is None or not conversation_id.startswith(PREFIX):
            return
        ended = {"reason": lifecycle.EndReason(reason).value}
        await self.sio.emit("conversation_ended", ended, room=conversation_id)
        for sid in sockets:
            self.sio.leave_room(sid, conversation_id)
