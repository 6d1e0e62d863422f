"""Verifying who the patient is, before anything from the record is said.

Verified means at least two identifiers match one patient, and one patient only:
- web chat: full name + date of birth + one more (phone on file, ZIP, MRN, SSN last four);
- SMS: the sender's number + date of birth, and the first name where a family shares the number.

Every failure gets the same neutral message, whatever failed, so that nobody learns whether a
record exists. Three failures lock verification for the conversation and for the claimed
identity (``actions/lockout.py``), and offer a person. Minors and deceased patients get no
self-service. The form's slots are cleared as soon as they have been checked.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import EHRAction
from actions.dates import parse_birth_date
from actions.ehr import Patient
from actions.ehr.fhir_values import fold
from actions.ehr.phones import to_e164
from actions.lockout import LockoutBook
from settings.clinic import cached_clinic_settings

log = logging.getLogger("frontdesk.actions")

SMS_CHANNELS = ("sms", "twilio")
FORM_SLOTS = ("full_name", "birth_date", "extra_identifier", "sms_first_name")
ADULT_AGE = 18

_lockouts: LockoutBook | None = None


def lockouts() -> LockoutBook:
    """The action server's one lockout book, sized from the clinic's settings."""
    global _lockouts
    if _lockouts is None:
        clinic = cached_clinic_settings()
        _lockouts = LockoutBook(
            max_attempts=clinic.verify_max_attempts,
            lockout_seconds=clinic.verify_lockout_minutes * 60,
        )
    return _lockouts


def sms_sender(tracker: Tracker) -> str | None:
    """The sender's number in E.164 when the conversation is by SMS (the channel puts it in
    the message metadata), else None."""
    if tracker.get_latest_input_channel() not in SMS_CHANNELS:
        return None
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            metadata = event.get("metadata") or {}
            phone = metadata.get("sender_phone") if isinstance(metadata, dict) else None
            return to_e164(phone) if isinstance(phone, str) else None
    return None


@dataclass(frozen=True)
class Identifier:
    kind: str  # phone | zip | mrn | ssn4
    value: str


def parse_identifier(text: str) -> Identifier | None:
    """What kind of identifier the patient sent, and its normalised value.

    >>> parse_identifier("my zip is 02155")
    Identifier(kind='zip', value='02155')
    >>> parse_identifier("MRN# 6425729")
    Identifier(kind='mrn', value='6425729')
    """
    lowered = text.lower()
    digits = re.sub(r"\D", "", text)
    if re.search(r"\b(mrn|medical record|record number|chart)\b", lowered):
        value = re.sub(r"(?i)\b(my|mrn|medical|record|number|chart|is|no)\b|[#:.\s-]", "", text)
        return Identifier("mrn", value.upper()) if value else None
    if re.search(r"\b(ssn|social)\b", lowered) or (len(digits) == 4 and lowered.strip().isdigit()):
        return Identifier("ssn4", digits[-4:]) if len(digits) >= 4 else None
    if re.search(r"\bzip\b", lowered) or re.fullmatch(r"\s*\d{5}(-\d{4})?\s*", text):
        return Identifier("zip", digits[:5]) if len(digits) >= 5 else None
    phone = to_e164(text) if len(digits) >= 10 else None
    if phone:
        return Identifier("phone", phone)
    token = re.sub(r"[\s#:-]", "", text)
    if re.fullmatch(r"[A-Za-z0-9]{5,20}", token) and any(ch.isdigit() for ch in token):
        return Identifier("mrn", token.upper())
    return None


def identifier_matches(patient: Patient, identifier: Identifier) -> bool:
    if identifier.kind == "phone":
        return identifier.value in patient.phones
    if identifier.kind == "zip":
        return (patient.postal_code or "")[:5] == identifier.value
    if identifier.kind == "ssn4":
        return patient.ssn_last4 == identifier.value
    return (patient.mrn or "").upper() == identifier.value


def split_name(full_name: str) -> tuple[str, str]:
    """(given, family) from "Given [Middle] Family"; "Family, Given" is understood too."""
    text = re.sub(r"(?i)^\s*(my name is|it's|its|this is|i am|i'm|im)\s+", "", full_name).strip(" .")
    if "," in text:
        family, _, given = text.partition(",")
        return given.strip(), family.strip()
    parts = text.split()
    if len(parts) < 2:
        return text, ""
    return parts[0], " ".join(parts[1:]) if len(parts) == 2 else parts[-1]


class ValidateVerifyForm(FormValidationAction):
    def name(self) -> str:
        return "validate_verify_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        if sms_sender(tracker) is None:
            return ["full_name", "birth_date", "extra_identifier"]
        if tracker.get_slot("verification") == "need_name":
            return ["birth_date", "sms_first_name"]
        return ["birth_date"]

    def validate_full_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        given, family = split_name(str(value or ""))
        if not fold(given) or not fold(family):
            dispatcher.utter_message(text="Please send your first and last name.")
            return {"full_name": None}
        return {"full_name": f"{given} {family}"}

    def validate_birth_date(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        today = datetime.now(cached_clinic_settings().zone).date()
        born = parse_birth_date(str(value or ""), today)
        if born is None:
            dispatcher.utter_message(response="utter_birth_date_unreadable")
            return {"birth_date": None}
        return {"birth_date": born.isoformat()}

    def validate_extra_identifier(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        identifier = parse_identifier(str(value or ""))
        if identifier is None:
            dispatcher.utter_message(response="utter_identifier_unreadable")
            return {"extra_identifier": None}
        return {"extra_identifier": f"{identifier.kind}:{identifier.value}"}

    def validate_sms_first_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        name = str(value or "").strip()
        return {"sms_first_name": name if fold(name) else None}


class ActionVerifyPatient(EHRAction):
    def name(self) -> str:
        return "action_verify_patient"

    async def act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        book = lockouts()
        clear = [SlotSet(slot, None) for slot in FORM_SLOTS]
        conversation_key = book.key("conversation", tracker.sender_id)
        phone = sms_sender(tracker)
        birth_date = _iso_date(tracker.get_slot("birth_date"))
        if phone:
            identity_key = book.key("phone", phone)
        else:
            given, family = split_name(tracker.get_slot("full_name") or "")
            identity_key = book.key("identity", f"{fold(given)}|{fold(family)}|{birth_date}")
        if book.is_locked(conversation_key, identity_key):
            dispatcher.utter_message(response="utter_verification_locked")
            return [*clear, *self._locked()]

        if phone:
            sharing = await self.gateway.find_patients_by_phone(phone)
            if len(sharing) > 1 and not tracker.get_slot("sms_first_name"):
                # Several patients use this number (a family): the first name is needed too.
                # Keep the birth date and ask for it, without counting a failure.
                return [SlotSet("verification", "need_name")]
            candidates = _match_sms(sharing, birth_date, tracker.get_slot("sms_first_name"))
        else:
            candidates = await self._web_candidates(tracker, birth_date)
        if len(candidates) != 1:
            if book.record_failure(conversation_key, identity_key):
                log.info("verification locked after repeated failures")
                dispatcher.utter_message(response="utter_verification_locked")
                return [*clear, *self._locked()]
            dispatcher.utter_message(response="utter_verification_failed")
            return [*clear, SlotSet("verification", "failed")]

        patient = candidates[0]
        book.record_success(conversation_key, identity_key)
        today = datetime.now(self.clinic.zone).date()
        age = patient.age_on(today)
        if patient.deceased or age is None or age < ADULT_AGE:
            # Not verified for self-service; say why only where it is kind and safe to.
            is_minor = not patient.deceased and age is not None
            dispatcher.utter_message(
                response="utter_no_self_service_minor" if is_minor else "utter_no_self_service"
            )
            return [
                *clear,
                SlotSet("verification", "refused"),
                SlotSet("offer", "handoff"),
                SlotSet("handoff_reason", "no_self_service"),
            ]

        first = patient.given_name.split()[0] if patient.given_name else ""
        dispatcher.utter_message(response="utter_verified", first_name=first)
        if not tracker.get_slot("pending_request"):
            dispatcher.utter_message(response="utter_how_can_i_help")
        return [
            *clear,
            SlotSet("verification", None),
            SlotSet("verified", True),
            SlotSet("patient_id", patient.id),
            SlotSet("first_name", first),
        ]

    async def _web_candidates(self, tracker: Tracker, birth_date: date | None) -> list[Patient]:
        given, family = split_name(tracker.get_slot("full_name") or "")
        identifier = _stored_identifier(tracker.get_slot("extra_identifier"))
        if birth_date is None or not given or not family or identifier is None:
            return []
        found = await self.gateway.find_patients_by_name_and_birth_date(given, family, birth_date)
        return [p for p in found if identifier_matches(p, identifier)]

    @staticmethod
    def _locked() -> list[EventType]:
        return [
            SlotSet("verification", "locked"),
            SlotSet("offer", "handoff"),
            SlotSet("handoff_reason", "locked_out"),
        ]


def _match_sms(sharing: list[Patient], birth_date: date | None, first_name: Any) -> list[Patient]:
    found = [p for p in sharing if birth_date is not None and p.birth_date == birth_date]
    if len(sharing) > 1:
        wanted = fold(str(first_name or ""))
        found = [p for p in found if wanted and fold((p.given_name.split() or [""])[0]) == wanted]
    return found


def _iso_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def _stored_identifier(value: Any) -> Identifier | None:
    kind, _, text = str(value or "").partition(":")
    return Identifier(kind, text) if kind and text else None
