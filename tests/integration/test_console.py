"""The agent console against the real Rasa server, action server and sandbox EHR.

Agents sign in over HTTP as a browser would (the sign-in form, its CSRF token, the session
cookie); patients talk through the REST channel. The console's files are the ones the shared
``assistant`` fixture configures (tests/conftest.py): ``<basetemp>/console/agents`` and
``<basetemp>/console/audit.jsonl``.
"""

from __future__ import annotations

import contextlib
import json
import re
import stat
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.agents import AccountError, AccountsFile
from tests.integration.conversation import verify
from tests.integration.stack import Chat

PASSWORD = "a long enough test password"
AGENTS = ("ana", "bo")
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def console_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.getbasetemp() / "console"
    accounts = AccountsFile(path / "agents")
    for name in AGENTS:
        try:
            accounts.add(name, PASSWORD)
        except AccountError:
            accounts.set_password(name, PASSWORD)
    return path


class Agent:
    """An agent's browser: a cookie jar, the sign-in form, the API with the CSRF header."""

    def __init__(self, url: str, name: str, password: str = PASSWORD) -> None:
        self.name = name
        self.client = _client(base_url=url, follow_redirects=False, timeout=30)
        self.password = password
        self.csrf = ""

    def sign_in(self) -> httpx.Response:
        form = self.client.get("/console/sign-in")
        token = _CSRF.search(form.text)
        assert token, form.text
        answer = self.client.post(
            "/console/sign-in",
            data={"name": self.name, "password": self.password, "csrf_token": token.group(1)},
        )
        if answer.status_code == 303:
            self.csrf = self.client.get("/console/api/session").json()["csrf_token"]
        return answer

    def queue(self) -> list[dict[str, Any]]:
        answer = self.client.get("/console/api/queue")
        assert answer.status_code == 200, answer.text
        return answer.json()["entries"]

    def take(self, entry_id: str) -> httpx.Response:
        return self.client.post(f"/console/api/queue/{entry_id}/take", headers={"X-CSRF-Token": self.csrf})


_open: list[httpx.Client] = []


def _client(**options: Any) -> httpx.Client:
    """An HTTP client closed when the test ends (an unclosed one is a ResourceWarning, an error here)."""
    client = httpx.Client(**options)
    _open.append(client)
    return client


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while _open:
        _open.pop().close()


@pytest.fixture
def ana(assistant: str, console_dir: Path) -> Agent:
    agent = Agent(assistant, "ana")
    assert agent.sign_in().status_code == 303
    return agent


@pytest.fixture
def bo(assistant: str, console_dir: Path) -> Agent:
    agent = Agent(assistant, "bo")
    assert agent.sign_in().status_code == 303
    return agent


def new_entry(agent: Agent, before: list[dict[str, Any]]) -> dict[str, Any]:
    known = {entry["id"] for entry in before}
    [entry] = [entry for entry in agent.queue() if entry["id"] not in known]
    return entry


def audit_lines(console_dir: Path) -> list[dict[str, Any]]:
    path = console_dir / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_asking_for_a_person_queues_the_conversation_without_context(chat: Chat, ana: Agent) -> None:
    """An unverified REST patient asks for a person: an entry with reason, channel, topic, and no
    patient details; taking it gives the transcript and no context."""
    before = ana.queue()
    chat.say("when is my next appointment")
    assert "connecting you" in chat.said("i want to talk to a real person")
    entry = new_entry(ana, before)
    assert (entry["reason"], entry["priority"], entry["channel"]) == ("requested", "normal", "rest")
    assert entry["verified"] is False and entry["patient"] is None and entry["taken_by"] is None
    assert "request_human" in entry["topic"]
    taken = ana.take(entry["id"])
    assert taken.status_code == 200, taken.text
    body = taken.json()
    assert body["context"] is None
    assert [line["text"] for line in body["transcript"] if line["sender"] == "patient"] == [
        "when is my next appointment",
        "i want to talk to a real person",
    ]


def test_a_verified_patients_entry_carries_context_matching_the_sandbox(
    chat: Chat, sandbox: Any, ana: Agent, console_dir: Path
) -> None:
    """The demo patient verifies, then asks for a person: name, MRN, links and a summary that match
    the sandbox's record; the views are in the audit log with the patient's reference only."""
    info = sandbox.patient("demo")
    before = ana.queue()
    chat.say("whats my balance")
    verify(chat, info)
    assert "connecting you" in chat.said("can i speak to a human")
    entry = new_entry(ana, before)
    assert entry["verified"] is True and entry["reason"] == "requested"
    taken = ana.take(entry["id"])
    assert taken.status_code == 200, taken.text
    context = taken.json()["context"]
    assert context["name"] == f"{info.given} {info.family}"
    assert context["mrn"] == info.mrn
    assert context["chart_url"].endswith(f"/chart/{info.id}")
    assert context["crm_url"].endswith(f"mrn={info.mrn}")
    fhir = _client(base_url=sandbox.base_url, timeout=30)

    def texts(resource_type: str, field: str, **params: str) -> list[str]:
        bundle = fhir.get(f"/{resource_type}", params={"patient": info.id, **params}).json()
        concepts = [entry["resource"][field] for entry in bundle.get("entry", [])]
        return sorted(c.get("text") or c["coding"][0]["display"] for c in concepts)

    medications = texts("MedicationRequest", "medicationCodeableConcept", status="active", intent="order")
    conditions = texts("Condition", "code", **{"clinical-status": "active"})
    allergies = texts("AllergyIntolerance", "code")
    assert medications and sorted(context["medications"]) == medications
    assert sorted(context["conditions"]) == conditions
    assert sorted(a.split(" (")[0].split(",")[0] for a in context["allergies"]) == allergies
    assert context["problem"] is None
    shown = ana.client.get(f"/console/conversations/{entry['id']}")
    assert shown.status_code == 200 and info.mrn in shown.text
    listed = next(e for e in ana.queue() if e["id"] == entry["id"])
    assert listed["patient"] == {"name": context["name"], "mrn": info.mrn} and listed["taken_by"] == "ana"
    mine = [line for line in audit_lines(console_dir) if line["entry"] == entry["id"]]
    # A listing made before the record was read shows no name, and is not recorded.
    assert [line["action"] for line in mine if line["action"] != "list_queue"] == [
        "take",
        "view_context",
        "view_context",
    ]
    assert mine[-1]["action"] == "list_queue"
    assert all(line["patient"] == f"Patient/{info.id}" and line["agent"] == "ana" for line in mine)
    assert stat.S_IMODE((console_dir / "audit.jsonl").stat().st_mode) == 0o600
    text = (console_dir / "audit.jsonl").read_text()
    assert info.mrn not in text and info.family not in text and "human" not in text


def test_two_agents_racing_for_one_conversation_get_one_winner(chat: Chat, ana: Agent, bo: Agent) -> None:
    """Two agents take the same entry at the same moment: one gets it, the other a 409 naming who."""
    before = ana.queue()
    assert "connecting you" in chat.said("i want to talk to a real person")
    entry_id = new_entry(ana, before)["id"]
    start = threading.Barrier(2)
    answers: dict[str, httpx.Response] = {}

    def race(agent: Agent) -> None:
        start.wait()
        answers[agent.name] = agent.take(entry_id)

    threads = [threading.Thread(target=race, args=(agent,)) for agent in (ana, bo)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    statuses = sorted(answer.status_code for answer in answers.values())
    assert statuses == [200, 409], {name: a.text for name, a in answers.items()}
    winner = next(name for name, a in answers.items() if a.status_code == 200)
    loser = next(a for a in answers.values() if a.status_code == 409)
    assert loser.json() == {"error": "Another agent took this conversation first.", "taken_by": winner}
    assert next(e for e in bo.queue() if e["id"] == entry_id)["taken_by"] == winner


def test_pages_and_api_refuse_anyone_not_signed_in(assistant: str, ana: Agent, console_dir: Path) -> None:
    """Tried without a session, with a made-up cookie, after sign-out, and a POST without the CSRF
    token: pages redirect to sign-in, the API answers 401, a change without the token 403."""
    stranger = _client(base_url=assistant, follow_redirects=False, timeout=30)
    forged = _client(
        base_url=assistant, follow_redirects=False, timeout=30, cookies={"frontdesk-console": "x" * 43}
    )
    for client in (stranger, forged):
        for page in ("/console", "/console/", "/console/conversations/abc", "/console/anything"):
            answer = client.get(page)
            assert answer.status_code == 303 and answer.headers["location"] == "/console/sign-in", page
        for route in ("/console/api/queue", "/console/api/session", "/console/api/queue/abc"):
            assert client.get(route).status_code == 401, route
        assert client.post("/console/api/queue/abc/take").status_code == 401
    assert ana.client.post("/console/api/queue/abc/take").status_code == 403  # no CSRF token
    assert (
        ana.client.post("/console/api/queue/abc/take", headers={"X-CSRF-Token": "wrong"}).status_code == 403
    )
    assert ana.client.post("/console/sign-out", data={"csrf_token": "wrong"}).status_code == 403
    out = ana.client.post("/console/sign-out", data={"csrf_token": ana.csrf})
    assert out.status_code == 303
    assert ana.client.get("/console/api/queue").status_code == 401


def test_the_session_cookie_is_httponly_and_samestrict(assistant: str, console_dir: Path) -> None:
    """The sign-in sets HttpOnly, SameSite=Strict, Path=/console (Secure is off only by
    CONSOLE_SECURE_COOKIES=0, as this plain-http test server has it)."""
    agent = Agent(assistant, "ana")
    answer = agent.sign_in()
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("frontdesk-console="))
    lowered = cookie.lower()
    assert "httponly" in lowered and "samesite=strict" in lowered and "path=/console" in lowered


def test_wrong_passwords_are_refused_then_rate_limited(assistant: str, console_dir: Path) -> None:
    """Five wrong passwords for carol: each 401; the sixth try, even with the right password, 429
    (retry after the window); an unknown name gets the same answer as a wrong password."""
    accounts = AccountsFile(console_dir / "agents")
    with contextlib.suppress(AccountError):
        accounts.add("carol", PASSWORD)
    for _ in range(5):
        assert Agent(assistant, "carol", "wrong password!!").sign_in().status_code == 401
    limited = Agent(assistant, "carol").sign_in()
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
    assert "Too many failed sign-ins" in limited.text
    unknown = Agent(assistant, "nobody-at-all").sign_in()
    assert unknown.status_code == 401 and "The name or the password is wrong" in unknown.text
    assert Agent(assistant, "ana").sign_in().status_code == 303  # the others still sign in


def test_a_patients_script_is_escaped_in_the_console(chat: Chat, ana: Agent) -> None:
    """A patient types a script and an img onerror, then asks for a person: the agent takes it from
    the queue page's form (not before: the page refuses), and the conversation page shows them as text."""
    before = ana.queue()
    chat.say("<script>alert('x')</script>")
    chat.say('<img src=x onerror="alert(1)">')
    assert "connecting you" in chat.said("i want to talk to a real person")
    entry = new_entry(ana, before)
    listing = ana.client.get("/console")
    assert (
        listing.status_code == 200 and f'action="/console/conversations/{entry["id"]}/take"' in listing.text
    )
    not_yet = ana.client.get(f"/console/conversations/{entry['id']}")
    assert not_yet.status_code == 409 and "alert" not in not_yet.text  # take it first
    taken = ana.client.post(f"/console/conversations/{entry['id']}/take", data={"csrf_token": ana.csrf})
    assert taken.status_code == 303 and taken.headers["location"] == f"/console/conversations/{entry['id']}"
    page = ana.client.get(f"/console/conversations/{entry['id']}")
    assert page.status_code == 200
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page.text
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page.text
    # The one script is the console's own file (the CSP allows no other).
    assert page.text.count("<script") == 1 and '<script src="/console/static/console.js" defer>' in page.text
    assert "<img" not in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_an_ended_conversation_leaves_the_queue(chat: Chat, ana: Agent) -> None:
    """Ended (as the console's end button will, through bot.lifecycle): its entry is gone, and taking
    it answers 404."""
    from tests.integration.stack import INTERNAL_TOKEN

    before = ana.queue()
    assert "connecting you" in chat.said("i want to talk to a real person")
    entry = new_entry(ana, before)
    ended = httpx.post(
        f"{chat.rasa_url}/internal/conversations/{chat.conversation_id}/end",
        headers={"Authorization": f"Bearer {INTERNAL_TOKEN}"},
        timeout=30,
    )
    assert ended.status_code == 200 and ended.json()["ended"] is True
    assert entry["id"] not in {e["id"] for e in ana.queue()}
    assert ana.take(entry["id"]).status_code == 404
