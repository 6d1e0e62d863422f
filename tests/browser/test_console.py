"""The agent console in a real browser, with a web-chat patient in another (Debian's chromium).

A patient asks for a person in the widget; an agent signs in to /console, sees the entry appear
without reloading (pushed over server-sent events), takes it, sees the transcript; the patient
types markup, which the agent's page shows as text and never runs; the agent replies and the
widget shows it; the agent ends the conversation; the widget says so and the tracker holds
nothing of the patient. Agents' accounts are the integration tests' (``<basetemp>/console``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import DESKTOP, new_page
from tests.browser.widget import Widget
from tests.integration.test_console import PASSWORD, console_dir  # noqa: F401 (a fixture)
from tests.integration.webchat_client import tracker

MARKUP = '<img src=x onerror="alert(1)"> <script>alert(2)</script> are you there?'


@pytest.fixture
def agent_page(browser: Browser, assistant: str, console_dir: Path) -> Iterator[Page]:  # noqa: F811
    yield from new_page(browser, viewport=DESKTOP)


def test_an_agent_takes_a_web_chat_talks_both_ways_and_ends_it(
    widget: Widget, agent_page: Page, assistant: str
) -> None:
    """Tried: sign-in by the form, the queue page left open while the patient asks for a person
    (the row appears with no reload: a marker set on the page survives), Take, the patient's
    markup (shown as text; no dialog opens, no element is made), a reply both ways, End."""
    dialogs: list[str] = []
    agent_page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    widget.page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    agent_page.goto(f"{assistant}/console")
    agent_page.get_by_label("Name").fill("ana")
    agent_page.get_by_label("Password").fill(PASSWORD)
    agent_page.get_by_role("button", name="Sign in").click()
    expect(agent_page.get_by_role("heading", name="Queue")).to_be_visible()
    before = {
        entry["id"] for entry in agent_page.request.get(f"{assistant}/console/api/queue").json()["entries"]
    }
    agent_page.evaluate("window.notReloaded = true")

    widget.open()
    assert "connecting you" in widget.say("i want to talk to a real person")
    rows = agent_page.locator("tr[data-entry]")
    agent_page.wait_for_function(
        "known => [...document.querySelectorAll('tr[data-entry]')]"
        ".some(row => !known.includes(row.dataset.entry))",
        arg=sorted(before),
    )
    assert agent_page.evaluate("window.notReloaded") is True
    new_ids = [i for i in rows.evaluate_all("rows => rows.map(r => r.dataset.entry)") if i not in before]
    assert len(new_ids) == 1
    row = agent_page.locator(f'tr[data-entry="{new_ids[0]}"]')
    expect(row).to_contain_text("asked for a person")
    expect(row).to_contain_text("web")
    row.get_by_role("button", name="Take").click()

    transcript = agent_page.locator("#transcript")
    expect(transcript.locator("li.patient .text").first).to_have_text("i want to talk to a real person")
    widget.input.fill(MARKUP)
    widget.input.focus()
    widget.page.keyboard.press("Enter")
    expect(transcript.locator("li.patient .text").last).to_have_text(MARKUP)
    assert transcript.locator("img, script").count() == 0

    agent_page.get_by_label("Message to the patient").fill("Hello, this is Ana from the clinic.")
    agent_page.get_by_role("button", name="Send").click()
    expect(agent_page.locator("#status")).to_have_text("Sent.")
    expect(transcript.locator("li.agent .text").last).to_have_text("Hello, this is Ana from the clinic.")
    expect(widget.page.locator(".msg.bot .text").last).to_have_text("Hello, this is Ana from the clinic.")

    conversation_id = widget.conversation_id()
    assert conversation_id and conversation_id.startswith("web:")
    agent_page.get_by_role("button", name="End conversation").click()
    expect(agent_page.get_by_role("heading", name="Queue")).to_be_visible()
    expect(widget.page.get_by_text("The staff member closed the chat.")).to_be_visible()
    expect(agent_page.locator(f'tr[data-entry="{new_ids[0]}"]')).to_have_count(0)
    events: list[dict[str, Any]] = tracker(assistant, conversation_id).get("events") or []
    assert [e for e in events if e.get("event") in ("user", "bot", "slot")] == []
    assert dialogs == []
