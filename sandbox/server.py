"""Start and stop the sandbox EHR (``node sandbox/server.mjs``) from Python.

    with SandboxEHR() as ehr:          # a free port on 127.0.0.1
        httpx.get(f"{ehr.base_url}/metadata")

The server is started with ``--exit-on-stdin-eof`` and a pipe as its stdin: if this
process dies, however it dies, the pipe closes and the server exits, so no node process
outlives its parent.
"""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import subprocess
import sys
import threading
from collections import deque
from pathlib import Path
from types import TracebackType
from typing import IO

SANDBOX_DIR = Path(__file__).resolve().parent
SERVER_SCRIPT = SANDBOX_DIR / "server.mjs"
_READY = "ready "
_EOF = object()


class SandboxError(RuntimeError):
    """The sandbox EHR could not be started."""


class SandboxEHR:
    """One sandbox EHR server process. Not thread-safe; start and stop from one thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, log: bool = False) -> None:
        self.host = host
        self.port = port
        self.log = log
        self.base_url: str | None = None
        self._proc: subprocess.Popen[str] | None = None
        self._stdout_lines: queue.Queue[object] = queue.Queue()
        self._stderr_tail: deque[str] = deque(maxlen=200)
        self._readers: list[threading.Thread] = []

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout: float = 10.0) -> str:
        """Start the server and wait for it to listen; returns the FHIR base URL."""
        if self._proc is not None:
            raise SandboxError("the sandbox EHR is already started")
        node = shutil.which("node")
        if node is None:
            raise SandboxError("node was not found on PATH (the sandbox EHR needs Node.js >= 20.19)")
        if not (SANDBOX_DIR / "node_modules" / "@medplum" / "fhir-router").is_dir():
            raise SandboxError(f"{SANDBOX_DIR / 'node_modules'} is missing or incomplete: run make setup")

        self._stdout_lines = queue.Queue()
        self._stderr_tail.clear()
        env = {**os.environ, "SANDBOX_HOST": self.host, "SANDBOX_PORT": str(self.port)}
        if self.log:
            env["SANDBOX_LOG"] = "1"
        self._proc = subprocess.Popen(
            [node, str(SERVER_SCRIPT), "--exit-on-stdin-eof"],
            cwd=SANDBOX_DIR,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            # Its own session: a Ctrl-C in the terminal reaches this process, which
            # then stops the server in order, instead of both racing to exit.
            start_new_session=True,
        )
        assert self._proc.stdout is not None and self._proc.stderr is not None
        # Both pipes are drained for the server's whole life: a full pipe would block it.
        self._readers = [
            threading.Thread(target=self._read_stdout, args=(self._proc.stdout,), daemon=True),
            threading.Thread(target=self._read_stderr, args=(self._proc.stderr,), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

        try:
            line = self._stdout_lines.get(timeout=timeout)
        except queue.Empty:
            self.stop()
            raise SandboxError(
                f"the sandbox EHR did not become ready in {timeout:g} s{self._stderr_text()}"
            ) from None
        if line is _EOF or not str(line).startswith(_READY):
            proc = self._proc
            self.stop()
            raise SandboxError(
                f"the sandbox EHR exited early (exit code {proc.returncode}){self._stderr_text()}"
            )
        self.base_url = str(line)[len(_READY) :].strip()
        return self.base_url

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM, then SIGKILL after `timeout` seconds; waits for the process to end."""
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._cleanup()

    def _cleanup(self) -> None:
        proc = self._proc
        if proc is None:
            return
        if proc.stdin:
            with contextlib.suppress(OSError):
                proc.stdin.close()
        for reader in self._readers:
            reader.join(timeout=5)
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()
        self._readers = []
        self._proc = None
        self.base_url = None

    def _read_stdout(self, stream: IO[str]) -> None:
        for line in stream:
            self._stdout_lines.put(line.rstrip("\n"))
        self._stdout_lines.put(_EOF)

    def _read_stderr(self, stream: IO[str]) -> None:
        for line in stream:
            self._stderr_tail.append(line.rstrip("\n"))
            if self.log:
                sys.stderr.write(line)

    def _stderr_text(self) -> str:
        for reader in self._readers[1:]:
            reader.join(timeout=1)
        text = "\n".join(self._stderr_tail).strip()
        return f":\n{text}" if text else ""

    def __enter__(self) -> SandboxEHR:
        if self._proc is None:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
