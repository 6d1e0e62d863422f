"""The web chat's pages and files, served by the Rasa server beside the channel.

``GET /chat`` is a demo clinic page with the widget on it; ``GET /webchat/widget.js`` is the one
script a clinic adds to its own site, which loads ``/webchat/widget.css`` and the socket.io client
(``/webchat/socket.io.min.js``, from the npm package ``make setup`` installs in ``widget/``).
"""

from __future__ import annotations

import html
import logging
from pathlib import Path

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from settings.clinic import cached_clinic_settings

log = logging.getLogger("frontdesk.webchat")

STATIC = Path(__file__).resolve().parent / "static"
ROOT = Path(__file__).resolve().parents[3]
SOCKET_IO_CLIENT = ROOT / "widget" / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"
ASSET_PREFIX = "/webchat"

# The demo page loads nothing but its own server's files; a script a patient typed could not run
# even if the widget ever put text into the page as markup (it does not).
DEMO_PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'"
)
_COMMON_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}
_ASSETS = {
    "widget.js": (STATIC / "widget.js", "text/javascript; charset=utf-8"),
    "widget.css": (STATIC / "widget.css", "text/css; charset=utf-8"),
    "demo.css": (STATIC / "demo.css", "text/css; charset=utf-8"),
    "socket.io.min.js": (SOCKET_IO_CLIENT, "text/javascript; charset=utf-8"),
}


def demo_page(clinic_name: str) -> str:
    """The demo clinic page, with the clinic's name in it (escaped)."""
    template = (STATIC / "chat.html").read_text(encoding="utf-8")
    return template.replace("{{clinic_name}}", html.escape(clinic_name))


def missing_assets() -> list[str]:
    """The widget's files that are not on disk (the socket.io client before ``make setup``)."""
    return [name for name, (path, _) in _ASSETS.items() if not path.is_file()]


def pages_blueprint() -> Blueprint:
    pages = Blueprint("webchat_pages")

    @pages.route("/chat", methods=["GET"])
    async def chat_page(_: Request) -> HTTPResponse:
        body = demo_page(cached_clinic_settings().name)
        headers = {**_COMMON_HEADERS, "Content-Security-Policy": DEMO_PAGE_POLICY}
        return response.html(body, headers=headers)

    @pages.route(f"{ASSET_PREFIX}/<name:str>", methods=["GET"])
    async def asset(_: Request, name: str) -> HTTPResponse:
        if name not in _ASSETS:
            return response.text("Not found", status=404)
        path, content_type = _ASSETS[name]
        if not path.is_file():
            log.error("web chat file %s is missing: run `make setup` (npm ci in widget/)", name)
            return response.text("The web chat is not installed on this server.", status=503)
        # The widget is loaded from clinics' own sites: its files may be fetched cross-origin.
        headers = {**_COMMON_HEADERS, "Access-Control-Allow-Origin": "*"}
        return response.raw(path.read_bytes(), content_type=content_type, headers=headers)

    return pages
