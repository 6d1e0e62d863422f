"""Handing a conversation to a person, or, when no one can take it now, a callback request.

``action_handoff`` asks the Rasa server who is there (``actions/handoff_availability.py``):

- an emergency or self-harm: queued at once, ahead of everyone, whoever is there (the 911/988
  message has been given already); never a callback instead;
- open and an agent signed in: queued, with the expected wait;
- closed, or no agent signed in: the patient is told which, and offered a callback
  (``offer: callback``); yes files it (``action_request_callback``, verified patients) or first
  verifies (``action_hold_callback``); no carries on (``action_decline_offer``);
- availability unknown (the server did not answer, or answered nonsense): queued with the usual
  words, as before availability existed.

A callback is a Task in the EHR (``actions/ehr/callbacks.py``), only ever for a verified patient:
nothing is written about an unverified claim. A patient locked out of verification gets the
clinic's phone and hours instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timezone

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import PatientAction
from actions.ehr import EHRError, EHRGateway
from actions.handoff_availability import Availability, AvailabilityClient, AvailabilitySource
from settings import ClinicSettings
from settings.clinic import cached_clinic_settings
from settings.hours import describe_instant

log = logging.getLogger("frontdesk.actions")

URGENT_REASONS = ("emergency", "self_harm")
HANDOFF_REASONS_BY_INTENT = {"request_human": "requested"}
# What a callback Task says about why (its reasonCode's text): never the patient's words.
REASON_TEXT = {
    "requested": "asked for a person",
    "frustration": "frustrated with the assistant",
    "misunderstood": "the assistant did not understand",
    "ehr_unavailable": "the records system did not answer",
    "not_supported": "the EHR does not allow it by API",
    "no_self_service": "needs staff",
    "locked_out": "could not verify",
    "staff_change": "a change too close to the visit",
    "payment_plan": "asked about a payment plan",
    "billing_dispute": "disputes a bill",
    "refill_needs_care_team": "a refill that needs the care team",
}
CHANNEL_TEXT = {"web": "web chat", "sms": "text message", "rest": "chat"}
UNKNOWN_WAIT = (
    "I'm connecting you with a member of our staff. During clinic hours this usually "
    "takes a few minutes; please stay in this chat."
)
Clock = Callable[[], datetime]

_shared_source: AvailabilitySource | None = None


def shared_availability() -> AvailabilitySource:
    global _shared_source
    if _shared_source is None:
        _shared_source = AvailabilityClient()
    return _shared_source


def wait_phrase(minutes: int) -> str:
    """Honest rounding: a few minutes up to 5, then to the nearest 5, then "more than an hour"."""
    if minutes <= 5:
        return "It should only take a few minutes"
    if minutes <= 60:
        return f"The wait is about {max(5, 5 * round(minutes / 5))} minutes right now"
    return "The wait is more than an hour right now"


def _now() -> datetime:
    return datetime.now(timezone.utc)


class ActionHandoff(Action):
    """Hand the conversation to a person: tell the patient, record why, and pause the bot; or,
    when no one can take it now, say so and offer a callback (the bot does not pause)."""

    def __init__(
        self,
        clinic: ClinicSettings | None = None,
        availability: AvailabilitySource | None = None,
        clock: Clock = _now,
    ) -> None:
        self._clinic = clinic
        self._availability = availability
        self._clock = clock

    def name(self) -> str:
        return "action_handoff"

    @property
    def clinic(self) -> ClinicSettings:
        return self._clinic or cached_clinic_settings()

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
        reason = HANDOFF_REASONS_BY_INTENT.get(intent) or tracker.get_slot("handoff_reason") or "requested"
        priority = "urgent" if reason in URGENT_REASONS else "normal"
        if priority == "urgent":
            log.info("handoff: reason=%s priority=%s", reason, priority)
            dispatcher.utter_message(
                text="I'm connecting you with a member of our staff now, ahead of other conversations."
            )
            return self._queued(reason, priority)
        found = await (self._availability or shared_availability())()
        if found is None:
            log.info("handoff: reason=%s priority=%s availability=unknown", reason, priority)
            dispatcher.utter_message(text=UNKNOWN_WAIT)
            return self._queued(reason, priority)
        if found.can_connect:
            log.info("handoff: reason=%s priority=%s wait=%s", reason, priority, found.wait_minutes)
            dispatcher.utter_message(
                text="I'm connecting you with a member of our staff. "
                f"{wait_phrase(found.wait_minutes or 1)}; please stay in this chat."
            )
            return self._queued(reason, priority)
        log.info("handoff: reason=%s callback offered (open=%s)", reason, found.open)
        dispatcher.utter_message(text=self._nobody_there(found, verified=bool(tracker.get_slot("verified"))))
        return [
            ActiveLoop(None),
            SlotSet("requested_slot", None),
            SlotSet("offer", "callback"),
            SlotSet("handoff_reason", reason),
            SlotSet("handoff_priority", priority),
        ]

    def _nobody_there(self, found: Availability, verified: bool) -> str:
        if not found.open:
            said = "We're closed right now."
            if found.next_open is not None:
                when = describe_instant(found.next_open, self._clock(), self.clinic.zone)
                said = f"We're closed right now; we open again {when}."
        else:
            said = "No one is available to chat right now."
        offer = " Would you like a member of our staff to call you back?"
        if not verified:
            offer += " I'll need to confirm who you are first."
        return said + offer

    @staticmethod
    def _queued(reason: str, priority: str) -> list[EventType]:
        return [
            ActiveLoop(None),
            SlotSet("requested_slot", None),
            SlotSet("offer", None),
            SlotSet("handoff_reason", reason),
            SlotSet("handoff_priority", priority),
            ConversationPaused(),
        ]


def call_us(clinic: ClinicSettings) -> str:
    return f"Please call us at {clinic.phone}. Our hours: {clinic.hours}"


class ActionHoldCallback(Action):
    """Yes to a callback before verifying: verify first (pending_request: callback), or, locked
    out of verification, the clinic's phone and hours. Nothing is written about anyone here."""

    def __init__(self, clinic: ClinicSettings | None = None) -> None:
        self._clinic = clinic

    def name(self) -> str:
        return "action_hold_callback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        clinic = self._clinic or cached_clinic_settings()
        if tracker.get_slot("verification") == "locked":
            log.info("callback: refused, verification locked")
            dispatcher.utter_message(
                text="I can't confirm who you are right now, so I can't file a callback request. "
                + call_us(clinic)
            )
            return [SlotSet("offer", None), SlotSet("pending_request", None)]
        dispatcher.utter_message(text="I can ask our staff to call you back once I've confirmed who you are.")
        return [SlotSet("offer", None), SlotSet("pending_request", "callback")]


class ActionRequestCallback(PatientAction):
    """File the verified patient's callback request (a Task in the EHR) and say when to expect
    the call. A record with no phone number, an EHR that fails or takes no Tasks: nothing filed;
    the clinic's phone and hours."""

    def __init__(
        self,
        gateway: EHRGateway | None = None,
        clinic: ClinicSettings | None = None,
        clock: Clock = _now,
    ) -> None:
        super().__init__(gateway, clinic)
        self._clock = clock

    def name(self) -> str:
        return "action_request_callback"

    async def act_for(
        self, patient_id: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reason = tracker.get_slot("handoff_reason") or "requested"
        reason_text = REASON_TEXT.get(reason, "asked for a person")
        channel = CHANNEL_TEXT.get(tracker.sender_id.partition(":")[0], "chat")
        try:
            if not (await self.gateway.get_patient(patient_id)).phones:
                log.info("callback: not filed, no phone on the record")
                dispatcher.utter_message(
                    text="There's no phone number on your record, so our staff couldn't call you back. "
                    + call_us(self.clinic)
                )
                return [SlotSet("offer", None)]
            filed = await self.gateway.request_callback(
                patient_id,
                reason=reason,
                reason_text=reason_text,
                description=f"Call the patient back ({reason_text} by {channel})",
            )
        except EHRError as error:
            log.warning("callback: not filed, EHR error %s", type(error).__name__)
            dispatcher.utter_message(
                text="I'm sorry, I couldn't file your callback request just now. " + call_us(self.clinic)
            )
            return [SlotSet("offer", None)]
        log.info("callback: filed, reason=%s", reason)
        dispatcher.utter_message(
            text="Done: I've asked our staff to call you back at the phone number on your record. "
            f"{self._when()} Your request reference is {reference(filed.task_id)}. "
            f"If it can't wait, call us at {self.clinic.phone}."
        )
        return [SlotSet("offer", None), SlotSet("callback_requested", True)]

    def _when(self) -> str:
        now = self._clock()
        schedule = self.clinic.schedule
        if schedule.is_open(now):
            return "Expect a call during clinic hours, as soon as someone is free."
        opening = schedule.next_opening(now)
        if opening is None:
            return "Expect a call once the clinic is open again."
        return f"Expect a call after we open {describe_instant(opening, now, self.clinic.zone)}."


def reference(task_id: str) -> str:
    """What the patient is told: the Task id's first 8 characters, upper-case (the console shows
    the same with each open callback)."""
    return task_id.replace("-", "")[:8].upper()
