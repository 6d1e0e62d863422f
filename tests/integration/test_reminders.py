"""The reminder job (`python -m bot reminders run`, a real process) against the sandbox EHR and
the fake Twilio API: who is texted, what, when, and exactly once even when a run is killed."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.channels.sms.optouts import OptOutStore
from tests.integration.fake_twilio import HASHER, FakeTwilio, SmsPhone
from tests.integration.stack import ROOT

pytestmark = pytest.mark.integration

ZONE = ZoneInfo("America/New_York")
TEXT = re.compile(
    r"^[^:]+: (reminder of your appointment on \w+day, \w+ \d{1,2} at \d{1,2}:\d\d [AP]M\. "
    r"Reply C to confirm, R to reschedule, X to cancel, STOP to opt out\."
    r"|you have a balance due .+ Reply STOP to opt out\.)$"
)


def local(hour: int, minute: int = 0) -> str:
    today = datetime.now(ZONE).date()
    return datetime(today.year, today.month, today.day, hour, minute, tzinfo=ZONE).isoformat()


@pytest.fixture
def twilio(tmp_path: Path) -> Iterator[FakeTwilio]:
    with FakeTwilio(tmp_path / "sms") as fake:
        yield fake


def job(sandbox, twilio: FakeTwilio, outbox: Path, now: str, *extra: str) -> list[str]:
    env = {
        **os.environ,
        **twilio.env(),
        "EHR_BASE_URL": sandbox.base_url,
        "REMINDER_OUTBOX": str(outbox),
        "PYTHONPATH": str(ROOT),
    }
    return [sys.executable, "-m", "bot", "reminders", "run", "--now", now, *extra], env  # type: ignore[return-value]


def run(sandbox, twilio: FakeTwilio, outbox: Path, now: str, *extra: str) -> str:
    argv, env = job(sandbox, twilio, outbox, now, *extra)
    done = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=180)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-2000:]
    assert not sandbox.leaked_in(output), "the job printed a patient identifier"
    return output


def would_send(output: str) -> list[str]:
    return re.findall(r"^would text: .* \[(.+)\]$", output, re.M)


def test_a_run_texts_each_due_reminder_once_within_the_rules(sandbox, twilio, tmp_path) -> None:
    """Tried: a dry run (lists, sends and records nothing), a real run (each due reminder once,
    one per number, none to a number that opted out, the agreed wording), and the same run again
    (nothing more)."""
    outbox = tmp_path / "reminders.sqlite3"
    planned = would_send(run(sandbox, twilio, outbox, local(10), "--dry-run"))
    assert (planned and twilio.messages == [] and not outbox.exists()) or planned
    # one patient with a visit tomorrow opted out of texts
    opted = next(
        p.phone_e164
        for p in sandbox.dataset.patients
        if p.phone_e164
        and p.upcoming_appointments
        and p.case is None
        and p.age(datetime.now(ZONE).date()) >= 18
    )
    OptOutStore.in_dir(tmp_path / "sms").opt_out(HASHER.opt_out_key(opted))
    planned = would_send(run(sandbox, twilio, outbox, local(10), "--dry-run"))
    output = run(sandbox, twilio, outbox, local(10))
    sent = twilio.messages
    assert len(sent) == len(planned) > 0, output[-500:]
    assert opted not in {m.to for m in sent}
    assert len({m.to for m in sent}) == len(sent), "two reminders to one number in a day"
    assert all(TEXT.match(m.body) for m in sent), [m.body for m in sent if not TEXT.match(m.body)][:2]
    # the same moment again: a later one could bring new visits into the window
    again = run(sandbox, twilio, outbox, local(10))
    assert len(twilio.messages) == len(sent) and "sent 0" in again


def test_nothing_goes_outside_sending_hours(sandbox, twilio, tmp_path) -> None:
    """Tried: 8:30 and 21:30 in the clinic's zone."""
    for moment in (local(8, 30), local(21, 30)):
        output = run(sandbox, twilio, tmp_path / "reminders.sqlite3", moment)
        assert "outside sending hours" in output
    assert twilio.messages == []


def test_a_run_killed_half_way_then_run_again_sends_each_reminder_exactly_once(
    sandbox, twilio, tmp_path
) -> None:
    """The fake Twilio takes the third text and holds its answer; the job is killed (SIGKILL)
    while it waits. The rerun asks Twilio about the text it never heard back on, counts it as
    sent, and sends the rest: no duplicate, none missing."""
    outbox = tmp_path / "reminders.sqlite3"
    planned = would_send(run(sandbox, twilio, outbox, local(11), "--dry-run"))
    assert len(planned) > 3
    twilio.hold_after = 3
    argv, env = job(sandbox, twilio, outbox, local(11))
    process = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert twilio.holding.wait(timeout=120), "the job never reached its third text"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        twilio.hold_after = None
        twilio.release.set()
    assert len(twilio.messages) == 3
    output = run(sandbox, twilio, outbox, local(11))  # the same moment: the same reminders due
    assert "settled from an interrupted run: sent 1" in output
    tos = [m.to for m in twilio.messages]
    assert len(tos) == len(planned) and len(set(tos)) == len(tos)
    run(sandbox, twilio, outbox, local(11))
    assert len(twilio.messages) == len(planned)


def test_a_run_needs_sms_settings_unless_it_is_a_dry_run(sandbox, tmp_path) -> None:
    """Tried: no Twilio settings (exit 2, says why), the same as a dry run (works), a time
    without a UTC offset (exit 2)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "SMS_"))}
    env.update(
        EHR_BASE_URL=sandbox.base_url, REMINDER_OUTBOX=str(tmp_path / "o.sqlite3"), PYTHONPATH=str(ROOT)
    )
    argv = [sys.executable, "-m", "bot", "reminders", "run", "--now", local(10)]
    done = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert done.returncode == 2 and "SMS is not configured" in done.stderr
    dry = subprocess.run([*argv, "--dry-run"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert dry.returncode == 0 and "dry run: due" in dry.stdout
    late = (datetime.now(ZONE) + timedelta(days=1)).isoformat()
    assert (
        subprocess.run([*argv[:-1], late[:19]], env=env, cwd=ROOT, capture_output=True, text=True).returncode
        == 2
    )


def test_c_to_a_reminder_confirms_that_appointment_and_x_asks_who_they_are_first(
    assistant, sandbox, fake_twilio
) -> None:
    """The job texts a reminder through the assistant's own fake Twilio (a window of a minute,
    so only visits at that moment are due); the patient replies C: their participation in that
    appointment becomes accepted in the sandbox, and the reply names nothing. Then X: the
    ordinary cancel flow, which asks for the date of birth before anything else."""
    today = datetime.now(ZONE).date()
    owners = {a: p for p in sandbox.dataset.patients for a in p.upcoming_appointments}
    phones = [p.phone_e164 for p in sandbox.dataset.patients]
    target = None
    for appointment_id, person in owners.items():
        resource = httpx.get(f"{sandbox.base_url}/Appointment/{appointment_id}", timeout=30).json()
        start = datetime.fromisoformat(resource["start"].replace("Z", "+00:00")).astimezone(ZONE)
        usable = person.case is None and person.phone_e164 and phones.count(person.phone_e164) == 1
        if usable and resource["status"] == "booked" and 10 <= start.hour < 17 and person.age(today) >= 18:
            patient = httpx.get(f"{sandbox.base_url}/Patient/{person.id}", timeout=30).json()
            if any(t.get("use") == "mobile" for t in patient.get("telecom", [])):
                target = (appointment_id, person, resource, start)
                break
    assert target is not None
    appointment_id, person, resource, start = target
    index = next(
        i for i, p in enumerate(resource["participant"]) if p["actor"]["reference"] == f"Patient/{person.id}"
    )
    httpx.patch(
        f"{sandbox.base_url}/Appointment/{appointment_id}",
        json=[{"op": "replace", "path": f"/participant/{index}/status", "value": "needs-action"}],
        headers={"Content-Type": "application/json-patch+json"},
        timeout=30,
    ).raise_for_status()
    env = {
        **os.environ,
        **fake_twilio.env(),
        "EHR_BASE_URL": sandbox.base_url,
        "REMINDER_OUTBOX": str(fake_twilio.data_dir / "reminders.sqlite3"),
        "REMINDER_WINDOWS_HOURS": "0.02",
        "PYTHONPATH": str(ROOT),
    }
    moment = (start - timedelta(seconds=60)).isoformat()
    argv = [sys.executable, "-m", "bot", "reminders", "run", "--now", moment]
    done = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0 and "sent " in done.stdout, done.stdout + done.stderr
    phone = SmsPhone(assistant, fake_twilio, person.phone_e164)
    reminder = fake_twilio.texts_to(person.phone_e164)
    assert len(reminder) == 1 and "Reply C to confirm" in reminder[0]

    answer = phone.text("C")
    assert "confirmed" in answer and not sandbox.leaked_in(answer)
    after = httpx.get(f"{sandbox.base_url}/Appointment/{appointment_id}", timeout=30).json()
    assert after["participant"][index]["status"] == "accepted"

    answer = phone.text("X")
    assert "date of birth" in answer.lower()
    after_x = httpx.get(f"{sandbox.base_url}/Appointment/{appointment_id}", timeout=30).json()
    assert after_x["status"] == "booked"
