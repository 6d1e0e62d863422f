"""The Rasa server's metrics, in a registry of their own (docs/metrics.md lists them).

No process or garbage-collector series: the action server's text is appended to this one, and
the two must not both define a name. Every labelled series is created at zero up front for the
fixed label sets, so that rates and ratios exist before the first event.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics

from bot.metrics.labels import CHANNELS, END_REASONS, HANDOFF_REASONS, OTHER, VERIFICATION_OUTCOMES

# Seconds from a user message (once understood) to the end of the assistant's turn.
TURN_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
# The outbox's states as exported: "opted_out" is the part of "skipped" left out for an opt-out.
REMINDER_STATES = ("pending", "sending", "sent", "failed", "opted_out", "skipped")


class ConversationMetrics:
    def __init__(self) -> None:
        disable_created_metrics()  # no "_created" series: they double the text for nothing here
        self.registry = registry = CollectorRegistry(auto_describe=True)
        self.started = Counter(
            "frontdesk_conversations_started",
            "Conversations started (their first user message), by channel.",
            ["channel"],
            registry=registry,
        )
        self.ended = Counter(
            "frontdesk_conversations_ended",
            "Conversations ended, by channel and by how they ended (bot/lifecycle.py EndReason).",
            ["channel", "reason"],
            registry=registry,
        )
        self.contained = Counter(
            "frontdesk_conversations_contained",
            "Conversations that ended without a handoff to a person, by channel.",
            ["channel"],
            registry=registry,
        )
        self.verifications = Counter(
            "frontdesk_verifications",
            "Verification attempts by channel and outcome (verified, failed, locked, refused).",
            ["channel", "outcome"],
            registry=registry,
        )
        self.intents = Counter(
            "frontdesk_intents",
            "User messages by the intent understood (the domain's intents; anything else is other).",
            ["intent"],
            registry=registry,
        )
        self.handoffs = Counter(
            "frontdesk_handoffs",
            "Conversations handed to a person, by channel and reason.",
            ["channel", "reason"],
            registry=registry,
        )
        self.callbacks = Counter(
            "frontdesk_callback_requests",
            "Callback requests filed in the EHR when nobody could take the conversation, by channel "
            "and reason.",
            ["channel", "reason"],
            registry=registry,
        )
        self.turn_seconds = Histogram(
            "frontdesk_turn_seconds",
            "Seconds from a user message, once understood, to the end of the assistant's turn.",
            ["channel"],
            buckets=TURN_BUCKETS,
            registry=registry,
        )
        self.reminders = Gauge(
            "frontdesk_reminders",
            "Reminders in the outbox by state (sent, failed, opted_out, skipped, pending, sending).",
            ["state"],
            registry=registry,
        )
        self.reminder_outbox_readable = Gauge(
            "frontdesk_reminder_outbox_readable",
            "1 if the reminder outbox could be read at this scrape (or does not exist yet), else 0.",
            registry=registry,
        )
        self.action_server_up = Gauge(
            "frontdesk_action_server_up",
            "1 if the action server answered for its metrics at this scrape, else 0.",
            registry=registry,
        )
        for channel in CHANNELS:
            self.started.labels(channel=channel)
            self.contained.labels(channel=channel)
            self.turn_seconds.labels(channel=channel)
            for reason in (*END_REASONS, OTHER):
                self.ended.labels(channel=channel, reason=reason)
            for outcome in VERIFICATION_OUTCOMES:
                self.verifications.labels(channel=channel, outcome=outcome)
            for reason in HANDOFF_REASONS:
                self.handoffs.labels(channel=channel, reason=reason)
                self.callbacks.labels(channel=channel, reason=reason)
        for state in REMINDER_STATES:
            self.reminders.labels(state=state)
        self.intents.labels(intent=OTHER)

    def know_intents(self, names: list[str]) -> None:
        """Create the intents' series at zero (called once the model's domain is known)."""
        for name in names:
            self.intents.labels(intent=name)
