"""GET /metrics against the real servers: conversations held through the REST channel move the
counts they should, the text parses as Prometheus text, its labels stay in their fixed sets, and
it names no patient and no conversation.

Tried here: a patient verified who says goodbye; a failed verification ended by the patient; a
request for a person, then closed by an agent; an SMS conversation ended by STOP; the EHR's
requests counted by the action server and included; a scrape without a token and with a wrong
one; endpoints.yml naming a broker that does not exist, or none (the server must refuse to start:
Rasa itself only warns).
"""

from __future__ import annotations

import time
from collections import Counter

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from rasa.shared.core.constants import DEFAULT_INTENTS

from bot.lifecycle import EndReason
from bot.metrics.labels import CHANNELS, HANDOFF_REASONS, OTHER, VERIFICATION_OUTCOMES
from bot.metrics.registry import REMINDER_STATES
from tests.integration.conversation import verify
from tests.integration.fake_twilio import HASHER, SmsPhone, unlisted_number
from tests.integration.stack import (
    INTERNAL_TOKEN,
    METRICS_TOKEN,
    RASA_TOKEN,
    Chat,
    run_until_exit,
)

pytestmark = pytest.mark.integration

Samples = Counter[tuple[str, frozenset[tuple[str, str]]]]


def scrape(rasa_url: str) -> str:
    response = httpx.get(
        f"{rasa_url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=30
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


def samples(text: str) -> Samples:
    """Every sample of the text, by name and labels (parsed by prometheus_client's parser)."""
    found: Samples = Counter()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] += sample.value
    return found


def value(found: Samples, name: str, **labels: str) -> float:
    return found[(name, frozenset(labels.items()))]


def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def test_conversations_move_the_counts_and_the_text_names_no_one(assistant, sandbox, chat):
    """A verified patient who says goodbye, a failed verification ended by the patient, and a
    request for a person closed by an agent: each count moves by what happened, and no patient
    identifier or conversation id appears anywhere in the text."""
    before = samples(scrape(assistant))
    info = sandbox.patient("demo")

    verified = chat
    verified.say("whats my balance")
    verify(verified, info)
    assert "Take care" in verified.said("thats all thanks bye")

    failed = Chat(assistant)
    failed.say("what do i owe")
    failed.say(info.name)
    failed.say("1/1/1901")
    assert "couldn't verify those details" in failed.said(info.postal_code)
    assert failed.end(EndReason.PATIENT_ENDED.value)

    handed_off = Chat(assistant)
    handed_off.say("when is my next appointment")
    assert "connecting you" in handed_off.said("i want to talk to a real person")
    assert handed_off.end(EndReason.AGENT_CLOSED.value)

    text = scrape(assistant)
    after = samples(text)
    chats = (verified, failed, handed_off)

    assert moved(before, after, "frontdesk_conversations_started_total", channel="rest") == 3
    for reason in (EndReason.GOODBYE, EndReason.PATIENT_ENDED, EndReason.AGENT_CLOSED):
        assert (
            moved(before, after, "frontdesk_conversations_ended_total", channel="rest", reason=reason.value)
            == 1
        )
    # Containment: the goodbye and the failed verification, not the handoff (an idle sweep of an
    # earlier test's conversation may end more meanwhile; it never counts a handoff as contained).
    idle = moved(before, after, "frontdesk_conversations_ended_total", channel="rest", reason="idle")
    contained = moved(before, after, "frontdesk_conversations_contained_total", channel="rest")
    assert 2 <= contained <= 2 + idle
    assert moved(before, after, "frontdesk_verifications_total", channel="rest", outcome="verified") == 1
    assert moved(before, after, "frontdesk_verifications_total", channel="rest", outcome="failed") == 1
    assert moved(before, after, "frontdesk_handoffs_total", channel="rest", reason="requested") == 1
    assert moved(before, after, "frontdesk_intents_total", intent="goodbye") == 1
    assert moved(before, after, "frontdesk_intents_total", intent="request_human") == 1
    # Every message got a turn: its latency was observed once.
    messages = sum(len(c.transcript) for c in chats)
    assert moved(before, after, "frontdesk_turn_seconds_count", channel="rest") == messages
    # The action server's EHR requests are included: verifying searched for patients.
    assert value(after, "frontdesk_action_server_up") == 1
    searched = moved(
        before, after, "frontdesk_ehr_requests_total", operation="Patient.search", outcome="success"
    )
    assert searched >= 2
    assert moved(before, after, "frontdesk_ehr_request_seconds_count", operation="Patient.search") == searched

    assert sandbox.leaked_in(text) == []
    for conversation in chats:
        assert conversation.sender not in text


def test_an_sms_conversation_ended_by_stop(assistant, fake_twilio):
    """A text asking for the balance (the assistant asks for a birth date), then STOP: one SMS
    conversation started and ended as opted_out; neither the number nor its conversation id is in
    the text."""
    phone = SmsPhone(assistant, fake_twilio, unlisted_number())
    before = samples(scrape(assistant))
    assert "date of birth" in phone.text("what do I owe")
    assert "unsubscribed" in phone.text("STOP")
    try:
        deadline = time.monotonic() + 10
        while True:  # the channel may end the conversation just after it sends the confirmation
            text = scrape(assistant)
            after = samples(text)
            ended = moved(
                before, after, "frontdesk_conversations_ended_total", channel="sms", reason="opted_out"
            )
            if ended or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert ended == 1
        assert moved(before, after, "frontdesk_conversations_started_total", channel="sms") == 1
        assert moved(before, after, "frontdesk_conversations_contained_total", channel="sms") == 1
        assert moved(before, after, "frontdesk_turn_seconds_count", channel="sms") >= 1
        conversation_id = HASHER.conversation_id(phone.phone)
        for secret in (phone.phone, phone.phone[2:], conversation_id, conversation_id.split(":", 1)[1]):
            assert secret not in text
    finally:
        phone.text("START")  # the opt-out list outlives this test


def test_labels_stay_in_their_fixed_sets(assistant, chat):
    """After a conversation with a message no intent fits: every label value of the scrape is in
    its fixed set, and every intent is one of the model's own, one of Rasa's defaults, or "other"."""
    chat.say("purple elephants sing quietly on tuesdays")
    domain = httpx.get(
        f"{assistant}/domain",
        params={"token": RASA_TOKEN},
        headers={"Accept": "application/json"},
        timeout=30,
    ).json()
    intents = {next(iter(i)) if isinstance(i, dict) else i for i in domain["intents"]}
    intents |= {*DEFAULT_INTENTS, OTHER}
    allowed = {
        "channel": set(CHANNELS),
        "reason": {r.value for r in EndReason} | set(HANDOFF_REASONS),
        "outcome": set(VERIFICATION_OUTCOMES) | {"success", "other"} | _error_names(),
        "state": set(REMINDER_STATES),
        "intent": intents,
    }
    found = samples(scrape(assistant))
    assert found
    for name, labels in found:
        for label, label_value in labels:
            if label == "le":
                continue
            if label == "operation":
                resource, _, interaction = label_value.partition(".")
                assert resource and interaction, label_value
                continue
            assert label_value in allowed[label], (name, label, label_value)


def test_a_scrape_needs_the_metrics_token(assistant):
    """No token, a wrong one, and the internal routes' token instead: 401, and no metric in the answer."""
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Bearer {INTERNAL_TOKEN}"}):
        response = httpx.get(f"{assistant}/metrics", headers=headers, timeout=30)
        assert response.status_code == 401
        assert "frontdesk_" not in response.text


@pytest.mark.parametrize("broker", ["bot.metrics.NoSuchBroker", None])
def test_a_missing_metrics_broker_stops_the_server(tmp_path, broker):
    """endpoints.yml naming a broker class that does not exist, or no broker: Rasa would run
    without counting; the server exits with status 3 and says why, and never answers a message."""
    text = "tracker_store:\n  type: bot.store.EphemeralTrackerStore\n"
    status, output, answered = run_until_exit(
        text + (f"event_broker:\n  type: {broker}\n" if broker else ""), tmp_path
    )
    assert status == 3, output[-2000:]
    assert "Refusing to start: the conversation store does not publish to bot.metrics.MetricsBroker" in output
    assert not answered


def _error_names() -> set[str]:
    from actions.metrics import OUTCOMES

    return set(OUTCOMES)
