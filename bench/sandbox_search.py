"""How fast the sandbox EHR answers the searches the gateway makes.

Against a sandbox loaded with the default synthetic dataset (500 patients, about 12,000
resources):

1. Each search the gateway makes (actions/ehr/*.py), with a different patient every round,
   is timed ROUNDS times from one caller; p50 and p95 in milliseconds are printed.
2. 50 concurrent callers, each on its own keep-alive connection, run the same searches
   round-robin for a fixed time; calls per second and the latency percentiles are printed,
   and the server's own CPU time per call (from /proc): the client shares the machine's
   cores with the server, so 1 / (CPU per call) is what the server (one thread) could
   answer on its own.

    python -m bench sandbox_search            # or: python -m bench.sandbox_search

BENCH_ROUNDS (100), BENCH_CONCURRENCY (50) and BENCH_SECONDS (10) change the amounts.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode, urlsplit

import httpx

from actions.ehr.phones import search_spellings
from sandbox.server import SandboxEHR
from sandbox.synthetic import generate, load

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "100"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "50"))
DURATION = float(os.environ.get("BENCH_SECONDS", "10"))

VISIT_TYPE = "https://frontdesk.dev/fhir/CodeSystem/visit-type"
INVOICE_KIND = "https://frontdesk.dev/fhir/CodeSystem/invoice-kind"
MRN_SYSTEM = "https://frontdesk.dev/sandbox/mrn"
PHARMACY = "http://nucc.org/provider-taxonomy|3336C0003X"
ACTIVE_APPOINTMENT = "booked,pending,arrived,checked-in"

Query = list[tuple[str, str]]


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def searches(dataset) -> dict[str, Callable[[int], tuple[str, Query]]]:
    """Name -> (round number -> (resource type, query)), as the gateway sends them."""
    patients = [p for p in dataset.patients if p.phone]
    by_type: dict[str, list[str]] = {}
    for resource in dataset.resources():
        by_type.setdefault(resource["resourceType"], []).append(resource["id"])
    schedules = ",".join(f"Schedule/{i}" for i in sorted(by_type["Schedule"]))
    practitioners = sorted(by_type["Practitioner"])
    locations = sorted(by_type["Location"])
    organizations = sorted(by_type["Organization"])
    now = datetime.now(timezone.utc).replace(microsecond=0)

    def patient(n: int):
        return patients[(n * 7919) % len(patients)]

    def ref(n: int) -> str:
        return f"Patient/{patient(n).id}"

    def ids(pool: list[str], n: int, k: int) -> str:
        return ",".join(sorted({pool[(n + i) % len(pool)] for i in range(k)}))

    def slot_window(n: int) -> Query:
        start = now + timedelta(days=1 + n % 14)
        return [
            ("schedule", schedules),
            ("status", "free"),
            ("start", f"ge{start.isoformat()}"),
            ("start", f"lt{(start + timedelta(days=7)).isoformat()}"),
            ("_sort", "start"),
            ("_count", "10"),
        ]

    return {
        "Patient?phone=<12 spellings>": lambda n: (
            "Patient",
            [("phone", ",".join(search_spellings(patient(n).phone)))],
        ),
        "Patient?family&birthdate": lambda n: (
            "Patient",
            [("family", patient(n).family), ("birthdate", patient(n).birth_date)],
        ),
        "Patient?birthdate": lambda n: ("Patient", [("birthdate", patient(n).birth_date)]),
        "Patient?identifier=<mrn>": lambda n: (
            "Patient",
            [("identifier", f"{MRN_SYSTEM}|{patient(n).mrn}")],
        ),
        "Patient?_id": lambda n: ("Patient", [("_id", patient(n).id)]),
        "Appointment?patient&date&status&_sort": lambda n: (
            "Appointment",
            [
                ("patient", ref(n)),
                ("date", f"ge{now.isoformat()}"),
                ("status", ACTIVE_APPOINTMENT),
                ("_sort", "date"),
                ("_count", "10"),
            ],
        ),
        "Schedule?active": lambda n: ("Schedule", [("active", "true")]),
        "Schedule?active&actor&service-type": lambda n: (
            "Schedule",
            [
                ("active", "true"),
                ("actor", f"Practitioner/{practitioners[n % len(practitioners)]}"),
                ("service-type", "follow-up"),
            ],
        ),
        "Slot?schedule=<all>&status&start&start&_sort": lambda n: ("Slot", slot_window(n)),
        "Slot?status=free&_count=10": lambda n: ("Slot", [("status", "free"), ("_count", "10")]),
        "Practitioner?_id=<list>": lambda n: ("Practitioner", [("_id", ids(practitioners, n, 3))]),
        "Location?_id=<list>": lambda n: ("Location", [("_id", ids(locations, n, 2))]),
        "Organization?_id=<list>": lambda n: ("Organization", [("_id", ids(organizations, n, 2))]),
        "Organization?type&active": lambda n: ("Organization", [("type", PHARMACY), ("active", "true")]),
        "Account?patient&status": lambda n: ("Account", [("patient", ref(n)), ("status", "active")]),
        "Invoice?subject&type&status&_sort=-date": lambda n: (
            "Invoice",
            [
                ("subject", ref(n)),
                ("type", f"{INVOICE_KIND}|statement"),
                ("status", "issued"),
                ("_sort", "-date"),
                ("_count", "50"),
            ],
        ),
        "Invoice?subject&type&_sort=-date&_count=1": lambda n: (
            "Invoice",
            [("subject", ref(n)), ("type", f"{INVOICE_KIND}|statement"), ("_sort", "-date"), ("_count", "1")],
        ),
        "Coverage?beneficiary&status": lambda n: (
            "Coverage",
            [("beneficiary", ref(n)), ("status", "active")],
        ),
        "MedicationRequest?patient": lambda n: ("MedicationRequest", [("patient", ref(n))]),
        "MedicationRequest?subject": lambda n: ("MedicationRequest", [("subject", ref(n))]),
        "MedicationRequest?patient&status&intent": lambda n: (
            "MedicationRequest",
            [("patient", ref(n)), ("status", "active"), ("intent", "order")],
        ),
        "Condition?patient&clinical-status": lambda n: (
            "Condition",
            [("patient", ref(n)), ("clinical-status", "active")],
        ),
        "AllergyIntolerance?patient": lambda n: ("AllergyIntolerance", [("patient", ref(n))]),
    }


def cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU time of a process so far, or None where /proc is not available."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (OSError, TypeError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def sequential(base_url: str, table: dict[str, Callable[[int], tuple[str, Query]]]) -> None:
    print(f"\nSandbox search latency, one caller ({ROUNDS} rounds each, ms)")
    print(f"{'search':<48} {'p50':>8} {'p95':>8}")
    with httpx.Client(base_url=base_url, timeout=60) as client:
        for name, make in table.items():
            samples = []
            for n in range(ROUNDS):
                resource_type, query = make(n)
                started = time.perf_counter()
                response = client.get(f"/{resource_type}", params=query)
                samples.append((time.perf_counter() - started) * 1000)
                response.raise_for_status()
            print(f"{name:<48} {percentile(samples, 0.5):8.1f} {percentile(samples, 0.95):8.1f}")


def raw_requests(base_url: str, table: dict[str, Callable[[int], tuple[str, Query]]], n: int) -> list[bytes]:
    """n GET requests, the searches round-robin, as the bytes an HTTP/1.1 client sends."""
    url = urlsplit(base_url)
    makers = list(table.values())
    requests = []
    for i in range(n):
        resource_type, query = makers[i % len(makers)](i // len(makers))
        target = f"{url.path}/{resource_type}?{urlencode(query)}"
        requests.append(f"GET {target} HTTP/1.1\r\nHost: {url.netloc}\r\n\r\n".encode())
    return requests


async def raw_get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> int:
    """Sends one request on a keep-alive connection and reads the whole answer; returns the status."""
    writer.write(request)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    length = next(
        int(line.split(b":", 1)[1]) for line in lines if line.lower().startswith(b"content-length:")
    )
    await reader.readexactly(length)
    return int(lines[0].split(b" ", 2)[1])


async def concurrent(
    base_url: str, table: dict[str, Callable[[int], tuple[str, Query]]], server_pid: int | None
) -> None:
    # httpx costs the client a few ms of CPU per call, more than the server now spends, on
    # the same cores: so each caller here is a bare HTTP/1.1 keep-alive connection.
    requests = raw_requests(base_url, table, 5000)
    counter = itertools.count()
    latencies: list[float] = []
    failures = 0
    url = urlsplit(base_url)
    deadline = time.perf_counter() + DURATION

    async def caller() -> None:
        nonlocal failures
        connection = None
        while time.perf_counter() < deadline:
            request = requests[next(counter) % len(requests)]
            started = time.perf_counter()
            try:
                connection = connection or await asyncio.open_connection(url.hostname, url.port)
                status = await raw_get(*connection, request)
            except (ConnectionError, asyncio.IncompleteReadError):
                connection, status = None, 0
            latencies.append((time.perf_counter() - started) * 1000)
            if status != 200:
                failures += 1
        if connection:
            connection[1].close()
            with contextlib.suppress(ConnectionError):
                await connection[1].wait_closed()

    cpu_before = cpu_seconds(server_pid)
    started = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(CONCURRENCY)))
    elapsed = time.perf_counter() - started
    cpu_after = cpu_seconds(server_pid)
    calls = len(latencies)
    print(f"\n{CONCURRENCY} concurrent callers (a connection each), all the searches above, {elapsed:.1f} s")
    print(
        f"  {calls / elapsed:.0f} calls/s, p50 {percentile(latencies, 0.5):.1f} ms, "
        f"p95 {percentile(latencies, 0.95):.1f} ms, {failures} failed"
    )
    if cpu_before is not None and cpu_after is not None and calls:
        per_call = (cpu_after - cpu_before) / calls * 1000
        print(f"  server CPU {per_call:.2f} ms per call (one thread: at most ~{1000 / per_call:.0f} calls/s)")


def main() -> None:
    dataset = generate()
    with SandboxEHR() as ehr:
        assert ehr.base_url
        started = time.perf_counter()
        load(ehr.base_url, dataset)
        count = sum(1 for _ in dataset.resources())
        print(f"Loaded {count} resources in {time.perf_counter() - started:.1f} s")
        table = searches(dataset)
        sequential(ehr.base_url, table)
        asyncio.run(concurrent(ehr.base_url, table, ehr.pid))


if __name__ == "__main__":
    main()
