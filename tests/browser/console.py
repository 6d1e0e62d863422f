"""The agent console as an agent sees it, for browser tests: sign in by the form, watch the queue
page for a new row, take it, read the conversation page. Agents' accounts are the integration
tests' (``console_dir``: ``<basetemp>/console/agents``, which both assistants read)."""

from __future__ import annotations

from collections.abc import Iterator

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import DESKTOP, new_page
from tests.integration.test_console import PASSWORD


def agent_page(browser: Browser) -> Iterator[Page]:
    """A desktop page in a context of its own (its own cookie jar: one agent)."""
    yield from new_page(browser, viewport=DESKTOP)


def sign_in(page: Page, rasa_url: str, name: str) -> None:
    """Sign in by the form and land on the queue page."""
    page.goto(f"{rasa_url}/console")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Queue")).to_be_visible()


def entry_ids(page: Page, rasa_url: str) -> set[str]:
    """The queue's entries now, through the API with the page's own cookie."""
    entries = page.request.get(f"{rasa_url}/console/api/queue").json()["entries"]
    return {entry["id"] for entry in entries}


def wait_for_new_row(page: Page, known: set[str], timeout: float = 60_000) -> str:
    """The id of the one row that appears on the open queue page and was not in ``known``."""
    page.wait_for_function(
        "known => [...document.querySelectorAll('tr[data-entry]')]"
        ".some(row => !known.includes(row.dataset.entry))",
        arg=sorted(known),
        timeout=timeout,
    )
    ids = page.locator("tr[data-entry]").evaluate_all("rows => rows.map(r => r.dataset.entry)")
    new = [entry_id for entry_id in ids if entry_id not in known]
    assert len(new) == 1, new
    return str(new[0])


def take(page: Page, entry_id: str) -> None:
    """Press the row's Take and land on the conversation page."""
    page.locator(f'tr[data-entry="{entry_id}"]').get_by_role("button", name="Take").click()
    expect(page.get_by_role("heading", name="Transcript")).to_be_visible()


def reply(page: Page, text: str) -> None:
    page.get_by_label("Message to the patient").fill(text)
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#status")).to_have_text("Sent.")
