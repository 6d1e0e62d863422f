"""One sandbox EHR server for the tests of this folder, and an HTTP client on its FHIR base; and,
for the search-semantics tests, a second one loaded with the default synthetic dataset."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from sandbox.server import SandboxEHR
from sandbox.synthetic import generate, load
from tests.integration.sandbox.search_model import Server


@pytest.fixture(scope="package")
def ehr() -> Iterator[SandboxEHR]:
    with SandboxEHR() as server:
        yield server


@pytest.fixture(scope="package")
def fhir(ehr: SandboxEHR) -> Iterator[httpx.Client]:
    assert ehr.base_url
    with httpx.Client(base_url=ehr.base_url, timeout=30) as client:
        yield client


@pytest.fixture(scope="package")
def server() -> Iterator[Server]:
    """Its own sandbox with the default dataset: the PHI-in-logs check of conftest's `sandbox`
    would (rightly) object to httpx logging these patients' phone numbers in search URLs."""
    dataset = generate()
    with SandboxEHR() as ehr:
        assert ehr.base_url
        load(ehr.base_url, dataset)
        with httpx.Client(base_url=ehr.base_url, timeout=60) as http:
            yield Server(ehr.base_url, dataset, http)
