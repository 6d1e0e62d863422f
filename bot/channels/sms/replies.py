"""What the channel itself texts, before or instead of the assistant: the carrier keywords'
answers and the answers to messages it cannot pass on. Each names the clinic, as carriers require
of every keyword answer."""

from __future__ import annotations

from settings import ClinicSettings


def opted_out(clinic: ClinicSettings) -> str:
    return (
        f"{clinic.name}: You're unsubscribed and will get no more texts from us at this number. "
        f"Reply START to get texts again. Questions? Call {clinic.phone}."
    )


def opted_in(clinic: ClinicSettings) -> str:
    return (
        f"{clinic.name}: You're subscribed to texts again. Text your question any time. "
        "Reply HELP for help, STOP to stop texts."
    )


def help_text(clinic: ClinicSettings) -> str:
    return (
        f"{clinic.name}: This is our automated assistant for appointments, bills and prescriptions. "
        f"To talk to a person, call {clinic.phone}. For an emergency call 911. "
        "Reply STOP to stop texts. Msg & data rates may apply."
    )


def media_only(clinic: ClinicSettings) -> str:
    return (
        "I can't open pictures or files sent by text, and I didn't keep them. Please type your "
        f"question, or call us at {clinic.phone}."
    )


def empty(clinic: ClinicSettings) -> str:
    return "I didn't get any words in that message. Please type your question."


def too_long(clinic: ClinicSettings, limit: int) -> str:
    return (
        f"That message is too long for me to read (the limit is {limit} characters) and I didn't "
        f"keep it. Please send a shorter one, or call us at {clinic.phone}."
    )


def failed(clinic: ClinicSettings) -> str:
    return f"Sorry, something went wrong on our side. Please try again, or call us at {clinic.phone}."
