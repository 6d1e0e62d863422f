"""Rasa's REST channel, with card numbers removed before the message is created.

Everything else is Rasa's ``RestInput``: the name ``rest`` (so the URL stays
``POST /webhooks/rest/webhook``), the request fields, streaming, the health route. Two changes:

- the message text is taken from the request with every card number replaced by
  ``[card number removed]``, so the ``UserMessage``, the stored ``UserUttered`` event, NLU and
  Rasa's own logs only ever see the redacted text;
- when something was removed, the reply starts with a warning: don't send card numbers in chat,
  and where to pay instead (the clinic's payment portal, or its phone number when none is set).

The warning is keyed on the marker in the text rather than on state kept between the two steps,
so a patient who types the marker itself also gets the warning, which does no harm.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels import rest
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint
from sanic.request import Request

from bot.redaction import REDACTED, install_card_number_filter, redact_card_numbers
from settings import ClinicSettings
from settings.clinic import cached_clinic_settings


def card_number_warning(clinic: ClinicSettings) -> str:
    """What the patient is told after a card number was removed from their message."""
    where = (
        f"you can pay securely through our payment portal: {clinic.payment_portal_url}"
        if clinic.payment_portal_url
        else f"you can pay by calling our billing office at {clinic.phone}"
    )
    return (
        "For your security, I removed what looked like a card number from your message and did "
        f"not keep it. Please don't send card numbers in this chat; {where}"
    )


class RestInput(rest.RestInput):
    """``rest.RestInput`` that never lets a card number into the conversation."""

    def __init__(self, clinic: ClinicSettings | None = None) -> None:
        self._clinic = clinic

    @property
    def clinic(self) -> ClinicSettings:
        return self._clinic or cached_clinic_settings()

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        # The server creates its channels after configuring logging: the moment to filter the logs.
        install_card_number_filter()
        return cls()

    def _extract_message(self, req: Request) -> str | None:
        text = super()._extract_message(req)
        if not isinstance(text, str):
            return text
        return redact_card_numbers(text).text

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def warn_then_handle(message: UserMessage) -> None:
            if message.text and REDACTED in message.text:
                await message.output_channel.send_text_message(
                    message.sender_id or "", card_number_warning(self.clinic)
                )
            await on_new_message(message)

        return super().blueprint(warn_then_handle)
