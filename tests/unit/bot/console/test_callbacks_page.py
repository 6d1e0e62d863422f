"""The console's list of open callback requests: the patients, the audit lines, "done", an EHR
that fails, and a patient name that is markup (shown as text)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

import pytest

from actions.ehr import EHRUnavailable, NotFound, OpenCallback, Patient
from bot.console.audit import AuditLog
from bot.console.callbacks_page import callbacks_page, complete, listed
from bot.console.sessions import Session
from bot.console.settings import load_console_settings
from bot.console.state import Console
from settings.clinic import ClinicSettings

CLINIC = ClinicSettings(
    name="Test Clinic",
    timezone="America/New_York",
    phone="1",
    hours="h",
    ehr_chart_url_template="https://ehr.example/chart/{patient_id}",
)


@dataclass
class Records:
    callbacks: list[OpenCallback] = field(default_factory=list)
    patients: dict[str, Patient] = field(default_factory=dict)
    done: list[str] = field(default_factory=list)
    fail: Exception | None = None

    async def open_callbacks(self, *, limit: int = 100) -> list[OpenCallback]:
        if self.fail:
            raise self.fail
        return [c for c in self.callbacks if c.task_id not in self.done][:limit]

    async def complete_callback(self, task_id: str) -> str | None:
        if self.fail:
            raise self.fail
        found = next((c for c in self.callbacks if c.task_id == task_id), None)
        if found is None:
            raise NotFound("Task")
        self.done.append(task_id)
        return found.patient_id

    async def get_patient(self, patient_id: str) -> Patient:
        if patient_id not in self.patients:
            raise EHRUnavailable("down")
        return self.patients[patient_id]


def console_with(records: Records, tmp_path) -> Console:
    return Console(
        load_console_settings({}), records=records, audit=AuditLog(tmp_path / "audit.jsonl"), clinic=CLINIC
    )


def records() -> Records:
    at = datetime(2026, 11, 28, 15, 0, tzinfo=timezone.utc)
    return Records(
        callbacks=[
            OpenCallback("3f2a9c1b-aaaa", "p1", at, "asked for a person", "Call the patient back (web chat)"),
            OpenCallback("77e0d2c4-bbbb", "p2", at, "frustrated with the assistant", None),
        ],
        patients={
            "p1": Patient(
                "p1", "<script>alert(1)</script>", "Doe", date(1980, 1, 1), phones=("+16175550100",)
            )
        },
    )


@pytest.mark.asyncio
async def test_the_list_names_the_patients_and_audits_each_line(tmp_path):
    """Tried: two open callbacks, one patient whose record cannot be read (listed without a name)."""
    console = console_with(records(), tmp_path)
    rows = await listed(console, "ana")
    assert [r["reference"] for r in rows] == ["3F2A9C1B", "77E0D2C4"]
    assert rows[0]["patient"] == {
        "name": "<script>alert(1)</script> Doe",
        "phones": ["+16175550100"],
        "chart_url": "https://ehr.example/chart/p1",
    }
    assert rows[1]["patient"] is None
    lines = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert [(x["action"], x["patient"], x["entry"]) for x in lines] == [
        ("list_callbacks", "Patient/p1", "Task/3f2a9c1b-aaaa"),
        ("list_callbacks", "Patient/p2", "Task/77e0d2c4-bbbb"),
    ]
    assert "Doe" not in (tmp_path / "audit.jsonl").read_text()


@pytest.mark.asyncio
async def test_done_completes_and_audits_and_an_unknown_id_is_not_found(tmp_path):
    source = records()
    console = console_with(source, tmp_path)
    await complete(console, "ana", "3f2a9c1b-aaaa")
    assert source.done == ["3f2a9c1b-aaaa"]
    assert [r["id"] for r in await listed(console, "ana")] == ["77e0d2c4-bbbb"]
    with pytest.raises(NotFound):
        await complete(console, "ana", "nope")
    last = json.loads((tmp_path / "audit.jsonl").read_text().splitlines()[0])
    assert last["action"] == "complete_callback" and last["patient"] == "Patient/p1"


@pytest.mark.asyncio
async def test_an_ehr_that_fails_raises_for_the_route_to_answer(tmp_path):
    console = console_with(Records(fail=EHRUnavailable("down")), tmp_path)
    with pytest.raises(EHRUnavailable):
        await listed(console, "ana")
    with pytest.raises(EHRUnavailable):
        await complete(console, "ana", "x")


@pytest.mark.asyncio
async def test_the_page_shows_markup_as_text(tmp_path):
    """Tried: a patient named <script>alert(1)</script>: escaped in the page, never markup."""
    console = console_with(records(), tmp_path)
    rows = await listed(console, "ana")
    html = callbacks_page(rows, console, Session("s", "ana", "csrf-token", 0.0), None)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Doe" in html
    assert 'action="/console/callbacks/3f2a9c1b-aaaa/done"' in html and "csrf-token" in html
    assert "10:00 AM EST" in html  # 15:00 UTC in the clinic's zone
