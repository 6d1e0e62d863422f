"""The agent console at ``/console`` (issue 5, docs/console.md): sign-in, the handoff queue,
taking a conversation, a verified patient's context, and the audit log of every view."""

from bot.console.channel import ConsoleInput

__all__ = ["ConsoleInput"]
