"""The console refuses anyone not signed in, in a real browser (Debian's chromium).

A verified patient's entry waits in the queue (so a page that let a stranger in would show a
name and an MRN). Tried: every kind of console page with no session and with a forged session
cookie (each lands on sign-in, with nothing of the patient in the page); the JSON routes and the
event stream from such a page (401; an ``EventSource`` gets no event while a signed-in agent's
page does); and sign-out in another tab: the open queue page stops receiving and says so, its
Take lands on sign-in without taking, and the conversation page's reply is refused with a clear
message, the text kept in the box.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import console
from tests.browser.conftest import DESKTOP, new_page
from tests.integration.conversation import verify
from tests.integration.stack import Chat
from tests.integration.test_console import console_dir  # noqa: F401 (a fixture)

COOKIE = "frontdesk-console"  # CONSOLE_SECURE_COOKIES=0 in the tests: no __Secure- prefix
# Start an EventSource and keep what it receives on the page (read later: the sync API waits).
LISTEN = """() => {
    window.heard = [];
    window.stream = new EventSource('/console/api/events');
    for (const name of ['queue', 'line', 'closed', 'message']) {
        window.stream.addEventListener(name, () => window.heard.push(name));
    }
}"""


@pytest.fixture
def agent(browser: Browser, assistant: str, console_dir: Path) -> Iterator[Page]:  # noqa: F811
    yield from console.agent_page(browser)


@pytest.fixture
def stranger(browser: Browser) -> Iterator[Page]:
    yield from new_page(browser, viewport=DESKTOP)


@pytest.fixture
def waiting(chat: Chat, sandbox: Any, agent: Page, assistant: str) -> Iterator[tuple[str, Any]]:
    """A verified patient's entry in the queue, seen by a signed-in agent's page: (entry id, info)."""
    info = sandbox.patient("demo")
    console.sign_in(agent, assistant, "ana")
    known = console.entry_ids(agent, assistant)
    chat.say("whats my balance")
    verify(chat, info)
    assert "connecting you" in chat.said("can i speak to a human")
    entry_id = console.wait_for_new_row(agent, known)
    expect(agent.locator(f'tr[data-entry="{entry_id}"]')).to_contain_text(info.mrn)
    yield entry_id, info
    chat.end("agent_closed")


def pages(entry_id: str) -> list[str]:
    return [
        "/console",
        "/console/",
        f"/console/conversations/{entry_id}",
        "/console/metrics",
        "/console/callbacks",
        "/console/no-such-page",
    ]


def assert_refused(page: Page, assistant: str, entry_id: str, sandbox: Any) -> None:
    for path in pages(entry_id):
        page.goto(f"{assistant}{path}")
        assert page.url == f"{assistant}/console/sign-in", path
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
        content = page.content()
        assert sandbox.leaked_in(content) == [] and entry_id not in content, path
    api = ("queue", f"queue/{entry_id}", "session", "callbacks", "no-such-route")
    for path in (f"/console/api/{route}" for route in api):
        answer = page.request.get(f"{assistant}{path}")
        assert answer.status == 401, path
        assert sandbox.leaked_in(answer.text()) == [] and "csrf" not in answer.text(), path
    posted = page.request.post(
        f"{assistant}/console/conversations/{entry_id}/take", form={"csrf_token": "x"}, max_redirects=0
    )
    assert posted.status == 303 and posted.headers["location"] == "/console/sign-in"
    streamed = page.evaluate(
        """async () => {
            const answer = await fetch('/console/api/events');
            return [answer.status, answer.headers.get('content-type'), await answer.text()];
        }"""
    )
    assert streamed[0] == 401 and "event-stream" not in (streamed[1] or "")


@pytest.mark.parametrize("cookie", ["none", "forged"])
def test_a_browser_without_a_session_gets_sign_in_and_no_events(
    cookie: str,
    stranger: Page,
    agent: Page,
    waiting: tuple[str, Any],
    chat: Chat,
    assistant: str,
    sandbox: Any,
) -> None:
    """Tried: no cookie, and a made-up session id set as the session cookie in the browser."""
    entry_id, _ = waiting
    if cookie == "forged":
        host = assistant.split("//")[1].split(":")[0]
        forged = {"name": COOKIE, "value": secrets.token_urlsafe(32), "domain": host, "path": "/console"}
        stranger.context.add_cookies([forged])  # type: ignore[list-item]
    assert_refused(stranger, assistant, entry_id, sandbox)
    assert console.entry_ids(agent, assistant) >= {entry_id}
    assert agent.evaluate(f"() => !!document.querySelector('tr[data-entry=\"{entry_id}\"] button')")

    stranger.evaluate(LISTEN)
    agent.evaluate(LISTEN)
    agent.wait_for_function("() => window.stream.readyState === EventSource.OPEN")
    other = Chat(assistant)
    assert "connecting you" in other.said("i want to talk to a real person")
    agent.wait_for_function("() => window.heard.includes('queue')")  # the queue changed, and was heard
    stranger.wait_for_function("() => window.stream.readyState === EventSource.CLOSED")
    assert stranger.evaluate("window.heard") == []
    other.end("agent_closed")


def test_after_sign_out_the_open_pages_stop_and_their_actions_fail_clearly(
    browser: Browser, agent: Page, waiting: tuple[str, Any], chat: Chat, assistant: str
) -> None:
    """Tried: the agent's queue page and a conversation page open, then sign-out from a third tab
    of the same browser: both pages say live updates stopped; an entry queued afterwards never
    appears on the queue page; Take there lands on sign-in and takes nothing; Send on the
    conversation page says the agent is signed out and keeps the text."""
    entry_id, _ = waiting
    known = console.entry_ids(agent, assistant)
    other = Chat(assistant)
    assert "connecting you" in other.said("i want to talk to a real person")
    held = console.wait_for_new_row(agent, known)
    conversation = agent.context.new_page()
    conversation.goto(f"{assistant}/console")
    console.take(conversation, held)
    agent.goto(f"{assistant}/console")
    expect(agent.locator(f'tr[data-entry="{held}"]')).to_contain_text("Open")
    rows = "rows => rows.map(row => row.dataset.entry)"
    shown = agent.locator("tr[data-entry]").evaluate_all(rows)

    tab = agent.context.new_page()
    tab.goto(f"{assistant}/console")
    tab.get_by_role("button", name="Sign out").click()
    expect(tab.get_by_role("button", name="Sign in")).to_be_visible()
    for page in (agent, conversation):
        expect(page.get_by_role("alert")).to_contain_text("Live updates stopped", timeout=15_000)

    late = Chat(assistant)
    assert "connecting you" in late.said("can i speak to a person please")
    agent.wait_for_timeout(2_000)  # a pushed queue change arrives in milliseconds
    assert agent.locator("tr[data-entry]").evaluate_all(rows) == shown  # not the late entry

    conversation.get_by_label("Message to the patient").fill("Are you still there?")
    conversation.get_by_role("button", name="Send").click()
    expect(conversation.locator("#status")).to_contain_text("You are signed out")
    expect(conversation.get_by_label("Message to the patient")).to_have_value("Are you still there?")

    agent.locator(f'tr[data-entry="{entry_id}"]').get_by_role("button", name="Take").click()
    expect(agent.get_by_role("button", name="Sign in")).to_be_visible()
    console.sign_in(agent, assistant, "bo")
    assert len(console.entry_ids(agent, assistant) - set(shown)) == 1  # the late entry waits
    row = agent.locator(f'tr[data-entry="{entry_id}"]')
    expect(row.get_by_role("button", name="Take")).to_be_visible()  # nobody took it
    other.end("agent_closed")
    late.end("agent_closed")
