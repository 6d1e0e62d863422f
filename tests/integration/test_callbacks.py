"""Handoff availability and callback requests against the real servers and the sandbox EHR.

One more assistant (real action server and Rasa server) runs for this module, with availability
on and a clinic that is always open (the shared one turns availability off: most tests ask for a
person with no agent signed in and expect to be queued). Patients talk over the REST channel; an
agent signs in through the console's form; Tasks are read back from the sandbox's FHIR API.

In order: the availability route refuses callers without the token; with no agent signed in a
verified patient is told so, says yes, and a callback Task appears for them; an unverified
patient verifies first, then it is filed; "no" files nothing; an agent lists the open callbacks
in the console and marks one done (the Task is completed in the sandbox, the audit log says who);
then, with an agent signed in, a patient is told the wait and appears in the queue. The servers'
logs are searched for patient identifiers at the end.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from bot.agents import AccountsFile
from tests.integration.conversation import Fhir, verify
from tests.integration.stack import INTERNAL_TOKEN, ROOT, Chat, start_assistant
from tests.integration.test_metrics import scrape

CALLBACK = "https://frontdesk.dev/fhir/CodeSystem/task-code|callback"
PASSWORD = "a long enough test password"
ROUTE = "/internal/handoff/availability"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("callbacks")


@pytest.fixture(scope="module")
def rasa(ehr_proxy, sandbox, folder: Path) -> Iterator[str]:
    clinic = yaml.safe_load((ROOT / "clinic.yml").read_text())
    clinic["opening_hours"] = {
        day: "00:00-24:00"
        for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    }
    clinic.pop("closed_dates", None)
    (folder / "clinic.yml").write_text(yaml.safe_dump(clinic))
    AccountsFile(folder / "agents").add("cara", PASSWORD)
    env = {
        "CLINIC_CONFIG": str(folder / "clinic.yml"),
        "HANDOFF_AVAILABILITY": "1",
        "CONSOLE_HANDLE_MINUTES": "5",
        "AGENTS_FILE": str(folder / "agents"),
        "CONSOLE_AUDIT_LOG": str(folder / "audit.jsonl"),
        "CONSOLE_SECURE_COOKIES": "0",
    }
    actions, server, url = start_assistant(ehr_proxy.base_url, env)
    try:
        yield url
    finally:
        server.stop()
        actions.stop()
    for service in (actions, server):
        leaked = sandbox.leaked_in(service.log_path.read_text(errors="replace"))
        assert not leaked, f"{len(leaked)} patient identifiers appeared in {service.log_path.name}"


def availability(url: str) -> dict[str, Any]:
    response = httpx.get(url + ROUTE, headers={"Authorization": f"Bearer {INTERNAL_TOKEN}"}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def callbacks_counted(url: str) -> float:
    """``frontdesk_callback_requests_total`` for REST conversations asking for a person."""
    sample = 'frontdesk_callback_requests_total{channel="rest",reason="requested"} '
    [line] = [line for line in scrape(url).splitlines() if line.startswith(sample)]
    return float(line[len(sample) :])


def callbacks_for(fhir: Fhir, patient_id: str) -> list[dict[str, Any]]:
    return fhir.search("Task", code=CALLBACK, patient=f"Patient/{patient_id}")


def test_the_availability_route_refuses_a_forged_call_and_names_no_one(rasa: str) -> None:
    """Tried: no Authorization header, a wrong bearer token, a token in the query string: 401
    each time; with the token, counts and times only."""
    for headers, params in (
        ({}, {}),
        ({"Authorization": "Bearer forged"}, {}),
        ({}, {"token": INTERNAL_TOKEN}),
    ):
        refused = httpx.get(rasa + ROUTE, headers=headers, params=params, timeout=10)
        assert refused.status_code == 401, refused.text
        assert "agents_signed_in" not in refused.text
    found = availability(rasa)
    assert found == {
        "open": True,
        "agents_signed_in": 0,
        "waiting_ahead": 0,
        "wait_minutes": None,
        "next_open": None,
    }


def test_no_agent_a_verified_patient_leaves_a_callback_that_reaches_the_ehr(rasa: str, sandbox) -> None:
    """The demo patient verifies, asks for a person with nobody signed in: told so, offered a
    callback, says yes; a Task for them with the callback code is in the sandbox, with the reason
    and no message text; the conversation is not paused (the assistant still answers); /metrics
    counts one more callback request for the reason."""
    counted = callbacks_counted(rasa)
    info = sandbox.patient("demo")
    fhir = Fhir(sandbox.base_url)
    before = {t["id"] for t in callbacks_for(fhir, info.id)}
    chat = Chat(rasa)
    chat.say("whats my balance")
    verify(chat, info)
    offered = chat.said("i want to talk to a real person")
    assert "No one is available to chat right now" in offered and "call you back" in offered
    assert "confirm who you are" not in offered
    assert chat.tracker()["slots"]["offer"] == "callback"
    started = datetime.now(timezone.utc) - timedelta(minutes=1)
    filed = chat.said("yes please")
    assert "I've asked our staff to call you back" in filed, filed
    reference = re.search(r"reference is ([0-9A-F]{8})", filed)
    assert reference, filed
    new = [t for t in callbacks_for(fhir, info.id) if t["id"] not in before]
    assert len(new) == 1
    task = new[0]
    assert task["id"].replace("-", "")[:8].upper() == reference.group(1)
    assert task["status"] == "requested" and task["intent"] == "order"
    assert task["for"]["reference"] == f"Patient/{info.id}"
    assert task["reasonCode"]["text"] == "asked for a person"
    assert task["description"] == "Call the patient back (asked for a person by chat)"
    assert datetime.fromisoformat(task["authoredOn"].replace("Z", "+00:00")) >= started
    assert "real person" not in str(task) and "yes please" not in str(task)
    assert chat.tracker()["paused"] is False
    assert "hours" in chat.said("what are your hours").lower()
    assert callbacks_counted(rasa) == counted + 1


def test_an_unverified_patient_verifies_first_then_the_callback_is_filed(rasa: str, sandbox) -> None:
    """An unverified patient asks for a person: the offer says they will be asked who they are;
    yes asks for the name (nothing written yet); once verified, the Task is filed for them."""
    info = sandbox.patient("demo")
    fhir = Fhir(sandbox.base_url)
    before = {t["id"] for t in callbacks_for(fhir, info.id)}
    chat = Chat(rasa)
    offered = chat.said("can i speak to a human")
    assert "No one is available" in offered and "confirm who you are first" in offered
    asked = chat.said("yes")
    assert "once I've confirmed who you are" in asked and "full name" in asked
    assert {t["id"] for t in callbacks_for(fhir, info.id)} == before
    filed = verify(chat, info)
    assert "I've asked our staff to call you back" in filed, filed
    assert len({t["id"] for t in callbacks_for(fhir, info.id)} - before) == 1


def test_locked_out_while_verifying_for_a_callback_gets_the_clinics_phone(rasa: str, sandbox) -> None:
    """Tried: yes to a callback, then three wrong birth dates for a real patient: locked, offered a
    person; yes again, still nobody there, the callback offered again; yes: the clinic's phone and
    hours, nothing filed for the patient whose name was used."""
    info = sandbox.patient("no_balance")
    fhir = Fhir(sandbox.base_url)
    before = {t["id"] for t in callbacks_for(fhir, info.id)}
    chat = Chat(rasa)
    assert "call you back" in chat.said("i want to talk to a real person")
    assert "full name" in chat.said("yes")
    for _ in range(3):
        chat.say(f"{info.given} {info.family}")
        chat.say("1/1/1901")
        reply = chat.said(info.postal_code)
    assert "can't look up a record" in reply and "connect you" in reply
    assert "No one is available" in chat.said("yes please")
    answer = chat.said("yes")
    assert "can't file a callback request" in answer and "(781) 555-0190" in answer, answer
    assert "Monday to Friday" in answer
    assert {t["id"] for t in callbacks_for(fhir, info.id)} == before
    assert chat.tracker()["paused"] is False


def test_no_to_a_callback_files_nothing_and_carries_on(rasa: str, sandbox) -> None:
    """Tried: "no thanks" to the callback: nothing filed, the assistant asks what else."""
    info = sandbox.patient("demo")
    fhir = Fhir(sandbox.base_url)
    before = {t["id"] for t in callbacks_for(fhir, info.id)}
    chat = Chat(rasa)
    chat.say("whats my balance")
    verify(chat, info)
    assert "call you back" in chat.said("agent")
    assert "anything else" in chat.said("no thanks")
    assert {t["id"] for t in callbacks_for(fhir, info.id)} == before


def test_an_agent_lists_open_callbacks_and_marks_one_done(rasa: str, sandbox, folder: Path) -> None:
    """The demo patient's callbacks filed above are listed with their name and phone; "done" with
    the CSRF token completes the Task in the sandbox and is audited; without the token it is
    refused (403), signed out it is refused (401), and an id that is not a callback is 404."""
    info = sandbox.patient("demo")
    fhir = Fhir(sandbox.base_url)
    open_ids = {t["id"] for t in callbacks_for(fhir, info.id) if t["status"] == "requested"}
    assert open_ids
    assert httpx.get(rasa + "/console/api/callbacks", timeout=10).status_code == 401
    agent = Agent(rasa)
    try:
        listing = agent.client.get("/console/api/callbacks")
        assert listing.status_code == 200, listing.text
        mine = [c for c in listing.json()["callbacks"] if c["id"] in open_ids]
        assert len(mine) == len(open_ids)
        assert mine[0]["patient"]["name"] == f"{info.given} {info.family}"
        assert mine[0]["reason"] == "asked for a person"
        task_id = mine[0]["id"]
        refused = agent.client.post(f"/console/api/callbacks/{task_id}/done")
        assert refused.status_code == 403
        assert fhir.read("Task", task_id)["status"] == "requested"
        done = agent.client.post(
            f"/console/api/callbacks/{task_id}/done", headers={"X-CSRF-Token": agent.csrf}
        )
        assert done.status_code == 200 and done.json() == {"done": True}
        assert fhir.read("Task", task_id)["status"] == "completed"
        assert task_id not in {
            c["id"] for c in agent.client.get("/console/api/callbacks").json()["callbacks"]
        }
        refill_like = agent.client.post(
            "/console/api/callbacks/not-a-task/done", headers={"X-CSRF-Token": agent.csrf}
        )
        assert refill_like.status_code == 404
        page = agent.client.get("/console/callbacks")
        assert page.status_code == 200 and "Callback requests" in page.text
    finally:
        agent.sign_out()
    audit = [json.loads(line) for line in (folder / "audit.jsonl").read_text().splitlines()]
    assert {
        "agent": "cara",
        "action": "complete_callback",
        "patient": f"Patient/{info.id}",
        "entry": f"Task/{task_id}",
    }.items() <= next(line for line in audit if line["action"] == "complete_callback").items()
    assert any(
        line["action"] == "list_callbacks" and line["patient"] == f"Patient/{info.id}" for line in audit
    )
    assert info.family not in (folder / "audit.jsonl").read_text()


class Agent:
    def __init__(self, url: str) -> None:
        self.client = httpx.Client(base_url=url, follow_redirects=False, timeout=30)
        form = self.client.get("/console/sign-in")
        token = _CSRF.search(form.text)
        assert token, form.text
        signed = self.client.post(
            "/console/sign-in", data={"name": "cara", "password": PASSWORD, "csrf_token": token.group(1)}
        )
        assert signed.status_code == 303, signed.text
        self.csrf = self.client.get("/console/api/session").json()["csrf_token"]

    def queue(self) -> list[dict[str, Any]]:
        return self.client.get("/console/api/queue").json()["entries"]

    def sign_out(self) -> None:
        self.client.post("/console/sign-out", data={"csrf_token": self.csrf})
        self.client.close()


def test_with_an_agent_signed_in_the_patient_is_told_the_wait_and_queued(rasa: str) -> None:
    """An agent signs in; two patients ask for a person: the first is told it will only take a few
    minutes (5 minutes per conversation, nobody ahead), the second about 10 (one ahead); both are
    in the queue; the availability route counts them. The agent signs out at the end."""
    agent = Agent(rasa)
    try:
        assert availability(rasa)["agents_signed_in"] == 1
        first, second = Chat(rasa), Chat(rasa)
        told = first.said("i want to talk to a real person")
        assert "connecting you" in told and "only take a few minutes" in told, told
        assert "about 10 minutes" in second.said("i want to talk to a real person")
        entries = [e for e in agent.queue() if e["reason"] == "requested" and e["taken_by"] is None]
        assert len(entries) >= 2
        found = availability(rasa)
        assert found["waiting_ahead"] >= 2 and found["wait_minutes"] >= 15 and found["open"] is True
        for chat in (first, second):
            assert chat.tracker()["paused"] is True
    finally:
        agent.sign_out()
    assert availability(rasa)["agents_signed_in"] == 0
