"""A web chat while an agent has it, in real browsers (Debian's chromium): the widget says who the
patient is chatting with and does not warn about idleness, and the idle sweep leaves the
conversation alone while an untaken one in the queue is swept; once the agent is gone (returned
it, signed out) the widget warns again.

The quick assistant (conftest.py: an 8 s idle timeout, the warning 2 s before, a sweep every
1.6 s) for all but the reload, which uses the session's (a reload needs its 10 s grace for pages
that close).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from bot.console.replies import RETURNED_TEXT
from tests.browser import console
from tests.browser.conftest import DESKTOP, IDLE_SECONDS, new_page
from tests.browser.widget import Widget
from tests.integration.test_console import console_dir  # noqa: F401 (a fixture)
from tests.integration.webchat_client import user_texts

SWEEP_SECONDS = IDLE_SECONDS / 5  # the store's idle sweep runs every timeout/5


@pytest.fixture
def agent(browser: Browser, console_dir: Path) -> Iterator[Page]:  # noqa: F811
    yield from console.agent_page(browser)


@pytest.fixture
def second_patient(browser: Browser) -> Iterator[Page]:
    yield from new_page(browser, viewport=DESKTOP)


def send(widget: Widget, text: str) -> None:
    """Type and send without waiting for the assistant (it is silent while an agent has the chat)."""
    widget.input.fill(text)
    widget.input.focus()
    widget.page.keyboard.press("Enter")


def test_a_taken_web_chat_outlives_the_idle_timeout_without_a_warning_an_untaken_one_does_not(
    page: Page, second_patient: Page, agent: Page, quick_assistant: str
) -> None:
    """Tried: two patients ask for a person; the agent takes one. That widget says "You're
    chatting with Ana"; through the warning time, the timeout and a sweep it shows no warning and
    stays live (Rasa's tracker still holds it), and messages still pass both ways; the untaken
    one is swept (its page says so, its entry leaves the queue). Returned to the assistant, the
    widget drops the name and warns about idleness again."""
    console.sign_in(agent, quick_assistant, "ana")
    known = console.entry_ids(agent, quick_assistant)
    held = Widget.load(page, quick_assistant)
    held.open()
    assert "connecting you" in held.say("i want to talk to a real person")
    entry_id = console.wait_for_new_row(agent, known)
    left = Widget.load(second_patient, quick_assistant)
    left.open()
    assert "connecting you" in left.say("can i speak to a human")
    left_entry = console.wait_for_new_row(agent, known | {entry_id})
    conversation_id = held.conversation_id()
    assert conversation_id

    console.take(agent, entry_id)
    staff = page.locator(".staff")
    expect(staff).to_have_text("You're chatting with Ana from the clinic.")
    expect(second_patient.locator(".staff")).to_be_hidden()
    stay = held.button("Stay in chat")
    started = time.monotonic()
    while time.monotonic() - started < IDLE_SECONDS + SWEEP_SECONDS + 1:
        assert not stay.is_visible(), "the widget warned about idleness while an agent had the chat"
        time.sleep(0.25)
    expect(page.get_by_text("no activity for a while")).to_be_hidden()
    assert held.conversation_id() == conversation_id
    assert user_texts(quick_assistant, conversation_id) == ["i want to talk to a real person"]
    expect(second_patient.get_by_text("no activity for a while")).to_be_visible()
    assert left_entry not in console.entry_ids(agent, quick_assistant)
    assert entry_id in console.entry_ids(agent, quick_assistant)

    console.reply(agent, "Hello, this is Ana. Sorry for the wait.")
    expect(page.locator(".msg.bot .text").last).to_have_text("Hello, this is Ana. Sorry for the wait.")
    send(held, "no problem, I have a billing question")
    transcript = agent.locator("#transcript")
    expect(transcript.locator("li.patient .text").last).to_have_text("no problem, I have a billing question")

    agent.get_by_role("button", name="Return to assistant").click()
    expect(agent.get_by_role("heading", name="Queue")).to_be_visible()
    expect(page.locator(".msg.bot .text").last).to_have_text(RETURNED_TEXT)
    expect(staff).to_be_hidden()
    expect(stay).to_be_visible(timeout=IDLE_SECONDS * 1000)
    held.button("End chat").click()
    expect(page.get_by_text("You ended the chat.")).to_be_visible()


def test_the_widget_says_who_after_a_reload_and_forgets_it_when_the_agent_ends_the_chat(
    widget: Widget, agent: Page, assistant: str
) -> None:
    """Tried: a taken web chat's page reloaded (the name comes back with the transcript); the
    agent's reply is read out as theirs; the agent ends it (the note goes, the page says who
    closed it)."""
    console.sign_in(agent, assistant, "bo")
    known = console.entry_ids(agent, assistant)
    widget.open()
    assert "connecting you" in widget.say("i want to talk to a real person")
    console.take(agent, console.wait_for_new_row(agent, known))
    staff = widget.page.locator(".staff")
    expect(staff).to_have_text("You're chatting with Bo from the clinic.")
    widget.page.reload()
    widget.input.wait_for()
    expect(staff).to_have_text("You're chatting with Bo from the clinic.")
    expect(widget.page.locator(".msg.user .text")).to_have_text(["i want to talk to a real person"])
    console.reply(agent, "Hi, Bo here.")
    line = widget.page.locator(".msg.bot").last
    expect(line.locator(".text")).to_have_text("Hi, Bo here.")
    expect(line.locator(".visually-hidden")).to_have_text("Bo: ")
    agent.get_by_role("button", name="End conversation").click()
    expect(widget.page.get_by_text("The staff member closed the chat.")).to_be_visible()
    expect(staff).to_be_hidden()


def test_when_the_agent_signs_out_the_widget_drops_the_name_and_warns_again(
    page: Page, agent: Page, quick_assistant: str
) -> None:
    """Tried: the agent holding the chat signs out of their only session (the console stops
    keeping the chat alive): within a check interval the widget drops the name, then warns about
    idleness as usual."""
    console.sign_in(agent, quick_assistant, "bo")  # ana is still signed in elsewhere
    known = console.entry_ids(agent, quick_assistant)
    held = Widget.load(page, quick_assistant)
    held.open()
    assert "connecting you" in held.say("i want to talk to a real person")
    console.take(agent, console.wait_for_new_row(agent, known))
    staff = page.locator(".staff")
    expect(staff).to_have_text("You're chatting with Bo from the clinic.")
    agent.get_by_role("button", name="Sign out").click()
    expect(agent.get_by_role("button", name="Sign in")).to_be_visible()
    expect(staff).to_be_hidden(timeout=IDLE_SECONDS * 1000)
    expect(held.button("Stay in chat")).to_be_visible(timeout=IDLE_SECONDS * 1000)
    held.button("End chat").click()
    expect(page.get_by_text("You ended the chat.")).to_be_visible()
