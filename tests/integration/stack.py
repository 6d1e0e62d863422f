"""The assistant's real parts for integration tests: action server, Rasa server, and a proxy
in front of the sandbox EHR that a test can turn faulty (500s, timeouts, refused connections).
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO
from urllib.parse import quote, urlsplit

import httpx

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "frontdesk.tar.gz"
RASA_TOKEN = "integration-test-token"
REST_TOKEN = "integration-rest-token"  # REST_CHANNEL_TOKEN: the REST channel's bearer token
INTERNAL_TOKEN = "integration-internal-token"  # FRONTDESK_INTERNAL_TOKEN: both servers' /internal routes
METRICS_TOKEN = "integration-metrics-token"  # FRONTDESK_METRICS_TOKEN: the Rasa server's GET /metrics
OUTCOME_500 = b'{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"exception"}]}'


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class FaultyProxy:
    """Forwards to the EHR; ``mode`` makes it fail: "ok", "error" (500), "slow" (sleeps past the
    gateway's read timeout), "down" (drops the connection)."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.mode = "ok"
        self.slow_seconds = 5.0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # requests carry PHI
                return

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                if proxy.mode == "down":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if proxy.mode == "slow":
                    time.sleep(proxy.slow_seconds)
                if proxy.mode == "error":
                    self._reply(500, OUTCOME_500, "application/fhir+json")
                    return
                # http.client, not httpx: httpx would log every URL, and these carry search values.
                target = urlsplit(proxy.upstream)
                path = target.path + self.path.removeprefix("/fhir")
                skip = ("host", "content-length")
                headers = {k: v for k, v in self.headers.items() if k.lower() not in skip}
                upstream = http.client.HTTPConnection(target.hostname or "127.0.0.1", target.port, timeout=30)
                try:
                    upstream.request(self.command, path, body=body, headers=headers)
                    answer = upstream.getresponse()
                    self._reply(answer.status, answer.read(), answer.getheader("Content-Type") or "")
                finally:
                    upstream.close()

            def _reply(self, status: int, payload: bytes, content_type: str) -> None:
                # The EHR's paging links name the EHR; rewrite them to stay behind the proxy.
                payload = payload.replace(proxy.upstream.encode(), proxy.base_url.encode())
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _forward

        class QuietServer(ThreadingHTTPServer):
            def handle_error(self, request: object, client_address: object) -> None:
                return  # "down" mode drops connections on purpose

        self._server = QuietServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}/fhir"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FaultyProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


class Service:
    """A child process in its own process group, ready when a URL answers."""

    def __init__(
        self, name: str, argv: list[str], env: Mapping[str, str], ready_url: str, cwd: Path = ROOT
    ) -> None:
        self.name, self.argv, self.env, self.ready_url, self.cwd = name, argv, env, ready_url, cwd
        # FRONTDESK_TEST_LOGS: another folder for the logs (when several test runs share the tree).
        self.log_path = Path(os.environ.get("FRONTDESK_TEST_LOGS") or ROOT / "results") / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def start(self, timeout: float) -> None:
        self.log_path.parent.mkdir(exist_ok=True)
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            self.argv,
            cwd=self.cwd,
            env={**os.environ, **self.env},
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.stop()
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {self.log_path}")
            try:
                if httpx.get(self.ready_url, timeout=2).status_code < 500:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"{self.name} not ready after {timeout:.0f} s; see {self.log_path}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None


class Chat:
    """One patient's conversation through the REST channel (its id in Rasa is ``rest:<sender>``)."""

    def __init__(self, rasa_url: str, sender: str | None = None) -> None:
        self.rasa_url = rasa_url
        self.sender = sender or f"test-{uuid.uuid4().hex}"
        self.conversation_id = f"rest:{self.sender}"
        self.transcript: list[tuple[str, list[str]]] = []

    def say(self, text: str) -> list[str]:
        response = httpx.post(
            f"{self.rasa_url}/webhooks/rest/webhook",
            json={"sender": self.sender, "message": text},
            headers={"Authorization": f"Bearer {REST_TOKEN}"},
            timeout=60,
        )
        response.raise_for_status()
        replies = [m.get("text", "") for m in response.json()]
        self.transcript.append((text, replies))
        return replies

    def said(self, text: str) -> str:
        """Everything the bot answered to ``text``, as one string."""
        return " ".join(self.say(text))

    def tracker(self) -> dict:
        response = httpx.get(
            f"{self.rasa_url}/conversations/{self.conversation_id}/tracker",
            params={"token": RASA_TOKEN},
            timeout=30,
        )
        response.raise_for_status()
        return response.json()

    def end(self, reason: str) -> bool:
        """End the conversation as a channel or the console would (the internal route); True if it
        existed. ``reason`` is an ``EndReason`` value."""
        response = httpx.post(
            f"{self.rasa_url}/internal/conversations/{quote(self.conversation_id, safe='')}/end",
            json={"reason": reason},
            headers={"Authorization": f"Bearer {INTERNAL_TOKEN}"},
            timeout=30,
        )
        response.raise_for_status()
        return bool(response.json()["ended"])


def start_assistant(ehr_url: str, extra_env: Mapping[str, str] | None = None) -> tuple[Service, Service, str]:
    """Start the action server (talking to ``ehr_url``) and a Rasa server, both with ``extra_env``
    added to their environment; return them and Rasa's URL."""
    if not MODEL.exists():
        raise RuntimeError(f"no trained model at {MODEL}: run `make train` first")
    actions_port, rasa_port = free_port(), free_port()
    env = {
        "EHR_BASE_URL": ehr_url,
        "EHR_READ_TIMEOUT": "2",
        "EHR_CONNECT_TIMEOUT": "1",
        "EHR_RETRIES": "1",
        "ACTION_SERVER_URL": f"http://127.0.0.1:{actions_port}/webhook",
        "PYTHONPATH": str(ROOT),
        "REST_CHANNEL_TOKEN": REST_TOKEN,
        "FRONTDESK_INTERNAL_TOKEN": INTERNAL_TOKEN,
        "FRONTDESK_METRICS_TOKEN": METRICS_TOKEN,
        # action_handoff asks this Rasa server who is there (actions/handoff_availability.py). Off
        # unless a test turns it on: most tests ask for a person with no agent signed in and expect
        # to be queued, whatever the clinic's real hours are when they run
        # (tests/integration/test_callbacks.py turns it on, with a clinic that is always open).
        "FRONTDESK_SERVER_URL": f"http://127.0.0.1:{rasa_port}",
        "HANDOFF_AVAILABILITY": "0",
        **(extra_env or {}),
    }
    python = sys.executable
    actions = Service(
        "action-server",
        [python, "-m", "actions.server", "--actions", "actions", "--port", str(actions_port)],
        env,
        f"http://127.0.0.1:{actions_port}/health",
    )
    rasa = Service(
        "rasa-server",
        [
            python,
            "-m",
            "rasa",
            "run",
            "--model",
            str(MODEL),
            "--endpoints",
            "endpoints.yml",
            "--credentials",
            "credentials.yml",
            "--interface",
            "127.0.0.1",
            "--port",
            str(rasa_port),
            "--enable-api",
            "--auth-token",
            RASA_TOKEN,
        ],
        env,
        f"http://127.0.0.1:{rasa_port}/status?token={RASA_TOKEN}",
    )
    actions.start(timeout=60)
    try:
        rasa.start(timeout=240)
    except Exception:
        actions.stop()
        raise
    return actions, rasa, f"http://127.0.0.1:{rasa_port}"


def run_until_exit(endpoints_text: str, folder: Path, timeout: float = 240) -> tuple[int | None, str, bool]:
    """Start a Rasa server on ``endpoints_text`` and wait for it to exit, trying the REST channel
    meanwhile; return its exit status (None if it never exited), its log, and whether it answered."""
    endpoints = folder / "endpoints.yml"
    endpoints.write_text(endpoints_text)
    port = free_port()
    log = folder / "rasa.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "REST_CHANNEL_TOKEN": REST_TOKEN}
    argv = [sys.executable, "-m", "rasa", "run", "--model", str(MODEL), "--endpoints", str(endpoints)]
    argv += ["--credentials", "credentials.yml", "--interface", "127.0.0.1", "--port", str(port)]
    answered = False
    with log.open("wb") as out:
        process = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            deadline = time.monotonic() + timeout
            while process.poll() is None and time.monotonic() < deadline:
                try:
                    response = httpx.post(
                        f"http://127.0.0.1:{port}/webhooks/rest/webhook",
                        json={"sender": "guard", "message": "hi"},
                        headers={"Authorization": f"Bearer {REST_TOKEN}"},
                        timeout=2,
                    )
                    answered = answered or bool(response.status_code == 200 and response.json())
                except httpx.HTTPError:
                    pass
                time.sleep(0.5)
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()
            status = process.returncode
    return status, log.read_text(errors="replace"), answered
