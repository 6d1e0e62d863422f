"""``GET /console/metrics``: containment, verification success and handoffs per hour, as charts.

The charts are SVG written into the page by the server (no script, no inline style: the
console's Content-Security-Policy holds); colours are SVG presentation attributes. Each chart has
a ``<title>`` and ``<desc>`` and a data table under it with the same figures, for screen readers.
The figures come from ``SnapshotBuffer`` (``bot/console/metrics_history.py``): counts only.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any

from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console.html import PAGE_HEADERS, Safe, join, page, render
from bot.console.metrics_history import Hour, MetricsHistory, Snapshot, SnapshotBuffer
from bot.console.sessions import Session
from bot.console.views import REASONS
from bot.metrics.labels import HANDOFF_REASONS
from settings.clinic import cached_clinic_settings

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 720, 220, 44, 28, 10
# One colour per handoff reason (distinct enough side by side; the table carries the same figures).
COLOURS = (
    "#12355b", "#c0392b", "#e67e22", "#8e44ad", "#a10000", "#16a085", "#2c3e50",
    "#0b6e4f", "#7f8c8d", "#d4ac0d", "#2980b9", "#6d4c41", "#95a5a6",
)  # fmt: skip
Handler = Callable[..., Coroutine[Any, Any, HTTPResponse]]


def hour_label(hour: Hour) -> str:
    """The hour's start in the clinic's time zone (hours are counted by the clock in UTC, which
    matches the clinic's hours in every zone a whole number of hours from UTC)."""
    return datetime.fromtimestamp(hour.start, tz=cached_clinic_settings().zone).strftime("%H:%M")


def zone_name() -> str:
    """The clinic's zone as people read it now (EST, EDT, ...)."""
    return datetime.now(cached_clinic_settings().zone).strftime("%Z")


def percent(rate: float | None) -> str:
    return "no data" if rate is None else f"{round(rate * 100)}%"


def _frame(chart_id: str, title: str, desc: str, top_label: str, hours: list[Hour], bars: Safe) -> Safe:
    plot_h = HEIGHT - BOTTOM - TOP
    step = (WIDTH - LEFT) / max(1, len(hours))
    ticks = join(
        render(
            '<text x="{x}" y="{y}" font-size="10" text-anchor="middle" fill="#1b1b1b">{label}</text>',
            x=f"{LEFT + step * (i + 0.5):.1f}",
            y=HEIGHT - 10,
            label=hour_label(hour),
        )
        for i, hour in enumerate(hours)
        if i % 3 == 0
    )
    return render(
        '<svg class="chart" viewBox="0 0 {w} {h}" width="100%" role="img" '
        'aria-labelledby="{id}-title {id}-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>'
        '<line x1="{left}" y1="{top}" x2="{left}" y2="{base}" stroke="#1b1b1b"/>'
        '<line x1="{left}" y1="{base}" x2="{w}" y2="{base}" stroke="#1b1b1b"/>'
        '<text x="{lx}" y="{ty}" font-size="10" text-anchor="end" fill="#1b1b1b">{top_label}</text>'
        '<text x="{lx}" y="{base}" font-size="10" text-anchor="end" fill="#1b1b1b">0</text>'
        "{ticks}{bars}</svg>",
        w=WIDTH,
        h=HEIGHT,
        id=chart_id,
        title=title,
        desc=desc,
        left=LEFT,
        top=TOP,
        base=TOP + plot_h,
        lx=LEFT - 4,
        ty=TOP + 8,
        top_label=top_label,
        ticks=ticks,
        bars=bars,
    )


def _bar(x: float, width: float, value: float, scale: float, colour: str, label: str, y0: float = 0) -> Safe:
    plot_h = HEIGHT - BOTTOM - TOP
    height = plot_h * value / scale if scale else 0.0
    bottom = TOP + plot_h - plot_h * y0 / scale if scale else TOP + plot_h
    return render(
        '<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{c}"><title>{t}</title></rect>',
        x=f"{x:.1f}",
        y=f"{bottom - height:.1f}",
        w=f"{width:.1f}",
        h=f"{height:.1f}",
        c=colour,
        t=label,
    )


def rate_chart(chart_id: str, title: str, hours: list[Hour], rate: Callable[[Hour], float | None]) -> Safe:
    step = (WIDTH - LEFT) / max(1, len(hours))
    bars = join(
        _bar(
            LEFT + step * i + 2,
            step - 4,
            max(value, 0.01),
            1.0,
            "#12355b",
            f"{hour_label(h)} {zone_name()}: {percent(value)}",
        )
        for i, h in enumerate(hours)
        if (value := rate(h)) is not None
    )
    empty = sum(1 for h in hours if rate(h) is None)
    desc = (
        f"Bars per hour ({zone_name()}), 0 to 100%; {empty} of {len(hours)} hours have no data. "
        "The table below has the figures."
    )
    return _frame(chart_id, title, desc, "100%", hours, bars)


def handoff_chart(hours: list[Hour]) -> Safe:
    step = (WIDTH - LEFT) / max(1, len(hours))
    scale = float(max([h.handoff_total for h in hours] + [1]))
    parts = []
    for i, h in enumerate(hours):
        below = 0
        for reason, colour in zip(HANDOFF_REASONS, COLOURS, strict=True):
            count = h.handoffs(reason)
            if count:
                label = f"{hour_label(h)} {zone_name()}: {count} {REASONS.get(reason, reason)}"
                parts.append(_bar(LEFT + step * i + 2, step - 4, count, scale, colour, label, below))
                below += count
    desc = (
        f"Stacked bars per hour ({zone_name()}), one colour per reason, 0 to {int(scale)} handoffs; "
        f"{sum(h.handoff_total for h in hours)} in all. The table below has the figures."
    )
    return _frame("handoffs", "Handoffs per hour by reason", desc, str(int(scale)), hours, join(parts))


def _table(caption: str, head: list[str], rows: list[list[str]]) -> Safe:
    header = join(render('<th scope="col">{h}</th>', h=h) for h in head)
    body = join(
        render(
            '<tr><th scope="row">{first}</th>{rest}</tr>',
            first=row[0],
            rest=join(render("<td>{v}</td>", v=v) for v in row[1:]),
        )
        for row in rows
    )
    return render(
        '<table class="figures"><caption>{caption}</caption><thead><tr>{header}</tr></thead>'
        "<tbody>{body}</tbody></table>",
        caption=caption,
        header=header,
        body=body,
    )


def legend() -> Safe:
    return render(
        '<ul class="legend" aria-hidden="true">{items}</ul>',
        items=join(
            render(
                '<li><svg width="12" height="12" aria-hidden="true">'
                '<rect width="12" height="12" fill="{c}"/></svg> {r}</li>',
                c=colour,
                r=REASONS.get(reason, reason),
            )
            for reason, colour in zip(HANDOFF_REASONS, COLOURS, strict=True)
        ),
    )


def totals_section(latest: Snapshot) -> Safe:
    ended = latest.ended
    concluded = latest.verified + latest.failed + latest.locked
    rows = [
        ["Conversations ended", str(ended)],
        ["Contained (no handoff)", str(latest.contained)],
        ["Containment rate", percent(min(1.0, latest.contained / ended) if ended else None)],
        ["Verifications verified", str(latest.verified)],
        ["Verifications failed", str(latest.failed)],
        ["Verifications locked", str(latest.locked)],
        ["Verification success rate", percent(latest.verified / concluded if concluded else None)],
        ["Handoffs", str(sum(latest.handoffs.values()))],
    ]
    rows += [[f"Handoffs: {REASONS.get(r, r)}", str(n)] for r, n in latest.handoffs.items() if n]
    return render(
        "<section><h2>Totals since the server started</h2>{table}</section>",
        table=_table("Totals since the server started", ["Figure", "Count"], rows),
    )


def metrics_page(buffer: SnapshotBuffer, agent: str, csrf_token: str, now: float | None = None) -> Safe:
    hours = buffer.hours(now)
    latest = buffer.latest or Snapshot(at=time.time())
    containment = _table(
        f"Containment per hour ({zone_name()})",
        ["Hour", "Ended", "Contained", "Rate"],
        [
            [hour_label(h), str(h.count("ended")), str(h.count("contained")), percent(h.containment)]
            for h in hours
        ],
    )
    verification = _table(
        f"Verification per hour ({zone_name()})",
        ["Hour", "Verified", "Failed", "Locked", "Success rate"],
        [
            [hour_label(h), str(h.count("verified")), str(h.count("failed")), str(h.count("locked")),
             percent(h.verification_success)]
            for h in hours
        ],
    )  # fmt: skip
    handoffs = _table(
        f"Handoffs per hour by reason ({zone_name()})",
        ["Hour", "All", *(REASONS.get(r, r) for r in HANDOFF_REASONS)],
        [
            [hour_label(h), str(h.handoff_total), *(str(h.handoffs(r)) for r in HANDOFF_REASONS)]
            for h in hours
        ],
    )
    body = render(
        '<p><a href="/console">Back to the queue</a></p>'
        "<p>The last 24 hours, per clock hour in the clinic's time zone, from counts sampled every "
        "minute since the server started (a restart starts again). Counts only: nothing about any "
        "patient.</p>"
        "<section><h2>Containment rate per hour</h2>{c_chart}{c_table}</section>"
        "<section><h2>Verification success rate per hour</h2>{v_chart}{v_table}</section>"
        "<section><h2>Handoffs per hour by reason</h2>{h_chart}{legend}{h_table}</section>{totals}",
        c_chart=rate_chart("containment", "Containment rate per hour", hours, lambda h: h.containment),
        c_table=containment,
        v_chart=rate_chart(
            "verification", "Verification success rate per hour", hours, lambda h: h.verification_success
        ),
        v_table=verification,
        h_chart=handoff_chart(hours),
        legend=legend(),
        h_table=handoffs,
        totals=totals_section(latest),
    )
    return page("Metrics", body, agent, csrf_token)


def add_routes(routes: Blueprint, signed_in: Callable[[Handler], Handler]) -> MetricsHistory:
    history = MetricsHistory()

    @routes.listener("after_server_start")
    async def start_history(app: Sanic, loop: asyncio.AbstractEventLoop) -> None:
        history.start()

    @routes.listener("before_server_stop")
    async def stop_history(app: Sanic, loop: asyncio.AbstractEventLoop) -> None:
        await history.stop()

    async def metrics(request: Request, session: Session) -> HTTPResponse:
        history.sample()
        return response.html(
            metrics_page(history.buffer, session.agent, session.csrf_token), headers=PAGE_HEADERS
        )

    routes.add_route(signed_in(metrics), "/metrics", methods=["GET"])
    return history
