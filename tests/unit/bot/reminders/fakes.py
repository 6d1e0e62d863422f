"""A fake EHR and a fake texter for the reminder job's unit tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from actions.ehr import Balance, DueAppointment
from actions.ehr.domain import Money


@dataclass
class FakeSource:
    appointments: list[DueAppointment] = field(default_factory=list)
    consenters: list[str] = field(default_factory=list)
    balances: dict[str, Decimal] = field(default_factory=dict)
    mobiles: dict[str, str] = field(default_factory=dict)

    async def appointments_starting(self, start: datetime, end: datetime) -> list[DueAppointment]:
        return sorted((a for a in self.appointments if start <= a.start < end), key=lambda a: a.start)

    async def billing_text_consenters(self) -> list[str]:
        return list(self.consenters)

    async def patient_mobiles(self, patient_ids: set[str]) -> dict[str, str]:
        return {p: m for p, m in self.mobiles.items() if p in patient_ids}

    async def outstanding_balance(self, patient_id: str) -> Balance | None:
        amount = self.balances.get(patient_id)
        return None if amount is None else Balance(f"acct-{patient_id}", Money(amount))


@dataclass(frozen=True)
class Result:
    delivered: bool
    opted_out: bool = False


@dataclass
class FakeTexter:
    opted_out: set[str] = field(default_factory=set)
    sent: list[tuple[str, str]] = field(default_factory=list)
    fail_for: set[str] = field(default_factory=set)
    twilio_has: set[str] = field(default_factory=set)  # numbers Twilio says were texted (settling)
    unknown: bool = False  # Twilio cannot be asked

    def is_opted_out(self, to: str) -> bool:
        return to in self.opted_out

    def number_key(self, to: str) -> str:
        return "h" + to[::-1]

    async def send(self, to: str, text: str) -> Result:
        if to in self.opted_out:
            return Result(False, opted_out=True)
        if to in self.fail_for:
            return Result(False)
        self.sent.append((to, text))
        return Result(True)

    async def sent_since(self, to: str, since: float) -> bool | None:
        return None if self.unknown else to in self.twilio_has
