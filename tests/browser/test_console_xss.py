"""Markup on the agent's screen is shown as text and never runs (Debian's chromium).

The agent's page ignores the console's Content-Security-Policy here (``bypass_csp``), so only the
escaping stands between the markup and the page: the server's templates (bot/console/html.py)
and console.js (``textContent``). ``test_console.py`` covers a web-chat patient's ``<img>`` and
``<script>`` with ``alert``; this adds payloads that would set a flag on the page, markup in a
patient's name as the EHR holds it (the queue row, server-rendered and pushed, and the context),
and a payload in the transcript as first rendered by the server as well as pushed live.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Dialog, Page, expect

from tests.browser import console
from tests.browser.conftest import DESKTOP, new_page
from tests.integration.conversation import verify
from tests.integration.stack import Chat
from tests.integration.test_console import console_dir  # noqa: F401 (a fixture)

GIVEN = "<img src=x onerror=\"window.__xss = 'given'; alert('given')\">Olivia"
FAMILY = "<script>window.__xss = 'family'</script>Brandt"
BEFORE = "<script>window.__xss = 'said'</script> hello?"  # said before the handoff
LIVE = "<img src=x onerror=\"window.__xss = 'live'; alert('live')\"> anyone?"  # after it
NOTHING_RAN = "() => window.__xss === undefined && !document.querySelector('main img, main script')"


@pytest.fixture
def agent(browser: Browser, assistant: str, console_dir: Path) -> Iterator[Page]:  # noqa: F811
    yield from new_page(browser, viewport=DESKTOP, bypass_csp=True)


@pytest.fixture
def marked_up(sandbox: Any) -> Iterator[Any]:
    """A patient whose record's name (in the sandbox, over FHIR) carries markup; put back after."""
    info = sandbox.patient("no_statements")
    with httpx.Client(base_url=sandbox.base_url, timeout=30) as fhir:
        original = fhir.get(f"/Patient/{info.id}").json()
        changed = {**original, "name": [{"given": [GIVEN], "family": FAMILY}]}
        assert fhir.put(f"/Patient/{info.id}", json=changed).status_code == 200
        try:
            yield info
        finally:
            restored = {**fhir.get(f"/Patient/{info.id}").json(), "name": original["name"]}
            assert fhir.put(f"/Patient/{info.id}", json=restored).status_code == 200


def test_markup_in_a_patients_name_and_messages_shows_as_text_and_never_runs(
    agent: Page, chat: Chat, sandbox: Any, assistant: str, request: pytest.FixtureRequest
) -> None:
    """Tried: a patient verifies as on their record, which (read again at the handoff) has markup
    in both names; a ``<script>`` said before asking for a person; an ``<img onerror>`` said
    after. The queue row (pushed, then server-rendered on a reload), the context's heading and
    the transcript show each exactly as text; no flag is set, no dialog opens, no element grows.
    Then the control: the name inserted as markup on the same page does set the flag."""
    dialogs: list[str] = []

    def record(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    agent.on("dialog", record)
    console.sign_in(agent, assistant, "ana")
    known = console.entry_ids(agent, assistant)
    info = sandbox.patient("no_statements")
    chat.say("whats my balance")
    verify(chat, info)
    info = request.getfixturevalue("marked_up")  # the record changes once the patient verified
    chat.say(BEFORE)
    assert "connecting you" in chat.said("i want to talk to a real person")

    entry_id = console.wait_for_new_row(agent, known)
    row = agent.locator(f'tr[data-entry="{entry_id}"]')
    expect(row).to_contain_text(f"{GIVEN} {FAMILY} (MRN {info.mrn})")  # pushed, by console.js
    assert agent.evaluate(NOTHING_RAN)
    agent.goto(f"{assistant}/console")  # now rendered by the server first
    expect(row).to_contain_text(f"{GIVEN} {FAMILY} (MRN {info.mrn})")
    assert agent.evaluate(NOTHING_RAN)

    console.take(agent, entry_id)
    expect(agent.locator(".context").get_by_role("heading", level=2)).to_have_text(f"{GIVEN} {FAMILY}")
    transcript = agent.locator("#transcript li.patient .text")
    expect(transcript).to_contain_text([BEFORE, "i want to talk to a real person"])
    assert chat.say(LIVE) == []  # paused: the assistant says nothing
    expect(transcript.last).to_have_text(LIVE)
    agent.reload()  # the transcript rendered by the server, with both payloads
    expect(transcript).to_contain_text([BEFORE, "i want to talk to a real person", LIVE])
    expect(agent.locator(".context").get_by_role("heading", level=2)).to_have_text(f"{GIVEN} {FAMILY}")
    assert agent.evaluate(NOTHING_RAN)
    assert dialogs == []
    agent.get_by_role("button", name="End conversation").click()
    expect(agent.get_by_role("heading", name="Queue")).to_be_visible()
    # The control: on this page the same name, put in as markup, does run.
    agent.evaluate("html => document.body.insertAdjacentHTML('beforeend', html)", GIVEN)
    agent.wait_for_function("() => window.__xss === 'given'")
    assert dialogs == ["given"]
