"""Accessibility of the demo page with the widget open (WCAG 2.1 AA), checked by axe-core (from
the npm package ``make setup`` installs in widget/) in real chromium.

Tried: a desktop window, a phone (375x667), and a desktop at 200% zoom (1280x800 at 200% is a
640x400 CSS viewport at device scale 2). In each, the widget is open with a message from each
side, the idle warning and the note that a member of staff has the chat shown (both at once,
which the widget itself never does: the worst case for space); axe must report no serious or
critical violation, the page must not scroll sideways, and the message box, Send and End chat
must be on screen.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import DESKTOP, new_page
from tests.browser.widget import Widget

AXE = Path(__file__).resolve().parents[2] / "widget" / "node_modules" / "axe-core" / "axe.min.js"
SIZES: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": DESKTOP},
    "phone": {
        "viewport": {"width": 375, "height": 667},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
    "zoom-200": {"viewport": {"width": 640, "height": 400}, "device_scale_factor": 2},
}


def serious_violations(widget: Widget) -> list[str]:
    assert AXE.is_file(), f"{AXE} is missing: `make setup` installs it (npm ci in widget/)"
    widget.page.add_script_tag(path=str(AXE))
    result = widget.page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: {type: 'tag',
                values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}});
            return {violations: r.violations.map(v => ({id: v.id, impact: v.impact,
                        targets: v.nodes.map(n => JSON.stringify(n.target))})),
                    passes: r.passes.length};
        }"""
    )
    assert result["passes"] > 10  # axe really ran over the page
    return [
        f"{v['id']} ({v['impact']}): {v['targets']}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("size", list(SIZES))
def test_no_serious_violations_with_the_widget_open(browser: Browser, assistant: str, size: str):
    """Tried at ``size``: the widget open, one exchange in the log, the idle warning and the staff
    note shown; axe
    (WCAG 2.0/2.1 A and AA rules and best practices), sideways scrolling, controls on screen."""
    # The demo page's Content-Security-Policy would refuse the injected axe script.
    for page in new_page(browser, bypass_csp=True, **SIZES[size]):
        widget = Widget.load(page, assistant)
        widget.open()
        widget.say("what are your hours")
        page.evaluate(
            "() => { const r = document.querySelector('#frontdesk-chat').shadowRoot;"
            " r.querySelector('.idle p').textContent = 'Are you still there?';"
            " r.querySelector('.idle').hidden = false;"
            " r.querySelector('.staff').textContent = \"You're chatting with Ana from the clinic.\";"
            " r.querySelector('.staff').hidden = false; }"
        )
        expect(widget.button("Stay in chat")).to_be_visible()
        expect(page.locator(".staff")).to_be_visible()
        assert serious_violations(widget) == []
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        for control in (widget.input, widget.button("Send"), widget.button("End chat")):
            control.scroll_into_view_if_needed()
            expect(control).to_be_in_viewport()
