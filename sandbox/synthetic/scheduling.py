"""Schedules, Slots and Appointments.

Each clinician works set weekdays at one location a day. Slots are 30 minutes, 08:00-12:00 and
13:00-17:00 in the clinic's time zone, from tomorrow through the 60th day from today. Clinicians who
offer telehealth keep their last two slots of the day (16:00, 16:30) for video visits."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from .clinic import (
    CLOSE_HOUR,
    IN_PERSON_TYPES,
    LUNCH_HOUR,
    OPEN_HOUR,
    SLOT_MINUTES,
    VISIT_TYPES,
    Directory,
    PractitionerInfo,
    visit_type_concept,
)
from .common import CANCEL_REASON, NUCC, V2_0276, Ids, concept, instant, local, ref, weighted
from .model import PatientInfo, PatientPlan

HORIZON_DAYS = 60
HISTORY_DAYS = 540
V2_0276_DISPLAY = {
    "ROUTINE": "Routine appointment",
    "FOLLOWUP": "A follow up visit",
    "CHECKUP": "A routine check-up",
    "WALKIN": "A previously unscheduled walk-in visit",
}


def slot_times() -> list[tuple[int, int]]:
    times = []
    for hour in range(OPEN_HOUR, CLOSE_HOUR):
        if hour == LUNCH_HOUR:
            continue
        for minute in range(0, 60, SLOT_MINUTES):
            times.append((hour, minute))
    return times


TELEHEALTH_TIMES = {(CLOSE_HOUR - 1, 0), (CLOSE_HOUR - 1, 30)}


@dataclass
class GridSlot:
    practitioner: PractitionerInfo
    location: str
    start: dt.datetime
    telehealth: bool
    booked: bool = False

    @property
    def end(self) -> dt.datetime:
        return self.start + dt.timedelta(minutes=SLOT_MINUTES)

    @property
    def service_types(self) -> tuple[str, ...]:
        return ("telehealth",) if self.telehealth else IN_PERSON_TYPES


@dataclass
class PastVisit:
    day: dt.date
    practitioner: str
    visit_type: str


class Scheduler:
    def __init__(self, ids: Ids, directory: Directory, today: dt.date, zone: ZoneInfo) -> None:
        self.ids = ids
        self.directory = directory
        self.today = today
        self.zone = zone
        self.grid: dict[str, list[GridSlot]] = {}
        self.taken: set[tuple[str, dt.datetime]] = set()  # (practitioner, start) of every busy time
        for prac in directory.practitioners:
            slots = []
            for offset in range(1, HORIZON_DAYS + 1):
                day = today + dt.timedelta(days=offset)
                if day.weekday() not in prac.days:
                    continue
                for hour, minute in slot_times():
                    tele = prac.telehealth and (hour, minute) in TELEHEALTH_TIMES
                    slots.append(
                        GridSlot(prac, prac.days[day.weekday()], local(day, hour, minute, zone), tele)
                    )
            self.grid[prac.key] = slots

    # --- ids and resources ---------------------------------------------------------------------
    def schedule_id(self, prac_key: str, location_key: str) -> str:
        return self.ids.make("Schedule", f"{prac_key}/{location_key}")

    def slot_id(self, prac_key: str, start: dt.datetime) -> str:
        return self.ids.make("Slot", f"{prac_key}/{instant(start)}")

    def schedules(self) -> list[dict[str, Any]]:
        out = []
        for prac in self.directory.practitioners:
            for loc_key in sorted(
                set(prac.days.values()), key=[loc.key for loc in self.directory.locations].index
            ):
                loc = self.directory.location(loc_key)
                out.append(
                    {
                        "resourceType": "Schedule",
                        "id": self.schedule_id(prac.key, loc_key),
                        "active": True,
                        "serviceType": [visit_type_concept(code) for code in prac.visit_types],
                        "specialty": [concept(NUCC, *prac.specialty)],
                        "actor": [
                            ref("Practitioner", prac.id, prac.display),
                            ref("Location", loc.id, loc.name),
                        ],
                        "planningHorizon": {
                            "start": (self.today - dt.timedelta(days=HISTORY_DAYS)).isoformat(),
                            "end": (self.today + dt.timedelta(days=HORIZON_DAYS)).isoformat(),
                        },
                        "comment": f"{prac.display} at {loc.name}",
                    }
                )
        return out

    def slot_resource(
        self,
        prac: PractitionerInfo,
        location: str,
        start: dt.datetime,
        service_types: tuple[str, ...],
        status: str,
    ) -> dict[str, Any]:
        return {
            "resourceType": "Slot",
            "id": self.slot_id(prac.key, start),
            "serviceType": [visit_type_concept(code) for code in service_types],
            "schedule": ref("Schedule", self.schedule_id(prac.key, location)),
            "status": status,
            "start": instant(start),
            "end": instant(start + dt.timedelta(minutes=SLOT_MINUTES)),
        }

    def free_slots(self) -> list[dict[str, Any]]:
        out = []
        for prac in self.directory.practitioners:
            for slot in self.grid[prac.key]:
                if not slot.booked:
                    out.append(
                        self.slot_resource(prac, slot.location, slot.start, slot.service_types, "free")
                    )
        return out

    def appointment(
        self,
        aid: str,
        status: str,
        info: PatientInfo,
        prac: PractitionerInfo,
        location: str,
        start: dt.datetime,
        visit_type: str,
        created: dt.date,
        slot_id: str | None,
    ) -> dict[str, Any]:
        display, appt_type, instruction = VISIT_TYPES[visit_type]
        loc = self.directory.location(location)
        resource: dict[str, Any] = {"resourceType": "Appointment", "id": aid, "status": status}
        if status == "cancelled":
            resource["cancelationReason"] = concept(CANCEL_REASON, "pat", "Patient")
        resource.update(
            {
                "serviceType": [visit_type_concept(visit_type)],
                "appointmentType": concept(V2_0276, appt_type, V2_0276_DISPLAY[appt_type]),
                "description": display,
                "start": instant(start),
                "end": instant(start + dt.timedelta(minutes=SLOT_MINUTES)),
                "minutesDuration": SLOT_MINUTES,
            }
        )
        if slot_id:
            resource["slot"] = [ref("Slot", slot_id)]
        resource["created"] = created.isoformat()
        if instruction:
            resource["patientInstruction"] = instruction
        resource["participant"] = [
            {"actor": ref("Patient", info.id, info.name), "required": "required", "status": "accepted"},
            {
                "actor": ref("Practitioner", prac.id, prac.display),
                "required": "required",
                "status": "accepted",
            },
            {"actor": ref("Location", loc.id, loc.name), "required": "required", "status": "accepted"},
        ]
        return resource

    # --- per patient -----------------------------------------------------------------------------
    def _clinician(
        self, plan: PatientPlan, info: PatientInfo, rng: random.Random, visit_type: str
    ) -> PractitionerInfo:
        gp = self.directory.practitioner(plan.gp)
        if (visit_type != "telehealth" or gp.telehealth) and (plan.case or rng.random() < 0.8):
            return gp
        age = info.age(self.today)
        group = "child" if age < 18 else "adult"
        options = [
            p
            for p in self.directory.practitioners
            if p.patients in (group, "all") and (visit_type != "telehealth" or p.telehealth)
        ]
        return rng.choice(options or [gp])

    def _visit_type(self, plan: PatientPlan, rng: random.Random, n: int) -> str:
        if n < len(plan.future_types):
            return plan.future_types[n]
        if plan.past_visits == 0 and n == 0:
            return "new-patient"
        return weighted(
            rng, [("follow-up", 0.42), ("annual-physical", 0.25), ("sick-visit", 0.15), ("telehealth", 0.18)]
        )

    def book_patient(
        self, plan: PatientPlan, info: PatientInfo, rng: random.Random
    ) -> tuple[list[dict[str, Any]], list[PastVisit]]:
        resources: list[dict[str, Any]] = []
        past: list[PastVisit] = []
        end = plan.deceased or self.today
        # past visits, oldest first
        history = []
        for n in range(plan.past_visits):
            visit_type = weighted(
                rng,
                [("follow-up", 0.45), ("annual-physical", 0.25), ("sick-visit", 0.2), ("telehealth", 0.1)],
            )
            if n == 0 and plan.past_visits and rng.random() < 0.3:
                visit_type = "new-patient"
            prac = self._clinician(plan, info, rng, visit_type)
            if visit_type == "telehealth" and not prac.telehealth:
                visit_type = "follow-up"
            for _ in range(50):
                day = end - dt.timedelta(days=rng.randint(3, HISTORY_DAYS))
                while day.weekday() not in prac.days:
                    day -= dt.timedelta(days=1)
                times = (
                    [t for t in slot_times() if (t in TELEHEALTH_TIMES) == (visit_type == "telehealth")]
                    if prac.telehealth
                    else slot_times()
                )
                hour, minute = rng.choice(times)
                start = local(day, hour, minute, self.zone)
                if (prac.key, start) not in self.taken:
                    break
            self.taken.add((prac.key, start))
            history.append((start, prac, visit_type))
        history.sort(key=lambda item: item[0])
        for n, (start, prac, visit_type) in enumerate(history):
            status = weighted(rng, [("fulfilled", 0.86), ("noshow", 0.06), ("cancelled", 0.08)])
            aid = self.ids.make("Appointment", f"{plan.key}/past/{n}")
            location = prac.days[start.weekday()]
            slot_id = None
            if status != "cancelled":
                slot_id = self.slot_id(prac.key, start)
                service = ("telehealth",) if visit_type == "telehealth" else IN_PERSON_TYPES
                resources.append(self.slot_resource(prac, location, start, service, "busy"))
            created = start.date() - dt.timedelta(days=rng.randint(2, 45))
            resources.append(
                self.appointment(aid, status, info, prac, location, start, visit_type, created, slot_id)
            )
            info.past_appointments.append(aid)
            if status == "fulfilled":
                past.append(PastVisit(start.date(), prac.display, visit_type))
        if plan.deceased:
            return resources, past
        # future visits, booked into the grid
        booked: list[tuple[GridSlot, PractitionerInfo, str]] = []
        for n in range(plan.future_visits):
            visit_type = self._visit_type(plan, rng, n)
            prac = self._clinician(plan, info, rng, visit_type)
            if visit_type == "telehealth" and not prac.telehealth:
                visit_type = "follow-up"
            telehealth = visit_type == "telehealth"
            window = 21 if plan.case == "demo" else HORIZON_DAYS
            limit = self.today + dt.timedelta(days=window)
            free = [
                s
                for s in self.grid[prac.key]
                if not s.booked
                and s.telehealth == telehealth
                and s.start.date() <= limit
                and all(abs((s.start - b.start).days) >= 2 for b, _, _ in booked)
            ]
            if not free:
                continue
            slot = rng.choice(free)
            slot.booked = True
            self.taken.add((prac.key, slot.start))
            booked.append((slot, prac, visit_type))
        booked.sort(key=lambda item: item[0].start)
        for n, (slot, prac, visit_type) in enumerate(booked):
            aid = self.ids.make("Appointment", f"{plan.key}/future/{n}")
            resources.append(self.slot_resource(prac, slot.location, slot.start, slot.service_types, "busy"))
            created = self.today - dt.timedelta(days=rng.randint(0, 30))
            resources.append(
                self.appointment(
                    aid,
                    "booked",
                    info,
                    prac,
                    slot.location,
                    slot.start,
                    visit_type,
                    created,
                    self.slot_id(prac.key, slot.start),
                )
            )
            info.upcoming_appointments.append(aid)
        for n in range(plan.future_cancelled):
            prac = self.directory.practitioner(plan.gp)
            day = self.today + dt.timedelta(days=rng.randint(2, HORIZON_DAYS - 7))
            while day.weekday() not in prac.days:
                day += dt.timedelta(days=1)
            hour, minute = rng.choice(slot_times())
            start = local(day, hour, minute, self.zone)
            aid = self.ids.make("Appointment", f"{plan.key}/cancelled/{n}")
            created = self.today - dt.timedelta(days=rng.randint(5, 40))
            resources.append(
                self.appointment(
                    aid, "cancelled", info, prac, prac.days[day.weekday()], start, "follow-up", created, None
                )
            )
            info.cancelled_appointments.append(aid)
        return resources, past
