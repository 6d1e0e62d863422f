"""A stored session's JSON, serialised event by event so that a save serialises only new events.

Rasa's in-memory store serialises the whole tracker on every save, and the tracker grows with the
conversation: at 50 turns that is most of a save's cost. Rasa only appends to a tracker, so when
the tracker being saved still holds, in order, the very event objects the stored JSON was made
from (those of the tracker the store last rebuilt, or last saved), only the events after them
are serialised; in any other case (a tracker rebuilt by someone else, events replaced through the
HTTP API, a new session) every event is. Either way the text is the one
``json.dumps(Dialogue(sender_id, events).as_dict())`` gives, byte for byte.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from rasa.shared.core.events import Event


class SerialisedSession:
    """The JSON of each event of one stored session, and the event objects it was made from."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.events: list[Event] = []

    def __len__(self) -> int:
        return len(self.parts)

    def serialise(self, sender_id: str, session: Sequence[Event]) -> str:
        """The stored text for ``session`` (serialising only what is new since the last time)."""
        held = len(self.events)
        if held <= len(session) and all(a is b for a, b in zip(session, self.events, strict=False)):
            self.parts.extend(json.dumps(event.as_dict()) for event in session[held:])
        else:
            self.parts = [json.dumps(event.as_dict()) for event in session]
        self.events = list(session)
        return '{"events": [' + ", ".join(self.parts) + '], "name": ' + json.dumps(sender_id) + "}"

    def rebuilt(self, events: Sequence[Event]) -> None:
        """The store rebuilt a tracker from this text: its events are the ones serialised now."""
        if len(events) == len(self.parts):
            self.events = list(events)
