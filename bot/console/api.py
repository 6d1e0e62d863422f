"""The console's JSON routes under ``/console/api`` (signed in; POSTs carry ``X-CSRF-Token``).

- ``GET /session``: the agent's name and the CSRF token (for the page's script);
- ``GET /queue``: the entries, urgent first: reason, priority, channel, verified, waiting since,
  who took it, and for a verified patient whose record is loaded, their name and MRN;
- ``POST /queue/<entry>/take``: 200 with the context and transcript, 409 when another agent
  took it first, 404 when it is no longer waiting;
- ``GET /queue/<entry>``: the context and transcript again (the agent who took it only).

Every answer that shows a verified patient's details is recorded in the audit log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console.context import PatientContext
from bot.console.queue import Entry, TakeOutcome
from bot.console.sessions import Session
from bot.console.state import Console
from bot.console.views import REASONS

TAKEN_TEXT = "Another agent took this conversation first."
GONE_TEXT = "This conversation is no longer waiting (it ended or went back to the assistant)."


@dataclass(frozen=True)
class TakeAnswer:
    status: int
    message: str
    entry: Entry | None = None
    taken_by: str | None = None


async def take(console: Console, session: Session, entry_id: str) -> TakeAnswer:
    result = await console.queue.take(entry_id, session.agent)
    if result.outcome is TakeOutcome.GONE or result.entry is None:
        if result.outcome is TakeOutcome.TAKEN_BY_ANOTHER:
            return TakeAnswer(409, TAKEN_TEXT, taken_by=result.taken_by)
        return TakeAnswer(404, GONE_TEXT)
    entry = result.entry
    reference = f"Patient/{entry.patient_id}" if entry.patient_id else None
    console.audit.record(session.agent, "take", reference, entry.id)
    return TakeAnswer(200, "taken", entry, session.agent)


def entry_json(entry: Entry, context: PatientContext | None) -> dict[str, Any]:
    return {
        "id": entry.id,
        "reason": entry.reason,
        "reason_text": REASONS.get(entry.reason, entry.reason),
        "priority": entry.priority,
        "channel": entry.channel,
        "verified": entry.verified,
        "topic": list(entry.topic),
        "queued_at": entry.queued_at,
        "taken_by": entry.taken_by,
        "patient": {"name": context.name, "mrn": context.mrn} if context is not None else None,
    }


async def detail(console: Console, request: Request, session: Session, entry: Entry) -> dict[str, Any]:
    context = await console.context(entry)
    console.audit.record(
        session.agent, "view_context", context.patient_reference if context else None, entry.id
    )
    lines = await console.transcript(getattr(request.app.ctx, "agent", None), entry)
    return {
        "entry": entry_json(entry, context),
        "context": context.as_json() if context is not None else None,
        "transcript": lines,
    }


def add_routes(routes: Blueprint, console: Console, signed_in: Callable[..., Any]) -> None:
    async def session_info(request: Request, session: Session) -> HTTPResponse:
        return response.json(
            {
                "agent": session.agent,
                "csrf_token": session.csrf_token,
                "canned_replies": list(console.settings.canned_replies),
            }
        )

    async def queue(request: Request, session: Session) -> HTTPResponse:
        listed = []
        for entry in console.queue.entries():
            context = console.loaded_context(entry)
            if context is not None:
                console.audit.record(session.agent, "list_queue", context.patient_reference, entry.id)
            listed.append(entry_json(entry, context))
        return response.json({"entries": listed}, headers={"Cache-Control": "no-store"})

    async def take_entry(request: Request, session: Session, entry_id: str) -> HTTPResponse:
        answer = await take(console, session, entry_id)
        if answer.entry is None:
            return response.json({"error": answer.message, "taken_by": answer.taken_by}, status=answer.status)
        return response.json(await detail(console, request, session, answer.entry))

    async def show_entry(request: Request, session: Session, entry_id: str) -> HTTPResponse:
        entry = console.queue.get(entry_id)
        if entry is None:
            return response.json({"error": GONE_TEXT}, status=404)
        if entry.taken_by != session.agent:
            text = "take this conversation first" if entry.taken_by is None else TAKEN_TEXT
            return response.json({"error": text, "taken_by": entry.taken_by}, status=409)
        return response.json(
            await detail(console, request, session, entry), headers={"Cache-Control": "no-store"}
        )

    routes.add_route(signed_in(session_info), "/api/session", methods=["GET"])
    routes.add_route(signed_in(queue), "/api/queue", methods=["GET"])
    routes.add_route(signed_in(take_entry, change=True), "/api/queue/<entry_id:str>/take", methods=["POST"])
    routes.add_route(signed_in(show_entry), "/api/queue/<entry_id:str>", methods=["GET"])
