"""Turn latency through the REST channel, against a stock `rasa init` assistant in the same run.

Ours: a verified patient asks "when is my next appointment" (NLU, policies, the action server,
and the sandbox EHR). Stock: `rasa init`'s assistant answering "hello", served the same way.
Each is measured with 1 conversation and with 20 concurrent ones (p50, p95, messages/s). Then
where our time goes: under the 20-concurrent load, the CPU each process spent per turn (the Rasa
server, the action server, the sandbox EHR; the stock Rasa server for comparison: on two cores
the turn is CPU-bound, and the Rasa server's one event loop is the bound); and with one
conversation, NLU alone (/model/parse), the action server alone (its /webhook, which includes the
EHR), and the EHR call alone (the gateway).

    python -m bench turns          # BENCH_TURNS=50 turns per conversation by default
    BENCH_STOCK_DIR=/tmp/stock python -m bench turns   # keep the stock assistant between runs
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from actions.ehr import EHRSettings, FhirGateway
from sandbox.server import SandboxEHR
from sandbox.synthetic import generate, load
from tests.integration.stack import RASA_TOKEN, REST_TOKEN, Service, free_port, start_assistant

TURNS = int(os.environ.get("BENCH_TURNS", "50"))
CONCURRENT = 20
QUESTION = "when is my next appointment"


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def say(client: httpx.AsyncClient, url: str, sender: str, text: str) -> float:
    started = time.perf_counter()
    response = await client.post(
        f"{url}/webhooks/rest/webhook",
        json={"sender": sender, "message": text},
        headers={"Authorization": f"Bearer {REST_TOKEN}"},  # ignored by the stock assistant
    )
    response.raise_for_status()
    if not response.json():
        raise RuntimeError("the assistant did not answer")
    return (time.perf_counter() - started) * 1000


async def verified_sender(client: httpx.AsyncClient, url: str, info) -> str:
    """A conversation in which the patient asked the question once and verified."""
    sender = f"bench-{uuid.uuid4().hex}"
    year, month, day = info.birth_date.split("-")
    for text in (
        QUESTION,
        f"{info.given} {info.family}",
        f"{int(month)}/{int(day)}/{year}",
        info.postal_code,
    ):
        await say(client, url, sender, text)
    return sender


def cpu_seconds(pid: int | None) -> float:
    """CPU time (user + system) of a process and its children so far, from /proc (Linux)."""
    if pid is None:
        return 0.0
    total = 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return total
    return total + sum(cpu_seconds(int(child)) for child in children)


class CpuPerTurn:
    """The CPU each named process spends per turn while a measurement runs."""

    def __init__(self, **pids: int | None) -> None:
        self.pids = pids
        self.per_turn: dict[str, float] = {}

    def start(self) -> None:
        self._before = {name: cpu_seconds(pid) for name, pid in self.pids.items()}

    def stop(self, turns: int) -> None:
        for name, pid in self.pids.items():
            self.per_turn[name] = (cpu_seconds(pid) - self._before[name]) * 1000 / max(turns, 1)

    def __str__(self) -> str:
        return ", ".join(f"{name} {ms:.1f} ms" for name, ms in self.per_turn.items())


async def measure(
    url: str, text: str, senders: list[str], cpu: CpuPerTurn | None = None
) -> tuple[list[float], float]:
    latencies: list[float] = []
    async with httpx.AsyncClient(timeout=120) as client:

        async def conversation(sender: str) -> None:
            for _ in range(TURNS):
                latencies.append(await say(client, url, sender, text))

        if cpu is not None:
            cpu.start()
        started = time.perf_counter()
        await asyncio.gather(*(conversation(s) for s in senders))
        elapsed = time.perf_counter() - started
        if cpu is not None:
            cpu.stop(len(latencies))
    return latencies, len(latencies) / elapsed


def report(label: str, latencies: list[float], rate: float) -> None:
    p50, p95 = statistics.median(latencies), percentile(latencies, 0.95)
    print(f"  {label:<34} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   {rate:6.1f} messages/s")


def stock_assistant(workdir: Path) -> tuple[Service, str]:
    """`rasa init`'s assistant in ``workdir``, created and trained there unless it already has a
    model (BENCH_STOCK_DIR names a folder to keep it in between runs), served on a free port."""
    if list(workdir.glob("models/*.tar.gz")):
        print(f"stock `rasa init` assistant reused from {workdir}")
    else:
        started = time.perf_counter()
        workdir.mkdir(parents=True, exist_ok=True)  # rasa init wants the folder to exist
        subprocess.run(
            [sys.executable, "-m", "rasa", "init", "--no-prompt", "--init-dir", str(workdir)],
            check=True,
            capture_output=True,
        )
        print(f"stock `rasa init` assistant created and trained in {time.perf_counter() - started:.0f} s")
    port = free_port()
    service = Service(
        "stock-rasa",
        [
            sys.executable,
            "-m",
            "rasa",
            "run",
            "--port",
            str(port),
            "--interface",
            "127.0.0.1",
            "--enable-api",
        ],
        {},
        f"http://127.0.0.1:{port}/status",
        cwd=workdir,
    )
    service.start(timeout=240)
    return service, f"http://127.0.0.1:{port}"


async def breakdown(rasa_url: str, ehr_url: str, info, actions_url: str) -> None:
    async with httpx.AsyncClient(timeout=60) as client:
        nlu = []
        for _ in range(TURNS):
            started = time.perf_counter()
            parse = await client.post(
                f"{rasa_url}/model/parse", params={"token": RASA_TOKEN}, json={"text": QUESTION}
            )
            parse.raise_for_status()
            nlu.append((time.perf_counter() - started) * 1000)
        tracker = {
            "sender_id": "bench",
            "slots": {"verified": True, "patient_id": info.id, "first_name": info.given},
            "latest_message": {"text": QUESTION, "intent": {"name": "ask_appointments"}},
            "events": [],
            "paused": False,
            "latest_input_channel": "rest",
            "active_loop": {},
        }
        body = {
            "next_action": "action_show_appointments",
            "sender_id": "bench",
            "tracker": tracker,
            "domain": {},
        }
        action = []
        for _ in range(TURNS):
            started = time.perf_counter()
            (await client.post(actions_url, json=body)).raise_for_status()
            action.append((time.perf_counter() - started) * 1000)
    async with FhirGateway(EHRSettings(base_url=ehr_url)) as gateway:
        ehr = []
        for _ in range(TURNS):
            started = time.perf_counter()
            await gateway.upcoming_appointments(info.id)
            ehr.append((time.perf_counter() - started) * 1000)
    print("\nWhere one turn's time goes (p50, one conversation):")
    print(f"  NLU (/model/parse)                 {statistics.median(nlu):7.1f} ms")
    print(f"  action server (/webhook, with EHR) {statistics.median(action):7.1f} ms")
    print(f"  EHR alone (gateway call)           {statistics.median(ehr):7.1f} ms")
    print("  policies and Rasa's own work       the rest of the REST turn above")


def pid_of(service: Service) -> int | None:
    return service.process.pid if service.process is not None else None


def main() -> None:
    dataset = generate()
    info = dataset.cases["demo"][0]
    with SandboxEHR() as ehr, tempfile.TemporaryDirectory() as scratch:
        load(ehr.base_url, dataset)
        stock_dir = os.environ.get("BENCH_STOCK_DIR")
        stock, stock_url = stock_assistant(Path(stock_dir) if stock_dir else Path(scratch) / "stock")
        actions, rasa, rasa_url = start_assistant(ehr.base_url)
        try:

            async def run() -> None:
                async with httpx.AsyncClient(timeout=120) as client:
                    ours = [await verified_sender(client, rasa_url, info) for _ in range(CONCURRENT)]
                stock_senders = [f"stock-{i}" for i in range(CONCURRENT)]
                print(f"\nREST turn latency ({TURNS} turns per conversation)")
                report("ours, 1 conversation", *await measure(rasa_url, QUESTION, ours[:1]))
                report("stock, 1 conversation", *await measure(stock_url, "hello", stock_senders[:1]))
                ours_cpu = CpuPerTurn(rasa=pid_of(rasa), actions=pid_of(actions), sandbox=ehr.pid)
                stock_cpu = CpuPerTurn(rasa=pid_of(stock))
                report(f"ours, {CONCURRENT} concurrent", *await measure(rasa_url, QUESTION, ours, ours_cpu))
                report(
                    f"stock, {CONCURRENT} concurrent",
                    *await measure(stock_url, "hello", stock_senders, stock_cpu),
                )
                print(
                    f"\nCPU per turn at {CONCURRENT} concurrent (shared machine: other processes add noise)"
                )
                print(f"  ours:  {ours_cpu}")
                print(f"  stock: {stock_cpu}")
                await breakdown(
                    rasa_url, ehr.base_url, info, actions.ready_url.replace("/health", "/webhook")
                )

            asyncio.run(run())
        finally:
            rasa.stop()
            actions.stop()
            stock.stop()
