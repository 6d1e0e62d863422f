"""A patient's "C" to a reminder text: confirm that appointment.

The SMS channel passes the appointment of the last reminder it texted that number as message
metadata ``reminder_appointment`` (bot/reminders/replies.py). Confirming discloses nothing, so it
needs no date of birth: the appointment is confirmed only for a patient who has the number the
reply came from, and every other case gets the same neutral answer. R and X go through the
ordinary reschedule and cancel flows, verification first.
"""

from __future__ import annotations

import logging

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import EHRAction
from actions.ehr import NotFound

log = logging.getLogger("frontdesk.actions")

SMS_CHANNELS = ("sms", "twilio")


class ActionConfirmAppointment(EHRAction):
    def name(self) -> str:
        return "action_confirm_appointment"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        metadata = tracker.latest_message.get("metadata") or {}
        appointment_id = metadata.get("reminder_appointment")
        phone = metadata.get("sender_phone")
        by_text = tracker.get_latest_input_channel() in SMS_CHANNELS
        if not (by_text and isinstance(appointment_id, str) and isinstance(phone, str)):
            dispatcher.utter_message(response="utter_confirm_needs_reminder")
            return []
        for patient in await self.gateway.find_patients_by_phone(phone):
            try:
                await self.gateway.confirm_attendance(appointment_id, patient.id)
            except NotFound:
                continue
            dispatcher.utter_message(response="utter_appointment_confirmed")
            return []
        log.info("%s: the reminder's appointment is not for a patient with this number", self.name())
        dispatcher.utter_message(response="utter_confirm_needs_reminder")
        return []

    def not_supported(self, dispatcher: CollectingDispatcher) -> list[EventType]:
        dispatcher.utter_message(response="utter_confirm_by_phone")
        return []
