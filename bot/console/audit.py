"""The console's audit log: who looked at which patient's context, when, doing what.

One JSON object per line: ``{"at": ISO-8601 UTC, "agent": name, "action": ..., "patient":
"Patient/<id>" or null, "entry": the queue entry's opaque id}``. Never a message's text, a name or
an MRN: the patient reference is what a compliance review follows into the EHR's own audit.

The file (``CONSOLE_AUDIT_LOG``, default ``var/console-audit.jsonl``) is opened with O_APPEND for
every record, created with mode 0600 (and put back to 0600 if found wider), and written with one
``write`` per line, so records are never interleaved or rewritten. Nothing in Frontdesk truncates
or edits it; on Linux ``chattr +a`` makes the file system refuse it too (docs/console.md).
"""

from __future__ import annotations

import json
import os
import stat
import threading
from datetime import datetime, timezone
from pathlib import Path

AUDIT_LOG_ENV = "CONSOLE_AUDIT_LOG"
DEFAULT_AUDIT_LOG = Path(__file__).resolve().parents[2] / "var" / "console-audit.jsonl"
ACTIONS = frozenset(
    {"list_queue", "take", "view_context", "reply", "return", "end", "list_callbacks", "complete_callback"}
)


def audit_log_path() -> Path:
    raw = os.environ.get(AUDIT_LOG_ENV, "").strip()
    return Path(raw) if raw else DEFAULT_AUDIT_LOG


class AuditLog:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or audit_log_path()
        self._lock = threading.Lock()

    def record(self, agent: str, action: str, patient_reference: str | None, entry_id: str) -> None:
        if action not in ACTIONS:
            raise ValueError(f"unknown audit action {action!r}")
        line = json.dumps(
            {
                "at": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
                "agent": agent,
                "action": action,
                "patient": patient_reference,
                "entry": entry_id,
            },
            separators=(",", ":"),
        )
        data = (line + "\n").encode("utf-8")
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                if stat.S_IMODE(os.fstat(descriptor).st_mode) != 0o600:
                    os.fchmod(descriptor, 0o600)
                os.write(descriptor, data)
            finally:
                os.close(descriptor)
