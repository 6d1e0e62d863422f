"""Reminders sent per second: the reminder job against the sandbox EHR and the fake Twilio API.

A fresh sandbox is loaded with BENCH_REMINDERS (default 10,000) adults, each with a mobile
number of their own and one booked appointment in the next 20 hours; one run of the job (the
real gateway, SQLite outbox and SMS sender, in this process) texts them all. Printed: the time
to plan (the EHR searches), the time to send, reminders per second, and the outbox's states.

    python -m bench reminders
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import phonenumbers

from actions.ehr import EHRSettings, FhirGateway
from bot.channels.sms.sender import SmsSender
from bot.channels.sms.settings import load_sms_settings
from bot.reminders.job import run_once
from bot.reminders.outbox import Outbox
from bot.reminders.plan import due_reminders
from bot.reminders.settings import ReminderSettings
from bot.reminders.texting import SmsTexter
from sandbox.server import SandboxEHR
from settings.clinic import cached_clinic_settings
from tests.integration.fake_twilio import FakeTwilio

COUNT = int(os.environ.get("BENCH_REMINDERS", "10000"))
ZONE = ZoneInfo("America/New_York")
BATCH = 400


def fictional_numbers(count: int) -> list[str]:
    """Numbers of the 555-01XX block (fictional) in as many valid area codes as needed."""
    numbers: list[str] = []
    for area in range(201, 1000):
        sample = phonenumbers.parse(f"+1{area}5550100")
        if not phonenumbers.is_valid_number(sample):
            continue
        numbers += [f"+1{area}55501{line:02d}" for line in range(100)]
        if len(numbers) >= count:
            return numbers[:count]
    raise RuntimeError(f"only {len(numbers)} fictional numbers available")


def resources(now: datetime, count: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for n, number in enumerate(fictional_numbers(count)):
        patient_id, appointment_id = str(uuid.uuid4()), str(uuid.uuid4())
        start = now + timedelta(minutes=30 + (n * 20 * 60 // count))
        out.append(
            {
                "resourceType": "Patient",
                "id": patient_id,
                "name": [{"family": f"Bench{n}", "given": ["Test"]}],
                "birthDate": "1980-01-01",
                "telecom": [{"system": "phone", "value": number, "use": "mobile"}],
            }
        )
        out.append(
            {
                "resourceType": "Appointment",
                "id": appointment_id,
                "status": "booked",
                "start": start.isoformat(),
                "end": (start + timedelta(minutes=20)).isoformat(),
                "participant": [{"actor": {"reference": f"Patient/{patient_id}"}, "status": "accepted"}],
            }
        )
    return out


def load(base_url: str, items: list[dict[str, Any]]) -> None:
    with httpx.Client(timeout=300) as http:
        for first in range(0, len(items), BATCH):
            entries = [
                {"resource": r, "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}}
                for r in items[first : first + BATCH]
            ]
            response = http.post(
                base_url, json={"resourceType": "Bundle", "type": "transaction", "entry": entries}
            )
            response.raise_for_status()


async def measure(base_url: str, twilio: FakeTwilio, outbox_path: Path, now: datetime) -> None:
    os.environ.update(twilio.env())
    sender = SmsSender.from_settings(load_sms_settings())
    settings = ReminderSettings(windows_hours=(24.0,), bill_reminders=False, outbox_path=outbox_path)
    clinic = cached_clinic_settings()
    async with FhirGateway(EHRSettings(base_url=base_url, clinic_timezone="America/New_York")) as gateway:
        started = time.perf_counter()
        due, _ = await due_reminders(gateway, settings, now, ZONE)
        planning = time.perf_counter() - started
        started = time.perf_counter()
        outbox = Outbox(outbox_path)
        report = await run_once(gateway, SmsTexter(sender), outbox, settings, clinic, now)
        whole = time.perf_counter() - started
        states = outbox.counts()
        outbox.close()
    await sender.aclose()
    sending = whole - planning
    print(f"  due: {len(due)}   planned in {planning:.1f} s (EHR searches)")
    print(f"  one run, planning included: {whole:.1f} s; sent {report.sent}, failed {report.failed}")
    print(
        f"  sending: {report.sent / sending:.0f} reminders/s (each: outbox claim, Twilio call, outbox finish)"
    )
    print(f"  texts at the fake Twilio: {len(twilio.messages)}; outbox: {states}")


def main() -> None:
    print(f"reminders: {COUNT} due appointments, one run of the job, fake Twilio API")
    now = datetime.now(ZONE).replace(hour=9, minute=5, second=0, microsecond=0)
    with SandboxEHR() as ehr, tempfile.TemporaryDirectory(prefix="frontdesk-bench-reminders-") as tmp:
        started = time.perf_counter()
        assert ehr.base_url
        load(ehr.base_url, resources(now, COUNT))
        print(f"  sandbox loaded in {time.perf_counter() - started:.1f} s")
        with FakeTwilio(Path(tmp) / "sms") as twilio:
            asyncio.run(measure(ehr.base_url, twilio, Path(tmp) / "reminders.sqlite3", now))


if __name__ == "__main__":
    main()
