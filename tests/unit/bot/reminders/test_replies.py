"""C, R and X are read as answers only after a reminder was sent to that number, recently."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from bot.reminders.outbox import SENT, Outbox
from bot.reminders.replies import REPLY_WINDOW, last_reminded_appointment, reminder_reply


@pytest.fixture
def outbox(tmp_path: Path) -> Path:
    box = Outbox(tmp_path / "reminders.sqlite3")
    for key, ref, number in (
        ("appointment:a1:48h", "Appointment/a1", "k1"),
        ("appointment:a2:24h", "Appointment/a2", "k1"),
        ("bill:p1:2026-11-01", "Patient/p1", "k2"),
    ):
        box.add(key, key.split(":")[0], ref)
        box.claim(key, number, "2026-12-01")
        box.finish(key, SENT)
    box.close()
    return box.path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("C", ("/confirm_appointment", {"reminder_appointment": "a2"})),
        (" c. ", ("/confirm_appointment", {"reminder_appointment": "a2"})),
        ("R", ("/reschedule_appointment", {})),
        ("x!", ("/cancel_appointment", {})),
    ],
)
def test_a_letter_after_a_reminder_is_an_answer_to_the_latest(outbox: Path, text: str, expected) -> None:
    assert reminder_reply(text, outbox, "k1") == expected


@pytest.mark.parametrize("text", ["CC", "cancel", "C please", "Y", "", "/confirm_appointment"])
def test_other_words_are_not_answers(outbox: Path, text: str) -> None:
    """Tried: two letters, a word, a letter with more, another letter, nothing, a raw intent."""
    assert reminder_reply(text, outbox, "k1") is None


def test_no_reminder_no_answer(outbox: Path, tmp_path: Path) -> None:
    """Tried: a number sent only a bill reminder, a number never texted, no outbox file at all,
    and a reminder older than the window."""
    assert reminder_reply("C", outbox, "k2") is None
    assert reminder_reply("C", outbox, "never") is None
    assert reminder_reply("C", tmp_path / "missing.sqlite3", "k1") is None
    assert not (tmp_path / "missing.sqlite3").exists()
    with sqlite3.connect(outbox) as db:
        db.execute("UPDATE reminder SET updated_at = ?", (time.time() - REPLY_WINDOW - 60,))
    assert last_reminded_appointment(outbox, "k1") is None
