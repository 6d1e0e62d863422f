"""The metrics page's history: the snapshot ring buffer, the per-hour rates, the sampling task
and the page itself.

Tried here: hours with nothing in them, a counter that drops (a reset), a day and more of
snapshots and a burst of page views (memory stays bounded), a clock that goes back, snapshots
taken from a real ``ConversationMetrics`` registry, a sampling task whose reading fails once,
and the rendered page (charts, tables, escaping, no script and no inline style).
"""

from __future__ import annotations

import asyncio
import logging
import re
import xml.etree.ElementTree as ET

import pytest

from bot.console.metrics_history import HOUR, MetricsHistory, Snapshot, SnapshotBuffer, increase, snapshot_of
from bot.console.metrics_page import metrics_page
from bot.metrics.registry import ConversationMetrics

T0 = 1_700_000_000.0 - 1_700_000_000.0 % HOUR  # the start of a clock hour
NOW = T0 + 3 * HOUR + 1800  # half way through the fourth hour


def snap(at: float, **counts: int) -> Snapshot:
    handoffs = {key.removeprefix("h_"): value for key, value in counts.items() if key.startswith("h_")}
    plain = {key: value for key, value in counts.items() if not key.startswith("h_")}
    return Snapshot(at=at, handoffs=handoffs, **plain)


def test_increase_treats_a_drop_as_a_reset() -> None:
    """5 -> 8 grew by 3; 8 -> 2 means the counter restarted at zero, so it grew by 2, never -6."""
    assert increase(5, 8) == 3
    assert increase(8, 2) == 2
    assert increase(4, 4) == 0


def test_hours_with_nothing_have_no_rate() -> None:
    """Snapshots only in the first hour: the four hours are all listed, the three empty ones have
    no containment or verification rate (not 0%), and no handoffs."""
    buffer = SnapshotBuffer()
    buffer.add(snap(T0 + 10))
    buffer.add(snap(T0 + 600, ended=4, contained=3, verified=3, failed=1, h_requested=1))
    hours = buffer.hours(NOW, count=4)
    assert [h.start for h in hours] == [T0, T0 + HOUR, T0 + 2 * HOUR, T0 + 3 * HOUR]
    assert hours[0].containment == 0.75
    assert hours[0].verification_success == 0.75
    assert hours[0].handoffs("requested") == 1 and hours[0].handoff_total == 1
    for empty in hours[1:]:
        assert empty.containment is None
        assert empty.verification_success is None
        assert empty.handoff_total == 0


def test_increases_land_in_the_hour_of_the_later_snapshot() -> None:
    """Counts sampled across three hours: each hour gets only what grew in it; a locked-out
    verification counts against the success rate."""
    buffer = SnapshotBuffer()
    buffer.add(snap(T0 + 60))
    buffer.add(snap(T0 + 120, ended=2, contained=2, verified=1))
    buffer.add(snap(T0 + HOUR + 60, ended=5, contained=3, verified=1, locked=1, h_emergency=2))
    buffer.add(snap(T0 + 2 * HOUR + 60, ended=5, contained=3, verified=2, locked=1, h_emergency=2))
    first, second, third, _ = buffer.hours(NOW, count=4)
    assert (first.count("ended"), first.containment, first.verification_success) == (2, 1.0, 1.0)
    assert second.count("ended") == 3 and second.containment == pytest.approx(1 / 3)
    assert second.verification_success == 0.0 and second.handoffs("emergency") == 2
    assert third.containment is None and third.verification_success == 1.0


def test_a_counter_reset_does_not_give_negative_counts() -> None:
    """The counters drop from 10 to 3 (a restart) then grow to 4: the hour counts 3 + 1, not -6."""
    buffer = SnapshotBuffer()
    buffer.add(snap(T0 + 60, ended=10, contained=9, h_requested=5))
    buffer.add(snap(T0 + 120, ended=3, contained=2, h_requested=1))
    buffer.add(snap(T0 + 180, ended=4, contained=2, h_requested=1))
    [hour] = buffer.hours(T0 + 200, count=1)
    assert hour.count("ended") == 4 and hour.count("contained") == 2
    assert hour.containment == 0.5
    assert hour.handoffs("requested") == 1


def test_memory_is_bounded_by_the_capacity_and_page_views_add_none() -> None:
    """Two days of one snapshot a minute keep only the newest ``capacity``; then 500 page views in
    one minute replace the newest snapshot instead of adding 500, and lose no increase."""
    buffer = SnapshotBuffer(capacity=24 * 60 + 1)
    for minute in range(2 * 24 * 60):
        buffer.add(snap(T0 + minute * 60, ended=minute))
    assert len(buffer) == 24 * 60 + 1
    oldest = next(iter(buffer))
    assert oldest.at == T0 + (24 * 60 - 1) * 60
    last = 2 * 24 * 60 - 1
    for view in range(500):
        buffer.add(snap(T0 + last * 60 + view * 0.1, ended=last + view))
    assert len(buffer) == 24 * 60 + 1
    assert buffer.latest is not None and buffer.latest.ended == last + 499
    total = sum(h.count("ended") for h in buffer.hours(buffer.latest.at, count=25))
    assert total == (last + 499) - oldest.ended


def test_the_baseline_is_kept_and_a_clock_going_back_is_ignored() -> None:
    """Two samples in the first minute keep the first as the baseline; a snapshot older than the
    newest is dropped; a buffer of fewer than two is refused."""
    buffer = SnapshotBuffer()
    buffer.add(snap(T0 + 1))
    buffer.add(snap(T0 + 2, ended=1))
    buffer.add(snap(T0 + 3, ended=2))
    assert [s.ended for s in buffer] == [0, 2]
    buffer.add(snap(T0 - 100, ended=99))
    assert [s.ended for s in buffer] == [0, 2]
    with pytest.raises(ValueError):
        SnapshotBuffer(capacity=1)


def test_a_snapshot_sums_the_registry_over_channels() -> None:
    """Counts moved on two channels of a real registry: the snapshot holds their sums, by outcome
    and by handoff reason, and nothing else (no channel, no id)."""
    metrics = ConversationMetrics()
    metrics.ended.labels(channel="rest", reason="goodbye").inc()
    metrics.ended.labels(channel="web", reason="idle").inc(2)
    metrics.contained.labels(channel="web").inc(2)
    metrics.verifications.labels(channel="rest", outcome="verified").inc()
    metrics.verifications.labels(channel="sms", outcome="failed").inc()
    metrics.verifications.labels(channel="sms", outcome="refused").inc()
    metrics.handoffs.labels(channel="web", reason="emergency").inc()
    found = snapshot_of(metrics, at=T0)
    assert (found.ended, found.contained, found.verified, found.failed, found.locked) == (3, 2, 1, 1, 0)
    assert found.handoffs["emergency"] == 1 and sum(found.handoffs.values()) == 1


def test_the_page_has_labelled_charts_and_tables_and_no_script_or_style() -> None:
    """A day with two busy hours: three SVG charts, each with a title, a description and a data
    table; the agent's name is escaped; no inline script or style attribute (the CSP forbids them)."""
    buffer = SnapshotBuffer()
    buffer.add(snap(T0 + 60))
    buffer.add(snap(T0 + 120, ended=4, contained=3, verified=2, failed=2, h_requested=1, h_emergency=1))
    buffer.add(snap(T0 + HOUR + 60, ended=5, contained=3, verified=2, failed=2, h_requested=2, h_emergency=1))
    text = metrics_page(buffer, "<b>ana</b>", "token", now=NOW)
    assert "<b>ana</b>" not in text and "&lt;b&gt;ana&lt;/b&gt;" in text
    charts = re.findall(r'<svg class="chart".*?</svg>', text, re.S)
    assert len(charts) == 3
    for chart in charts:
        svg = ET.fromstring(chart)
        ns = "{http://www.w3.org/2000/svg}"
        assert svg.get("role") == "img" and svg.get("aria-labelledby")
        assert svg.find(ns + "title") is not None and svg.find(ns + "desc") is not None
    assert "75%" in text and "50%" in text  # containment and verification of the first hour
    assert text.count("<table") == 4  # three charts' figures and the totals
    assert "<script>" not in text and " style=" not in text and "<style" not in text
    assert 'href="/console"' in text


def test_the_sampling_task_samples_survives_a_failure_and_stops(caplog: pytest.LogCaptureFixture) -> None:
    """A history sampling a real registry every 10 ms whose reading fails once: it keeps sampling
    (the failure is logged by its type only), sees a count that moved, and stops when asked."""
    metrics = ConversationMetrics()
    calls = 0

    def source() -> ConversationMetrics:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("secret detail")
        return metrics

    history = MetricsHistory(SnapshotBuffer(sample_seconds=0.001), metrics=source, every=0.01)

    async def run() -> None:
        history.start()
        history.start()  # a second start does not start a second task
        await asyncio.sleep(0.05)
        metrics.ended.labels(channel="web", reason="goodbye").inc()
        await asyncio.sleep(0.05)
        await history.stop()
        stopped_at = calls
        await asyncio.sleep(0.03)
        assert calls == stopped_at

    with caplog.at_level(logging.WARNING, logger="frontdesk.console"):
        asyncio.run(run())
    assert calls >= 3
    assert history.buffer.latest is not None and history.buffer.latest.ended == 1
    assert "RuntimeError" in caplog.text and "secret detail" not in caplog.text


def test_hours_are_labelled_in_the_clinics_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    """15:00 UTC on a winter day is 10:00 in New York (EST) and 07:00 in Los Angeles (PST)."""
    from datetime import datetime, timezone

    from bot.console.metrics_history import Hour
    from bot.console.metrics_page import hour_label
    from settings import clinic

    start = datetime(2026, 12, 1, 15, tzinfo=timezone.utc).timestamp()
    for zone, expected in (("America/New_York", "10:00"), ("America/Los_Angeles", "07:00")):
        monkeypatch.setenv("CLINIC_TIMEZONE", zone)
        clinic.cached_clinic_settings.cache_clear()
        assert hour_label(Hour(start)) == expected
    clinic.cached_clinic_settings.cache_clear()
