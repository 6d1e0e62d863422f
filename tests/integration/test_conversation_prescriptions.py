"""Prescription conversations through the REST channel, checked against the sandbox EHR.

Tried here: a refill of a medication named with a spelling mistake, with refills left, sent to
the usual pharmacy after a yes: a Task focused on that MedicationRequest is in the EHR and the
reply quotes its reference; a prescription with no refills left and a controlled substance, each
sent to the care team (a person offered, then taken) with nothing filed.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.integration.conversation import Fhir, ask_verified

pytestmark = pytest.mark.integration

CONNECTING = "I'm connecting you with a member of our staff"


@pytest.fixture
def fhir(sandbox) -> Fhir:
    return Fhir(sandbox.base_url)


def misspelt(name: str) -> str:
    """The drug's first word with a letter dropped from its middle: "lisinopril" -> "lisinpril"."""
    word = name.split()[0].lower()
    middle = len(word) // 2
    return word[:middle] + word[middle + 1 :]


def refill_tasks(fhir: Fhir, medication_id: str) -> list[dict[str, Any]]:
    return fhir.search("Task", focus=f"MedicationRequest/{medication_id}")


def test_refill_of_a_misspelt_medication_files_a_task(chat, sandbox, fhir):
    info = sandbox.case("phone_formats")[4]
    medication = next(m for m in info.active_medications if m.refills_remaining > 0 and not m.controlled)
    typed = misspelt(medication.display)
    assert typed not in medication.display.lower()
    assert refill_tasks(fhir, medication.id) == []

    asked = ask_verified(chat, info, f"can i get a refill of my {typed}")
    assert f"Should I send it to your usual pharmacy, {info.pharmacy}" in asked
    confirm = chat.said("yes")
    assert f"To confirm: send a refill request for {medication.display} to {info.pharmacy}" in confirm
    assert refill_tasks(fhir, medication.id) == []  # nothing filed without a yes

    done = chat.said("yes")
    sent = f"Done: I've sent a refill request for {medication.display}, to be filled at {info.pharmacy}."
    assert sent in done
    quoted = re.search(r"Your reference is Task/([A-Za-z0-9.-]+)\.", done)
    assert quoted, done
    task = fhir.read("Task", quoted.group(1))
    assert task["focus"] == {"reference": f"MedicationRequest/{medication.id}"}
    assert task["for"] == {"reference": f"Patient/{info.id}"}
    assert task["status"] == "requested" and task["intent"] == "order"
    assert task["input"][0]["valueReference"] == {"reference": f"Organization/{info.pharmacy_id}"}
    assert [t["id"] for t in refill_tasks(fhir, medication.id)] == [task["id"]]


@pytest.mark.parametrize(
    ("case", "drug", "request_text", "why"),
    [
        ("no_refills", "sertraline", "i need a refill of my sertraline", "has no refills left"),
        ("controlled", "methylphenidate", "refill my methylphenidate please", "is a controlled substance"),
    ],
)
def test_refill_that_needs_the_care_team(chat, sandbox, fhir, case, drug, request_text, why):
    info = sandbox.patient(case)
    medication = next(m for m in info.active_medications if m.display.startswith(drug))
    if case == "no_refills":
        assert medication.refills_remaining == 0 and not medication.controlled
    else:
        assert medication.controlled == "CII"

    reply = ask_verified(chat, info, request_text)
    assert f"{medication.display} {why}" in reply
    assert "your care team" in reply
    assert "Would you like me to connect you" in reply
    assert "Your reference is" not in reply
    assert CONNECTING in chat.said("yes please")
    assert chat.say("are you still there?") == []  # a person has the conversation now
    tracker = chat.tracker()
    assert tracker["paused"] is True
    assert tracker["slots"]["handoff_reason"] == "refill_needs_care_team"
    assert refill_tasks(fhir, medication.id) == []
