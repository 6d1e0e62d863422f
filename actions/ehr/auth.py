"""Authentication of the gateway's ``httpx.AsyncClient`` to the EHR.

An EHR open to anyone on the network (the sandbox) needs none: pass
``auth=None``. A production EHR wants SMART Backend Services (HL7 SMART App
Launch 2.x): the client signs a short-lived JWT with its private key and trades
it at the token endpoint for a bearer token, with an OAuth2
``client_credentials`` grant. ``SmartBackendAuth`` does that, caches the token
until shortly before it expires, and refreshes it once when the EHR answers 401.

The signed assertion, the access token and the private key never appear in a
log line, an exception message or a ``repr()``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import logging
import math
import os
import re
import secrets
import sys
import time
from collections.abc import AsyncGenerator, Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from .errors import BadResponse, EHRTimeout, EHRUnauthorized, EHRUnavailable, Issue

__all__ = ["PrivateKey", "SmartBackendAuth", "key_thumbprint", "load_private_key", "public_jwks"]

logger = logging.getLogger(__name__)

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
AnyKey = PrivateKey | rsa.RSAPublicKey | ec.EllipticCurvePublicKey

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
SUPPORTED_ALGORITHMS = ("RS384", "ES384")
MAX_ASSERTION_LIFETIME = 300.0  # SMART: exp no more than five minutes in the future
# expires_in is only RECOMMENDED by RFC 6749; without it, assume a short life
# rather than trusting a token forever.
DEFAULT_EXPIRES_IN = 300.0
# OAuth error codes are short ASCII words; anything else may be an echo of what
# we sent and stays out of our messages.
_OAUTH_ERROR_CODE = re.compile(r"[A-Za-z0-9_.\-]{1,64}")


def load_private_key(source: str | bytes | os.PathLike[str], *, password: bytes | None = None) -> PrivateKey:
    """Load an RSA or EC private key from PEM text, PEM bytes, or the path of a PEM file."""
    if isinstance(source, bytes):
        pem = source
    elif isinstance(source, str) and "-----BEGIN" in source:
        pem = source.encode("ascii")
    elif isinstance(source, str) and ("\n" in source or len(source) > 1024):
        # Key material without PEM armour; never echo it back in an error as a "path".
        raise ValueError("private key is neither PEM text nor a file path")
    else:
        try:
            pem = Path(source).read_bytes()
        except OSError as exc:
            raise ValueError(f"cannot read private key file {os.fspath(source)!r}: {exc.strerror}") from None
    key = load_pem_private_key(pem, password=password)
    if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
        raise ValueError(f"unsupported private key type {type(key).__name__}; use RSA or EC P-384")
    return key


def _choose_algorithm(key: PrivateKey, algorithm: str | None) -> str:
    """The JWS algorithm for this key: RS384 for RSA, ES384 for EC P-384, nothing else."""
    wanted = algorithm.upper() if algorithm else None
    if wanted is not None and wanted not in SUPPORTED_ALGORITHMS:
        raise ValueError(f"unsupported algorithm {algorithm!r}; SMART allows {SUPPORTED_ALGORITHMS}")
    if isinstance(key, rsa.RSAPrivateKey):
        if wanted not in (None, "RS384"):
            raise ValueError(f"an RSA key signs RS384, not {wanted}")
        if key.key_size < 2048:
            raise ValueError(f"RSA key of {key.key_size} bits is too short; use 2048 or more")
        return "RS384"
    if wanted not in (None, "ES384"):
        raise ValueError(f"an EC key signs ES384, not {wanted}")
    if not isinstance(key.curve, ec.SECP384R1):
        raise ValueError(f"ES384 needs an EC key on P-384, not {key.curve.name}")
    return "ES384"


def _public_jwk(key: AnyKey) -> dict[str, Any]:
    public = key.public_key() if isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)) else key
    if isinstance(public, rsa.RSAPublicKey):
        return dict(RSAAlgorithm.to_jwk(public, as_dict=True))
    return dict(ECAlgorithm.to_jwk(public, as_dict=True))


def key_thumbprint(key: AnyKey) -> str:
    """The RFC 7638 SHA-256 thumbprint of the public key: the ``kid`` when none is configured."""
    jwk = _public_jwk(key)
    members = ("e", "kty", "n") if jwk["kty"] == "RSA" else ("crv", "kty", "x", "y")
    canonical = json.dumps({m: jwk[m] for m in members}, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def public_jwks(
    key: PrivateKey, *, key_id: str | None = None, algorithm: str | None = None
) -> dict[str, Any]:
    """The JWK Set to publish (or upload) for the EHR: the public half only."""
    jwk = _public_jwk(key)
    jwk.pop("key_ops", None)  # RFC 7517: "use" and "key_ops" should not appear together
    jwk.update(kid=key_id or key_thumbprint(key), alg=_choose_algorithm(key, algorithm), use="sig")
    return {"keys": [jwk]}


@dataclass(frozen=True)
class _AccessToken:
    value: str = field(repr=False)
    refresh_at: float  # on the auth's clock


class SmartBackendAuth(httpx.Auth):
    """SMART Backend Services (client_credentials + signed JWT) for an ``httpx.AsyncClient``.

    ``http`` is a separate client used only for the token endpoint; the caller
    owns it (opens, closes, sets its timeouts). ``private_key`` is a loaded key,
    PEM text or a PEM file path. ``key_id`` defaults to the key's RFC 7638
    thumbprint. ``clock`` returns epoch seconds and dates both the assertion and
    the cached token.
    """

    def __init__(
        self,
        *,
        token_url: str,
        client_id: str,
        private_key: PrivateKey | str | bytes | os.PathLike[str],
        scope: str,
        http: httpx.AsyncClient,
        key_id: str | None = None,
        algorithm: str | None = None,
        jwks_url: str | None = None,
        refresh_margin: float = 60.0,
        assertion_lifetime: float = MAX_ASSERTION_LIFETIME,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not (0 < assertion_lifetime <= MAX_ASSERTION_LIFETIME):
            raise ValueError(f"assertion_lifetime must be in (0, {MAX_ASSERTION_LIFETIME:g}] seconds")
        if refresh_margin < 0:
            raise ValueError("refresh_margin must not be negative")
        for name, value in (("token_url", token_url), ("client_id", client_id)):
            if not value:
                raise ValueError(f"{name} is required")
        if isinstance(private_key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
            key = private_key
        else:
            key = load_private_key(private_key)
        self._token_url = token_url
        self._client_id = client_id
        self._private_key = key
        self._key_id = key_id or key_thumbprint(key)
        self._scope = scope
        self._algorithm = _choose_algorithm(key, algorithm)
        self._jwks_url = jwks_url
        self._http = http
        self._refresh_margin = refresh_margin
        self._assertion_lifetime = assertion_lifetime
        self._clock = clock
        self._token: _AccessToken | None = None
        self._lock = asyncio.Lock()
        # Completed fetches and the last one's error, so callers queued behind a failed
        # fetch fail with it at once instead of each waiting out its own timeout in turn.
        self._fetches = 0
        self._failure: Exception | None = None

    def __repr__(self) -> str:
        return (
            f"SmartBackendAuth(token_url={self._token_url!r}, client_id={self._client_id!r}, "
            f"key_id={self._key_id!r}, algorithm={self._algorithm!r}, scope={self._scope!r})"
        )

    @property
    def algorithm(self) -> str:
        """The JWS algorithm the client assertion is signed with."""
        return self._algorithm

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        # The lock and the token client are async; a sync client would send unauthenticated.
        raise RuntimeError("SmartBackendAuth works only with httpx.AsyncClient")

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        # Read a streamed body now so the request can be sent again after a 401.
        await request.aread()
        token = await self._current_token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code != 401:
            return
        # The token may have been revoked or expired early: one fresh token, one retry.
        # A second 401 goes back to the caller as is.
        token = await self._replace_token(rejected=token)
        request.headers["Authorization"] = f"Bearer {token}"
        yield request

    async def _current_token(self) -> str:
        token = self._token
        if token is not None and self._clock() < token.refresh_at:
            return token.value
        queued_after = self._fetches
        async with self._lock:
            # Whoever held the lock before us may have refreshed already.
            token = self._token
            if token is not None and self._clock() < token.refresh_at:
                return token.value
            return await self._fetch_once(queued_after)

    async def _replace_token(self, *, rejected: str) -> str:
        queued_after = self._fetches
        async with self._lock:
            token = self._token
            if token is not None and token.value != rejected and self._clock() < token.refresh_at:
                return token.value  # another caller already replaced it
            # Forget the rejected token first, so a failed refresh does not leave it in use.
            self._token = None
            return await self._fetch_once(queued_after)

    async def _fetch_once(self, queued_after: int) -> str:
        """Fetch a token, unless a fetch failed while this caller queued (call with the lock held)."""
        if self._fetches != queued_after and self._failure is not None:
            raise self._failure
        self._failure = None  # a cancelled fetch leaves no stale error behind
        try:
            token = self._token = await self._fetch_token()
            return token.value
        except Exception as exc:
            self._failure = exc
            raise
        finally:
            self._fetches += 1

    def _client_assertion(self) -> str:
        claims = {
            "iss": self._client_id,
            "sub": self._client_id,
            "aud": self._token_url,
            "exp": int(self._clock() + self._assertion_lifetime),
            "jti": secrets.token_urlsafe(32),
        }
        headers = {"typ": "JWT", "kid": self._key_id}
        if self._jwks_url:
            headers["jku"] = self._jwks_url
        return jwt.encode(claims, self._private_key, algorithm=self._algorithm, headers=headers)

    async def _fetch_token(self) -> _AccessToken:
        form = {
            "grant_type": "client_credentials",
            "scope": self._scope,
            "client_assertion_type": CLIENT_ASSERTION_TYPE,
            "client_assertion": self._client_assertion(),
        }
        logger.debug("requesting an EHR access token from %s", self._token_url)
        try:
            # A bare httpx.Auth sends as is: handed the gateway's own client, we still never
            # re-enter this flow (and deadlock on our own lock).
            response = await self._http.post(
                self._token_url, data=form, headers={"Accept": "application/json"}, auth=httpx.Auth()
            )
        except httpx.TimeoutException as exc:
            raise EHRTimeout("token endpoint timed out") from exc
        except httpx.TransportError as exc:
            raise EHRUnavailable(f"token endpoint unreachable ({type(exc).__name__})") from exc
        return self._read_token_response(response)

    def _read_token_response(self, response: httpx.Response) -> _AccessToken:
        status = response.status_code
        if status == 429:
            raise EHRUnavailable(
                "token endpoint is rate limiting", status=status, retry_after=_retry_after(response)
            )
        if status >= 500:
            raise EHRUnavailable("token endpoint failed", status=status)
        if status >= 400:
            raise EHRUnauthorized(
                "token endpoint refused the client", status=status, issues=_oauth_error(response)
            )
        if not response.is_success:
            raise BadResponse("token endpoint answered an unexpected status", status=status)
        try:
            body: Any = response.json()
        except ValueError:
            raise BadResponse("token response is not JSON", status=status) from None
        if not isinstance(body, dict):
            raise BadResponse("token response is not a JSON object", status=status)
        value = body.get("access_token")
        if not isinstance(value, str) or not value:
            raise BadResponse("token response has no access_token", status=status)
        token_type = body.get("token_type", "bearer")
        if not isinstance(token_type, str) or token_type.lower() != "bearer":
            raise BadResponse("token response is not a bearer token", status=status)
        expires_in = body.get("expires_in", DEFAULT_EXPIRES_IN)
        if isinstance(expires_in, bool) or not isinstance(expires_in, (int, float)) or expires_in <= 0:
            raise BadResponse("token response has an invalid expires_in", status=status)
        # A margin as long as the token's life would refresh on every request.
        margin = min(self._refresh_margin, expires_in / 2)
        granted = body.get("scope")
        logger.info(
            "obtained an EHR access token (expires_in=%ss, scope=%s)",
            expires_in,
            granted if isinstance(granted, str) else self._scope,
        )
        return _AccessToken(value=value, refresh_at=self._clock() + expires_in - margin)


def _oauth_error(response: httpx.Response) -> tuple[Issue, ...]:
    """The OAuth ``error`` code of a refusal, if it is a well-formed one."""
    try:
        body = response.json()
    except ValueError:
        return ()
    code = body.get("error") if isinstance(body, dict) else None
    if isinstance(code, str) and _OAUTH_ERROR_CODE.fullmatch(code):
        return (Issue(severity="error", code=code),)
    return ()


def _retry_after(response: httpx.Response) -> float | None:
    try:
        seconds = float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None  # an HTTP date, or absent; the gateway's default backoff applies
    return max(0.0, seconds) if math.isfinite(seconds) else None


def main(argv: list[str] | None = None) -> int:
    """Print the JWK Set to register with the EHR for a private key file."""
    parser = argparse.ArgumentParser(
        prog="python -m actions.ehr.auth",
        description="Print the public JWK Set of a SMART Backend Services private key.",
    )
    parser.add_argument("private_key_file", type=Path)
    parser.add_argument("--kid", help="key id (default: the key's RFC 7638 thumbprint)")
    parser.add_argument("--alg", choices=SUPPORTED_ALGORITHMS, help="default: from the key type")
    args = parser.parse_args(argv)
    key = load_private_key(args.private_key_file)
    json.dump(public_jwks(key, key_id=args.kid, algorithm=args.alg), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
