"""The durable outbox: one row per reminder, holding references and send state, never text.

    key         "appointment:<Appointment id>:<window>h" or "bill:<Patient id>:<period start>"
    reference   the FHIR reference the reminder is about (Appointment/<id> or Patient/<id>)
    state       pending -> sending -> sent; or skipped (opted out, no longer due), failed
    number_key  a salted hash of the number it goes to (the daily cap counts by it)
    day         the clinic-zone date it was claimed on (the daily cap's day)

A row moves to ``sending`` only by a conditional update from ``pending``, so two runs at once
cannot both claim it; every change is committed before the next step (SQLite, WAL journal).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PENDING, SENDING, SENT, SKIPPED, FAILED = "pending", "sending", "sent", "skipped", "failed"
MAX_ATTEMPTS = 3
OPTED_OUT = "opted out"  # the detail of a reminder skipped because its number opted out

_SCHEMA = """
CREATE TABLE IF NOT EXISTS reminder (
    key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    reference TEXT NOT NULL,
    state TEXT NOT NULL,
    number_key TEXT,
    day TEXT,
    claimed_at REAL,
    attempts INTEGER NOT NULL DEFAULT 0,
    detail TEXT,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS reminder_cap ON reminder (number_key, day, state);
"""


@dataclass(frozen=True)
class Row:
    key: str
    kind: str
    reference: str
    state: str
    number_key: str | None
    day: str | None
    claimed_at: float | None
    attempts: int
    detail: str | None


class Outbox:
    """One connection for the outbox's life (``close`` it); each change is its own commit."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=30, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # a claim is on disk before its text goes out
        self._db.executescript(_SCHEMA)

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        yield self._db

    def close(self) -> None:
        self._db.close()

    def add(self, key: str, kind: str, reference: str) -> bool:
        """Record a due reminder as pending; False when it is already known (in any state)."""
        with self._connection() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO reminder (key, kind, reference, state, updated_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (key, kind, reference, PENDING, time.time()),
            )
            return cursor.rowcount == 1

    def get(self, key: str) -> Row | None:
        with self._connection() as db:
            found = db.execute(f"SELECT {_COLUMNS} FROM reminder WHERE key = ?", (key,)).fetchone()
        return Row(*found) if found else None

    def in_state(self, state: str) -> list[Row]:
        with self._connection() as db:
            rows = db.execute(f"SELECT {_COLUMNS} FROM reminder WHERE state = ? ORDER BY key", (state,))
            return [Row(*r) for r in rows.fetchall()]

    def sent_on(self, number_key: str, day: str) -> bool:
        """Whether that number was sent (or is being sent) a reminder on that day."""
        with self._connection() as db:
            found = db.execute(
                "SELECT 1 FROM reminder WHERE number_key = ? AND day = ? AND state IN (?, ?) LIMIT 1",
                (number_key, day, SENDING, SENT),
            ).fetchone()
        return found is not None

    def claim(self, key: str, number_key: str, day: str) -> bool:
        """pending -> sending, before the text goes out; False if another run has it."""
        with self._connection() as db:
            cursor = db.execute(
                "UPDATE reminder SET state = ?, number_key = ?, day = ?, claimed_at = ?, "
                "attempts = attempts + 1, updated_at = ? WHERE key = ? AND state = ?",
                (SENDING, number_key, day, time.time(), time.time(), key, PENDING),
            )
            return cursor.rowcount == 1

    def finish(self, key: str, state: str, detail: str | None = None) -> None:
        """sending (or pending) -> ``state``; a failure under MAX_ATTEMPTS goes back to pending."""
        with self._connection() as db:
            if state == FAILED:
                row = db.execute("SELECT attempts FROM reminder WHERE key = ?", (key,)).fetchone()
                if row and row[0] < MAX_ATTEMPTS:
                    state = PENDING
            db.execute(
                "UPDATE reminder SET state = ?, detail = ?, updated_at = ? WHERE key = ?",
                (state, detail, time.time(), key),
            )

    def counts(self) -> dict[str, int]:
        with self._connection() as db:
            rows = db.execute("SELECT state, COUNT(*) FROM reminder GROUP BY state").fetchall()
        return {state: count for state, count in rows}


_COLUMNS = "key, kind, reference, state, number_key, day, claimed_at, attempts, detail"
