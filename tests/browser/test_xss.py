"""A patient who types markup sees it as text, and nothing of it runs.

Tried: ``<script>`` that would set a flag, an ``<img onerror>`` that would set a flag and open an
alert, and an ``<a href="javascript:...">``; the page must set no flag, open no dialog, grow no
element from them, and show each message exactly as typed. The browser ignores the demo page's
Content-Security-Policy here: a clinic's own site may have none, so the widget alone must be safe.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Dialog, Page

from tests.browser.conftest import DESKTOP, new_page
from tests.browser.widget import HOST, Widget

TYPED = [
    "<script>window.__xss = 'script'</script>",
    "<img src=x onerror=\"window.__xss = 'img'; alert(1)\">",
    "<a href=\"javascript:window.__xss='link'\">click</a> when is my next appointment",
]


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    yield from new_page(browser, viewport=DESKTOP, bypass_csp=True)


def test_markup_typed_by_a_patient_is_shown_as_text_and_never_runs(widget: Widget):
    """Tried: each of TYPED sent in turn, with the page's Content-Security-Policy bypassed."""
    dialogs: list[str] = []

    def record(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    widget.page.on("dialog", record)
    widget.open()
    for text in TYPED:
        assert widget.say(text)
    assert widget.user_texts() == TYPED
    assert widget.page.evaluate("window.__xss") is None
    assert dialogs == []
    assert widget.page.evaluate(f"{HOST}.querySelectorAll('.log script, .log img, .log a').length") == 0
    assert (
        widget.page.evaluate("document.querySelectorAll('body > script, body img').length") == 1
    )  # widget.js
