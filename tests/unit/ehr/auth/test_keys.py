"""SmartBackendAuth's keys and configuration: loading, thumbprints, algorithms, refusals."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from actions.ehr.auth import (
    PrivateKey,
    SmartBackendAuth,
    key_thumbprint,
    load_private_key,
    main,
)
from tests.unit.ehr.auth.fake_ehr import (
    CLIENT_ID,
    SCOPE,
)

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
