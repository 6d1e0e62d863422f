"""SmartBackendAuth against a real local token endpoint and a FHIR endpoint that checks tokens.

``FakeEHR`` is an HTTP server on 127.0.0.1 that does what an EHR's authorization
server does with a client assertion: verifies its signature with the registered
public key, checks iss/sub/aud/exp, refuses a reused jti, and issues bearer
tokens with ``expires_in``. Its FHIR endpoint accepts only tokens it issued that
have not expired. Server and client share one fake clock, so tests move time.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import httpx
import jwt

from actions.ehr.auth import (
    CLIENT_ASSERTION_TYPE,
    PrivateKey,
    SmartBackendAuth,
)

CLIENT_ID = "frontdesk-test-client"
SCOPE = "system/Patient.read system/Appointment.*"


class FakeClock:
    """Epoch seconds that move only when a test says so."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class FakeEHR:
    """Token endpoint at ``/oauth2/token`` and FHIR endpoint at ``/fhir`` on one local server."""

    clock: FakeClock
    public_keys: dict[str, tuple[str, Any]] = field(default_factory=dict)  # kid -> (alg, key)
    expires_in: float = 300
    token_delay: float = 0.0
    token_reply: str = "ok"  # or "malformed", "no_access_token", "unavailable"
    fhir_always_401: bool = False
    token_requests: int = 0
    fhir_requests: int = 0
    rejections: list[str] = field(default_factory=list)
    assertion_headers: list[dict[str, Any]] = field(default_factory=list)
    issued: dict[str, float] = field(default_factory=dict)  # access token -> expiry
    ever_issued: list[str] = field(default_factory=list)
    seen_jti: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.ehr = self
        base = f"http://127.0.0.1:{self._server.server_port}"
        self.token_url = f"{base}/oauth2/token"
        self.fhir_url = f"{base}/fhir"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def register(self, jwks: dict[str, Any]) -> None:
        """Take a client's JWK Set, as an EHR admin uploads it or fetches it from a URL."""
        for jwk in jwt.PyJWKSet.from_dict(jwks).keys:
            self.public_keys[jwk.key_id or ""] = (jwk.algorithm_name, jwk.key)

    def revoke_tokens(self) -> None:
        with self._lock:
            self.issued.clear()

    def token(self, form: dict[str, str]) -> tuple[int, Any]:
        with self._lock:
            self.token_requests += 1
        self._stopping.wait(self.token_delay)
        if self.token_reply == "unavailable":
            return 503, {"error": "temporarily_unavailable"}
        reason = self._refuse_assertion(form)
        if reason:
            with self._lock:
                self.rejections.append(reason)
            return 400, {"error": "invalid_client", "error_description": reason}
        if self.token_reply == "malformed":
            return 200, b"<html>upstream proxy error</html>"
        if self.token_reply == "no_access_token":
            return 200, {"token_type": "bearer", "expires_in": self.expires_in}
        value = f"tok-{len(self.ever_issued)}-{time.monotonic_ns()}"
        with self._lock:
            self.issued[value] = self.clock() + self.expires_in
            self.ever_issued.append(value)
        body = {"access_token": value, "token_type": "bearer", "expires_in": self.expires_in}
        return 200, body | {"scope": form.get("scope", "")}

    def _refuse_assertion(self, form: dict[str, str]) -> str | None:
        if form.get("grant_type") != "client_credentials":
            return "grant_type"
        if form.get("client_assertion_type") != CLIENT_ASSERTION_TYPE:
            return "client_assertion_type"
        if not form.get("scope"):
            return "scope"
        assertion = form.get("client_assertion", "")
        try:
            header = jwt.get_unverified_header(assertion)
            alg, public_key = self.public_keys[header.get("kid", "")]
            if header.get("alg") != alg or header.get("typ") != "JWT":
                return "header"
            claims = jwt.decode(
                assertion,
                public_key,
                algorithms=[alg],
                audience=self.token_url,
                # exp is checked below against the shared fake clock, not the wall clock.
                options={"verify_exp": False, "require": ["iss", "sub", "aud", "exp", "jti"]},
            )
        except (KeyError, jwt.InvalidTokenError) as exc:
            return f"assertion: {type(exc).__name__}"
        if claims["iss"] != CLIENT_ID or claims["sub"] != CLIENT_ID:
            return "iss/sub"
        now = self.clock()
        if not now < claims["exp"] <= now + 300:
            return "exp"
        with self._lock:
            if claims["jti"] in self.seen_jti:
                return "jti reused"
            self.seen_jti.add(claims["jti"])
            self.assertion_headers.append(header)
        return None

    def fhir(self, method: str, path: str, authorization: str, body: bytes) -> tuple[int, Any]:
        with self._lock:
            self.fhir_requests += 1
            token = authorization.removeprefix("Bearer ")
            valid = token in self.issued and self.clock() < self.issued[token]
        if self.fhir_always_401 or not valid:
            return 401, {"resourceType": "OperationOutcome", "issue": [{"code": "login"}]}
        if method == "POST":
            return 201, {"resourceType": "Appointment", "received": json.loads(body)}
        return 200, {"resourceType": "Patient", "id": path.rsplit("/", 1)[-1]}


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # 50 concurrent connects must not overflow the listen backlog
    ehr: FakeEHR

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that timed out and hung up is expected in these tests


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else each keep-alive reply waits on a delayed ACK
    server: _Server

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        ehr = self.server.ehr
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/oauth2/token" and self.command == "POST":
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            status, payload = ehr.token(form)
        elif self.path.startswith("/fhir/"):
            auth = self.headers.get("Authorization", "")
            status, payload = ehr.fhir(self.command, self.path, auth, body)
        else:
            status, payload = 404, {}
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if status == 401:
            self.send_header("WWW-Authenticate", 'Bearer error="invalid_token"')
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class Gateway:
    fhir: httpx.AsyncClient
    auth: SmartBackendAuth
    sent_assertions: list[str]


@asynccontextmanager
async def gateway(
    ehr: FakeEHR,
    key: PrivateKey,
    *,
    kid: str | None = "rsa-1",
    token_url: str | None = None,
    token_timeout: float = 5.0,
    **auth_options: Any,
) -> AsyncIterator[Gateway]:
    """The gateway's two clients, wired as production wires them; records every assertion sent."""
    sent: list[str] = []

    async def record(request: httpx.Request) -> None:
        form = parse_qs((await request.aread()).decode())
        sent.extend(form.get("client_assertion", []))

    async with httpx.AsyncClient(timeout=token_timeout, event_hooks={"request": [record]}) as token_http:
        auth = SmartBackendAuth(
            token_url=token_url or ehr.token_url,
            client_id=CLIENT_ID,
            private_key=key,
            key_id=kid,
            scope=SCOPE,
            http=token_http,
            clock=ehr.clock,
            **auth_options,
        )
        async with httpx.AsyncClient(base_url=ehr.fhir_url, auth=auth, timeout=5.0) as fhir:
            yield Gateway(fhir, auth, sent)


def assert_no_secrets(secrets: list[str], *texts: str) -> None:
    assert secrets, "the test should have produced a secret to look for"
    for text in texts:
        for secret in secrets:
            assert secret not in text
            # a JWT's signature alone is enough to replay it
            assert secret.rsplit(".", 1)[-1] not in text
