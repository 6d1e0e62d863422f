"""Observers of the EHR requests: who hears of each request, and the bounded names it gets.

``FhirClient.request`` tells every observer of every request once it is over, retries
included: ``observer(operation, outcome, seconds)``.

- ``operation`` is ``"<resource type>.<interaction>"``: a resource type FHIR R4B knows (anything
  else is "other"), or "system" for the base URL itself; an interaction from ``INTERACTIONS``.
- ``outcome`` is ``"success"`` or the name of the ``errors.py`` class raised ("other" for any
  other exception).

So the names are bounded whatever a URL holds, and carry no id or search value. This module
imports nothing outside the gateway: the action server registers its counter here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.resource import Resource

log = logging.getLogger("frontdesk.ehr")

RequestObserver = Callable[[str, str, float], None]

SUCCESS = "success"
OTHER = "other"
SYSTEM = "system"  # requests to the base URL itself: capabilities, batch or transaction
INTERACTIONS = frozenset(
    {"read", "vread", "history", "search", "create", "update", "patch", "delete"}
    | {"capabilities", "transaction", "operation", OTHER}
)
_observers: list[RequestObserver] = []


def add_request_observer(observer: RequestObserver) -> None:
    """Tell ``observer(operation, outcome, seconds)`` of every request. Adding it twice is a no-op."""
    if observer not in _observers:
        _observers.append(observer)


def remove_request_observer(observer: RequestObserver) -> None:
    if observer in _observers:
        _observers.remove(observer)


def operation_of(method: str, path: str) -> str:
    """``"<resource type>.<interaction>"`` for a request, from fixed sets whatever the URL says.

    The resource type is one FHIR R4B knows (else "other"), or "system" at the base URL.

    >>> operation_of("GET", "Patient")
    'Patient.search'
    >>> operation_of("PATCH", "Appointment/abc-1")
    'Appointment.patch'
    >>> operation_of("GET", "metadata")
    'system.capabilities'
    >>> operation_of("GET", "Jane Doe/1984-03-14")
    'other.read'
    """
    parts = [part for part in path.strip("/").split("/") if part]
    if not parts or parts[0] == "metadata" or parts[0].startswith("$"):
        if parts and parts[0].startswith("$"):
            return f"{SYSTEM}.operation"
        if method == "GET":
            return f"{SYSTEM}.capabilities"
        return f"{SYSTEM}.transaction" if method == "POST" else f"{SYSTEM}.{OTHER}"
    resource = parts[0] if _is_resource_type(parts[0]) else OTHER
    return f"{resource}.{_interaction(method, parts[1:])}"


def _is_resource_type(name: str) -> bool:
    if not name[:1].isupper() or not name.isalnum():
        return False
    try:
        model = get_fhir_model_class(name)
    except (KeyError, ValueError, ImportError):
        return False
    return isinstance(model, type) and issubclass(model, Resource)  # not a data type (HumanName)


def _interaction(method: str, rest: list[str]) -> str:
    if rest and rest[-1].startswith("$"):
        return "operation"
    if not rest or rest == ["_search"]:
        return {"GET": "search", "POST": "create" if not rest else "search"}.get(method, OTHER)
    if len(rest) == 1:
        return {"GET": "read", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}.get(method, OTHER)
    if rest[1] == "_history" and method == "GET":
        return "vread" if len(rest) == 3 else "history"
    return OTHER


def tell_observers(operation: str, outcome: str, seconds: float) -> None:
    for observer in list(_observers):
        try:
            observer(operation, outcome, seconds)
        except Exception as error:  # counting must never fail a request
            log.error("a request observer failed: %s", type(error).__name__)


def watched() -> bool:
    """Whether anyone observes the requests (when nobody does, the client does not time them)."""
    return bool(_observers)
