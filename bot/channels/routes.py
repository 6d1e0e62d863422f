"""A "channel" that takes no messages and only mounts routes on the Rasa server.

Rasa serves nothing of ours but its channels, so the internal routes, ``/metrics`` and the console
are each a channel named in credentials.yml. A subclass names itself and its absolute URL prefix
(Rasa joins a channel's prefix to "/webhooks/"; an absolute path replaces that) and builds its
blueprint.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rasa.core.channels.channel import InputChannel


class RoutesChannel(InputChannel):
    channel_name: ClassVar[str]
    prefix: ClassVar[str]  # absolute, e.g. "/metrics"

    @classmethod
    def name(cls) -> str:
        return cls.channel_name

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls()

    def url_prefix(self) -> str:
        return self.prefix
