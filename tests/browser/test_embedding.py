"""The widget on a clinic's own site (another origin), added with its one script tag.

Tried: the page of a site whose origin the server allows (the quick assistant allows the test
site's): the widget loads its CSS and the socket.io client from the Frontdesk server, the chat
works, End chat ends it. The same page against a server that does not allow that origin (the
session's assistant): the widget says it cannot reach the chat service and no conversation id is
ever handed out.
"""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.widget import Widget


def open_on(page, url: str, rasa_url: str) -> Widget:
    page.goto(url)
    widget = Widget(page, rasa_url)
    widget.launcher.wait_for()
    widget.open()
    return widget


def test_an_allowed_site_embeds_the_chat_with_one_tag(page, clinic_site, quick_assistant):
    """Tried: the allowed site's page, the disclosure, one question, End chat."""
    widget = open_on(page, clinic_site.page_url(quick_assistant), quick_assistant)
    assert page.evaluate("location.origin") == clinic_site.origin != quick_assistant
    expect(widget.dialog.get_by_text("automated assistant, not a person")).to_be_visible()
    assert "open Monday to Friday" in widget.say("what are your hours")
    assert (widget.conversation_id() or "").startswith("web:")
    widget.button("End chat").click()
    expect(page.get_by_text("Your information was not kept.")).to_be_visible()
    assert widget.conversation_id() is None


def test_a_site_the_server_does_not_allow_gets_no_conversation(page, clinic_site, assistant):
    """Tried: the same page against the session's assistant, and a message typed anyway."""
    widget = open_on(page, clinic_site.page_url(assistant), assistant)
    expect(page.get_by_role("status")).to_have_text("Cannot reach the chat service. Trying again\u2026")
    widget.input.fill("what are your hours")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Cannot reach the chat service. Trying again\u2026")
    assert widget.conversation_id() is None
    assert widget.bot_texts() == []
