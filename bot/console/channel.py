"""``/console`` on the Rasa server: sign-in, the handoff queue, a conversation's context.

Mounted by Rasa like a channel (credentials.yml names ``bot.console.ConsoleInput``). Pages are
HTML built with escaping by construction; ``/console/api/...`` is JSON for the live page the next
part of issue 5 adds. Routes (docs/console.md):

- ``GET/POST /console/sign-in``, ``POST /console/sign-out``;
- ``GET /console``: the queue; ``POST /console/conversations/<entry>/take``;
  ``GET /console/conversations/<entry>``: the context and transcript (the taker only);
- ``GET /console/api/session``, ``GET /console/api/queue``, ``POST /console/api/queue/<entry>/take``,
  ``GET /console/api/queue/<entry>``;
- ``GET /console/metrics``: charts of containment, verification and handoffs per hour.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import UserMessage
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.routes import RoutesChannel
from bot.console import api, auth, callbacks_page, conversation_api, metrics_page, views
from bot.console.html import PAGE_HEADERS
from bot.console.sessions import Session, same
from bot.console.settings import load_console_settings
from bot.console.state import Console

log = logging.getLogger("frontdesk.console")

STATIC = Path(__file__).resolve().parent / "static"
STATIC_TYPES = {"console.css": "text/css; charset=utf-8", "console.js": "text/javascript; charset=utf-8"}
Handler = Callable[..., Coroutine[Any, Any, HTTPResponse]]


def html(body: str, status: int = 200, headers: dict[str, str] | None = None) -> HTTPResponse:
    return response.html(body, status=status, headers={**PAGE_HEADERS, **(headers or {})})


def client_key(request: Request) -> str:
    return "client:" + str(request.remote_addr or request.ip or "unknown")


def console_routes(console: Console) -> Blueprint:
    routes = Blueprint("frontdesk_console")  # Rasa mounts it at url_prefix(): /console
    settings = console.settings

    def session_of(request: Request) -> Session | None:
        return console.sessions.get(request.cookies.get(settings.cookie_name))

    def signed_in(handler: Handler, change: bool = False) -> Handler:
        async def guarded(request: Request, **kwargs: Any) -> HTTPResponse:
            session = session_of(request)
            if session is None:
                return auth.unauthorised() if auth.is_api(request) else auth.redirect_to_sign_in()
            if change and not auth.csrf_ok(request, session):
                return auth.csrf_refused(auth.is_api(request))
            return await handler(request, session, **kwargs)

        guarded.__name__ = handler.__name__
        return guarded

    @routes.listener("after_server_start")
    async def attach(app: Sanic, loop: asyncio.AbstractEventLoop) -> None:
        console.attach(app)

    @routes.listener("before_server_stop")
    async def detach(app: Sanic, loop: asyncio.AbstractEventLoop) -> None:
        await console.detach()

    @routes.route("/static/<name:str>", methods=["GET"])
    async def static_file(_: Request, name: str) -> HTTPResponse:
        if name not in STATIC_TYPES:
            return response.text("not found", status=404, headers=PAGE_HEADERS)
        return response.raw(
            (STATIC / name).read_bytes(), content_type=STATIC_TYPES[name], headers=PAGE_HEADERS
        )

    @routes.route("/sign-in", methods=["GET"])
    async def sign_in_form(request: Request) -> HTTPResponse:
        if session_of(request) is not None:
            return response.redirect("/console", status=303)
        return _sign_in_form(None, 200)

    def _sign_in_form(
        problem: str | None, status: int, headers: dict[str, str] | None = None
    ) -> HTTPResponse:
        token = secrets.token_urlsafe(32)
        answer = html(views.sign_in_page(token, problem), status, headers)
        auth.set_cookie(
            answer, settings, auth.sign_in_cookie_name(settings), token, auth.SIGN_IN_COOKIE_SECONDS
        )
        return answer

    @routes.route("/sign-in", methods=["POST"])
    async def sign_in(request: Request) -> HTTPResponse:
        form = request.form or {}
        if not same(
            auth.given_csrf_token(request), request.cookies.get(auth.sign_in_cookie_name(settings), "")
        ):
            return _sign_in_form("That form had expired. Please sign in again.", 403)
        name = str(form.get("name") or "").strip().lower()[:64]
        password = str(form.get("password") or "")
        name_key, client = "name:" + name, client_key(request)
        wait = max(console.name_limiter.retry_after(name_key), console.client_limiter.retry_after(client))
        if wait > 0:
            minutes = max(1, round(wait / 60))
            return _sign_in_form(
                f"Too many failed sign-ins. Try again in about {minutes} minute{'s' if minutes > 1 else ''}.",
                429,
                {"Retry-After": str(int(wait) + 1)},
            )
        if not name or not password or not await asyncio.to_thread(console.accounts.verify, name, password):
            console.name_limiter.failed(name_key)
            console.client_limiter.failed(client)
            log.info("a console sign-in failed")
            return _sign_in_form("The name or the password is wrong.", 401)
        console.name_limiter.succeeded(name_key)
        session = console.sessions.create(name)
        log.info("an agent signed in to the console")
        answer = response.redirect("/console", status=303)
        auth.set_cookie(answer, settings, settings.cookie_name, session.id, None)
        auth.clear_cookie(answer, settings, auth.sign_in_cookie_name(settings))
        return answer

    async def sign_out(request: Request, session: Session) -> HTTPResponse:
        console.sessions.end(session.id)
        console.hub.end_session(session.id)
        await console.release_left()  # their conversations go back to the queue (if no other session)
        answer = auth.redirect_to_sign_in()
        auth.clear_cookie(answer, settings, settings.cookie_name)
        return answer

    async def queue_page(request: Request, session: Session) -> HTTPResponse:
        rows = [(entry, console.loaded_context(entry)) for entry in console.queue.entries()]
        for entry, context in rows:
            if context is not None:
                console.audit.record(session.agent, "list_queue", context.patient_reference, entry.id)
        return html(views.queue_page(rows, session.agent, session.csrf_token))

    async def take_form(request: Request, session: Session, entry_id: str) -> HTTPResponse:
        result = await api.take(console, session, entry_id)
        if result.status == 200:
            return response.redirect(f"/console/conversations/{entry_id}", status=303)
        text = result.message if result.taken_by is None else f"{result.message} ({result.taken_by} has it.)"
        return html(views.message_page("Not taken", text, session.agent, session.csrf_token), result.status)

    async def conversation(request: Request, session: Session, entry_id: str) -> HTTPResponse:
        entry = console.queue.get(entry_id)
        if entry is None:
            text = "This conversation is no longer waiting (it ended or went back to the assistant)."
            return html(views.message_page("Gone", text, session.agent, session.csrf_token), 404)
        if entry.taken_by != session.agent:
            text = (
                "Take this conversation from the queue first." if entry.taken_by is None else api.TAKEN_TEXT
            )
            return html(views.message_page("Not yours", text, session.agent, session.csrf_token), 409)
        context = await console.context(entry)
        console.audit.record(
            session.agent, "view_context", context.patient_reference if context else None, entry.id
        )
        lines = await console.transcript(getattr(request.app.ctx, "agent", None), entry)
        return html(
            views.conversation_page(
                entry, context, lines, session.agent, session.csrf_token, settings.canned_replies
            )
        )

    async def not_found(request: Request, session: Session, rest: str = "") -> HTTPResponse:
        if auth.is_api(request):
            return response.json({"error": "no such route"}, status=404)
        return html(
            views.message_page("Not found", "There is no such page.", session.agent, session.csrf_token), 404
        )

    routes.add_route(signed_in(sign_out, change=True), "/sign-out", methods=["POST"])
    routes.add_route(signed_in(queue_page), "/", methods=["GET"], strict_slashes=False)
    routes.add_route(
        signed_in(take_form, change=True), "/conversations/<entry_id:str>/take", methods=["POST"]
    )
    routes.add_route(signed_in(conversation), "/conversations/<entry_id:str>", methods=["GET"])
    api.add_routes(routes, console, signed_in)
    conversation_api.add_routes(routes, console, signed_in)
    metrics_page.add_routes(routes, signed_in)
    callbacks_page.add_routes(routes, console, signed_in)
    routes.add_route(signed_in(not_found), "/<rest:path>", methods=["GET", "POST"])
    return routes


class ConsoleInput(RoutesChannel):
    channel_name = "console"
    prefix = "/console"

    console: Console | None = None  # set by blueprint(); the web chat channel finds the queue here

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        self.console = Console(load_console_settings())
        return console_routes(self.console)
