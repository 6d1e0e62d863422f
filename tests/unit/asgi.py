"""An HTTP client of a Sanic app in the test's own event loop, for unit tests of routes.

The app is started through the ASGI lifespan protocol, as an ASGI server would start it (so its
"before/after server start" listeners run), and requests go through httpx's ASGI transport.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

import httpx
from sanic import Sanic


@asynccontextmanager
async def served(app: Sanic, base_url: str = "http://rasa.test") -> AsyncIterator[httpx.AsyncClient]:
    # Sanic rewrites some of its own methods when an app starts ("touch-up"); in test mode it keeps
    # the originals, so that more than one app can start in one process (as sanic-testing does).
    test_mode, Sanic.test_mode = Sanic.test_mode, True
    lifespan: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    started = asyncio.Event()

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "lifespan.startup.complete":
            started.set()

    await lifespan.put({"type": "lifespan.startup"})
    task = asyncio.create_task(app({"type": "lifespan", "asgi": {"version": "3.0"}}, lifespan.get, send))
    try:
        await asyncio.wait_for(started.wait(), timeout=10)
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            yield client
    finally:
        task.cancel()  # nothing to shut down; the app waits for the next lifespan message
        with suppress(asyncio.CancelledError):
            await task
        Sanic.test_mode = test_mode
