"""A local stand-in for Twilio, for tests only: its Messages API, and its way of signing webhooks.

``FakeTwilio`` serves ``POST /2010-04-01/Accounts/<sid>/Messages.json`` on loopback (and ``GET``,
the list of what it accepted, as ``MessagesApi.sent_since`` reads it): it checks
HTTP basic auth as Twilio does, records every text it accepts (``messages``) and every attempt
(``attempts``), and can be told to answer the next requests with errors (``fail_next``), as
Twilio does when it throttles (429) or fails (500). ``env()`` is the environment that points the
SMS channel at it.

``SmsPhone`` is one patient's phone: it posts webhook requests to the Rasa server signed exactly
as Twilio signs them (``RequestValidator.compute_signature`` over the configured public URL and
the form), and reads the texts the fake received for its number.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import secrets
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import httpx
from twilio.request_validator import RequestValidator

from bot.channels.sms.identity import NumberHasher
from tests.integration.stack import RASA_TOKEN

ACCOUNT_SID = "AC" + "7e57" * 8
AUTH_TOKEN = "fake-twilio-auth-token-for-tests"
FROM_NUMBER = "+17815550100"
PUBLIC_URL = "https://sms.frontdesk.test/webhooks/sms/webhook"
HASH_SECRET = "sms-hash-secret-for-tests-only-0123456789"
HASHER = NumberHasher(HASH_SECRET.encode())


@dataclass(frozen=True)
class Text:
    to: str
    sender: str
    body: str
    created: float = 0.0  # epoch seconds


class FakeTwilio:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.messages: list[Text] = []
        self.attempts: list[int] = []  # the status answered to each Messages API request
        self.fail_next: list[tuple[int, str | None]] = []  # (status, Retry-After) to answer next
        # After accepting this many texts, keep the next answers waiting until ``release`` is set,
        # as when a sender dies between Twilio taking a text and hearing that it did.
        self.hold_after: int | None = None
        self.holding = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()
        self._sids = itertools.count(1)
        twilio = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # texts carry PHI
                return

            def setup(self) -> None:
                super().setup()
                # Headers and body go out in two writes: without this, Nagle's algorithm and the
                # client's delayed ACK add ~40 ms to every answer on a kept-alive connection.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode("utf-8"), keep_blank_values=True)
                if self.path != f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json":
                    self._answer(404, {"code": 20404, "message": "not found"})
                    return
                expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
                if self.headers.get("Authorization") != expected:
                    self._answer(401, {"code": 20003, "message": "authenticate"})
                    return
                with twilio._lock:
                    failure = twilio.fail_next.pop(0) if twilio.fail_next else None
                if failure is not None:
                    status, retry_after = failure
                    twilio.attempts.append(status)
                    self._answer(status, {"code": 20429 if status == 429 else 20500}, retry_after)
                    return
                to, body = form.get("To", [""])[0], form.get("Body", [""])[0]
                sender = form.get("From", form.get("MessagingServiceSid", [""]))[0]
                if not to or not body or not sender:
                    twilio.attempts.append(400)
                    self._answer(400, {"code": 21604, "message": "To, From and Body are required"})
                    return
                with twilio._lock:
                    twilio.messages.append(Text(to, sender, body, time.time()))
                    sid = f"SM{next(twilio._sids):032x}"
                    hold = twilio.hold_after is not None and len(twilio.messages) >= twilio.hold_after
                twilio.attempts.append(201)
                if hold:
                    twilio.holding.set()
                    twilio.release.wait(timeout=120)
                self._answer(201, {"sid": sid, "status": "queued"})

            def do_GET(self) -> None:
                """The message list (one page, every text), as Twilio lists them."""
                if self.path.split("?")[0] != f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json":
                    self._answer(404, {"code": 20404, "message": "not found"})
                    return
                with twilio._lock:
                    listed = [
                        {"to": m.to, "from": m.sender, "date_created": formatdate(m.created, usegmt=True)}
                        for m in twilio.messages
                    ]
                self._answer(200, {"messages": listed, "next_page_uri": None})

            def _answer(self, status: int, payload: dict, retry_after: str | None = None) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if retry_after is not None:
                    self.send_header("Retry-After", retry_after)
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # a killed sender
                    self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FakeTwilio:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def env(self) -> dict[str, str]:
        """The environment that points the SMS channel at this fake."""
        return {
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_FROM_NUMBER": FROM_NUMBER,
            "TWILIO_API_BASE_URL": self.base_url,
            "SMS_PUBLIC_URL": PUBLIC_URL,
            "SMS_HASH_SECRET": HASH_SECRET,
            "SMS_DATA_DIR": str(self.data_dir),
            "TWILIO_MAX_RETRY_WAIT": "5",
        }

    def texts_to(self, phone: str) -> list[str]:
        with self._lock:
            return [m.body for m in self.messages if m.to == phone]


def sign(params: Mapping[str, str], url: str = PUBLIC_URL, token: str = AUTH_TOKEN) -> str:
    """``X-Twilio-Signature`` for a form posted to ``url``, computed as Twilio computes it."""
    return RequestValidator(token).compute_signature(url, dict(params))


def new_message_sid() -> str:
    return "SM" + secrets.token_hex(16)


class SmsPhone:
    """One patient texting the assistant through the SMS webhook."""

    def __init__(self, rasa_url: str, twilio: FakeTwilio, phone: str) -> None:
        self.webhook = f"{rasa_url}/webhooks/sms/webhook"
        self.twilio, self.phone = twilio, phone

    def form(self, body: str, message_sid: str | None = None) -> dict[str, str]:
        return {
            "MessageSid": message_sid or new_message_sid(),
            "AccountSid": ACCOUNT_SID,
            "From": self.phone,
            "To": FROM_NUMBER,
            "Body": body,
            "NumMedia": "0",
        }

    def post(
        self,
        form: Mapping[str, str],
        signature: str | None = "sign",
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Post a webhook request; ``signature="sign"`` signs it as Twilio would, None sends none."""
        sent = dict(headers or {})
        if signature == "sign":
            sent["X-Twilio-Signature"] = sign(form)
        elif signature is not None:
            sent["X-Twilio-Signature"] = signature
        return httpx.post(self.webhook, data=dict(form), headers=sent, timeout=30)

    def send(self, body: str, message_sid: str | None = None) -> httpx.Response:
        response = self.post(self.form(body, message_sid))
        assert response.status_code == 200, response.status_code
        return response

    def text(self, body: str, timeout: float = 60.0) -> str:
        """Text ``body`` and wait for the assistant's reply (all its parts), as one string."""
        before = len(self.twilio.texts_to(self.phone))
        self.send(body)
        return " ".join(self.wait_for_texts(before + 1, timeout)[before:])

    def wait_for_texts(self, count: int, timeout: float = 60.0, quiet: float = 0.7) -> list[str]:
        """Every text this number received, once there are at least ``count`` and no more came
        for ``quiet`` seconds (a long reply arrives in parts)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            texts = self.twilio.texts_to(self.phone)
            if len(texts) >= count:
                time.sleep(quiet)
                later = self.twilio.texts_to(self.phone)
                if len(later) == len(texts):
                    return later
                continue
            time.sleep(0.1)
        raise AssertionError(f"expected {count} texts to the test phone within {timeout:.0f} s")


_unlisted = itertools.count(100)


def unlisted_number() -> str:
    """A fresh fictional number each call (202-555-0100 to 0199: 555-01xx is reserved for fiction),
    in an area code no special-case patient uses."""
    return f"+1202555{next(_unlisted) % 100 + 100:04d}"


def user_texts(rasa_url: str, sender_id: str) -> list[str]:
    """The patient's messages in a conversation's tracker, read through Rasa's HTTP API."""
    response = httpx.get(
        f"{rasa_url}/conversations/{sender_id}/tracker", params={"token": RASA_TOKEN}, timeout=30
    )
    response.raise_for_status()
    return [e.get("text") or "" for e in response.json().get("events") or [] if e["event"] == "user"]
