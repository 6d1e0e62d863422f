"""bot/metrics/labels.py: the fixed label sets keep up with what the actions and the domain say.

Tried: every handoff reason an action sets (read from the actions' source, so a new reason without
a label fails here), the verification slot's values in the domain, end reasons as enum members,
strings and rubbish, and intent names that are not strings.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.lifecycle import EndReason
from bot.metrics.labels import (
    OTHER,
    VERIFICATION_OUTCOMES,
    IntentNames,
    end_reason,
    handoff_reason,
)

ROOT = Path(__file__).resolve().parents[4]
HANDOFF_SLOT = re.compile(r"""SlotSet\(\s*["']handoff_reason["']\s*,\s*["']([a-z_]+)["']""")


def test_every_handoff_reason_the_actions_set_has_its_own_label() -> None:
    """The reasons the actions set (SlotSet literals, the handoff action's defaults): none is "other"."""
    source = "\n".join(p.read_text() for p in (ROOT / "actions").rglob("*.py"))
    reasons = set(HANDOFF_SLOT.findall(source))
    reasons |= {"requested", "emergency", "self_harm"}  # set by action_handoff and action_emergency
    assert len(reasons) >= 10
    assert {r for r in reasons if handoff_reason(r) == OTHER} == set()


def test_the_verification_slots_values_are_outcomes_or_the_sms_name_question() -> None:
    """domain/verification.yml's values for the slot: each is a counted outcome, except need_name."""
    domain = yaml.safe_load((ROOT / "domain" / "verification.yml").read_text())
    values = set(domain["slots"]["verification"]["values"])
    assert values - {"need_name"} <= set(VERIFICATION_OUTCOMES)


def test_end_reasons_and_intents_are_bounded() -> None:
    """Enum members and their values pass; anything else is "other"."""
    assert [end_reason(r) for r in EndReason] == [r.value for r in EndReason]
    assert end_reason("idle") == "idle"
    assert end_reason("Zelda Quixotica") == OTHER and end_reason(None) == OTHER
    intents = IntentNames(["greet", "", None, 3])  # type: ignore[list-item]
    assert intents.known() == ["greet"]
    assert intents.label("greet") == "greet"
    assert intents.label("gr33t") == OTHER and intents.label(["greet"]) == OTHER
