"""The audit log (append-only JSON lines, 0600) and the pages' escaping."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from bot.console.audit import AuditLog
from bot.console.html import Safe, render
from bot.console.queue import Entry
from bot.console.views import conversation_page, queue_page

PAYLOADS = ("<script>alert(1)</script>", '<img src=x onerror="alert(1)">', "\"'><b>x</b>&amp;")


def test_records_are_appended_as_json_lines_in_a_0600_file(tmp_path: Path) -> None:
    """Three records: three lines, in order, with who/what/which patient/when and nothing else."""
    path = tmp_path / "audit" / "log.jsonl"
    log = AuditLog(path)
    log.record("ana", "take", "Patient/p1", "e1")
    log.record("ana", "view_context", "Patient/p1", "e1")
    log.record("bo", "list_queue", None, "e2")
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [line["action"] for line in lines] == ["take", "view_context", "list_queue"]
    assert set(lines[0]) == {"at", "agent", "action", "patient", "entry"}
    assert lines[0]["patient"] == "Patient/p1" and lines[2]["patient"] is None
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_an_existing_log_is_appended_to_and_narrowed_to_0600(tmp_path: Path) -> None:
    """A log found with mode 0644 keeps its lines, gets the new one after them, and becomes 0600."""
    path = tmp_path / "log.jsonl"
    path.write_text('{"earlier": true}\n')
    os.chmod(path, 0o644)
    AuditLog(path).record("ana", "take", "Patient/p1", "e1")
    lines = path.read_text().splitlines()
    assert lines[0] == '{"earlier": true}' and json.loads(lines[1])["agent"] == "ana"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_an_unknown_action_is_refused(tmp_path: Path) -> None:
    """Only the console's own actions are recorded (no free text can slip in as an action)."""
    with pytest.raises(ValueError):
        AuditLog(tmp_path / "log").record("ana", "said hello", None, "e1")
    assert not (tmp_path / "log").exists()


@pytest.mark.parametrize("payload", PAYLOADS)
def test_render_escapes_every_value_that_is_not_safe(payload: str) -> None:
    """A value in an element or an attribute comes out escaped; Safe markup is kept as is."""
    out = render('<p title="{value}">{value}</p>{markup}', value=payload, markup=Safe("<br>"))
    assert "<script" not in out and "<img" not in out and "<b>" not in out
    assert out.endswith("<br>")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_patient_text_is_escaped_in_the_conversation_and_queue_pages(payload: str) -> None:
    """A patient's message, and an odd reason or agent name, never reach a page as markup."""
    entry = Entry("e1", "rest:x", payload, "normal", "rest", False, None, (payload,), 0.0, 1, payload)
    lines = [{"sender": "user", "text": payload}, {"sender": "bot", "text": "ok"}]
    page = conversation_page(entry, None, lines, payload, "token")
    listing = queue_page([(entry, None)], "ana", "token")
    for out in (page, listing):
        assert "<script>" not in out and "<img" not in out and "<b>" not in out
    assert "&lt;script&gt;" in page or "&lt;img" in page or "&lt;b&gt;" in page


def test_the_queue_page_leads_to_the_callback_requests_and_the_metrics() -> None:
    """The queue is the console's home: the other two pages are a link away (and back)."""
    listing = queue_page([], "ana", "token")
    assert '<a href="/console/callbacks">' in listing and '<a href="/console/metrics">' in listing
