"""SmartBackendAuth buying, caching, refreshing and guarding tokens against the fake EHR (fake_ehr.py)."""

from __future__ import annotations

import asyncio
import logging
import socket
import time

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from actions.ehr.auth import (
    CLIENT_ASSERTION_TYPE,
    PrivateKey,
    key_thumbprint,
    public_jwks,
)
from actions.ehr.errors import BadResponse, EHRTimeout, EHRUnauthorized, EHRUnavailable
from tests.unit.ehr.auth.fake_ehr import (
    CLIENT_ID,
    SCOPE,
    FakeEHR,
    assert_no_secrets,
    gateway,
)


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
