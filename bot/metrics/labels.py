"""The label values the Rasa server's metrics may carry: fixed sets, never a sender id or a text.

Anything outside a set is counted under "other", so the number of series stays bounded
whatever a client sends or an action sets.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.lifecycle import EndReason

OTHER = "other"

# The conversation-id namespaces of the channels (docs/architecture.md): "rest:...", "web:...", "sms:...".
CHANNELS = ("rest", "web", "sms", OTHER)
END_REASONS = tuple(reason.value for reason in EndReason)

# What ``action_verify_patient`` concludes (actions/verification.py): ``verified`` is the slot
# verified=True; the others are values of the ``verification`` slot. "need_name" (an SMS family
# sharing a number) is a question, not an outcome, and is not counted.
VERIFICATION_OUTCOMES = ("verified", "failed", "locked", "refused")

# Every value the actions set in the ``handoff_reason`` slot (actions/*.py and actions/scheduling/).
HANDOFF_REASONS = (
    "requested",
    "frustration",
    "misunderstood",
    "emergency",
    "self_harm",
    "ehr_unavailable",
    "not_supported",
    "no_self_service",
    "locked_out",
    "staff_change",
    "payment_plan",
    "billing_dispute",
    OTHER,
)


def channel_of(sender_id: str) -> str:
    """The channel a conversation id belongs to, from its namespace (never the id itself).

    >>> channel_of("web:Zx81")
    'web'
    >>> channel_of("dana whitfield")
    'other'
    """
    prefix, separator, _ = sender_id.partition(":")
    return prefix if separator and prefix in CHANNELS else OTHER


def handoff_reason(value: object) -> str:
    return value if isinstance(value, str) and value in HANDOFF_REASONS else OTHER


def end_reason(value: object) -> str:
    raw = value.value if isinstance(value, EndReason) else value
    return raw if isinstance(raw, str) and raw in END_REASONS else OTHER


class IntentNames:
    """The intents of the domain the model was trained with; any other name is "other"."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self._names: frozenset[str] = frozenset()
        self.replace(names)

    def replace(self, names: Iterable[str]) -> None:
        self._names = frozenset(n for n in names if isinstance(n, str) and n)

    def known(self) -> list[str]:
        return sorted(self._names)

    def label(self, name: object) -> str:
        return name if isinstance(name, str) and name in self._names else OTHER
