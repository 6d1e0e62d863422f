"""Who asked not to be texted, kept across restarts.

A small SQLite file, ``<SMS_DATA_DIR>/opt-outs.sqlite3``, with one row per opted-out number: the
number's keyed hash (``NumberHasher.opt_out_key``), never the number, and the time of the opt-out
(a clinic may be asked when it stopped texting someone). Resubscribing deletes the row.

Each call opens and closes its own connection: calls are rare (a keyword, a check before each
send), SQLite serialises writers itself, and nothing stays open across the event loop's awaits.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

FILE_NAME = "opt-outs.sqlite3"


class OptOutStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connection() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS opt_out (key TEXT PRIMARY KEY, opted_out_at TEXT NOT NULL)"
            )
        path.chmod(0o600)

    @classmethod
    def in_dir(cls, data_dir: Path) -> OptOutStore:
        return cls(data_dir / FILE_NAME)

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=5)
        try:
            with db:  # commits, or rolls back on an exception
                yield db
        finally:
            db.close()

    def opt_out(self, key: str) -> bool:
        """Record an opt-out; True if the number was not opted out already."""
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self._connection() as db:
            cursor = db.execute("INSERT OR IGNORE INTO opt_out (key, opted_out_at) VALUES (?, ?)", (key, now))
            return cursor.rowcount == 1

    def opt_in(self, key: str) -> bool:
        """Remove an opt-out; True if there was one."""
        with self._connection() as db:
            return db.execute("DELETE FROM opt_out WHERE key = ?", (key,)).rowcount == 1

    def is_opted_out(self, key: str) -> bool:
        with self._connection() as db:
            return db.execute("SELECT 1 FROM opt_out WHERE key = ?", (key,)).fetchone() is not None

    def count(self) -> int:
        with self._connection() as db:
            row = db.execute("SELECT COUNT(*) FROM opt_out").fetchone()
            return int(row[0])
