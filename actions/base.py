"""What every action that touches the record shares: the gateway, the clinic, the error handling.

The action server creates one ``FhirGateway`` per process, lazily, inside its running event
loop. Actions take the gateway and the clinic settings as constructor arguments with defaults,
so unit tests pass a fake gateway.

The base classes are abstract: rasa-sdk registers every concrete ``Action`` it imports.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.ehr import EHRError, EHRGateway, FhirGateway, NotSupported
from settings import ClinicSettings
from settings.clinic import cached_clinic_settings

log = logging.getLogger("frontdesk.actions")

_shared_gateway: EHRGateway | None = None


def shared_gateway() -> EHRGateway:
    """The action server's one gateway (and so one HTTP connection pool) to the EHR."""
    global _shared_gateway
    if _shared_gateway is None:
        _shared_gateway = FhirGateway()
    return _shared_gateway


class EHRAction(Action, ABC):
    """An action that reads or writes the record.

    Subclasses implement ``act``. Any EHR failure becomes one polite message and the offer of a
    person, never a stack trace or silence; the log says which action and which error type.
    """

    def __init__(self, gateway: EHRGateway | None = None, clinic: ClinicSettings | None = None) -> None:
        self._gateway = gateway
        self._clinic = clinic

    @property
    def gateway(self) -> EHRGateway:
        return self._gateway or shared_gateway()

    @property
    def clinic(self) -> ClinicSettings:
        return self._clinic or cached_clinic_settings()

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        try:
            return await self.act(dispatcher, tracker, domain)
        except NotSupported:
            log.info("%s: the EHR does not allow this over its API", self.name())
            return self.not_supported(dispatcher)
        except EHRError as exc:
            log.warning("%s: EHR error %s", self.name(), type(exc).__name__)
            dispatcher.utter_message(response="utter_ehr_unavailable")
            return [SlotSet("offer", "handoff"), SlotSet("handoff_reason", "ehr_unavailable")]

    def not_supported(self, dispatcher: CollectingDispatcher) -> list[EventType]:
        """Where the EHR cannot do this by API: say so and offer staff (features may override)."""
        dispatcher.utter_message(response="utter_ehr_unavailable")
        return [SlotSet("offer", "handoff"), SlotSet("handoff_reason", "not_supported")]

    @abstractmethod
    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """The action's work; EHR errors may propagate, run() answers them."""


class PatientAction(EHRAction, ABC):
    """An EHR action for the verified patient only.

    The rules run verification before any of these; the check here is the second lock on the
    door, so that a mistake in the rules cannot disclose anything.
    """

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        patient_id = tracker.get_slot("patient_id")
        if not tracker.get_slot("verified") or not patient_id:
            log.error("%s ran for an unverified conversation; refused", self.name())
            dispatcher.utter_message(response="utter_verify_first")
            return []
        events = await self.act_for(patient_id, dispatcher, tracker, domain)
        if tracker.get_slot("pending_request"):
            events = [SlotSet("pending_request", None), *events]  # the held request is served
        return events

    @abstractmethod
    async def act_for(
        self, patient_id: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """The work, for the verified patient ``patient_id``."""


def first_name(tracker: Tracker) -> str:
    """The verified patient's first name for a friendly reply, or an empty string."""
    value: Any = tracker.get_slot("first_name")
    return str(value) if value else ""
