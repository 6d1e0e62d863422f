"""One sandbox EHR server for the tests of this folder, and an HTTP client on its FHIR base."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from sandbox.server import SandboxEHR


@pytest.fixture(scope="package")
def ehr() -> Iterator[SandboxEHR]:
    with SandboxEHR() as server:
        yield server


@pytest.fixture(scope="package")
def fhir(ehr: SandboxEHR) -> Iterator[httpx.Client]:
    assert ehr.base_url
    with httpx.Client(base_url=ehr.base_url, timeout=30) as client:
        yield client
