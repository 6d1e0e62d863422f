"""``GET /console/metrics`` against the real Rasa server, action server and sandbox EHR.

Tried here: the page without a session and with a made-up session cookie (both sent to sign-in,
no figure shown); an agent signed in through the real form after three REST conversations (a
verified patient who says goodbye, a failed verification, a request for a person): the page has
three labelled SVG charts with data tables, its totals moved by what happened, the queue page
links to it, the Content-Security-Policy is the console's, and no synthetic patient's identifier
or conversation id is in it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from bot.agents import AccountError, AccountsFile
from bot.console.html import PAGE_POLICY
from bot.lifecycle import EndReason
from tests.integration.conversation import us_date, verify
from tests.integration.stack import Chat

pytestmark = pytest.mark.integration

PASSWORD = "a long enough metrics password"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def agent(assistant: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """A browser signed in as "cara" through the sign-in form (its CSRF token, its cookie)."""
    accounts = AccountsFile(tmp_path_factory.getbasetemp() / "console" / "agents")
    try:
        accounts.add("cara", PASSWORD)
    except AccountError:
        accounts.set_password("cara", PASSWORD)
    with httpx.Client(base_url=assistant, follow_redirects=False, timeout=30) as client:
        form = client.get("/console/sign-in")
        token = _CSRF.search(form.text)
        assert token, form.text
        signed_in = client.post(
            "/console/sign-in", data={"name": "cara", "password": PASSWORD, "csrf_token": token.group(1)}
        )
        assert signed_in.status_code == 303, signed_in.text
        yield client


def totals(page: str) -> dict[str, int]:
    """The totals table's counts, by their row heading."""
    section = page.split("<h2>Totals since the server started</h2>", 1)[1]
    return {
        name: int(count)
        for name, count in re.findall(r'<tr><th scope="row">([^<]+)</th><td>(\d+)</td></tr>', section)
    }


def test_signed_out_requests_are_sent_to_sign_in(assistant: str) -> None:
    """No session cookie, then a made-up one: 303 to the sign-in page, and no figure in the answer."""
    with httpx.Client(base_url=assistant, follow_redirects=False, timeout=30) as client:
        for cookies in ({}, {"frontdesk-console": "made-up-session-id"}):
            client.cookies.clear()
            client.cookies.update(cookies)
            answer = client.get("/console/metrics")
            assert answer.status_code == 303
            assert answer.headers["location"] == "/console/sign-in"
            assert "Containment" not in answer.text and "<svg" not in answer.text


def test_an_agent_sees_charts_that_moved_and_name_no_patient(
    assistant: str, sandbox, agent: httpx.Client
) -> None:
    """Three conversations (verified then goodbye; a wrong birth date, ended by the patient; a
    request for a person, closed by an agent): the page has three SVG charts, each with a title,
    a description and a table; the totals moved by at least what happened; the handoff chart has
    a bar for "asked for a person"; the queue links to the page; nothing identifies a patient."""
    before = agent.get("/console/metrics")
    assert before.status_code == 200, before.text
    counted = totals(before.text)
    info = sandbox.patient("demo")

    verified = Chat(assistant)
    verified.say("whats my balance")
    verify(verified, info)
    assert "Take care" in verified.said("thats all thanks bye")
    failed = Chat(assistant)
    failed.say("what do i owe")
    failed.say(info.name)
    failed.say(us_date("1901-01-01"))
    assert "couldn't verify those details" in failed.said(info.postal_code)
    assert failed.end(EndReason.PATIENT_ENDED.value)
    handed_off = Chat(assistant)
    handed_off.say("when is my next appointment")
    assert "connecting you" in handed_off.said("i want to talk to a real person")
    assert handed_off.end(EndReason.AGENT_CLOSED.value)

    answer = agent.get("/console/metrics")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-security-policy"] == PAGE_POLICY
    page = answer.text
    charts = re.findall(r'<svg class="chart".*?</svg>', page, re.S)
    assert len(charts) == 3
    for chart in charts:
        assert 'role="img"' in chart and "<title " in chart and "<desc " in chart
    assert page.count("<table") == 4
    assert re.search(r"<rect [^>]*><title>\d\d:\d\d [A-Z]{3,4}: \d+ asked for a person</title>", charts[2])
    now = totals(page)
    assert now["Conversations ended"] - counted["Conversations ended"] >= 3
    assert now["Verifications verified"] - counted["Verifications verified"] >= 1
    assert now["Verifications failed"] - counted["Verifications failed"] >= 1
    assert now["Handoffs"] - counted["Handoffs"] >= 1
    assert "<script>" not in page and " style=" not in page

    assert sandbox.leaked_in(page) == []
    for chat in (verified, failed, handed_off):
        assert chat.sender not in page
    queue = agent.get("/console")
    assert queue.status_code == 200 and 'href="/console/metrics"' in queue.text
