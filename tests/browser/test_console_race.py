"""Two agents race for one conversation, each in a browser context of their own (Debian's
chromium): exactly one gets the conversation; the other is told who has it and cannot reply."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from bot.console.api import TAKEN_TEXT
from tests.browser import console
from tests.browser.widget import Widget
from tests.integration.test_console import console_dir  # noqa: F401 (a fixture)

# Each page presses Take when the shared clock reaches the same millisecond (both pages live in
# one browser, so Date.now() is the same clock): the two POSTs leave within a millisecond or two.
CLICK_AT = """([entry, at]) => {
    const button = document.querySelector(`tr[data-entry="${entry}"] button`);
    setTimeout(() => button.click(), at - Date.now());
}"""
ANSWERED = re.compile(r"^(Conversation|Not taken)$")


@pytest.fixture
def ana(browser: Browser, assistant: str, console_dir: Path) -> Iterator[Page]:  # noqa: F811
    yield from console.agent_page(browser)


@pytest.fixture
def bo(browser: Browser, assistant: str, console_dir: Path) -> Iterator[Page]:  # noqa: F811
    yield from console.agent_page(browser)


def test_two_agents_clicking_take_at_once_get_one_winner(
    widget: Widget, ana: Page, bo: Page, assistant: str
) -> None:
    """Tried: both queue pages show the new entry; both press Take at the same instant. One lands
    on the conversation page and can reply (the widget gets it); the other gets "Not taken" naming
    the winner, its queue page shows "taken by" the winner with no Take button, the conversation
    page refuses it (no transcript, no reply box), and a reply from its page's script is refused
    (409) with the reason."""
    agents = {"ana": ana, "bo": bo}
    for name, page in agents.items():
        console.sign_in(page, assistant, name)
    known = console.entry_ids(ana, assistant)
    widget.open()
    assert "connecting you" in widget.say("i want to talk to a real person")
    entry_id = console.wait_for_new_row(ana, known)
    assert console.wait_for_new_row(bo, known) == entry_id

    at = int(ana.evaluate("Date.now()")) + 400
    for page in agents.values():
        page.evaluate(CLICK_AT, [entry_id, at])
    for page in agents.values():
        expect(page.get_by_role("heading", level=1)).to_have_text(ANSWERED, timeout=30_000)
    headings = {name: page.get_by_role("heading", level=1).inner_text() for name, page in agents.items()}
    won = [name for name, heading in headings.items() if heading == "Conversation"]
    assert len(won) == 1, won
    winner, loser = agents[won[0]], agents[({"ana", "bo"} - set(won)).pop()]

    expect(loser.locator("main")).to_contain_text(f"{TAKEN_TEXT} ({won[0]} has it.)")
    assert loser.locator("textarea").count() == 0

    loser.goto(f"{assistant}/console")
    row = loser.locator(f'tr[data-entry="{entry_id}"]')
    expect(row).to_contain_text(f"taken by {won[0]}")
    expect(row.get_by_role("button", name="Take")).to_have_count(0)
    loser.goto(f"{assistant}/console/conversations/{entry_id}")
    expect(loser.get_by_role("heading", level=1)).to_have_text("Not yours")
    assert loser.locator("textarea, #transcript").count() == 0
    assert "i want to talk to a real person" not in loser.content()
    refused = loser.evaluate(
        """async (entry) => {
            const session = await (await fetch('/console/api/session')).json();
            const answer = await fetch(`/console/api/queue/${entry}/reply`, {
                method: 'POST',
                headers: {'Content-Type': 'application/json', 'X-CSRF-Token': session.csrf_token},
                body: JSON.stringify({text: 'I will take this one'}),
            });
            return [answer.status, (await answer.json()).error];
        }""",
        entry_id,
    )
    assert refused == [409, TAKEN_TEXT]

    console.reply(winner, "Hello, you're through to the clinic.")
    expect(widget.page.locator(".msg.bot .text").last).to_have_text("Hello, you're through to the clinic.")
    assert "I will take this one" not in widget.bot_texts()
    winner.get_by_role("button", name="End conversation").click()
    expect(widget.page.get_by_text("The staff member closed the chat.")).to_be_visible()
