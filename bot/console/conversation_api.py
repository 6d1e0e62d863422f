"""The routes an agent works a conversation with, and the event stream (docs/console.md).

JSON under ``/console/api`` (POSTs carry ``X-CSRF-Token``), the taker only (409 otherwise, 404
when the entry no longer waits):

- ``POST /queue/<entry>/reply`` ``{"text"}``: 200 ``{"sent": true}``; 400 for an empty or too
  long text; 409 for a channel that cannot receive it; 502 when the channel did not deliver;
- ``POST /queue/<entry>/return``: the assistant resumes; 200 ``{"returned": true}``;
- ``POST /queue/<entry>/end``: the conversation ends (``EndReason.AGENT_CLOSED``); 200
  ``{"ended": true}``;
- ``GET /events``: server-sent events (``bot/console/live.py``).

The same actions as forms for the conversation page (``/console/conversations/<entry>/reply``,
``/return``, ``/end``, with ``csrf_token``): they redirect back (303).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console import replies
from bot.console.api import GONE_TEXT, TAKEN_TEXT
from bot.console.live import KEEPALIVE_SECONDS, frame
from bot.console.queue import Entry
from bot.console.sessions import Session
from bot.console.state import Console

log = logging.getLogger("frontdesk.console")

EMPTY_TEXT = "Type a message first."
LONG_TEXT = f"A message can be at most {replies.MAX_REPLY_CHARS} characters."


def _held(console: Console, session: Session, entry_id: str) -> Entry | tuple[int, str]:
    entry = console.queue.get(entry_id)
    if entry is None:
        return 404, GONE_TEXT
    if entry.taken_by != session.agent:
        return 409, "Take this conversation first." if entry.taken_by is None else TAKEN_TEXT
    return entry


def reply_text(raw: object) -> str | tuple[int, str]:
    text = raw.strip() if isinstance(raw, str) else ""
    if not text:
        return 400, EMPTY_TEXT
    if len(text) > replies.MAX_REPLY_CHARS:
        return 400, LONG_TEXT
    return text


async def act(
    console: Console, request: Request, session: Session, entry_id: str, action: str, raw: object
) -> tuple[int, str]:
    """Do ``action`` (reply, return, end) for the agent; the status and what to tell them."""
    held = _held(console, session, entry_id)
    if not isinstance(held, Entry):
        return held
    entry, app = held, request.app
    status, message = await _do(entry, app, session, action, raw)
    if status == 200:  # who did what to which patient's conversation; never the text
        reference = f"Patient/{entry.patient_id}" if entry.patient_id else None
        console.audit.record(session.agent, action, reference, entry.id)
    return status, message


async def _do(entry: Entry, app: Any, session: Session, action: str, raw: object) -> tuple[int, str]:
    if action == "reply":
        text = reply_text(raw)
        if not isinstance(text, str):
            return text
        try:
            await replies.reply(app, entry.sender_id, entry.channel, text, session.agent)
        except replies.NotDelivered as problem:
            status = 409 if entry.channel not in ("web", "sms") else 502
            return status, str(problem)
        return 200, "sent"
    if action == "return":
        done = await replies.return_to_assistant(app, entry.sender_id, entry.channel, session.agent)
        log.info("an agent returned a conversation to the assistant")
        return (200, "returned") if done else (404, GONE_TEXT)
    await replies.end(app, entry.sender_id, entry.channel)
    log.info("an agent ended a conversation")
    return 200, "ended"


def add_routes(routes: Blueprint, console: Console, signed_in: Callable[..., Any]) -> None:
    def api_action(action: str) -> Callable[..., Any]:
        async def handler(request: Request, session: Session, entry_id: str) -> HTTPResponse:
            body = request.json if request.content_type.startswith("application/json") else None
            raw = body.get("text") if isinstance(body, dict) else None
            status, message = await act(console, request, session, entry_id, action, raw)
            if status != 200:
                return response.json({"error": message}, status=status)
            return response.json({message: True})

        handler.__name__ = f"api_{action}"
        return handler

    def form_action(action: str) -> Callable[..., Any]:
        async def handler(request: Request, session: Session, entry_id: str) -> HTTPResponse:
            raw = (request.form or {}).get("text")
            status, message = await act(console, request, session, entry_id, action, raw)
            if status == 200:
                back = f"/console/conversations/{entry_id}" if action == "reply" else "/console"
                return response.redirect(back, status=303)
            return response.text(message, status=status, headers={"Cache-Control": "no-store"})

        handler.__name__ = f"form_{action}"
        return handler

    async def events(request: Request, session: Session) -> HTTPResponse | None:
        subscriber = console.hub.subscribe(session.id, session.agent)
        try:
            stream = await request.respond(
                content_type="text/event-stream",
                headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
            )
            await stream.send(": open\n\nretry: 3000\n\n")
            while True:
                try:
                    item = await asyncio.wait_for(subscriber.queue.get(), KEEPALIVE_SECONDS)
                except asyncio.TimeoutError:
                    item = ("", {})
                if item is None or not console.sessions.alive(session.id):
                    break
                event, data = item
                await stream.send(frame(event, data) if event else ": keep-alive\n\n")
            await stream.eof()
        finally:
            console.hub.unsubscribe(subscriber)
        return None

    for action in ("reply", "return", "end"):
        routes.add_route(
            signed_in(api_action(action), change=True),
            f"/api/queue/<entry_id:str>/{action}",
            methods=["POST"],
        )
        routes.add_route(
            signed_in(form_action(action), change=True),
            f"/conversations/<entry_id:str>/{action}",
            methods=["POST"],
        )
    routes.add_route(signed_in(events), "/api/events", methods=["GET"])
