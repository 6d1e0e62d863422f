"""A patient in the web chat, in a real browser: verifies, asks for the next appointment, reads
the answer (checked against the sandbox EHR), ends the chat; the same by keyboard alone; a
reload in the middle, which keeps the transcript and the verification; and a dropped connection.

The demo patient's answers are the verification flow's: full name, birth date (as typed in the
US, 3/14/1984), the phone number on file.
"""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import expect

from tests.browser.widget import Widget
from tests.integration.conversation import Fhir, local, us_date, when
from tests.integration.webchat_client import tracker


def verify(widget: Widget, info: Any, request: str, *, keyboard: bool = False) -> str:
    """Ask ``request``, answer the three questions; what the assistant said once verified."""
    assert "full name" in widget.say(request, keyboard=keyboard)
    assert "date of birth" in widget.say(info.name, keyboard=keyboard)
    assert "one more detail" in widget.say(us_date(info.birth_date), keyboard=keyboard)
    reply = widget.say(info.phone, keyboard=keyboard)
    assert f"Thank you, {info.given}, you're verified." in reply, reply
    return reply


def next_appointment(sandbox: Any, info: Any) -> str:
    """How the assistant writes the patient's next appointment ("Tuesday, December 1 at 9:30 AM")."""
    upcoming = Fhir(sandbox.base_url).upcoming(info.id)
    assert upcoming, "the demo patient has upcoming appointments"
    return when(local(upcoming[0]["start"]))


def assert_gone(widget: Widget, sandbox: Any, conversation_id: str) -> None:
    """Nothing of the patient is left: not in the browser, not in the tracker Rasa's API shows."""
    expect(widget.page.get_by_text("Your information was not kept.")).to_be_visible()
    assert widget.conversation_id() is None
    assert widget.browser_storage() == {"session": [], "local": [], "cookie": ""}
    assert widget.page.context.cookies() == []
    leaked = sandbox.leaked_in(json.dumps(tracker(widget.rasa_url, conversation_id)))
    assert leaked == [], f"{len(leaked)} patient identifiers left in the tracker"


def test_a_patient_verifies_reads_the_next_appointment_and_ends_the_chat(widget, sandbox):
    """Tried: the launcher, the disclosure shown before the first message, the verification, "when
    is my next appointment" (answer checked against the sandbox's FHIR API), then End chat."""
    info = sandbox.patient("demo")
    widget.open()
    expect(widget.dialog).to_be_visible()
    expect(widget.dialog.get_by_text("automated assistant, not a person")).to_be_visible()
    assert widget.bot_texts() == [] and widget.user_texts() == []

    reply = verify(widget, info, "when is my next appointment")
    assert next_appointment(sandbox, info) in reply, reply
    conversation_id = widget.conversation_id()
    assert conversation_id and conversation_id.startswith("web:")
    assert widget.browser_storage() == {"session": ["frontdesk.conversation"], "local": [], "cookie": ""}

    widget.button("End chat").click()
    assert_gone(widget, sandbox, conversation_id)


def test_the_same_by_keyboard_alone(widget, sandbox):
    """Tried: Tab to the launcher (its focus ring visible), Enter opens and focus moves into the
    message box, Escape closes and focus returns to the launcher, Enter again; the whole
    conversation typed and sent with Enter; Tab to End chat and Enter. No mouse."""
    info = sandbox.patient("demo")
    page = widget.page
    for _ in range(12):
        page.keyboard.press("Tab")
        if widget.focused() == "launcher":
            break
    assert widget.focused() == "launcher"
    ring = page.evaluate(
        """() => { const s = getComputedStyle(document.querySelector('#frontdesk-chat')
                     .shadowRoot.activeElement); return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"""
    )
    assert ring[0] != "none" and ring[1] >= 2, ring

    page.keyboard.press("Enter")
    expect(widget.dialog).to_be_visible()
    assert widget.focused() == ""  # the textarea has no class: focus is in the message box
    expect(widget.input).to_be_focused()
    page.keyboard.press("Escape")
    expect(widget.dialog).to_be_hidden()
    assert widget.focused() == "launcher"
    page.keyboard.press("Enter")
    expect(widget.input).to_be_focused()

    reply = verify(widget, info, "when is my next appointment", keyboard=True)
    assert next_appointment(sandbox, info) in reply, reply
    conversation_id = widget.conversation_id()
    assert conversation_id

    page.keyboard.press("Tab")
    assert "send" in widget.focused()
    page.keyboard.press("Tab")
    assert widget.focused() == "end"
    page.keyboard.press("Enter")
    assert_gone(widget, sandbox, conversation_id)
    assert "restart" in widget.focused()  # focus lands on "Start a new chat", not lost


def test_a_reload_keeps_the_transcript_and_the_verification(widget, sandbox):
    """Tried: verify, reload the page (which also sends the closing beacon), then ask for the next
    appointment: the widget reopens with the transcript from the server and the patient is not
    asked who they are again; the conversation id is the same."""
    info = sandbox.patient("demo")
    widget.open()
    verify(widget, info, "what do I owe")
    before_id, before_lines = widget.conversation_id(), widget.bot_texts()

    widget.page.reload()
    expect(widget.dialog).to_be_visible()  # reopened by itself: a conversation is going on
    expect(widget.page.get_by_text(f"Thank you, {info.given}, you're verified.")).to_be_visible()
    assert widget.conversation_id() == before_id
    assert widget.bot_texts() == before_lines
    assert widget.user_texts()[0] == "what do I owe"

    reply = widget.say("when is my next appointment")
    assert "full name" not in reply
    assert next_appointment(sandbox, info) in reply, reply
    widget.button("End chat").click()
    assert_gone(widget, sandbox, before_id)


def test_a_dropped_connection_keeps_the_conversation(widget):
    """Tried: talk, take the browser offline (the widget says it is reconnecting), type a message
    while offline, come back online: the message is sent once connected again, answered in the
    same conversation, and nothing said before is lost."""
    widget.open()
    assert "open Monday to Friday" in widget.say("what are your hours")
    conversation_id = widget.conversation_id()
    context = widget.page.context
    context.set_offline(True)
    expect(widget.page.get_by_role("status")).to_have_text("Reconnecting\u2026")
    widget.input.fill("where do I park")
    widget.page.keyboard.press("Enter")
    expect(widget.page.locator(".msg.user .text").last).to_have_text("where do I park")
    context.set_offline(False)
    expect(widget.page.get_by_text("Free parking in the lot")).to_be_visible()
    expect(widget.page.get_by_role("status")).to_have_text("")
    assert widget.conversation_id() == conversation_id
    assert widget.user_texts() == ["what are your hours", "where do I park"]
    widget.button("End chat").click()
