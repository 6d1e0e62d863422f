"""``python -m bot reminders run [--dry-run] [--now ISO-8601]``: one run of the reminder job.

Exit status: 0 done (whatever was or was not due), 1 the EHR failed, 2 a setting is wrong or
SMS is not configured (a dry run needs no SMS settings)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from datetime import datetime, timezone

from actions.ehr import EHRError, FhirGateway
from bot.reminders.job import RunReport, Sent, Texter, run_once
from bot.reminders.outbox import Outbox
from bot.reminders.settings import ReminderSettingsError, load_reminder_settings
from settings.clinic import cached_clinic_settings


def add_parser(commands: argparse._SubParsersAction) -> None:
    reminders = commands.add_parser("reminders", help="appointment and bill reminders by text")
    sub = reminders.add_subparsers(dest="action", required=True)
    run = sub.add_parser("run", help="send the reminders due now (once; safe to repeat)")
    run.add_argument(
        "--dry-run", action="store_true", help="list what would be sent; send and record nothing"
    )
    run.add_argument("--now", help="the time to plan for (ISO 8601 with offset); default: the clock")
    run.set_defaults(handler=main)


def _now(text: str | None) -> datetime:
    if not text:
        return datetime.now(timezone.utc)
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("--now needs a UTC offset, e.g. 2026-12-01T10:00:00-05:00")
    return moment


def _print(report: RunReport, dry_run: bool) -> None:
    for item in report.would_send:
        when = f" ({item.start:%Y-%m-%d %H:%M})" if item.start else ""
        print(f"would text: {item.kind} {item.reference}{when} [{item.key}]")
    print(("dry run: " if dry_run else "") + report.summary())


async def _run(args: argparse.Namespace) -> int:
    from bot.channels.sms.sender import default_sender
    from bot.reminders.texting import SmsTexter

    settings = load_reminder_settings()
    clinic = cached_clinic_settings()
    now = _now(args.now)
    sender = default_sender()
    if sender is None and not args.dry_run:
        print("error: SMS is not configured (docs/sms.md); use --dry-run to see what is due", file=sys.stderr)
        return 2
    texter: Texter = SmsTexter(sender) if sender is not None else _NoTexter()
    outbox = Outbox(settings.outbox_path)
    try:
        async with FhirGateway() as gateway:
            report = await run_once(gateway, texter, outbox, settings, clinic, now, dry_run=args.dry_run)
    except EHRError as error:
        print(f"error: the EHR failed ({type(error).__name__}); nothing more was sent", file=sys.stderr)
        return 1
    finally:
        outbox.close()
        if sender is not None:
            await sender.aclose()
    _print(report, args.dry_run)
    return 0


class _NoTexter:
    """A dry run without SMS settings: nobody has opted out, nothing is sent."""

    def is_opted_out(self, to: str) -> bool:
        return False

    def number_key(self, to: str) -> str:
        return to

    async def send(self, to: str, text: str) -> Sent:  # a dry run never sends
        raise RuntimeError("a dry run does not send")

    async def sent_since(self, to: str, since: float) -> None:
        return None


def main(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return asyncio.run(_run(args))
    except (ReminderSettingsError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
