"""The reminder outbox's counts by state, read for each scrape (docs/reminders.md).

The reminder job runs in its own process (``python -m bot reminders run``) and keeps its state in
the SQLite outbox, so the outbox is where the figures are. It is opened read-only: a scrape never
creates the file, writes to it or waits long for a run's lock. Only states are read, never a
reference or a number key.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from bot.reminders.outbox import FAILED, OPTED_OUT, PENDING, SENDING, SENT, SKIPPED
from bot.reminders.settings import DEFAULT_OUTBOX

OUTBOX_ENV = "REMINDER_OUTBOX"
OPTED_OUT_DETAIL = OPTED_OUT  # the detail the job records when a number opted out
STATES = {PENDING: "pending", SENDING: "sending", SENT: "sent", FAILED: "failed", SKIPPED: "skipped"}


def outbox_path() -> Path:
    """Where the reminder job keeps its outbox (``REMINDER_OUTBOX``, as bot/reminders/settings.py)."""
    return Path(os.environ.get(OUTBOX_ENV) or DEFAULT_OUTBOX)


def reminder_counts(path: Path | None = None) -> dict[str, int]:
    """Reminders by exported state; all zero when there is no outbox yet.

    "opted_out" counts the skipped ones left out for an opt-out; "skipped" the others.
    Raises ``sqlite3.Error`` when the file exists but cannot be read."""
    path = path or outbox_path()
    counts = dict.fromkeys([*STATES.values(), "opted_out"], 0)
    if not path.exists():
        return counts
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=1)
    try:
        rows = db.execute(
            "SELECT state, state = ? AND detail = ?, COUNT(*) FROM reminder GROUP BY 1, 2",
            (SKIPPED, OPTED_OUT_DETAIL),
        ).fetchall()
    finally:
        db.close()
    for state, opted_out, count in rows:
        name = "opted_out" if opted_out else STATES.get(state)
        if name is not None:
            counts[name] += int(count)
    return counts
