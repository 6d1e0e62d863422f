"""Open times: finding them near what the patient asked for, offering a few, taking their pick.

The search looks first in the window the patient asked for (the next two weeks if they named
none) with their clinician, then with anyone, then on the days after and before it. A few
options are shown, numbered; the patient picks by number ("the second one"), by day or time
("the 10:30"), or asks for something else ("anything on Friday?", "anyone is fine"), which
searches again. The pick is checked against the EHR before it is described for confirmation.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from rasa_sdk.events import EventType, SlotSet

from actions.dates import ASAP_DAYS, TimeWindow, parse_ordinal, parse_when
from actions.ehr import Clinician, EHRGateway, NotFound, Slot

from .context import (
    CLINICIAN_ID,
    CONFIRMED,
    OPTIONS,
    SLOT_ID,
    VISIT_TYPE,
    WINDOW,
    Turn,
    ask,
    entity_value,
    reset_scheduling,
    wants_anyone,
)
from .formatting import a, describe_slot, fold, numbered, visit_code

log = logging.getLogger("frontdesk.actions")

OPTION_COUNT = 3  # short enough for an SMS
FETCH_LIMIT = 30
AROUND_DAYS = 7  # how far before and after the asked window a widened search looks
_TITLES = {"dr", "doctor", "md", "do", "np", "pa", "rn", "nurse", "prof"}


@dataclass(frozen=True)
class Found:
    """Options for the patient, and why they are these (a sentence, or "")."""

    slots: list[Slot]
    note: str


# -- the search ------------------------------------------------------------------------------


async def find_times(
    gateway: EHRGateway,
    *,
    visit_type: str,
    window: TimeWindow | None,
    clinician_id: str | None,
    now: datetime,
) -> Found | None:
    """A few free slots near ``window`` (default: soonest), or None if nothing is free near it."""
    if window is not None and window.start < now < window.end:  # asked a while ago: not the past
        window = replace(window, start=now)
    asked = window or TimeWindow(start=now, end=now + timedelta(days=ASAP_DAYS))
    then = "then" if window else f"in the next {ASAP_DAYS // 7} weeks"
    whom: list[str | None] = [clinician_id, None] if clinician_id else [None]
    for who in whom:
        slots = await _inside(gateway, asked, visit_type, who)
        if slots:
            other = clinician_id is not None and who is None
            note = f"Your clinician has nothing open {then}, so these are with others. " if other else ""
            return Found(_best(slots, asked), note)
    around = [
        (asked.end, asked.end + timedelta(days=2 * AROUND_DAYS)),
        (max(now, asked.start - timedelta(days=AROUND_DAYS)), asked.start),
    ]
    for who in whom:
        slots = []
        for start, end in around:
            if start < end:
                slots += await gateway.free_slots(
                    start=start, end=end, visit_type=visit_type, clinician_id=who, limit=FETCH_LIMIT
                )
        if slots:
            others = " with other clinicians" if clinician_id is not None and who is None else ""
            note = f"Nothing is open {then}, so these are the nearest times{others}. "
            return Found(_best(slots, asked), note)
    return None


async def _inside(
    gateway: EHRGateway, window: TimeWindow, visit_type: str, clinician_id: str | None
) -> list[Slot]:
    """Free slots inside the window; day by day when it keeps to a part of each day."""
    if window.day_from is None and window.day_until is None:
        found = await gateway.free_slots(
            start=window.start,
            end=window.end,
            visit_type=visit_type,
            clinician_id=clinician_id,
            limit=FETCH_LIMIT,
        )
        return [s for s in found if window.contains(s.start)]
    slots: list[Slot] = []
    zone = window.start.tzinfo
    day = window.start.date()
    while len(slots) < OPTION_COUNT and datetime.combine(day, time(0), tzinfo=zone) < window.end:
        start = max(window.start, datetime.combine(day, window.day_from or time(0), tzinfo=zone))
        end = min(window.end, _day_end(day, window.day_until, zone))
        if start < end:
            found = await gateway.free_slots(
                start=start, end=end, visit_type=visit_type, clinician_id=clinician_id, limit=FETCH_LIMIT
            )
            slots += [s for s in found if window.contains(s.start)]
        day += timedelta(days=1)
    return slots


def _day_end(day: date, until: time | None, zone: Any) -> datetime:
    if until is not None:
        return datetime.combine(day, until, tzinfo=zone)
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)


def _best(slots: list[Slot], window: TimeWindow) -> list[Slot]:
    """The options nearest the window and the time asked for, shown in time order."""

    def minutes(moment: time) -> int:
        return moment.hour * 60 + moment.minute

    def distance(slot: Slot) -> tuple[float, int, datetime]:
        local = slot.start.astimezone(window.start.tzinfo)
        outside = 0.0
        if not window.contains(slot.start):
            outside = min(abs(slot.start - window.start), abs(slot.start - window.end)).total_seconds()
        off_time = abs(minutes(local.time()) - minutes(window.preferred_time)) if window.preferred_time else 0
        return outside, off_time, slot.start

    unique = {s.id: s for s in slots}.values()
    return sorted(sorted(unique, key=distance)[:OPTION_COUNT], key=lambda s: s.start)


async def usual_clinician(gateway: EHRGateway, patient_id: str) -> Clinician | None:
    """The patient's usual clinician: their general practitioner on record, else the clinician
    they see most among their booked visits, else None (anyone)."""
    try:
        on_record = (await gateway.get_patient(patient_id)).general_practitioner_id
    except NotFound:
        on_record = None
    if on_record:
        return Clinician(id=on_record, name="")
    counts: dict[str, tuple[int, Clinician]] = {}
    for appointment in await gateway.upcoming_appointments(patient_id, limit=10):
        if appointment.clinician is not None:
            seen, _ = counts.get(appointment.clinician.id, (0, appointment.clinician))
            counts[appointment.clinician.id] = (seen + 1, appointment.clinician)
    if not counts:
        return None
    return max(counts.values(), key=lambda item: item[0])[1]


def name_matches(clinician: Clinician, name: str) -> bool:
    """ "dr patel", "Doctor Nguyen", "priya patel" against "Dr. Priya Patel MD"."""
    wanted = {fold(word) for word in name.split()} - _TITLES - {""}
    have = {fold(word) for word in clinician.name.split()}
    return bool(wanted) and wanted <= have


async def find_clinician(gateway: EHRGateway, patient_id: str, name: str, now: datetime) -> Clinician | None:
    """The clinician the patient named: among those they see, else among those with open times."""
    for appointment in await gateway.upcoming_appointments(patient_id, limit=10):
        if appointment.clinician is not None and name_matches(appointment.clinician, name):
            return appointment.clinician
    free = await gateway.free_slots(start=now, end=now + timedelta(days=ASAP_DAYS), limit=100)
    for slot in free:
        if slot.clinician is not None and name_matches(slot.clinician, name):
            return slot.clinician
    return None


# -- offering and choosing ---------------------------------------------------------------------


@dataclass(frozen=True)
class Wanted:
    """What the patient is looking for, as the slots hold it."""

    visit_type: str | None
    window: TimeWindow | None
    clinician_id: str | None

    @classmethod
    def from_slots(cls, turn: Turn) -> Wanted:
        data = turn.slot(WINDOW)
        window = TimeWindow.from_dict(data, turn.zone) if isinstance(data, dict) else None
        return cls(turn.slot(VISIT_TYPE), window, turn.slot(CLINICIAN_ID))

    def events(self) -> list[EventType]:
        return [
            SlotSet(VISIT_TYPE, self.visit_type),
            SlotSet(WINDOW, self.window.to_dict() if self.window else None),
            SlotSet(CLINICIAN_ID, self.clinician_id),
        ]


def ask_visit_type(turn: Turn, prefix: str = "") -> list[EventType]:
    labels = list(turn.clinic.visit_types.values())
    listed = ", ".join(labels[:-1]) + f" or {labels[-1]}" if len(labels) > 1 else "".join(labels)
    turn.say(f"{prefix}What kind of visit is it: {listed}?")
    return [SlotSet(VISIT_TYPE, None), ask(VISIT_TYPE)]


def take_visit_type(turn: Turn, value: Any) -> str | None:
    """The visit-type code in an answer: an entity value, a label, or its number in the list asked."""
    code = visit_code(str(value or ""), turn.clinic)
    if code is None:
        number = parse_ordinal(str(value or ""))
        codes = list(turn.clinic.visit_types)
        if number is not None and (1 <= number <= len(codes) or number == -1):
            code = codes[number - 1 if number > 0 else -1]
    return code


async def offer_for_visit_type(turn: Turn, value: Any) -> list[EventType]:
    """The answer to "what kind of visit": show times for it, or ask again if it names none."""
    code = take_visit_type(turn, value)
    if code is None:
        return ask_visit_type(turn, prefix="Sorry, I didn't catch that. ")
    return await offer_times(turn, replace(Wanted.from_slots(turn), visit_type=code))


async def offer_times(turn: Turn, wanted: Wanted) -> list[EventType]:
    """Search for what is wanted and show the options; if nothing is free, offer staff.

    The events record ``wanted`` too, so that a new search ("anything Friday?") sticks.
    """
    visit_type = wanted.visit_type or ""
    label = turn.clinic.visit_label(visit_type)
    found = await find_times(
        turn.gateway,
        visit_type=visit_type,
        window=wanted.window,
        clinician_id=wanted.clinician_id,
        now=turn.now,
    )
    if found is None:
        return [
            *reset_scheduling(),
            *turn.offer_staff(
                f"I'm sorry, I couldn't find an open time for {a(label)} then, or in the weeks around "
                "it. Our staff may be able to fit you in. Would you like me to connect you?"
            ),
            ask(None),
        ]
    lines = [describe_slot(slot, turn.zone, visit_type) for slot in found.slots]
    anyone = ', or say "anyone" to see other clinicians' if wanted.clinician_id and not found.note else ""
    turn.say(
        f"{found.note}Here are open times for {a(label)}:\n{numbered(lines)}\n"
        f"Which one would you like? You can also tell me another day or time{anyone}."
    )
    options = [{"id": s.id, "start": s.start.isoformat()} for s in found.slots]
    return [
        *wanted.events(),
        SlotSet(OPTIONS, options),
        SlotSet(SLOT_ID, None),
        SlotSet(CONFIRMED, None),
        ask(SLOT_ID),
    ]


async def choose_time(turn: Turn, text: str, confirmation: Callable[[Slot], str]) -> list[EventType]:
    """The patient's answer to the options: a pick (then ``confirmation(slot)`` is asked), or a
    new search ("anything on Friday?", "anyone is fine", "with Dr Patel")."""
    wanted = Wanted.from_slots(turn)
    options: list[dict[str, str]] = list(turn.slot(OPTIONS) or [])
    named = entity_value(turn.message, "clinician")
    if named:
        clinician = await find_clinician(turn.gateway, turn.patient_id, named, turn.now)
        if clinician is None:
            turn.say(f"I couldn't find {named} on our schedule, so I'll look for anyone.")
        return await offer_times(turn, replace(wanted, clinician_id=clinician.id if clinician else None))
    if wants_anyone(text):
        return await offer_times(turn, replace(wanted, clinician_id=None))
    picked = _pick(text, options, turn)
    if picked is None:
        window = parse_when(text, turn.now)
        if window is not None:
            return await offer_times(turn, replace(wanted, window=window))
        turn.say(
            f"Sorry, which one? Reply with its number (1 to {len(options)}), or tell me another day or time."
            if options
            else "Sorry, I didn't catch that. Which day or time would suit you?"
        )
        return [SlotSet(SLOT_ID, None), ask(SLOT_ID)]
    slot = await _still_free(turn, picked, wanted.visit_type)
    if slot is None:
        turn.say("I'm sorry, that time was just taken.")
        return await offer_times(turn, wanted)
    turn.say(confirmation(slot))
    return [SlotSet(SLOT_ID, slot.id), SlotSet(CONFIRMED, None), ask(CONFIRMED)]


def names_a_choice(turn: Turn, text: str) -> bool:
    """Whether an answer picks an option or asks for other times (rather than being unclear)."""
    return (
        parse_ordinal(text) is not None
        or parse_when(text, turn.now) is not None
        or wants_anyone(text)
        or entity_value(turn.message, "clinician") is not None
    )


def _pick(text: str, options: list[dict[str, str]], turn: Turn) -> dict[str, str] | None:
    """The option named by number, or the only one on the day and at the time named."""
    number = parse_ordinal(text)
    if number is not None:
        if number == -1 and options:
            return options[-1]
        return options[number - 1] if 1 <= number <= len(options) else None
    window = parse_when(text, turn.now)
    if window is None:
        return None
    matching = []
    for option in options:
        start = datetime.fromisoformat(option["start"]).astimezone(turn.zone)
        at_time = window.preferred_time is None or start.time().replace(second=0) == window.preferred_time
        if window.contains(start) and at_time:
            matching.append(option)
    return matching[0] if len(matching) == 1 else None


async def _still_free(turn: Turn, option: dict[str, str], visit_type: str | None) -> Slot | None:
    """The picked slot as the EHR has it now, or None if it was taken meanwhile."""
    start = datetime.fromisoformat(option["start"]).astimezone(turn.zone)
    free = await turn.gateway.free_slots(
        start=start, end=start + timedelta(minutes=1), visit_type=visit_type, limit=FETCH_LIMIT
    )
    return next((s for s in free if s.id == option["id"]), None)
