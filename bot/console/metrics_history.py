"""A short history of the Rasa server's counters, for the console's metrics page.

Prometheus counters only say "how many since the process started". The page wants "how many per
hour", so the console samples the counters (every minute, and at each page view) into a ring
buffer of ``Snapshot``: counts only, summed over channels. No conversation id, no text, nothing
about any patient. The buffer keeps at most one snapshot per minute and ``capacity`` of them
(24 hours by default), so its memory is bounded whatever the traffic or the page views.

Per-hour figures are differences between consecutive snapshots, counted in the hour of the later
one. A counter that went down (a process restart, a new registry) is taken as reset: the later
value is its whole increase, as Prometheus' ``increase()`` does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import pairwise

from bot.metrics.broker import shared_metrics
from bot.metrics.labels import HANDOFF_REASONS
from bot.metrics.registry import ConversationMetrics

log = logging.getLogger("frontdesk.console")

SAMPLE_SECONDS = 60.0
HOURS = 24
CAPACITY = HOURS * 60 + 1  # a day of minutes, plus the baseline of the first hour
HOUR = 3600


@dataclass(frozen=True)
class Snapshot:
    """The counters at one moment, summed over channels (counts only)."""

    at: float
    ended: int = 0
    contained: int = 0
    verified: int = 0
    failed: int = 0
    locked: int = 0
    handoffs: dict[str, int] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        flat = {
            "ended": self.ended,
            "contained": self.contained,
            "verified": self.verified,
            "failed": self.failed,
            "locked": self.locked,
        }
        flat.update({"handoff:" + reason: count for reason, count in self.handoffs.items()})
        return flat


def _sums(collected: Iterable[object], label: str | None = None) -> dict[str, int]:
    """Sample values of ``..._total`` summed by one label's value (or all under "")."""
    sums: dict[str, int] = {}
    for family in collected:
        for sample in getattr(family, "samples", ()):
            if not sample.name.endswith("_total"):
                continue
            key = sample.labels.get(label, "") if label else ""
            sums[key] = sums.get(key, 0) + int(sample.value)
    return sums


def snapshot_of(metrics: ConversationMetrics, at: float | None = None) -> Snapshot:
    outcomes = _sums(metrics.verifications.collect(), "outcome")
    handoffs = _sums(metrics.handoffs.collect(), "reason")
    return Snapshot(
        at=time.time() if at is None else at,
        ended=_sums(metrics.ended.collect()).get("", 0),
        contained=_sums(metrics.contained.collect()).get("", 0),
        verified=outcomes.get("verified", 0),
        failed=outcomes.get("failed", 0),
        locked=outcomes.get("locked", 0),
        handoffs={reason: handoffs.get(reason, 0) for reason in HANDOFF_REASONS},
    )


@dataclass
class Hour:
    """What happened in one clock hour (UTC), from the snapshots' differences."""

    start: float
    counts: dict[str, int] = field(default_factory=dict)

    def count(self, name: str) -> int:
        return self.counts.get(name, 0)

    @property
    def containment(self) -> float | None:
        """Contained / ended, or None when no conversation ended in the hour."""
        ended = self.count("ended")
        return min(1.0, self.count("contained") / ended) if ended else None

    @property
    def verifications(self) -> int:
        return self.count("verified") + self.count("failed") + self.count("locked")

    @property
    def verification_success(self) -> float | None:
        """Verified / (verified + failed + locked), or None when none concluded in the hour."""
        total = self.verifications
        return self.count("verified") / total if total else None

    def handoffs(self, reason: str) -> int:
        return self.count("handoff:" + reason)

    @property
    def handoff_total(self) -> int:
        return sum(self.handoffs(reason) for reason in HANDOFF_REASONS)


def increase(before: int, after: int) -> int:
    """How much a counter grew between two readings; a drop means it was reset to zero."""
    return after - before if after >= before else after


class SnapshotBuffer:
    """At most one snapshot per ``sample_seconds`` slot, the newest ``capacity`` of them."""

    def __init__(self, capacity: int = CAPACITY, sample_seconds: float = SAMPLE_SECONDS) -> None:
        if capacity < 2:
            raise ValueError("a snapshot buffer needs room for at least two snapshots")
        self.sample_seconds = sample_seconds
        self._snapshots: deque[Snapshot] = deque(maxlen=capacity)

    def __len__(self) -> int:
        return len(self._snapshots)

    def __iter__(self) -> Iterator[Snapshot]:
        return iter(self._snapshots)

    @property
    def latest(self) -> Snapshot | None:
        return self._snapshots[-1] if self._snapshots else None

    def add(self, snapshot: Snapshot) -> None:
        """Keep it; a newer one in the same slot replaces the newest (page views add no memory).

        The differences telescope, so replacing the newest loses no increase; the first snapshot
        is the baseline and is never replaced."""
        if self._snapshots and snapshot.at < self._snapshots[-1].at:
            return  # the clock went back: keep the order, drop it
        if len(self._snapshots) >= 2 and self._slot(self._snapshots[-1].at) == self._slot(snapshot.at):
            self._snapshots[-1] = snapshot
            return
        self._snapshots.append(snapshot)

    def _slot(self, at: float) -> int:
        return int(at // self.sample_seconds)

    def hours(self, now: float | None = None, count: int = HOURS) -> list[Hour]:
        """The last ``count`` clock hours up to ``now``'s, oldest first; empty hours included."""
        now = time.time() if now is None else now
        first = (int(now // HOUR) - count + 1) * HOUR
        hours = [Hour(start=float(first + i * HOUR)) for i in range(count)]
        snapshots = list(self._snapshots)
        for before, after in pairwise(snapshots):
            index = int((after.at - first) // HOUR)
            if not 0 <= index < count:
                continue
            counts = hours[index].counts
            old = before.counts()
            for name, value in after.counts().items():
                counts[name] = counts.get(name, 0) + increase(old.get(name, 0), value)
        return hours


class MetricsHistory:
    """The buffer and the task that samples the shared registry into it every minute."""

    def __init__(
        self,
        buffer: SnapshotBuffer | None = None,
        metrics: Callable[[], ConversationMetrics] = shared_metrics,
        every: float = SAMPLE_SECONDS,
    ) -> None:
        self.buffer = buffer or SnapshotBuffer()
        self.metrics = metrics
        self.every = every
        self._task: asyncio.Task[None] | None = None

    def sample(self) -> None:
        self.buffer.add(snapshot_of(self.metrics()))

    async def _run(self) -> None:
        while True:
            try:
                self.sample()
            except Exception as error:  # a bad sample must not stop the history
                log.warning("the metrics history could not be sampled: %s", type(error).__name__)
            await asyncio.sleep(self.every)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
