"""Fixtures shared by integration and browser tests: one sandbox EHR per test session (loaded once
with the default synthetic dataset) and one assistant (action server + Rasa server) per session.

Session fixtures start only when a test asks for them: unit tests start nothing."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

from sandbox.server import SandboxEHR
from sandbox.synthetic import generate, load
from tests.integration.fake_twilio import FakeTwilio
from tests.integration.stack import Chat, FaultyProxy, start_assistant


@dataclass
class Sandbox:
    base_url: str
    dataset: Any

    def case(self, name: str) -> list[Any]:
        """The patients of a named special case, as a list whatever its shape."""
        value = self.dataset.cases[name]
        if isinstance(value, dict):
            return list(value.values())
        if isinstance(value, (list, tuple)):
            return list(value)
        return [value]

    def patient(self, name: str) -> Any:
        return self.case(name)[0]

    def leaked_in(self, text: str) -> list[str]:
        """The identifiers that appear in ``text``, as written or URL-encoded."""
        return [v for v in self.identifiers() if any(f in text for f in (v, quote(v), quote_plus(v)))]

    def identifiers(self) -> set[str]:
        """Every special-case patient's identifying strings, to search logs for."""
        found: set[str] = set()
        for name in self.dataset.cases:
            for info in self.case(name):
                for value in (
                    info.given,
                    info.family,
                    info.birth_date,
                    info.phone,
                    info.phone_e164,
                    info.mrn,
                    info.ssn,
                    info.email,
                ):
                    if value and len(value) >= 4:
                        found.add(value)
        return found


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    patients = int(os.environ.get("FRONTDESK_TEST_PATIENTS", "500"))
    dataset = generate(patients=patients)
    with SandboxEHR() as ehr:
        load(ehr.base_url, dataset)
        yield Sandbox(ehr.base_url, dataset)


@pytest.fixture(scope="session")
def ehr_proxy(sandbox: Sandbox) -> Iterator[FaultyProxy]:
    """The sandbox behind a proxy that tests can make fail; reset to healthy after each use."""
    with FaultyProxy(sandbox.base_url) as proxy:
        yield proxy


@pytest.fixture(scope="session")
def fake_twilio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeTwilio]:
    """A local fake of Twilio's Messages API; the assistant's SMS channel texts through it."""
    with FakeTwilio(tmp_path_factory.mktemp("sms-data")) as twilio:
        yield twilio


@pytest.fixture(scope="session")
def assistant(
    ehr_proxy: FaultyProxy,
    sandbox: Sandbox,
    fake_twilio: FakeTwilio,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    """A real action server and Rasa server (one per test session); yields Rasa's URL.

    At the end, their logs are searched for every special-case patient's identifiers."""
    # The reminder job's outbox: the SMS channel reads replies to reminders (C, R, X) against it.
    outbox = {"REMINDER_OUTBOX": str(fake_twilio.data_dir / "reminders.sqlite3")}
    # The agent console's files (tests/integration/test_console*.py add agents there); plain http.
    console_dir = tmp_path_factory.getbasetemp() / "console"
    console = {
        "AGENTS_FILE": str(console_dir / "agents"),
        "CONSOLE_AUDIT_LOG": str(console_dir / "audit.jsonl"),
        "CONSOLE_SECURE_COOKIES": "0",
    }
    extra_env = {**fake_twilio.env(), **outbox, **console}
    actions, rasa, url = start_assistant(ehr_proxy.base_url, extra_env=extra_env)
    try:
        yield url
    finally:
        rasa.stop()
        actions.stop()
    for service in (actions, rasa):
        text = service.log_path.read_text(errors="replace")
        leaked = sandbox.leaked_in(text)
        assert not leaked, f"{len(leaked)} patient identifiers appeared in {service.log_path.name}"


@pytest.fixture
def chat(assistant: str, ehr_proxy: FaultyProxy) -> Iterator[Chat]:
    ehr_proxy.mode = "ok"
    yield Chat(assistant)
    ehr_proxy.mode = "ok"


@pytest.fixture(autouse=True)
def no_phi_in_logs(request, caplog):
    """Whatever a test does, nothing logged names a synthetic patient."""
    caplog.set_level(logging.DEBUG)
    yield
    if "sandbox" in request.fixturenames:
        sandbox = request.getfixturevalue("sandbox")
        # At teardown caplog.text holds only teardown's records: read the call's.
        records = caplog.get_records("setup") + caplog.get_records("call")
        text = "\n".join(record.getMessage() for record in records)
        leaked = sandbox.leaked_in(text)
        where = sorted({r.name for r in records if any(v in r.getMessage() for v in leaked)})
        assert not leaked, f"{len(leaked)} patient identifiers appeared in the logs of {where}"
