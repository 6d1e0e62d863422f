"""The handoff queue: what a handoff puts in it, its order, taking, and what it keeps."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from actions.ehr import EHRError
from actions.ehr.domain import Allergy, Appointment, Clinician, Condition, Medication, Patient, Place
from bot.console.context import fetch_context, fill
from bot.console.queue import HandoffQueue, TakeOutcome
from bot.console.settings import ConsoleSettings
from bot.console.state import Console
from bot.lifecycle import EndReason
from bot.metrics import broker as metrics_broker
from bot.metrics.broker import MetricsBroker
from bot.metrics.registry import ConversationMetrics
from settings.clinic import ClinicSettings, SettingsError, load_clinic_settings


def user(sender: str, intent: str, text: str = "some words") -> dict[str, Any]:
    return {"event": "user", "sender_id": sender, "text": text, "parse_data": {"intent": {"name": intent}}}


def slot(sender: str, name: str, value: object) -> dict[str, Any]:
    return {"event": "slot", "sender_id": sender, "name": name, "value": value}


def handoff(
    queue: HandoffQueue, sender: str, reason: str, priority: str, verified_as: str | None = None
) -> None:
    queue.observe(user(sender, "ask_balance"))
    if verified_as:
        queue.observe(slot(sender, "verified", True))
        queue.observe(slot(sender, "patient_id", verified_as))
    queue.observe(user(sender, "request_human", "a person please"))
    queue.observe(slot(sender, "handoff_reason", reason))
    queue.observe(slot(sender, "handoff_priority", priority))
    queue.observe({"event": "pause", "sender_id": sender})


def test_a_pause_queues_the_conversation_with_its_reason_channel_and_topic() -> None:
    """A REST conversation asking for a person: reason, channel, topic (no greetings), not verified."""
    queue = HandoffQueue()
    queue.observe(user("rest:a", "greet"))
    handoff(queue, "rest:a", "requested", "normal")
    [entry] = queue.entries()
    assert (entry.reason, entry.priority, entry.channel) == ("requested", "normal", "rest")
    assert entry.topic == ("ask_balance", "request_human")
    assert not entry.verified and entry.patient_id is None
    assert "rest:a" not in entry.id  # agents see an opaque id


def test_emergencies_come_first_then_the_longest_waiting() -> None:
    """Queued in the order normal, urgent, normal, urgent: listed urgent, urgent, normal, normal,
    each group oldest first; channels from the id's namespace."""
    queue = HandoffQueue()
    handoff(queue, "web:1", "requested", "normal")
    handoff(queue, "sms:2", "emergency", "urgent")
    handoff(queue, "rest:3", "payment_plan", "normal")
    handoff(queue, "odd-id", "self_harm", "urgent")
    listed = [(e.channel, e.reason) for e in queue.entries()]
    assert listed == [
        ("sms", "emergency"),
        ("other", "self_harm"),
        ("web", "requested"),
        ("rest", "payment_plan"),
    ]


def test_an_unverified_patient_carries_no_patient_id_even_with_one_in_the_slots() -> None:
    """A patient_id slot without verified=True (or verified later set false) is not kept."""
    queue = HandoffQueue()
    queue.observe(user("rest:u", "ask_balance"))
    queue.observe(slot("rest:u", "patient_id", "p-1"))
    queue.observe({"event": "pause", "sender_id": "rest:u"})
    queue.observe(user("rest:v", "ask_balance"))
    queue.observe(slot("rest:v", "verified", True))
    queue.observe(slot("rest:v", "patient_id", "p-2"))
    queue.observe(slot("rest:v", "verified", False))
    queue.observe({"event": "pause", "sender_id": "rest:v"})
    assert [(e.verified, e.patient_id) for e in queue.entries()] == [(False, None), (False, None)]


def test_a_new_session_forgets_the_last_ones_verification() -> None:
    """Verified, then a new session starts: a handoff in it is not verified."""
    queue = HandoffQueue()
    queue.observe(user("web:s", "ask_balance"))
    queue.observe(slot("web:s", "verified", True))
    queue.observe(slot("web:s", "patient_id", "p-1"))
    queue.observe({"event": "session_started", "sender_id": "web:s"})
    handoff(queue, "web:s", "requested", "normal")
    assert queue.entries()[0].patient_id is None


@pytest.mark.asyncio
async def test_resume_and_end_take_the_entry_out_and_end_forgets_everything() -> None:
    """A resumed conversation leaves the queue; an ended one leaves nothing behind at all."""
    queue = HandoffQueue()
    handoff(queue, "rest:r", "requested", "normal")
    handoff(queue, "rest:e", "requested", "normal", verified_as="p-1")
    queue.observe({"event": "resume", "sender_id": "rest:r"})
    assert [e.sender_id for e in queue.entries()] == ["rest:e"]
    await queue.conversation_ended("rest:e", EndReason.AGENT_CLOSED)
    await queue.conversation_ended("rest:r", EndReason.IDLE)
    assert queue.entries() == [] and queue.watching() == 0


@pytest.mark.asyncio
async def test_two_agents_racing_for_one_entry_get_one_winner() -> None:
    """Ten takes at once by two agents: one agent has it; the other is told who; a gone entry is gone."""
    queue = HandoffQueue()
    handoff(queue, "rest:t", "requested", "normal")
    entry_id = queue.entries()[0].id
    results = await asyncio.gather(*(queue.take(entry_id, "ana" if i % 2 else "bo") for i in range(10)))
    winners = {r.taken_by for r in results if r.outcome is TakeOutcome.TAKEN}
    assert len(winners) == 1
    losers = [r for r in results if r.outcome is TakeOutcome.TAKEN_BY_ANOTHER]
    assert len(losers) == 5 and all(r.taken_by in winners and r.entry is None for r in losers)
    assert (await queue.take("nope", "ana")).outcome is TakeOutcome.GONE


@pytest.mark.asyncio
async def test_the_metrics_broker_passes_every_event_to_listeners_and_survives_their_errors() -> None:
    """The hook: a listener sees each published event; one that raises breaks neither counting nor others."""
    seen: list[str] = []

    def broken(event: dict[str, Any]) -> None:
        raise RuntimeError("boom")

    broker = MetricsBroker(ConversationMetrics())
    metrics_broker.on_event(broken)
    metrics_broker.on_event(lambda e: seen.append(e["event"]))
    try:
        broker.publish(user("rest:m", "greet"))
        broker.publish({"event": "pause", "sender_id": "rest:m"})
    finally:
        for listener in list(metrics_broker._event_listeners):
            metrics_broker.remove_event_listener(listener)
        await broker.close()
    assert seen == ["user", "pause"]


class Records:
    """A fake EHR for the context (unit test only)."""

    def __init__(self, fail: set[str] | None = None) -> None:
        self.fail = fail or set()
        self.asked: list[str] = []

    async def _maybe_fail(self, what: str) -> None:
        self.asked.append(what)
        if what in self.fail:
            raise EHRError("down")

    async def get_patient(self, patient_id: str) -> Patient:
        await self._maybe_fail("patient")
        return Patient(patient_id, "Dana", "Whitfield", date(1984, 3, 14), mrn="MRN/7")

    async def upcoming_appointments(self, patient_id: str, *, limit: int = 10) -> list[Appointment]:
        await self._maybe_fail("appointments")
        start = datetime(2030, 1, 7, 15, 0, tzinfo=timezone.utc)
        return [
            Appointment(
                "a1",
                start,
                start + timedelta(minutes=30),
                "booked",
                "follow-up",
                Clinician("c1", "Dr. Ada Park"),
                Place("l1", "Medford"),
            )
        ]

    async def active_medications(self, patient_id: str) -> list[Medication]:
        await self._maybe_fail("medications")
        return [Medication("m1", "Lisinopril 10 mg", "active", 2)]

    async def active_conditions(self, patient_id: str) -> list[Condition]:
        await self._maybe_fail("conditions")
        return [Condition("c1", "Hypertension", "active")]

    async def allergies(self, patient_id: str) -> list[Allergy]:
        await self._maybe_fail("allergies")
        return [Allergy("al1", "Penicillin", "high", ("hives",))]


CLINIC = ClinicSettings(
    name="C",
    timezone="America/New_York",
    phone="1",
    hours="h",
    ehr_chart_url_template="https://ehr.example/chart/{patient_id}",
    crm_url_template="https://crm.example/p?mrn={mrn}",
)


@pytest.mark.asyncio
async def test_a_verified_patients_context_and_links() -> None:
    """Name, MRN, URL-quoted links, and the four parts of the summary in the clinic's time."""
    context = await fetch_context(Records(), "p 1", CLINIC)
    assert (context.name, context.mrn, context.patient_reference) == (
        "Dana Whitfield",
        "MRN/7",
        "Patient/p 1",
    )
    assert context.chart_url == "https://ehr.example/chart/p%201"
    assert context.crm_url == "https://crm.example/p?mrn=MRN%2F7"
    assert context.appointments == ("Mon 2030-01-07 10:00 follow up with Dr. Ada Park at Medford",)
    assert context.medications == ("Lisinopril 10 mg",)
    assert context.conditions == ("Hypertension",)
    assert context.allergies == ("Penicillin (hives), criticality high",)
    assert context.problem is None


@pytest.mark.asyncio
async def test_an_ehr_failure_gives_what_could_be_read_and_says_so() -> None:
    """Allergies failing: the rest is shown with a note; the patient failing: only the note."""
    partial = await fetch_context(Records({"allergies"}), "p1", CLINIC)
    assert partial.medications and partial.allergies == () and partial.problem
    nothing = await fetch_context(Records({"patient"}), "p1", CLINIC)
    assert nothing.name is None and nothing.problem and not nothing.complete


@pytest.mark.asyncio
async def test_the_console_reads_nothing_from_the_record_for_an_unverified_patient() -> None:
    """The same conversation unverified: no EHR call, no context; verified: one fetch, then cached."""
    records = Records()
    console = Console(ConsoleSettings(), records=records, clinic=CLINIC)
    handoff(console.queue, "rest:u", "requested", "normal")
    unverified = console.queue.entries()[0]
    assert await console.context(unverified) is None and records.asked == []
    handoff(console.queue, "rest:v", "requested", "normal", verified_as="p1")
    verified = next(e for e in console.queue.entries() if e.verified)
    context = await console.context(verified)
    assert context is not None and context.name == "Dana Whitfield"
    await console.context(verified)
    assert records.asked.count("patient") == 1
    await console.conversation_ended("rest:v", EndReason.AGENT_CLOSED)
    assert console.queue.get(verified.id) is None and console.loaded_context(verified) is None


def test_url_templates_in_the_clinic_settings(tmp_path: Any) -> None:
    """Optional; only {patient_id} and {mrn}; http(s) only; a template needing a missing MRN gives no link."""
    base = "name: C\nphone: '1'\nhours: h\n"
    path = tmp_path / "clinic.yml"
    path.write_text(base)
    assert load_clinic_settings({"CLINIC_CONFIG": str(path)}).crm_url_template is None
    for bad in ("https://x/{ssn}", "javascript:alert(1)//{mrn}", "https://x/{0}"):
        path.write_text(base + f"crm_url_template: '{bad}'\n")
        with pytest.raises(SettingsError, match="URL template"):
            load_clinic_settings({"CLINIC_CONFIG": str(path)})
    assert fill("https://x/?m={mrn}", "p1", None) is None
    assert fill(None, "p1", "m") is None


@pytest.mark.asyncio
async def test_an_unexpected_failure_reading_the_record_is_a_note_not_a_crash(caplog: Any) -> None:
    """The EHR client raising something unexpected (with a name in its text): the agent gets a note,
    the log gets the error's type only."""

    class Broken(Records):
        async def get_patient(self, patient_id: str) -> Patient:
            raise RuntimeError("Dana Whitfield")

    console = Console(ConsoleSettings(), records=Broken(), clinic=CLINIC)
    handoff(console.queue, "rest:b", "requested", "normal", verified_as="p1")
    context = await console.context(console.queue.entries()[0])
    assert context is not None and context.problem and context.name is None
    assert "Whitfield" not in caplog.text and "RuntimeError" in caplog.text
