"""Browser tests: Debian's chromium driven by Playwright, against the session's real assistant.

One browser per test module, not per session: Playwright's sync API keeps an event loop running
while it is open, and the asyncio tests that run after these in the same session need the thread
free of it (about a second per module). Each test gets its own context (so its own
sessionStorage) and one page. Playwright's own browser download is not used: ``make test`` installs Debian's
chromium (the ``chromium`` stamp in the Makefile).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.browser.widget import Widget
from tests.integration.stack import start_assistant

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
IDLE_SECONDS = 8.0  # the quick assistant's idle timeout


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


class ClinicSite:
    """A clinic's own website on another origin (another port): one page with the widget's tag,
    pointing at ``rasa_url``. ``page_url(rasa_url)`` serves it."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                return

            def do_GET(self) -> None:
                rasa_url = self.path.partition("?rasa=")[2]
                body = (
                    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Clinic site</title>'
                    f'</head><body><main><h1>A clinic</h1></main><script src="{rasa_url}/webchat/widget.js" '
                    "defer></script></body></html>"
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def page_url(self, rasa_url: str) -> str:
        return f"{self.origin}/?rasa={rasa_url}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture(scope="session")
def clinic_site() -> Iterator[ClinicSite]:
    site = ClinicSite()
    yield site
    site.close()


@pytest.fixture(scope="session")
def quick_assistant(ehr_proxy, sandbox, clinic_site: ClinicSite, tmp_path_factory) -> Iterator[str]:
    """A second assistant for what the session's cannot show quickly: an idle timeout of
    IDLE_SECONDS, a 1 s grace for closed pages, the clinic site's origin allowed to embed the
    widget, and the agent console (the session assistant's accounts, an audit log of its own).
    Its logs are searched for patient identifiers at the end, as the session's are."""
    logs = tmp_path_factory.mktemp("quick-assistant-logs")
    before = os.environ.get("FRONTDESK_TEST_LOGS")
    os.environ["FRONTDESK_TEST_LOGS"] = str(logs)  # not the session assistant's log files
    try:
        actions, rasa, url = start_assistant(
            ehr_proxy.base_url,
            {
                "FRONTDESK_IDLE_TIMEOUT_SECONDS": str(IDLE_SECONDS),
                "WEBCHAT_CLOSE_GRACE_SECONDS": "1",
                "WEBCHAT_ALLOWED_ORIGINS": clinic_site.origin,
                # The agent console, with the integration tests' accounts (``console_dir``).
                "AGENTS_FILE": str(tmp_path_factory.getbasetemp() / "console" / "agents"),
                "CONSOLE_AUDIT_LOG": str(logs / "console-audit.jsonl"),
                "CONSOLE_SECURE_COOKIES": "0",
            },
        )
    finally:
        if before is None:
            os.environ.pop("FRONTDESK_TEST_LOGS", None)
        else:
            os.environ["FRONTDESK_TEST_LOGS"] = before
    try:
        yield url
    finally:
        rasa.stop()
        actions.stop()
    for service in (actions, rasa):
        leaked = sandbox.leaked_in(service.log_path.read_text(errors="replace"))
        assert not leaked, f"{len(leaked)} patient identifiers appeared in {service.log_path.name}"
