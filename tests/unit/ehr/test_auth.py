"""SmartBackendAuth against a real local token endpoint and a FHIR endpoint that checks tokens.

``FakeEHR`` is an HTTP server on 127.0.0.1 that does what an EHR's authorization
server does with a client assertion: verifies its signature with the registered
public key, checks iss/sub/aud/exp, refuses a reused jti, and issues bearer
tokens with ``expires_in``. Its FHIR endpoint accepts only tokens it issued that
have not expired. Server and client share one fake clock, so tests move time.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from actions.ehr.auth import (
    CLIENT_ASSERTION_TYPE,
    PrivateKey,
    SmartBackendAuth,
    key_thumbprint,
    load_private_key,
    main,
    public_jwks,
)
from actions.ehr.errors import BadResponse, EHRTimeout, EHRUnauthorized, EHRUnavailable

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


@pytest.fixture(scope="module")
def keys() -> dict[str, PrivateKey]:
    return {
        "rsa-1": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "ec-1": ec.generate_private_key(ec.SECP384R1()),
    }


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def ehr(clock: FakeClock, keys: dict[str, PrivateKey]) -> Any:
    server = FakeEHR(clock)
    server.register(public_jwks(keys["rsa-1"], key_id="rsa-1"))
    server.register(public_jwks(keys["ec-1"], key_id="ec-1"))
    yield server
    server.stop()


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


@pytest.mark.asyncio
@pytest.mark.parametrize(("kid", "alg"), [("rsa-1", "RS384"), ("ec-1", "ES384")])
async def test_signed_assertion_buys_a_token_the_ehr_accepts(
    ehr: FakeEHR, keys: dict[str, PrivateKey], kid: str, alg: str
) -> None:
    async with gateway(ehr, keys[kid], kid=kid, jwks_url="https://clinic.example/jwks.json") as gw:
        response = await gw.fhir.get("/Patient/p1")

    assert response.status_code == 200
    assert response.json() == {"resourceType": "Patient", "id": "p1"}
    assert gw.auth.algorithm == alg
    assert ehr.rejections == []
    assert ehr.assertion_headers == [
        {"alg": alg, "typ": "JWT", "kid": kid, "jku": "https://clinic.example/jwks.json"}
    ]
    claims = jwt.decode(gw.sent_assertions[0], options={"verify_signature": False})
    assert claims["iss"] == claims["sub"] == CLIENT_ID
    assert claims["aud"] == ehr.token_url
    assert 0 < claims["exp"] - ehr.clock() <= 300


@pytest.mark.asyncio
async def test_key_id_defaults_to_the_thumbprint_in_the_published_jwks(
    ehr: FakeEHR, keys: dict[str, PrivateKey]
) -> None:
    key = keys["ec-1"]
    ehr.register(public_jwks(key))  # no kid given on either side
    async with gateway(ehr, key, kid=None) as gw:
        response = await gw.fhir.get("/Patient/p1")

    assert response.status_code == 200
    assert ehr.assertion_headers[0]["kid"] == key_thumbprint(key)


@pytest.mark.asyncio
async def test_token_is_cached_across_calls(ehr: FakeEHR, keys: dict[str, PrivateKey]) -> None:
    async with gateway(ehr, keys["rsa-1"]) as gw:
        statuses = [(await gw.fhir.get(f"/Patient/p{i}")).status_code for i in range(5)]

    assert statuses == [200] * 5
    assert ehr.token_requests == 1
    assert ehr.fhir_requests == 5


@pytest.mark.asyncio
async def test_token_is_refreshed_shortly_before_it_expires(
    ehr: FakeEHR, keys: dict[str, PrivateKey]
) -> None:
    ehr.expires_in = 300
    async with gateway(ehr, keys["ec-1"], kid="ec-1", refresh_margin=60) as gw:
        assert (await gw.fhir.get("/Patient/p1")).status_code == 200
        ehr.clock.advance(239)
        assert (await gw.fhir.get("/Patient/p1")).status_code == 200
        assert ehr.token_requests == 1
        ehr.clock.advance(2)  # 241 s: inside the 60 s margin
        assert (await gw.fhir.get("/Patient/p1")).status_code == 200

    assert ehr.token_requests == 2
    assert ehr.fhir_requests == 3  # no request was sent with a stale token
    assert len(set(gw.sent_assertions)) == 2  # each with its own jti, else the server refuses


@pytest.mark.asyncio
async def test_short_lived_token_is_not_fetched_on_every_request(
    ehr: FakeEHR, keys: dict[str, PrivateKey]
) -> None:
    ehr.expires_in = 30  # shorter than the margin: the margin shrinks to half its life
    async with gateway(ehr, keys["rsa-1"], refresh_margin=60) as gw:
        await gw.fhir.get("/Patient/p1")
        ehr.clock.advance(10)
        await gw.fhir.get("/Patient/p1")
        assert ehr.token_requests == 1
        ehr.clock.advance(6)
        assert (await gw.fhir.get("/Patient/p1")).status_code == 200

    assert ehr.token_requests == 2


@pytest.mark.asyncio
async def test_fifty_concurrent_requests_fetch_one_token(ehr: FakeEHR, keys: dict[str, PrivateKey]) -> None:
    ehr.token_delay = 0.2  # every caller arrives while the first fetch is in flight
    async with gateway(ehr, keys["rsa-1"]) as gw:
        responses = await asyncio.gather(*(gw.fhir.get(f"/Patient/p{i}") for i in range(50)))

    assert [r.status_code for r in responses] == [200] * 50
    assert ehr.token_requests == 1


@pytest.mark.asyncio
async def test_401_refreshes_once_and_retries_with_the_body(
    ehr: FakeEHR, keys: dict[str, PrivateKey]
) -> None:
    async with gateway(ehr, keys["rsa-1"]) as gw:
        assert (await gw.fhir.get("/Patient/p1")).status_code == 200
        ehr.revoke_tokens()  # e.g. the EHR rotated its signing keys
        response = await gw.fhir.post("/Appointment", json={"status": "booked"})

    assert response.status_code == 201
    assert response.json()["received"] == {"status": "booked"}
    assert ehr.token_requests == 2
    assert ehr.fhir_requests == 3


@pytest.mark.asyncio
async def test_concurrent_401s_share_one_refresh(ehr: FakeEHR, keys: dict[str, PrivateKey]) -> None:
    async with gateway(ehr, keys["ec-1"], kid="ec-1") as gw:
        await gw.fhir.get("/Patient/p0")
        ehr.revoke_tokens()
        ehr.token_delay = 0.1
        responses = await asyncio.gather(*(gw.fhir.get(f"/Patient/p{i}") for i in range(20)))

    assert [r.status_code for r in responses] == [200] * 20
    assert ehr.token_requests == 2


@pytest.mark.asyncio
async def test_second_401_is_returned_as_is(ehr: FakeEHR, keys: dict[str, PrivateKey]) -> None:
    ehr.fhir_always_401 = True
    async with gateway(ehr, keys["rsa-1"]) as gw:
        response = await gw.fhir.get("/Patient/p1")

    assert response.status_code == 401
    assert ehr.fhir_requests == 2
    assert ehr.token_requests == 2


@pytest.mark.asyncio
async def test_unregistered_key_is_refused_as_unauthorized(
    ehr: FakeEHR, keys: dict[str, PrivateKey], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    impostor = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    async with gateway(ehr, impostor, kid="rsa-1") as gw:
        with pytest.raises(EHRUnauthorized) as caught:
            await gw.fhir.get("/Patient/p1")

    assert caught.value.status == 400
    assert [issue.code for issue in caught.value.issues] == ["invalid_client"]
    assert "invalid_client" in str(caught.value)
    assert ehr.rejections == ["assertion: InvalidSignatureError"]
    assert ehr.fhir_requests == 0
    assert_no_secrets(gw.sent_assertions, str(caught.value), repr(caught.value), caplog.text)


@pytest.mark.asyncio
async def test_token_endpoint_refusing_connections_is_unavailable(
    ehr: FakeEHR, keys: dict[str, PrivateKey], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # Bound but not listening: Linux refuses the connection at once.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        async with gateway(ehr, keys["rsa-1"], token_url=f"http://127.0.0.1:{port}/token") as gw:
            with pytest.raises(EHRUnavailable) as caught:
                await gw.fhir.get("/Patient/p1")

    assert type(caught.value) is EHRUnavailable
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert ehr.fhir_requests == 0
    assert_no_secrets(gw.sent_assertions, str(caught.value), repr(caught.value), caplog.text)


@pytest.mark.asyncio
async def test_slow_token_endpoint_times_out(ehr: FakeEHR, keys: dict[str, PrivateKey]) -> None:
    ehr.token_delay = 2.0
    async with gateway(ehr, keys["rsa-1"], token_timeout=0.2) as gw:
        with pytest.raises(EHRTimeout):
            await gw.fhir.get("/Patient/p1")


@pytest.mark.asyncio
async def test_callers_queued_behind_a_timed_out_fetch_fail_at_once(
    ehr: FakeEHR, keys: dict[str, PrivateKey]
) -> None:
    ehr.token_delay = 2.0
    async with gateway(ehr, keys["rsa-1"], token_timeout=0.3) as gw:
        started = time.monotonic()
        outcomes = await asyncio.gather(
            *(gw.fhir.get(f"/Patient/p{i}") for i in range(10)), return_exceptions=True
        )
        elapsed = time.monotonic() - started
        assert all(isinstance(outcome, EHRTimeout) for outcome in outcomes)
        assert ehr.token_requests == 1
        assert elapsed < 1.5  # not ten timeouts in a row

        ehr.token_delay = 0.0  # the endpoint recovers; the next caller tries afresh
        assert (await gw.fhir.get("/Patient/p1")).status_code == 200
    assert ehr.token_requests == 2


@pytest.mark.asyncio
async def test_failing_token_endpoint_is_unavailable(ehr: FakeEHR, keys: dict[str, PrivateKey]) -> None:
    ehr.token_reply = "unavailable"
    async with gateway(ehr, keys["rsa-1"]) as gw:
        with pytest.raises(EHRUnavailable) as caught:
            await gw.fhir.get("/Patient/p1")

    assert caught.value.status == 503


@pytest.mark.asyncio
@pytest.mark.parametrize("reply", ["malformed", "no_access_token"])
async def test_unusable_token_response_is_a_bad_response(
    ehr: FakeEHR, keys: dict[str, PrivateKey], reply: str
) -> None:
    ehr.token_reply = reply
    async with gateway(ehr, keys["ec-1"], kid="ec-1") as gw:
        with pytest.raises(BadResponse):
            await gw.fhir.get("/Patient/p1")

    assert ehr.fhir_requests == 0


@pytest.mark.asyncio
async def test_no_assertion_or_token_in_logs_or_repr(
    ehr: FakeEHR, keys: dict[str, PrivateKey], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # httpx and httpcore included
    async with gateway(ehr, keys["rsa-1"]) as gw:
        await gw.fhir.get("/Patient/p1")
        ehr.revoke_tokens()
        await gw.fhir.get("/Patient/p1")
        ehr.fhir_always_401 = True
        final = await gw.fhir.get("/Patient/p1")

    assert final.status_code == 401
    assert len(ehr.ever_issued) == 3
    assert "obtained an EHR access token" in caplog.text
    assert_no_secrets(gw.sent_assertions + ehr.ever_issued, caplog.text, repr(gw.auth))
    assert "BEGIN" not in repr(gw.auth)


def test_the_fake_token_endpoint_refuses_a_replayed_assertion(
    ehr: FakeEHR, keys: dict[str, PrivateKey]
) -> None:
    """Guards the fake itself: the jti check the tests above rely on is real."""
    assertion = jwt.encode(
        {"iss": CLIENT_ID, "sub": CLIENT_ID, "aud": ehr.token_url, "exp": int(ehr.clock() + 60), "jti": "j1"},
        keys["rsa-1"],
        algorithm="RS384",
        headers={"kid": "rsa-1", "typ": "JWT"},
    )
    form = {
        "grant_type": "client_credentials",
        "scope": SCOPE,
        "client_assertion_type": CLIENT_ASSERTION_TYPE,
        "client_assertion": assertion,
    }
    with httpx.Client() as client:
        first = client.post(ehr.token_url, data=form)
        replay = client.post(ehr.token_url, data=form)

    assert first.status_code == 200
    assert replay.status_code == 400
    assert ehr.rejections == ["jti reused"]


# -- key loading and configuration --


def _pem(key: PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@pytest.mark.parametrize("form", ["text", "bytes", "path", "path-string"])
def test_load_private_key_from_pem_or_file(keys: dict[str, PrivateKey], tmp_path: Path, form: str) -> None:
    key = keys["ec-1"]
    pem = _pem(key)
    (tmp_path / "key.pem").write_bytes(pem)
    source: Any = {
        "text": pem.decode(),
        "bytes": pem,
        "path": tmp_path / "key.pem",
        "path-string": str(tmp_path / "key.pem"),
    }[form]

    loaded = load_private_key(source)

    assert loaded.public_key().public_numbers() == key.public_key().public_numbers()


def test_load_private_key_never_echoes_key_material() -> None:
    blob = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC" * 40 + "\n"  # PEM body without its armour
    with pytest.raises(ValueError) as caught:
        load_private_key(blob)
    assert "MIIE" not in str(caught.value)


def test_load_private_key_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"cannot read private key file .*missing\.pem"):
        load_private_key(tmp_path / "missing.pem")


def test_load_private_key_refuses_other_key_types() -> None:
    from cryptography.hazmat.primitives.asymmetric import ed25519

    pem = _pem(ed25519.Ed25519PrivateKey.generate())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unsupported private key type"):
        load_private_key(pem)


def _auth(key: Any, **options: Any) -> SmartBackendAuth:
    return SmartBackendAuth(
        token_url="https://ehr.example/token",
        client_id=CLIENT_ID,
        private_key=key,
        key_id="k1",
        scope=SCOPE,
        http=httpx.AsyncClient(),  # never opened: nothing to close
        **options,
    )


def test_thumbprint_matches_rfc_7638() -> None:
    # The example key of RFC 7638, section 3.1, and its published thumbprint.
    jwk = {
        "kty": "RSA",
        "e": "AQAB",
        "n": (
            "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJE"
            "CPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2Q"
            "vzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6"
            "WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
        ),
    }
    public_key = jwt.PyJWK.from_dict(jwk, algorithm="RS384").key

    assert key_thumbprint(public_key) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


@pytest.mark.parametrize(("kid", "alg", "kty"), [("rsa-1", "RS384", "RSA"), ("ec-1", "ES384", "EC")])
def test_jwks_command_prints_only_the_public_key(
    keys: dict[str, PrivateKey],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    kid: str,
    alg: str,
    kty: str,
) -> None:
    (tmp_path / "key.pem").write_bytes(_pem(keys[kid]))

    assert main([str(tmp_path / "key.pem"), "--kid", "2025-01"]) == 0

    [jwk] = json.loads(capsys.readouterr().out)["keys"]
    assert (jwk["kid"], jwk["alg"], jwk["kty"], jwk["use"]) == ("2025-01", alg, kty, "sig")
    assert not {"d", "p", "q", "dp", "dq", "qi"} & jwk.keys()  # no private member


def test_algorithm_follows_the_key(keys: dict[str, PrivateKey]) -> None:
    assert _auth(keys["rsa-1"]).algorithm == "RS384"
    assert _auth(_pem(keys["ec-1"]).decode(), algorithm="es384").algorithm == "ES384"


@pytest.mark.parametrize(
    ("make_key", "algorithm", "message"),
    [
        (lambda k: k["rsa-1"], "RS256", "unsupported algorithm"),
        (lambda k: k["ec-1"], "RS384", "an EC key signs ES384"),
        (lambda k: k["rsa-1"], "ES384", "an RSA key signs RS384"),
        (lambda k: ec.generate_private_key(ec.SECP256R1()), None, "P-384"),
        (lambda k: rsa.generate_private_key(public_exponent=65537, key_size=1024), None, "too short"),
    ],
)
def test_other_algorithms_and_keys_are_refused(
    keys: dict[str, PrivateKey],
    make_key: Callable[[dict[str, PrivateKey]], PrivateKey],
    algorithm: str | None,
    message: str,
) -> None:
    with pytest.raises(ValueError, match=message):
        _auth(make_key(keys), algorithm=algorithm)


def test_assertion_may_not_live_longer_than_five_minutes(keys: dict[str, PrivateKey]) -> None:
    with pytest.raises(ValueError, match="assertion_lifetime"):
        _auth(keys["rsa-1"], assertion_lifetime=301)


def test_a_sync_client_is_refused_rather_than_sent_unauthenticated(
    keys: dict[str, PrivateKey],
) -> None:
    sent: list[httpx.Request] = []

    def ehr(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200)

    transport = httpx.MockTransport(ehr)
    with (
        httpx.Client(transport=transport, auth=_auth(keys["rsa-1"])) as client,
        pytest.raises(RuntimeError, match="AsyncClient"),
    ):
        client.get("https://ehr.example/fhir/Patient/p1")
    assert sent == []
