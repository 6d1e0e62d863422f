"""What a reminder says. By default: the clinic's name, the day and time, and how to reply.

No clinician, department, reason for the visit or amount owed: a text can be read by anyone
holding the phone (docs/privacy.md, "Text messages")."""

from __future__ import annotations

from datetime import datetime

from settings import ClinicSettings

REPLY_OPTIONS = "Reply C to confirm, R to reschedule, X to cancel, STOP to opt out."


def appointment_reminder(clinic: ClinicSettings, start: datetime) -> str:
    hour = start.strftime("%I:%M %p").lstrip("0")
    day = f"{start:%A}, {start:%B} {start.day}"
    return f"{clinic.name}: reminder of your appointment on {day} at {hour}. {REPLY_OPTIONS}"


def bill_reminder(clinic: ClinicSettings) -> str:
    where = f"online at {clinic.payment_portal_url} or " if clinic.payment_portal_url else ""
    return (
        f"{clinic.name}: you have a balance due on your account. You can pay {where}by calling "
        f"{clinic.phone}. Reply STOP to opt out."
    )
