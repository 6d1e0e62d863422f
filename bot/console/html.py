"""Pages built with escaping by default: every value is escaped unless it is ``Safe`` markup.

``render(template, **values)`` fills ``{name}`` fields; a value that is not ``Safe`` (patient
text, names, anything from a request) goes through ``html.escape`` with quotes, so it can sit in
an element or an attribute. ``Safe`` only wraps markup built here, from ``render`` itself.
"""

from __future__ import annotations

import html
from collections.abc import Iterable


class Safe(str):
    """Markup that is already escaped (made by ``render`` or ``join``)."""


def escape(value: object) -> Safe:
    if isinstance(value, Safe):
        return value
    return Safe(html.escape("" if value is None else str(value), quote=True))


def render(template: str, **values: object) -> Safe:
    return Safe(template.format(**{name: escape(value) for name, value in values.items()}))


def join(parts: Iterable[Safe]) -> Safe:
    return Safe("".join(escape(part) for part in parts))


PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": PAGE_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
}

_LAYOUT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} - Frontdesk console</title>
<link rel="stylesheet" href="/console/static/console.css">{script}</head>
<body><header><h1>{title}</h1>{bar}</header><main>{body}</main></body></html>
"""


def page(title: str, body: Safe, agent: str | None = None, csrf_token: str | None = None) -> Safe:
    bar = Safe("")
    if agent is not None and csrf_token is not None:
        bar = render(
            '<form method="post" action="/console/sign-out" class="bar">Signed in as {agent} '
            '<input type="hidden" name="csrf_token" value="{csrf}">'
            '<button type="submit">Sign out</button></form>',
            agent=agent,
            csrf=csrf_token,
        )
    script = Safe("")
    if agent is not None:  # the live page (pushes, replies without reloading): signed in only
        script = Safe('<script src="/console/static/console.js" defer></script>')
    return render(_LAYOUT, title=title, bar=bar, body=body, script=script)
