"""Conversations that end leave nothing behind: run and end many, then count what is left.

Against a real Rasa server, action server and sandbox EHR (``start_assistant``): each
conversation asks for its next appointment, verifies (name, date of birth, ZIP), reads the
answer, and ends, half of them by saying goodbye (the store deletes the conversation when
``action_end_conversation`` runs), half through the internal end route (what "End chat" and the
agent console do). Then it reports the store's size (``GET /internal/store``; must be 0) and the
Rasa server's resident memory (RSS, from /proc) after a warm-up and at the end, as growth per
1,000 conversations.

    python -m bench ephemeral      # BENCH_CONVERSATIONS=2000, BENCH_CONCURRENCY=8 by default
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from sandbox.server import SandboxEHR
from sandbox.synthetic import generate, load
from tests.integration.stack import INTERNAL_TOKEN, REST_TOKEN, start_assistant

CONVERSATIONS = int(os.environ.get("BENCH_CONVERSATIONS", "2000"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "8"))
WARM_UP = min(200, CONVERSATIONS // 10)
REST = {"Authorization": f"Bearer {REST_TOKEN}"}
INTERNAL = {"Authorization": f"Bearer {INTERNAL_TOKEN}"}


def rss_kib(pid: int) -> int:
    """The resident set size of a process, in KiB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def candidates(dataset: Any) -> list[Any]:
    """Adults who are not a special case (namesakes, minors, the deceased verify differently)."""
    year = time.gmtime().tm_year
    return [
        p
        for p in dataset.patients
        if p.case is None and not p.deceased and p.postal_code and year - int(p.birth_date[:4]) >= 20
    ]


async def conversation(client: httpx.AsyncClient, url: str, info: Any, n: int) -> tuple[bool, bool]:
    """One whole conversation; whether the patient was verified, and whether a goodbye that did not
    end the conversation had to be followed by the end route."""
    sender = f"bench-{uuid.uuid4().hex}"
    year, month, day = info.birth_date.split("-")
    verified = False
    for text in (
        "when is my next appointment",
        f"{info.given} {info.family}",
        f"{int(month)}/{int(day)}/{year}",
        info.postal_code,
    ):
        response = await client.post(
            f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, headers=REST
        )
        response.raise_for_status()
        verified = verified or "you're verified" in response.text
    missed = False
    if n % 2 == 0:
        response = await client.post(
            f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": "bye"}, headers=REST
        )
        response.raise_for_status()
        missed = "Take care" not in response.text
    if n % 2 == 1 or missed:
        response = await client.post(
            f"{url}/internal/conversations/rest:{sender}/end",
            json={"reason": "patient_ended"},
            headers=INTERNAL,
        )
        response.raise_for_status()
    return verified, missed


async def run_many(url: str, people: list[Any], start: int, count: int) -> tuple[int, int]:
    """Run ``count`` conversations, CONCURRENCY at a time; how many verified, how many goodbyes
    were not understood as such."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(start, start + count):
        queue.put_nowait(n)
    verified = missed = 0

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal verified, missed
        while not queue.empty():
            n = queue.get_nowait()
            ok, not_ended = await conversation(client, url, people[n % len(people)], n)
            verified += ok
            missed += not_ended

    async with httpx.AsyncClient(timeout=120) as client:
        await asyncio.gather(*(worker(client) for _ in range(CONCURRENCY)))
    return verified, missed


async def store_size(url: str) -> int:
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.get(f"{url}/internal/store", headers=INTERNAL)
        response.raise_for_status()
        return int(response.json()["conversations"])


def main() -> None:
    dataset = generate()
    people = candidates(dataset)
    with SandboxEHR() as ehr:
        load(ehr.base_url, dataset)
        # A longer EHR timeout than the tests' 2 s: the bench shares the machine with its load.
        actions, rasa, url = start_assistant(ehr.base_url, {"EHR_READ_TIMEOUT": "15"})
        try:
            assert rasa.process is not None
            pid = rasa.process.pid

            async def run() -> None:
                started = time.perf_counter()
                verified, missed = await run_many(url, people, 0, WARM_UP)
                base_rss, base_size = rss_kib(pid), await store_size(url)
                more_verified, more_missed = await run_many(url, people, WARM_UP, CONVERSATIONS - WARM_UP)
                verified, missed = verified + more_verified, missed + more_missed
                elapsed = time.perf_counter() - started
                await asyncio.sleep(1)
                end_rss, end_size = rss_kib(pid), await store_size(url)
                measured = (CONVERSATIONS - WARM_UP) / 1000
                print(f"\n{CONVERSATIONS} conversations ({CONCURRENCY} at a time) in {elapsed:.0f} s")
                print(f"  verified                       {verified} of {CONVERSATIONS}")
                print(f"  ended by goodbye / end route   {(CONVERSATIONS + 1) // 2} / {CONVERSATIONS // 2}")
                print(f"  goodbyes not taken as one      {missed}   (then ended by the route)")
                print(f"  store size after warm-up       {base_size}")
                print(f"  store size at the end          {end_size}   (must be 0)")
                print(f"  Rasa RSS after {WARM_UP} (warm-up)  {base_rss / 1024:8.1f} MiB")
                print(f"  Rasa RSS after {CONVERSATIONS}        {end_rss / 1024:8.1f} MiB")
                print(
                    f"  RSS growth per 1,000 conversations  {(end_rss - base_rss) / 1024 / measured:8.2f} MiB"
                )
                if end_size != 0:
                    raise SystemExit(f"the store still holds {end_size} conversations")

            asyncio.run(run())
        finally:
            rasa.stop()
            actions.stop()
