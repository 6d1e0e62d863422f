"""Open callback requests in the console: the list, and "done" (which completes the Task).

A patient who found no one to talk to may leave a callback request, a Task in the EHR
(``actions/ehr/callbacks.py``). Agents see the open ones here, oldest first, with the patient's
name and phones (read from the record when the list is shown: only verified patients can leave
one), the reason, and a link to the chart; "Done" marks the Task ``completed``. Every listing
records one ``list_callbacks`` line per request shown and every "done" a ``complete_callback``
line in the audit log, with the patient's reference and the Task's.

- ``GET /console/callbacks``: the page (a form per request, no script needed);
  ``POST /console/callbacks/<task id>/done`` (``csrf_token``): done, back to the page;
- ``GET /console/api/callbacks``: ``{"callbacks": [{"id", "reference", "requested_at", "reason",
  "description", "patient": {"name", "phones", "chart_url"} | null}]}``;
  ``POST /console/api/callbacks/<task id>/done`` (``X-CSRF-Token``): ``{"done": true}``; 404 when it
  is not a callback request; 502 when the EHR fails.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.ehr import EHRError, NotFound, OpenCallback, Patient
from bot.console.context import fill
from bot.console.html import PAGE_HEADERS, Safe, join, page, render
from bot.console.sessions import Session
from bot.console.state import Console

log = logging.getLogger("frontdesk.console")

Handler = Callable[..., Coroutine[Any, Any, HTTPResponse]]
LIST_LIMIT = 100


@runtime_checkable
class CallbackSource(Protocol):
    """What the list needs of the EHR (``actions.ehr.FhirGateway`` has it)."""

    async def open_callbacks(self, *, limit: int = 100) -> list[OpenCallback]: ...
    async def complete_callback(self, task_id: str) -> str | None: ...
    async def get_patient(self, patient_id: str) -> Patient: ...


def reference(task_id: str) -> str:
    """What the patient was told (actions/handoff.py): the id's first 8 characters, upper-case."""
    return task_id.replace("-", "")[:8].upper()


async def listed(console: Console, agent: str) -> list[dict[str, Any]]:
    """The open callback requests with their patients, audited; EHRError when it cannot be read."""
    source = console.records
    if not isinstance(source, CallbackSource):
        raise EHRError("this EHR connection cannot list callback requests")
    callbacks = await source.open_callbacks(limit=LIST_LIMIT)
    patient_ids = sorted({c.patient_id for c in callbacks if c.patient_id})
    found = await asyncio.gather(*(source.get_patient(pid) for pid in patient_ids), return_exceptions=True)
    patients = {pid: p for pid, p in zip(patient_ids, found, strict=True) if isinstance(p, Patient)}
    clinic = console.clinic
    rows = []
    for callback in callbacks:
        patient = patients.get(callback.patient_id or "")
        console.audit.record(
            agent,
            "list_callbacks",
            f"Patient/{callback.patient_id}" if callback.patient_id else None,
            f"Task/{callback.task_id}",
        )
        rows.append(
            {
                "id": callback.task_id,
                "reference": reference(callback.task_id),
                "requested_at": callback.authored_on.isoformat() if callback.authored_on else None,
                "reason": callback.reason,
                "description": callback.description,
                "patient": {
                    "name": f"{patient.given_name} {patient.family_name}".strip(),
                    "phones": list(patient.phones),
                    "chart_url": fill(clinic.ehr_chart_url_template, patient.id, patient.mrn),
                }
                if patient is not None
                else None,
            }
        )
    return rows


async def complete(console: Console, agent: str, task_id: str) -> None:
    """Mark it done and audit it; NotFound or another EHRError when it cannot be."""
    source = console.records
    if not isinstance(source, CallbackSource):
        raise EHRError("this EHR connection cannot complete callback requests")
    patient_id = await source.complete_callback(task_id)
    console.audit.record(
        agent, "complete_callback", f"Patient/{patient_id}" if patient_id else None, f"Task/{task_id}"
    )


def _when(value: str | None, console: Console) -> str:
    if not value:
        return "-"
    return datetime.fromisoformat(value).astimezone(console.clinic.zone).strftime("%a %b %d, %I:%M %p %Z")


def callbacks_page(
    rows: list[dict[str, Any]], console: Console, session: Session, problem: str | None
) -> Safe:
    items = []
    for row in rows:
        patient = row["patient"]
        who = (
            render(
                "{name}, {phones}",
                name=patient["name"],
                phones=", ".join(patient["phones"]) or "no phone on file",
            )
            if patient
            else Safe("the patient's record could not be read")
        )
        chart = (
            render(' <a href="{url}" rel="noreferrer">chart</a>', url=patient["chart_url"])
            if patient and patient["chart_url"]
            else Safe("")
        )
        items.append(
            render(
                '<li class="callback"><strong>{ref}</strong> {when}: {who}{chart}<br>{reason}. {description}'
                '<form method="post" action="/console/callbacks/{id}/done">'
                '<input type="hidden" name="csrf_token" value="{csrf}">'
                '<button type="submit">Done</button></form></li>',
                ref=row["reference"],
                when=_when(row["requested_at"], console),
                who=who,
                chart=chart,
                reason=row["reason"] or "-",
                description=row["description"] or "",
                id=row["id"],
                csrf=session.csrf_token,
            )
        )
    note = render('<p class="problem" role="alert">{problem}</p>', problem=problem) if problem else Safe("")
    listing = Safe("<p>No open callback requests.</p>")
    if items:
        listing = render("<ol>{items}</ol>", items=join(items))
    body = render(
        '{note}<p><a href="/console">Back to the queue</a></p>{listing}', note=note, listing=listing
    )
    return page("Callback requests", body, session.agent, session.csrf_token)


def add_routes(routes: Blueprint, console: Console, signed_in: Callable[..., Handler]) -> None:
    async def callbacks_html(request: Request, session: Session) -> HTTPResponse:
        try:
            rows = await listed(console, session.agent)
        except EHRError as error:
            log.warning("callback requests could not be listed: %s", type(error).__name__)
            html = callbacks_page([], console, session, "The EHR could not be read; try again shortly.")
            return response.html(html, status=502, headers=PAGE_HEADERS)
        return response.html(callbacks_page(rows, console, session, None), headers=PAGE_HEADERS)

    async def done_form(request: Request, session: Session, task_id: str) -> HTTPResponse:
        answer = await _done(session, task_id)
        if answer is not None:
            return response.text(answer[1], status=answer[0], headers=PAGE_HEADERS)
        return response.redirect("/console/callbacks", status=303)

    async def callbacks_json(request: Request, session: Session) -> HTTPResponse:
        try:
            rows = await listed(console, session.agent)
        except EHRError as error:
            log.warning("callback requests could not be listed: %s", type(error).__name__)
            return response.json({"error": "the EHR could not be read"}, status=502)
        return response.json({"callbacks": rows}, headers={"Cache-Control": "no-store"})

    async def done_json(request: Request, session: Session, task_id: str) -> HTTPResponse:
        answer = await _done(session, task_id)
        if answer is not None:
            return response.json({"error": answer[1]}, status=answer[0])
        return response.json({"done": True})

    async def _done(session: Session, task_id: str) -> tuple[int, str] | None:
        try:
            await complete(console, session.agent, task_id)
        except NotFound:
            return 404, "there is no such callback request"
        except EHRError as error:
            log.warning("a callback request could not be completed: %s", type(error).__name__)
            return 502, "the EHR did not take it; try again shortly"
        return None

    routes.add_route(signed_in(callbacks_html), "/callbacks", methods=["GET"])
    routes.add_route(signed_in(done_form, change=True), "/callbacks/<task_id:str>/done", methods=["POST"])
    routes.add_route(signed_in(callbacks_json), "/api/callbacks", methods=["GET"])
    routes.add_route(signed_in(done_json, change=True), "/api/callbacks/<task_id:str>/done", methods=["POST"])
