"""Two costs Rasa 3.6 pays on every turn for no result, removed in the Rasa server's process.

Profiling the Rasa server under 20 concurrent conversations (docs/architecture.md, Performance)
showed two pieces of Rasa's own code doing the same work again on every call:

- ``RemoteAction._validate_action_result`` checks each action server response with
  ``jsonschema.validate``, which first validates Rasa's (constant) response schema against the
  JSON Schema meta-schema: about 19 ms of CPU per custom action call, 40 % of the server's CPU
  per turn. Here the schema is checked once, and each response is validated with a validator
  built once: the same schema, the same error (``best_match``, as ``validate`` picks it), the
  same message Rasa adds.
- ``Event.resolve_by_type`` walks every subclass of ``Event`` (``inspect.isabstract`` on each)
  for each event it deserialises, so retrieving a tracker of n events walks the class tree n
  times. Here the answer for a type name is remembered once found; names it does not know
  still go through Rasa's own function (its default, its ``topic`` case, its error).

Nothing else changes: no check is skipped and nothing about a conversation is kept. ``install``
patches only the Rasa version it was written against (3.6.x) and only Rasa's own functions,
once; ``EphemeralTrackerStore`` calls it when Rasa creates the store, so every Rasa server of
ours has it (``bot/store/guard.py`` refuses to serve with any other store).
"""

from __future__ import annotations

import logging
from typing import Any

import rasa
from jsonschema import ValidationError, exceptions, validators
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import Event

log = logging.getLogger("frontdesk.speedups")

RASA_SERIES = "3.6."
_rasa_validate = RemoteAction._validate_action_result
_rasa_resolve_by_type = Event.resolve_by_type
_event_types: dict[str, type[Event]] = {}
_response_validator: Any = None


def response_validator() -> Any:
    """A validator for Rasa's action server response schema, its schema checked once."""
    global _response_validator
    if _response_validator is None:
        schema = RemoteAction.action_response_format_spec()
        cls = validators.validator_for(schema)
        cls.check_schema(schema)
        _response_validator = cls(schema)
    return _response_validator


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """Rasa's ``RemoteAction._validate_action_result`` with a validator built once."""
    error = exceptions.best_match(response_validator().iter_errors(result))
    if error is None:
        return True
    assert isinstance(error, ValidationError)
    error.message += (
        ". Failed to validate Action server response from API, "
        "make sure your response from the Action endpoint is valid. "
        "For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error


def resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
    """Rasa's ``Event.resolve_by_type``, remembering the class found for a type name."""
    known = _event_types.get(type_name)
    if known is not None:
        return known
    found = _rasa_resolve_by_type(type_name, default)
    if found is not None and found is not default:
        _event_types[type_name] = found
    return found


def installed() -> bool:
    return (
        RemoteAction._validate_action_result is validate_action_result
        and Event.resolve_by_type is resolve_by_type
    )


def install() -> bool:
    """Patch Rasa's two functions (idempotent); False, and nothing patched, on another Rasa."""
    if installed():
        return True
    if not rasa.__version__.startswith(RASA_SERIES):
        log.warning("Rasa %s is not %sx: its turn costs are left as they are", rasa.__version__, RASA_SERIES)
        return False
    response_validator()
    RemoteAction._validate_action_result = validate_action_result
    Event.resolve_by_type = staticmethod(resolve_by_type)
    return True


def uninstall() -> None:
    """Put Rasa's own functions back (tests)."""
    RemoteAction._validate_action_result = _rasa_validate
    Event.resolve_by_type = staticmethod(_rasa_resolve_by_type)
    _event_types.clear()
