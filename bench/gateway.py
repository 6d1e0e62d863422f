"""Gateway overhead against raw httpx, and calls per second under concurrency.

Against the real sandbox EHR loaded with the default synthetic dataset:

1. For each gateway operation, the HTTP requests it makes are recorded once and
   then replayed with a bare ``httpx.AsyncClient`` (no parsing, no mapping).
   Both are timed N times; p50 and p95 of each, and their ratio, are printed.
2. 50 concurrent callers run a mix of read operations for a fixed time; calls
   per second and the latency percentiles are printed.

    python -m bench gateway
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone

import httpx

from actions.ehr import EHRSettings, FhirGateway
from sandbox.server import SandboxEHR
from sandbox.synthetic import generate, load

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "200"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "50"))
DURATION = float(os.environ.get("BENCH_SECONDS", "10"))


class RecordingTransport(httpx.AsyncBaseTransport):
    """Passes requests through and remembers their URLs while ``recording`` is set."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.recording: list[str] | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.recording is not None:
            self.recording.append(str(request.url))
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


async def timed(call: Callable[[], Awaitable[object]], rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


async def run(base_url: str, dataset) -> None:
    demo = dataset.cases["demo"]
    patient_id = demo.id
    now = datetime.now(timezone.utc)
    operations: dict[str, Callable[[FhirGateway], Awaitable[object]]] = {
        "find_patients_by_phone": lambda g: g.find_patients_by_phone(demo.phone),
        "upcoming_appointments": lambda g: g.upcoming_appointments(patient_id),
        "free_slots": lambda g: g.free_slots(start=now + timedelta(days=2), end=now + timedelta(days=9)),
        "outstanding_balance": lambda g: g.outstanding_balance(patient_id),
        "active_medications": lambda g: g.active_medications(patient_id),
        "get_patient": lambda g: g.get_patient(patient_id),
    }
    transport = RecordingTransport()
    settings = EHRSettings(base_url=base_url)
    async with FhirGateway(settings, transport=transport) as gateway, httpx.AsyncClient() as raw:
        print(f"\nGateway overhead vs raw httpx (same requests, {ROUNDS} rounds each, ms)")
        columns = ("reqs", "gw p50", "gw p95", "raw p50", "raw p95", "p50 x", "p95 x")
        print(f"{'operation':<24} " + " ".join(f"{c:>8}" for c in columns))
        for name, operation in operations.items():
            await operation(gateway)  # warm the directory cache and connections
            transport.recording = []
            await operation(gateway)
            urls, transport.recording = transport.recording, None

            async def replay(urls: list[str] = urls) -> None:
                for url in urls:
                    response = await raw.get(url, headers={"Accept": "application/fhir+json"})
                    response.raise_for_status()

            gw = await timed(lambda operation=operation: operation(gateway), ROUNDS)
            bare = await timed(replay, ROUNDS)
            gw50, gw95, raw50, raw95 = (
                statistics.median(gw),
                percentile(gw, 0.95),
                statistics.median(bare),
                percentile(bare, 0.95),
            )
            print(
                f"{name:<24} {len(urls):>8} {gw50:>8.2f} {gw95:>8.2f} {raw50:>8.2f} {raw95:>8.2f}"
                f" {gw50 / raw50:>8.2f} {gw95 / raw95:>8.2f}"
            )

        mix = [
            operations[n]
            for n in ("upcoming_appointments", "outstanding_balance", "active_medications", "get_patient")
        ]
        latencies: list[float] = []
        deadline = time.perf_counter() + DURATION

        async def caller(offset: int) -> None:
            i = offset
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                await mix[i % len(mix)](gateway)
                latencies.append((time.perf_counter() - started) * 1000)
                i += 1

        started = time.perf_counter()
        await asyncio.gather(*(caller(i) for i in range(CONCURRENCY)))
        elapsed = time.perf_counter() - started
        print(f"\n{CONCURRENCY} concurrent callers for {elapsed:.1f} s (mix of 4 read operations)")
        print(
            f"  {len(latencies) / elapsed:.0f} calls/s; latency p50 {statistics.median(latencies):.1f} ms,"
            f" p95 {percentile(latencies, 0.95):.1f} ms"
        )


def main() -> None:
    dataset = generate()
    with SandboxEHR() as ehr:
        started = time.perf_counter()
        load(ehr.base_url, dataset)
        print(f"sandbox loaded with the default dataset in {time.perf_counter() - started:.1f} s")
        asyncio.run(run(ehr.base_url, dataset))
