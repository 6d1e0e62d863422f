"""bot/speedups.py: Rasa's action-response check and event-type lookup, built once, answer exactly
as Rasa's own functions do (valid and invalid responses, every event type, unknown names)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event, SlotSet, UserUttered
from rasa.shared.utils.common import all_subclasses
from rasa.utils.endpoints import EndpointConfig

from bot import speedups


@pytest.fixture
def patched() -> Iterator[None]:
    was_installed = speedups.installed()
    assert speedups.install()
    yield
    if not was_installed:
        speedups.uninstall()


def remote_action() -> RemoteAction:
    return RemoteAction("action_show_appointments", EndpointConfig("http://127.0.0.1:1/webhook"))


VALID: list[dict[str, Any]] = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "verified", "value": True}], "responses": [{"text": "Hi"}]},
    {},
]
INVALID: list[dict[str, Any]] = [
    {"events": "not a list"},
    {"events": [{"event": "slot", "name": "verified", "value": True}], "responses": ["not an object"]},
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"event": "slot"}]},  # a slot event without its name
]


@pytest.mark.parametrize("response", VALID)
def test_a_valid_action_response_passes(patched: None, response: dict[str, Any]) -> None:
    """A well-formed action server response is accepted, as Rasa accepts it."""
    assert speedups._rasa_validate(remote_action(), response) is True
    assert remote_action()._validate_action_result(response) is True


@pytest.mark.parametrize("response", INVALID)
def test_an_invalid_action_response_fails_with_rasas_error(patched: None, response: dict[str, Any]) -> None:
    """Malformed responses (events not a list, a response not an object, an unknown event, a slot
    event without a name) raise the same ValidationError, with the same message, as Rasa's check."""
    with pytest.raises(ValidationError) as rasa_error:
        speedups._rasa_validate(remote_action(), response)
    with pytest.raises(ValidationError) as ours:
        remote_action()._validate_action_result(response)
    assert ours.value.message == rasa_error.value.message
    assert "Failed to validate Action server response" in ours.value.message
    assert list(ours.value.absolute_path) == list(rasa_error.value.absolute_path)


def test_every_event_type_resolves_to_rasas_class(patched: None) -> None:
    """Each event type name, asked twice (found, then remembered), gives Rasa's class."""
    names = {cls.type_name for cls in all_subclasses(Event)}
    for name in sorted(names):
        expected = speedups._rasa_resolve_by_type(name)
        assert Event.resolve_by_type(name) is expected
        assert Event.resolve_by_type(name) is expected
    assert Event.resolve_by_type("user") is UserUttered
    assert Event.resolve_by_type("slot") is SlotSet


def test_unknown_event_types_behave_as_in_rasa(patched: None) -> None:
    """An unknown name raises ValueError (or gives the default), "topic" gives None, and neither
    is remembered."""
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no_such_event")
    assert Event.resolve_by_type("no_such_event", UserUttered) is UserUttered
    assert Event.resolve_by_type("topic") is None
    assert "no_such_event" not in speedups._event_types and "topic" not in speedups._event_types
    with pytest.raises(ValueError):
        Event.from_parameters({"event": "no_such_event"})
    event = Event.from_parameters({"event": "slot", "name": "verified", "value": True})
    assert event == SlotSet("verified", True)


def test_install_is_idempotent_and_uninstall_restores_rasa(patched: None) -> None:
    """Installing twice changes nothing; uninstalling puts Rasa's functions back."""
    assert speedups.install() and speedups.installed()
    speedups.uninstall()
    assert RemoteAction._validate_action_result is speedups._rasa_validate
    assert Event.resolve_by_type is speedups._rasa_resolve_by_type
    assert not speedups.installed()
    assert speedups.install()


def test_another_rasa_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a Rasa other than 3.6.x nothing is patched."""
    was_installed = speedups.installed()
    speedups.uninstall()
    monkeypatch.setattr(speedups.rasa, "__version__", "3.7.0")
    try:
        assert speedups.install() is False
        assert RemoteAction._validate_action_result is speedups._rasa_validate
    finally:
        monkeypatch.undo()
        if was_installed:
            speedups.install()
