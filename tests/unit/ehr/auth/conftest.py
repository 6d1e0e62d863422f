"""Keys, the shared clock and the fake EHR for the SMART Backend Services tests."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from actions.ehr.auth import (
    PrivateKey,
    public_jwks,
)
from tests.unit.ehr.auth.fake_ehr import (
    FakeClock,
    FakeEHR,
)


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
