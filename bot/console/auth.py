"""Who is asking: the session cookie, the CSRF check, and the refusals (docs/console.md).

A page asked for without a live session redirects to the sign-in page; an API route answers 401.
Every state change (a POST) must carry the session's CSRF token: a form's ``csrf_token`` field
or the ``X-CSRF-Token`` header, compared in constant time. The sign-in form itself carries a
token bound to a short-lived cookie (no session exists yet), so another site cannot sign a
browser in to an account of its choosing.
"""

from __future__ import annotations

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console.html import PAGE_HEADERS
from bot.console.sessions import Session, same
from bot.console.settings import ConsoleSettings

SIGN_IN_PATH = "/console/sign-in"
COOKIE_PATH = "/console"
CSRF_HEADER = "X-CSRF-Token"
SIGN_IN_COOKIE_SECONDS = 3600


def set_cookie(
    resp: HTTPResponse, settings: ConsoleSettings, name: str, value: str, max_age: int | None
) -> None:
    resp.cookies[name] = value
    cookie = resp.cookies[name]
    cookie["path"] = COOKIE_PATH
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    if settings.secure_cookies:
        cookie["secure"] = True
    if max_age is not None:
        cookie["max-age"] = max_age


def clear_cookie(resp: HTTPResponse, settings: ConsoleSettings, name: str) -> None:
    set_cookie(resp, settings, name, "", 0)


def sign_in_cookie_name(settings: ConsoleSettings) -> str:
    return settings.cookie_name + "-sign-in"


def given_csrf_token(request: Request) -> str | None:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return str(header)
    form = request.form if request.content_type.startswith("application/x-www-form-urlencoded") else None
    value = form.get("csrf_token") if form else None
    return str(value) if value else None


def csrf_ok(request: Request, session: Session) -> bool:
    return same(given_csrf_token(request), session.csrf_token)


def redirect_to_sign_in() -> HTTPResponse:
    return response.redirect(SIGN_IN_PATH, status=303, headers={"Cache-Control": "no-store"})


def unauthorised() -> HTTPResponse:
    return response.json({"error": "sign in first"}, status=401, headers={"Cache-Control": "no-store"})


def csrf_refused(api: bool) -> HTTPResponse:
    text = "the request did not carry this session's CSRF token; reload the page and try again"
    if api:
        return response.json({"error": text}, status=403)
    return response.text(text, status=403, headers=PAGE_HEADERS)


def is_api(request: Request) -> bool:
    return request.path.startswith("/console/api/")
