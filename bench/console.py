"""From a patient's message to the agent's screen, with 20 conversations held by agents.

Against a real Rasa server, action server and sandbox EHR (``start_assistant``), with the agent
console on. 20 web-chat patients (python-socketio over long polling, as
tests/integration/webchat_client.py: the widget's own channel, and the only one besides SMS on
which a person's reply reaches the patient; REST cannot receive one) ask for a person; 4 agents
sign in as a browser does (the form, the session cookie, the CSRF token) and take 5 each; one
consumer per agent reads ``GET /console/api/events`` (server-sent events), as the agent's open
page does. Then every patient sends ``BENCH_CONSOLE_MESSAGES`` messages (10 by default), each
carrying a unique nonce, all 20 at once, each waiting for its message to reach the screen before
sending the next (and, first, one patient alone, the other 19 quiet, for comparison). Measured:
from just before the socket.io emit to the SSE ``line`` event that
carries that nonce (the whole path: the patient's POST, Rasa's NLU and tracker, the store's event
broker, the console's queue and hub, the stream); and, for comparison, the emit's acknowledgement
(Rasa has processed and stored the message). Not verified patients: the record is not read.

    python -m bench console
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import statistics
import tempfile
import time
from pathlib import Path

import httpx
import socketio

from bench.turns import percentile
from bot.agents import AccountsFile
from sandbox.server import SandboxEHR
from sandbox.synthetic import generate, load
from tests.integration.stack import start_assistant

PATIENTS = 20
AGENTS = 4
MESSAGES = int(os.environ.get("BENCH_CONSOLE_MESSAGES", "10"))
PASSWORD = "bench agents' long password"
SOCKET_PATH = "/webchat/socket.io"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_NONCE = re.compile(r"nonce ([0-9a-f]{16})")


class Agent:
    """One agent's browser: the session cookie, the CSRF token, the page's event stream."""

    def __init__(self, url: str, name: str, arrivals: dict[str, float]) -> None:
        self.name = name
        self.client = httpx.AsyncClient(base_url=url, timeout=httpx.Timeout(60, read=None))
        self.csrf = ""
        self.arrivals = arrivals  # nonce -> when its line arrived (perf_counter)
        self.streaming = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def sign_in(self) -> None:
        form = await self.client.get("/console/sign-in")
        token = _CSRF.search(form.text)
        assert token, "no sign-in form"
        answer = await self.client.post(
            "/console/sign-in", data={"name": self.name, "password": PASSWORD, "csrf_token": token.group(1)}
        )
        assert answer.status_code == 303, answer.status_code
        self.csrf = (await self.client.get("/console/api/session")).json()["csrf_token"]
        self.task = asyncio.create_task(self._read())
        await asyncio.wait_for(self.streaming.wait(), 30)

    async def _read(self) -> None:
        async with self.client.stream("GET", "/console/api/events") as answer:
            assert answer.status_code == 200, answer.status_code
            self.streaming.set()
            event = ""
            async for line in answer.aiter_lines():
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event == "line":
                    found = _NONCE.search(json.loads(line[6:])["text"])
                    if found:
                        self.arrivals.setdefault(found.group(1), time.perf_counter())

    async def take(self, entry_id: str) -> None:
        answer = await self.client.post(
            f"/console/api/queue/{entry_id}/take", headers={"X-CSRF-Token": self.csrf}
        )
        assert answer.status_code == 200, answer.text

    async def end(self, entry_id: str) -> None:
        await self.client.post(f"/console/api/queue/{entry_id}/end", headers={"X-CSRF-Token": self.csrf})

    async def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
        await self.client.aclose()


class Patient:
    def __init__(self, url: str) -> None:
        self.url = url
        self.sio = socketio.AsyncClient(reconnection=False)

    async def open(self) -> None:
        await self.sio.connect(self.url, socketio_path=SOCKET_PATH, transports=["polling"], wait_timeout=30)
        await self.sio.call("start", {}, timeout=60)

    async def say(self, text: str) -> None:
        ack = await self.sio.call("user_uttered", {"message": text}, timeout=120)
        assert ack == {"ok": True}, ack


async def wait_for(arrivals: dict[str, float], nonce: str, timeout: float = 60) -> float:
    deadline = time.perf_counter() + timeout
    while nonce not in arrivals:
        if time.perf_counter() > deadline:
            raise TimeoutError("a message never reached the agent's screen")
        await asyncio.sleep(0.002)
    return arrivals[nonce]


async def run(url: str) -> None:
    arrivals: dict[str, float] = {}
    agents = [Agent(url, f"bench{i}", arrivals) for i in range(AGENTS)]
    patients = [Patient(url) for _ in range(PATIENTS)]
    try:
        for agent in agents:
            await agent.sign_in()
        await asyncio.gather(*(patient.open() for patient in patients))
        await asyncio.gather(*(patient.say("i want to talk to a real person") for patient in patients))
        entries = (await agents[0].client.get("/console/api/queue")).json()["entries"]
        assert len(entries) == PATIENTS, f"{len(entries)} entries queued, expected {PATIENTS}"
        for number, entry in enumerate(entries):
            await agents[number % AGENTS].take(entry["id"])

        async def patient_talks(patient: Patient, count: int, sent: list[float], acked: list[float]) -> None:
            for _ in range(count):
                nonce = secrets.token_hex(8)
                started = time.perf_counter()
                await patient.say(f"still here, nonce {nonce}")
                ack = time.perf_counter()
                arrived = await wait_for(arrivals, nonce)
                sent.append((arrived - started) * 1000)
                acked.append((ack - started) * 1000)

        await asyncio.gather(*(patient_talks(p, 1, [], []) for p in patients))  # warm-up
        print(f"\nPatient's message to the agent's screen: {PATIENTS} web chats held by {AGENTS} agents")
        for talking in (patients[:1], patients):
            sent: list[float] = []
            acked: list[float] = []
            started = time.perf_counter()
            await asyncio.gather(*(patient_talks(p, MESSAGES, sent, acked) for p in talking))
            elapsed = time.perf_counter() - started
            print(
                f"  {len(talking)} patient(s) talking at once, {MESSAGES} messages each: "
                f"{len(sent)} messages in {elapsed:.1f} s"
            )
            for label, samples in (("emit -> SSE line on the agent's stream", sent), ("emit -> ack", acked)):
                print(
                    f"    {label:<40} p50 {statistics.median(samples):7.1f} ms   "
                    f"p95 {percentile(samples, 0.95):7.1f} ms   max {max(samples):7.1f} ms"
                )
        for number, entry in enumerate(entries):
            await agents[number % AGENTS].end(entry["id"])
    finally:
        for patient in patients:
            if patient.sio.connected:
                await patient.sio.disconnect()
        for agent in agents:
            await agent.close()


def main() -> None:
    dataset = generate(patients=50)
    with SandboxEHR() as ehr, tempfile.TemporaryDirectory() as scratch:
        load(ehr.base_url, dataset)
        accounts = AccountsFile(Path(scratch) / "agents")
        for i in range(AGENTS):
            accounts.add(f"bench{i}", PASSWORD)
        env = {
            "AGENTS_FILE": str(Path(scratch) / "agents"),
            "CONSOLE_AUDIT_LOG": str(Path(scratch) / "audit.jsonl"),
            "CONSOLE_SECURE_COOKIES": "0",
        }
        actions, rasa, url = start_assistant(ehr.base_url, env)
        try:
            asyncio.run(run(url))
        finally:
            rasa.stop()
            actions.stop()


if __name__ == "__main__":
    main()
