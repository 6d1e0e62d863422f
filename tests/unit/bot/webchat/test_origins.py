"""Which pages may open a web-chat connection (bot/channels/webchat/channel.py: origin_check).

Tried: the server's own origin, directly and behind a proxy (X-Forwarded-Proto/Host); a listed
clinic site, with and without a trailing slash in the setting; an unlisted site; the right host on
the wrong scheme or port; no Origin header (not a browser)."""

from __future__ import annotations

from bot.channels.webchat.channel import origin_check

DIRECT = {"wsgi.url_scheme": "http", "HTTP_HOST": "127.0.0.1:5005"}
PROXIED = {
    "wsgi.url_scheme": "https",
    "HTTP_HOST": "10.0.0.5:5005",
    "HTTP_X_FORWARDED_PROTO": "https",
    "HTTP_X_FORWARDED_HOST": "chat.riverside-fm.example",
}


def test_own_origin_and_listed_sites_only():
    allowed = origin_check(["https://www.riverside-fm.example/"])
    assert allowed("http://127.0.0.1:5005", DIRECT)
    assert allowed("https://chat.riverside-fm.example", PROXIED)
    assert allowed("https://www.riverside-fm.example", DIRECT)
    assert not allowed("https://evil.example", DIRECT)
    assert not allowed("https://127.0.0.1:5005", DIRECT)
    assert not allowed("http://127.0.0.1:5006", DIRECT)
    assert not allowed("http://www.riverside-fm.example", DIRECT)
    assert allowed(None, DIRECT)
