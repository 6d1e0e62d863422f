"""The idle warning and the page-closed end, in a real browser, against the quick assistant
(conftest.py): a short idle timeout (8 s: the warning shows 2 s before), a 1 s grace for closed
pages.

Tried: waiting for the warning and pressing "Stay in chat" (the conversation outlives its first
deadline and keeps its transcript); not pressing it (the server's idle sweep ends the
conversation and the open page says so and forgets the id); closing the page (the beacon ends
the conversation once the grace period has passed without the page coming back).
"""

from __future__ import annotations

import time

from playwright.sync_api import expect

from tests.browser.conftest import IDLE_SECONDS
from tests.browser.widget import Widget
from tests.integration.webchat_client import user_texts

WARN_BEFORE = IDLE_SECONDS / 4  # bot/channels/webchat/channel.py: warn_before


def going_on(rasa_url: str, conversation_id: str) -> bool:
    """Whether the store still holds the conversation's messages (Rasa's HTTP API; asking does
    not count as activity, unlike presenting the id over the socket, which a reload does)."""
    return bool(user_texts(rasa_url, conversation_id))


def test_the_warning_comes_and_stay_keeps_the_conversation(page, quick_assistant):
    """Tried: one message, then silence until the warning (an alert, 2 s before the 8 s timeout);
    "Stay in chat"; silence past the first deadline and a sweep; another message."""
    widget = Widget.load(page, quick_assistant)
    widget.open()
    assert "open Monday to Friday" in widget.say("what are your hours")
    started = time.monotonic()
    conversation_id = widget.conversation_id()
    stay = widget.button("Stay in chat")
    expect(stay).to_be_visible(timeout=IDLE_SECONDS * 1000)
    assert time.monotonic() - started >= IDLE_SECONDS - WARN_BEFORE - 1
    expect(page.get_by_role("alert")).to_contain_text("Are you still there?")
    stay.click()
    expect(stay).to_be_hidden()
    # Past the first deadline and a sweep (every timeout/5): without "Stay" it would have ended.
    page.wait_for_timeout((IDLE_SECONDS + IDLE_SECONDS / 5 + 0.5 - (time.monotonic() - started)) * 1000)
    expect(page.get_by_text("Your information was not kept.")).to_be_hidden()
    assert "Free parking" in widget.say("where do I park")
    assert widget.conversation_id() == conversation_id
    assert widget.user_texts() == ["what are your hours", "where do I park"]


def test_without_stay_the_idle_sweep_ends_it_and_the_page_says_so(page, quick_assistant):
    """Tried: one message, then silence: the page says the chat ended for inactivity, forgets the
    id, hides the message box; the tracker Rasa's API shows holds none of the messages."""
    widget = Widget.load(page, quick_assistant)
    widget.open()
    widget.say("what are your hours")
    conversation_id = widget.conversation_id()
    assert conversation_id
    expect(page.get_by_text("no activity for a while")).to_be_visible(timeout=IDLE_SECONDS * 2000)
    assert widget.conversation_id() is None
    expect(widget.input).to_be_hidden()
    assert not going_on(quick_assistant, conversation_id)


def test_closing_the_page_ends_the_conversation_after_the_grace_period(page, quick_assistant):
    """Tried: one message, then closing the page (pagehide sends the beacon): within a few
    seconds of the 1 s grace the tracker Rasa's API shows holds none of the messages."""
    widget = Widget.load(page, quick_assistant)
    widget.open()
    widget.say("what are your hours")
    conversation_id = widget.conversation_id()
    assert conversation_id and going_on(quick_assistant, conversation_id)
    page.close(run_before_unload=True)
    deadline = time.monotonic() + 6
    while going_on(quick_assistant, conversation_id):
        assert time.monotonic() < deadline, "the closed page's conversation is still going on"
        time.sleep(0.5)
