"""Helpers to run an action on a tracker built as a plain object, as rasa-sdk's own tests do, and
to read its messages as the patient would."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from settings import ClinicSettings

ROOT = Path(__file__).resolve().parents[3]
VERIFIED = {"verified": True, "patient_id": "p-demo", "first_name": "Dana"}
# A clinic with only what every action needs (no payment portal, no locations).
CLINIC = ClinicSettings(name="Test Clinic", timezone="America/New_York", phone="(555) 010-0100", hours="9-5")


def tracker(
    text: str = "",
    intent: str | None = None,
    slots: dict[str, Any] | None = None,
    entities: list[dict[str, Any]] | None = None,
    channel: str = "rest",
    sender_id: str = "test-conversation",
    active_loop: str | None = None,
    events: list[dict[str, Any]] | None = None,
) -> Tracker:
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0} if intent else {},
        "entities": entities or [],
    }
    user_event = {"event": "user", "text": text, "input_channel": channel, "parse_data": latest}
    return Tracker(
        sender_id=sender_id,
        slots={"verified": False, **(slots or {})},
        latest_message=latest,
        events=[*(events or []), user_event],
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name=None,
    )


@dataclass
class Result:
    events: list[dict[str, Any]]
    messages: list[dict[str, Any]]

    @property
    def texts(self) -> list[str]:
        return [m.get("text") or "" for m in self.messages]

    @property
    def responses(self) -> list[str]:
        return [m["response"] for m in self.messages if m.get("response")]

    def slot(self, name: str) -> Any:
        """The last value the action set for a slot (KeyError if it set none)."""
        values = [e["value"] for e in self.events if e.get("event") == "slot" and e.get("name") == name]
        if not values:
            raise KeyError(name)
        return values[-1]


async def run(action: Action, tracker: Tracker, domain: dict[str, Any] | None = None) -> Result:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, domain or {})
    return Result(events=[dict(e) for e in events], messages=dispatcher.messages)


class Responses:
    """The responses of one domain file (``domain/<name>``), to read messages as the patient would."""

    def __init__(self, domain_file: str) -> None:
        domain = yaml.safe_load((ROOT / "domain" / domain_file).read_text())
        self.templates: dict[str, Any] = domain["responses"]

    def said(self, result: Result) -> list[str]:
        """The messages as the patient reads them: each response filled in with its values."""
        return [
            self.templates[m["response"]][0]["text"].format_map(m)
            if m.get("response") in self.templates
            else m["response"]
            for m in result.messages
        ]
