"""The Rasa server refuses to run on any conversation store but the ephemeral one.

Rasa falls back to its stock in-memory store, with only a warning, when the tracker store named
in endpoints.yml cannot be imported; that store keeps every conversation until the process ends.
Tried here: a real ``rasa run`` with endpoints naming a class that does not exist in our package,
and one naming a module that does not exist. Each must exit non-zero with a clear message once
its model has loaded, and never answer the REST channel.
"""

from __future__ import annotations

import pytest

from tests.integration.stack import run_until_exit

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("store", ["bot.store.NoSuchStore", "nowhere.at_all.Store"])
def test_a_store_that_fails_to_import_stops_the_server(tmp_path, store):
    """endpoints.yml naming a missing class or module: exit status 3 and "Refusing to start"."""
    status, output, answered = run_until_exit(f"tracker_store:\n  type: {store}\n", tmp_path)
    assert status == 3, output[-2000:]
    assert "Refusing to start: the conversation store is InMemoryTrackerStore" in output
    assert not answered
