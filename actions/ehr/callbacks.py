"""Callback requests: a Task asking the clinic's staff to call a patient back.

When a patient asks for a person and no one can take the conversation (the clinic is closed, or
no agent is signed in), a verified patient may leave a callback request. It is a FHIR R4 Task:
status ``requested``, intent ``order``, coded ``callback`` in Frontdesk's task-code CodeSystem,
``for`` the patient (who is also its requester), ``authoredOn`` now, and the handoff's reason as
``reasonCode`` (a code and a short text, never what the patient wrote). Staff work it in the EHR's
task list; the agent console lists the open ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from .client import FhirClient

CALLBACK_SYSTEM = "https://frontdesk.dev/fhir/CodeSystem/task-code"
CALLBACK_CODE = "callback"
HANDOFF_REASON_SYSTEM = "https://frontdesk.dev/fhir/CodeSystem/handoff-reason"


@dataclass(frozen=True)
class CallbackRequest:
    task_id: str
    status: str


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
