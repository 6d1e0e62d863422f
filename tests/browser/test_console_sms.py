"""The agent console in a real browser with a text-message patient (Debian's chromium).

The patient texts through the real SMS webhook, signed as Twilio signs it, and the assistant's
and the agent's texts go out through the session's fake Twilio API (tests/integration/
fake_twilio.py). The patient verifies (texting from the number on their record, then their date
of birth) and asks for a person; the agent's open queue page shows the entry without a reload;
the agent takes it and sees the patient's name, MRN and summary as the sandbox's FHIR API has
them; the agent's reply is texted to the patient's number; the patient's next text appears on the
agent's screen; the agent ends it; the patient is texted that it ended, and Rasa's tracker holds
nothing of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from bot.console.replies import ENDED_SMS_TEXT
from tests.browser import console
from tests.integration.conversation import us_date
from tests.integration.fake_twilio import HASHER, FakeTwilio, SmsPhone
from tests.integration.stack import Chat
from tests.integration.test_console import console_dir  # noqa: F401 (a fixture)
from tests.integration.webchat_client import tracker


@pytest.fixture
def agent(browser: Browser, assistant: str, console_dir: Path) -> Iterator[Page]:  # noqa: F811
    yield from console.agent_page(browser)


def record_texts(sandbox: Any, patient_id: str) -> dict[str, list[str]]:
    """The patient's active medications, active conditions and allergies, from the FHIR API."""
    with httpx.Client(base_url=sandbox.base_url, timeout=30) as fhir:

        def texts(resource_type: str, field: str, **params: str) -> list[str]:
            bundle = fhir.get(f"/{resource_type}", params={"patient": patient_id, **params}).json()
            concepts = [entry["resource"][field] for entry in bundle.get("entry", [])]
            return sorted(c.get("text") or c["coding"][0]["display"] for c in concepts)

        return {
            "Active medications": texts(
                "MedicationRequest", "medicationCodeableConcept", status="active", intent="order"
            ),
            "Active conditions": texts("Condition", "code", **{"clinical-status": "active"}),
            "Allergies": texts("AllergyIntolerance", "code"),
        }


def listed(page: Page, heading: str) -> list[str]:
    """The items under one of the context's headings ("none" when the list is empty)."""
    items = page.locator(".context h3", has_text=heading).locator("xpath=following-sibling::ul[1]/li")
    return sorted(items.all_inner_texts())


def test_an_agent_takes_a_verified_sms_patient_texts_both_ways_and_ends_it(
    agent: Page, assistant: str, fake_twilio: FakeTwilio, sandbox: Any
) -> None:
    """Tried: a patient texting from the number on their record verifies by date of birth and
    asks for a person while the agent's queue page is open (the row appears with no reload: a
    marker set on the page survives; it names the patient and the MRN once the record is read);
    Take; the context against the sandbox; a reply (texted to the number, nothing else texted);
    the patient's answer on the agent's screen; End (the closing text, the row gone, the tracker
    empty)."""
    info = sandbox.case("phone_formats")[3]
    conversation_id = HASHER.conversation_id(info.phone_e164)
    Chat(assistant, sender=conversation_id).end("agent_closed")  # nothing left from another test
    phone = SmsPhone(assistant, fake_twilio, info.phone_e164)

    console.sign_in(agent, assistant, "ana")
    known = console.entry_ids(agent, assistant)
    agent.evaluate("window.notReloaded = true")

    assert "date of birth" in phone.text("when is my next appointment")
    assert f"Thank you, {info.given}, you're verified." in phone.text(us_date(info.birth_date))
    assert "connecting you" in phone.text("i want to talk to a real person")
    entry_id = console.wait_for_new_row(agent, known)
    assert agent.evaluate("window.notReloaded") is True
    row = agent.locator(f'tr[data-entry="{entry_id}"]')
    expect(row).to_contain_text("asked for a person")
    expect(row).to_contain_text("sms")
    expect(row).to_contain_text(f"{info.given} {info.family} (MRN {info.mrn})")
    assert info.phone not in agent.content() and info.phone_e164 not in agent.content()

    console.take(agent, entry_id)
    context = agent.locator(".context")
    expect(context.get_by_role("heading", level=2)).to_have_text(f"{info.given} {info.family}")
    expect(context).to_contain_text(f"MRN {info.mrn}")
    chart = context.get_by_role("link", name="Chart in the EHR").get_attribute("href") or ""
    assert chart.endswith(f"/chart/{info.id}")
    expected = record_texts(sandbox, info.id)
    assert expected["Active medications"], "the case's patient should have medications"
    assert listed(agent, "Active medications") == expected["Active medications"]
    assert listed(agent, "Active conditions") == (expected["Active conditions"] or ["none"])
    # An allergy is shown as its substance, then any reactions and criticality.
    allergies, substances = listed(agent, "Allergies"), expected["Allergies"] or ["none"]
    assert len(allergies) == len(substances)
    assert all(a.startswith(s) for a, s in zip(allergies, substances, strict=True)), allergies
    transcript = agent.locator("#transcript")
    expect(transcript.locator("li.patient .text").last).to_have_text("i want to talk to a real person")

    texted = len(fake_twilio.texts_to(info.phone_e164))
    hello = f"Hi {info.given}, this is Ana from the clinic. How can I help?"
    console.reply(agent, hello)
    assert phone.wait_for_texts(texted + 1)[texted:] == [hello]
    phone.send("I need to move my appointment to next week")
    expect(transcript.locator("li.patient .text").last).to_have_text(
        "I need to move my appointment to next week"
    )
    expect(transcript.locator("li.agent .text").last).to_have_text(hello)
    assert len(fake_twilio.texts_to(info.phone_e164)) == texted + 1  # the assistant stayed silent

    agent.get_by_role("button", name="End conversation").click()
    expect(agent.get_by_role("heading", name="Queue")).to_be_visible()
    assert phone.wait_for_texts(texted + 2)[texted + 1 :] == [ENDED_SMS_TEXT]
    expect(agent.locator(f'tr[data-entry="{entry_id}"]')).to_have_count(0)
    events = tracker(assistant, conversation_id).get("events") or []
    assert [e for e in events if e.get("event") in ("user", "bot", "slot")] == []
    assert sandbox.leaked_in(str(events)) == []
