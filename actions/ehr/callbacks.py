"""Callback requests: a Task asking the clinic's staff to call a patient back.

When a patient asks for a person and no one can take the conversation (the clinic is closed, or
no agent is signed in), a verified patient may leave a callback request. It is a FHIR R4 Task:
status ``requested``, intent ``order``, coded ``callback`` in Frontdesk's task-code CodeSystem,
``for`` the patient (who is also its requester), ``authoredOn`` now, and the handoff's reason as
``reasonCode`` (a code and a short text, never what the patient wrote). Staff work it in the EHR's
task list; the agent console lists the open ones (``open_callbacks``) and marks one done
(``complete_callback``: status ``completed``, by JSON Patch where the EHR takes it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from .client import FhirClient
from .errors import NotFound
from .fhir_values import has_code, reference_id

CALLBACK_SYSTEM = "https://frontdesk.dev/fhir/CodeSystem/task-code"
CALLBACK_CODE = "callback"
HANDOFF_REASON_SYSTEM = "https://frontdesk.dev/fhir/CodeSystem/handoff-reason"


OPEN_STATUSES = ("requested", "received", "accepted", "ready", "in-progress")


@dataclass(frozen=True)
class CallbackRequest:
    task_id: str
    status: str


@dataclass(frozen=True)
class OpenCallback:
    """A callback request staff have not done yet: what the console lists."""

    task_id: str
    patient_id: str | None
    authored_on: datetime | None
    reason: str | None  # the reasonCode's text ("asked for a person")
    description: str | None


def callback_task(
    patient_id: str, *, reason: str, reason_text: str, description: str, now: datetime
) -> dict[str, Any]:
    """The Task resource of a callback request (pure; the gateway creates it)."""
    return {
        "resourceType": "Task",
        "status": "requested",
        "intent": "order",
        "priority": "routine",
        "code": {
            "coding": [
                {"system": CALLBACK_SYSTEM, "code": CALLBACK_CODE, "display": "Call the patient back"}
            ],
            "text": "Callback request",
        },
        "description": description,
        "for": {"reference": f"Patient/{patient_id}"},
        "requester": {"reference": f"Patient/{patient_id}"},
        "authoredOn": now.astimezone(timezone.utc).isoformat(timespec="seconds"),
        "reasonCode": {
            "coding": [{"system": HANDOFF_REASON_SYSTEM, "code": reason}],
            "text": reason_text,
        },
    }


async def request_callback(
    client: FhirClient, patient_id: str, *, reason: str, reason_text: str, description: str
) -> CallbackRequest:
    task = callback_task(
        patient_id,
        reason=reason,
        reason_text=reason_text,
        description=description,
        now=datetime.now(timezone.utc),
    )
    created = await client.create(task)
    return CallbackRequest(task_id=str(created.id), status=str(created.status))


def _is_callback(task: Any) -> bool:
    return task.code is not None and has_code(task.code, CALLBACK_SYSTEM, CALLBACK_CODE)


async def open_callbacks(client: FhirClient, *, limit: int = 100) -> list[OpenCallback]:
    """Callback requests not done yet, oldest first."""
    found = await client.search(
        "Task",
        {"code": f"{CALLBACK_SYSTEM}|{CALLBACK_CODE}", "status": ",".join(OPEN_STATUSES)},
        limit=limit,
    )
    callbacks = [
        OpenCallback(
            task_id=str(task.id),
            patient_id=reference_id(getattr(task, "for_fhir", None), "Patient"),
            authored_on=task.authoredOn,
            reason=task.reasonCode.text if task.reasonCode is not None else None,
            description=task.description,
        )
        for task in found
        if task.resource_type == "Task" and task.status in OPEN_STATUSES and _is_callback(task)
    ]
    oldest = datetime.min.replace(tzinfo=timezone.utc)
    callbacks.sort(key=lambda c: c.authored_on or oldest)
    return callbacks


async def complete_callback(client: FhirClient, task_id: str, *, use_patch: bool) -> str | None:
    """Mark a callback request done; return its patient's id. NotFound when the Task is not a
    callback request; one already closed is left as it is (two agents may click together)."""
    task = await client.read("Task", task_id)
    if not _is_callback(task):
        raise NotFound("Task")
    patient_id = reference_id(getattr(task, "for_fhir", None), "Patient")
    if task.status not in OPEN_STATUSES:
        return patient_id
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    await client.set_fields(task, {"status": "completed"}, {"lastModified": now}, use_patch=use_patch)
    return patient_id
