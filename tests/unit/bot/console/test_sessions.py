"""Sessions, CSRF tokens and the limit on failed sign-ins, with a fake clock."""

from __future__ import annotations

import pytest

from bot.console.sessions import SessionStore, SignInLimiter, same
from bot.console.settings import ConsoleSettingsError, load_console_settings


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_session_lives_while_used_and_dies_when_idle() -> None:
    """Used every 9 minutes of a 10-minute timeout it lives; then 10 minutes and 1 second idle, gone."""
    clock = Clock()
    sessions = SessionStore(600, clock)
    session = sessions.create("ana")
    for _ in range(5):
        clock.now += 540
        assert sessions.get(session.id) is session
    clock.now += 601
    assert sessions.get(session.id) is None
    assert sessions.get(session.id) is None  # and stays gone


def test_unknown_empty_and_ended_sessions_are_refused() -> None:
    """Tried: no cookie, an empty one, a made-up id, an id after sign-out."""
    sessions = SessionStore(600, Clock())
    session = sessions.create("ana")
    other = sessions.create("bo")
    assert sessions.get(None) is None
    assert sessions.get("") is None
    assert sessions.get("x" * 43) is None
    sessions.end(session.id)
    assert sessions.get(session.id) is None
    assert sessions.get(other.id) is other


def test_every_session_has_its_own_unguessable_ids() -> None:
    """Session ids and CSRF tokens are distinct and long (32 random bytes)."""
    sessions = SessionStore(600, Clock())
    made = [sessions.create("ana") for _ in range(50)]
    tokens = {s.id for s in made} | {s.csrf_token for s in made}
    assert len(tokens) == 100
    assert all(len(token) >= 43 for token in tokens)


def test_csrf_comparison() -> None:
    """The right token passes; a missing, empty, shorter, longer or other token does not."""
    token = SessionStore(600, Clock()).create("ana").csrf_token
    assert same(token, token)
    for wrong in (None, "", token[:-1], token + "x", "é" + token[1:], token.upper()):
        assert not same(wrong, token)
    assert not same(token, "")


def test_failed_sign_ins_lock_a_name_and_a_client_until_the_window_passes() -> None:
    """Five failures lock the name (whatever the client) and the client (whatever the name)."""
    clock = Clock()
    limiter = SignInLimiter(5, 900, clock)
    for _ in range(4):
        limiter.failed("name:ana", "client:1.2.3.4")
        clock.now += 10
    assert limiter.retry_after("name:ana", "client:1.2.3.4") == 0
    limiter.failed("name:ana", "client:1.2.3.4")
    assert limiter.retry_after("name:ana", "client:5.6.7.8") == pytest.approx(860)
    assert limiter.retry_after("name:bo", "client:1.2.3.4") == pytest.approx(860)
    assert limiter.retry_after("name:bo", "client:5.6.7.8") == 0
    clock.now += 861
    assert limiter.retry_after("name:ana", "client:1.2.3.4") == 0


def test_a_success_clears_the_names_failures() -> None:
    """Four failures then a success: the name starts again from zero."""
    clock = Clock()
    limiter = SignInLimiter(5, 900, clock)
    for _ in range(4):
        limiter.failed("name:ana")
    limiter.succeeded("name:ana")
    for _ in range(4):
        limiter.failed("name:ana")
    assert limiter.retry_after("name:ana") == 0


def test_settings_from_the_environment() -> None:
    """Defaults are secure; bad values are refused with the variable's name."""
    default = load_console_settings({})
    assert default.secure_cookies and default.cookie_name.startswith("__Secure-")
    assert default.idle_seconds == 900
    dev = load_console_settings({"CONSOLE_SECURE_COOKIES": "0", "CONSOLE_IDLE_MINUTES": "2"})
    assert not dev.secure_cookies and dev.idle_seconds == 120
    for env in (
        {"CONSOLE_SECURE_COOKIES": "maybe"},
        {"CONSOLE_IDLE_MINUTES": "-1"},
        {"CONSOLE_IDLE_MINUTES": "x"},
    ):
        with pytest.raises(ConsoleSettingsError, match=next(iter(env))):
            load_console_settings(env)
