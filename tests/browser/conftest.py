"""Browser tests: Debian's chromium driven by Playwright, against the session's real assistant.

One browser per test module, not per session: Playwright's sync API keeps an event loop running
while it is open, and the asyncio tests that run after these in the same session need the thread
free of it (about a second per module). Each test gets its own context (so its own
sessionStorage) and one page. Playwright's own browser download is not used: ``make test`` installs Debian's
chromium (the ``chromium`` stamp in the Makefile).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.browser.widget import Widget

CHROMIUM = Path(os.environ.get("FRONTDESK_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 800}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.parent == Path(__file__).parent:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def new_page(browser: Browser, **context: object) -> Iterator[Page]:
    ctx = browser.new_context(**context)  # type: ignore[arg-type]
    ctx.set_default_timeout(30_000)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    ctx.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A desktop-sized page in a fresh browser context."""
    yield from new_page(browser, viewport=DESKTOP)


@pytest.fixture
def widget(page: Page, assistant: str) -> Widget:
    """The demo clinic page, opened on the session's assistant."""
    return Widget.load(page, assistant)
