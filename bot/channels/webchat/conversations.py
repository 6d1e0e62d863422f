"""The web-chat conversations this server issued, and which sockets speak for which.

The server, never the browser, chooses a web-chat conversation id: ``web:`` and 24 random bytes
(``secrets.token_urlsafe``). A browser that reconnects (a reload, a dropped connection) presents
the id it holds; it gets that conversation back only if this registry issued it and the
conversation is still going on, and a fresh id otherwise. So an id from another channel
(``rest:...``, ``sms:...``), a made-up one, or one whose conversation ended leads nowhere.

"Still going on" means: the tracker store holds the conversation (``lifecycle.is_live``), or it
was issued less than an idle timeout ago and has had no message yet (the store holds no empty
tracker). The registry keeps no message text and no patient data: ids, socket ids and times.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

PREFIX = "web:"
TOKEN_BYTES = 24


def new_conversation_id() -> str:
    """A fresh, unguessable web-chat conversation id."""
    return PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


@dataclass
class _Issued:
    issued_at: float
    sockets: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Binding:
    """What a socket speaks for: its conversation, and whether it was resumed or new."""

    conversation_id: str
    resumed: bool


class Conversations:
    """Issued ids, and the sockets bound to each (several tabs may share one after a tab is
    duplicated, since a duplicate gets a copy of sessionStorage)."""

    def __init__(
        self,
        is_live: Callable[[str], bool],
        idle_timeout: Callable[[], float],
        clock: Callable[[], float] = time.monotonic,
        new_id: Callable[[], str] = new_conversation_id,
    ) -> None:
        self._is_live = is_live
        self._idle_timeout = idle_timeout
        self._clock = clock
        self._new_id = new_id
        self._issued: dict[str, _Issued] = {}
        self._bound: dict[str, Binding] = {}  # socket id -> its conversation

    def __len__(self) -> int:
        return len(self._issued)

    def going_on(self, conversation_id: object) -> bool:
        """Whether ``conversation_id`` was issued here and its conversation has not ended."""
        if not isinstance(conversation_id, str):
            return False
        issued = self._issued.get(conversation_id)
        if issued is None:
            return False
        if self._is_live(conversation_id):
            return True
        return self._clock() - issued.issued_at < self._idle_timeout()

    def bind(self, socket_id: str, presented: object) -> Binding:
        """Bind a (re)connected socket to the conversation it presented, if that one is still
        going on, or to a freshly issued one."""
        self.unbind(socket_id)
        self._prune()
        if isinstance(presented, str) and self.going_on(presented):
            conversation_id, resumed = presented, True
        else:
            conversation_id, resumed = self._new_id(), False
            self._issued[conversation_id] = _Issued(issued_at=self._clock())
        self._issued[conversation_id].sockets.add(socket_id)
        binding = self._bound[socket_id] = Binding(conversation_id, resumed)
        return binding

    def binding_of(self, socket_id: str) -> Binding | None:
        return self._bound.get(socket_id)

    def conversation_of(self, socket_id: str) -> str | None:
        binding = self._bound.get(socket_id)
        return binding.conversation_id if binding else None

    def unbind(self, socket_id: str) -> None:
        """The socket went away; its conversation goes on (a reload or a dropped connection)."""
        binding = self._bound.pop(socket_id, None)
        if binding is not None and binding.conversation_id in self._issued:
            self._issued[binding.conversation_id].sockets.discard(socket_id)

    def forget(self, conversation_id: str) -> set[str]:
        """The conversation ended: forget it; return the sockets that were bound to it."""
        issued = self._issued.pop(conversation_id, None)
        if issued is None:
            return set()
        for socket_id in issued.sockets:
            self._bound.pop(socket_id, None)
        return issued.sockets

    def _prune(self) -> None:
        # Ids that never carried a message and have no socket leave no tracker for the idle sweep
        # to end: drop them here once they are older than the idle timeout.
        stale = [cid for cid, issued in self._issued.items() if not issued.sockets and not self.going_on(cid)]
        for cid in stale:
            del self._issued[cid]
