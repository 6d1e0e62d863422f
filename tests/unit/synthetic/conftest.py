"""One generated dataset (500 patients) for the whole package, and indexes of its resources."""

from __future__ import annotations

from collections import defaultdict

import pytest

from sandbox.synthetic import generate
from tests.unit.synthetic.records import (
    PATIENTS,
    TODAY,
    ZONE_NAME,
)


@pytest.fixture(scope="session")
def dataset():
    return generate(patients=PATIENTS, seed=20261128, today=TODAY, timezone=ZONE_NAME)


@pytest.fixture(scope="session")
def resources(dataset):
    return list(dataset.resources())


@pytest.fixture(scope="session")
def by_type(resources):
    out = defaultdict(list)
    for r in resources:
        out[r["resourceType"]].append(r)
    return out


@pytest.fixture(scope="session")
def index(resources):
    return {f"{r['resourceType']}/{r['id']}": r for r in resources}
