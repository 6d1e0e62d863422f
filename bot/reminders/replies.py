"""A text of just C, R or X, in reply to a reminder: what the SMS channel passes on instead.

Only within ``REPLY_WINDOW`` of an appointment reminder sent to that number (found in the
outbox by the number's salted hash) is a single letter read as an answer to it:

    C  ->  intent confirm_appointment, with the reminder's appointment as message metadata
    R  ->  intent reschedule_appointment (the ordinary flow: date of birth first)
    X  ->  intent cancel_appointment (likewise)

Anything else, or the same letters with no recent reminder, goes to the assistant as written.
"""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path
from typing import Any

from bot.reminders.outbox import SENT

REPLY_WINDOW = 72 * 3600.0
INTENTS = {"C": "confirm_appointment", "R": "reschedule_appointment", "X": "cancel_appointment"}
_LETTER = re.compile(r"^\s*([crxCRX])\s*[.!]?\s*$")


def last_reminded_appointment(outbox: Path, number_key: str, within: float = REPLY_WINDOW) -> str | None:
    """The Appointment id of the last appointment reminder sent to that number, if recent."""
    if not outbox.exists():
        return None
    with sqlite3.connect(f"file:{outbox}?mode=ro", uri=True, timeout=5) as db:
        found = db.execute(
            "SELECT reference FROM reminder WHERE kind = 'appointment' AND state = ? AND number_key = ? "
            "AND updated_at >= ? ORDER BY updated_at DESC LIMIT 1",
            (SENT, number_key, time.time() - within),
        ).fetchone()
    return str(found[0]).removeprefix("Appointment/") if found else None


def reminder_reply(text: str, outbox: Path, number_key: str) -> tuple[str, dict[str, Any]] | None:
    """(what to pass to the assistant, metadata to add), or None when ``text`` is not a reply."""
    letter = _LETTER.match(text or "")
    if letter is None:
        return None
    appointment_id = last_reminded_appointment(outbox, number_key)
    if appointment_id is None:
        return None
    code = letter.group(1).upper()
    metadata = {"reminder_appointment": appointment_id} if code == "C" else {}
    return f"/{INTENTS[code]}", metadata
