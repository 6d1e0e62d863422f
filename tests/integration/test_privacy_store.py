"""The Rasa server refuses to run on any conversation store but the ephemeral one.

Rasa falls back to its stock in-memory store, with only a warning, when the tracker store named
in endpoints.yml cannot be imported; that store keeps every conversation until the process ends.
Tried here: a real ``rasa run`` with endpoints naming a class that does not exist in our package,
and one naming a module that does not exist. Each must exit non-zero with a clear message once
its model has loaded, and never answer the REST channel.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest

from tests.integration.stack import MODEL, REST_TOKEN, ROOT, free_port

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("store", ["bot.store.NoSuchStore", "nowhere.at_all.Store"])
def test_a_store_that_fails_to_import_stops_the_server(tmp_path, store):
    """endpoints.yml naming a missing class or module: exit status 3 and "Refusing to start"."""
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f"tracker_store:\n  type: {store}\n")
    port = free_port()
    log = tmp_path / "rasa.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "REST_CHANNEL_TOKEN": REST_TOKEN}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "rasa",
                "run",
                "--model",
                str(MODEL),
                "--endpoints",
                str(endpoints),
                "--credentials",
                "credentials.yml",
                "--interface",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        answered = False
        try:
            deadline = time.monotonic() + 240
            while process.poll() is None and time.monotonic() < deadline:
                try:
                    response = httpx.post(
                        f"http://127.0.0.1:{port}/webhooks/rest/webhook",
                        json={"sender": "guard", "message": "hi"},
                        headers={"Authorization": f"Bearer {REST_TOKEN}"},
                        timeout=2,
                    )
                    answered = answered or bool(response.status_code == 200 and response.json())
                except httpx.HTTPError:
                    pass
                time.sleep(0.5)
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()
    output = log.read_text(errors="replace")
    assert process.returncode == 3, output[-2000:]
    assert "Refusing to start: the conversation store is InMemoryTrackerStore" in output
    assert not answered
