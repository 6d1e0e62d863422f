"""Rasa's REST channel, behind a bearer token, in its own namespace, without card numbers.

Everything else is Rasa's ``RestInput``: the name ``rest`` (so the URL stays
``POST /webhooks/rest/webhook``), the request fields, streaming, the health route. The changes:

- ``POST /webhook`` needs ``Authorization: Bearer <REST_CHANNEL_TOKEN>`` (compared in constant
  time; 401 otherwise), unless the server runs in development mode (``FRONTDESK_DEV_MODE=1``).
  With neither set, the channel refuses every message (503) rather than run open;
- the conversation id is ``rest:<sender>``: whatever a client sends, it cannot reach a ``web:``
  or ``sms:`` conversation. ``sender`` must be a string of 1 to 128 printable characters and
  ``message`` a string with more than white space (400 otherwise); the replies' ``recipient_id`` is
  the namespaced id;
- the input channel is always ``rest`` (a client cannot claim to be the SMS channel);

- the message text is taken from the request with every card number replaced by
  ``[card number removed]``, so the ``UserMessage``, the stored ``UserUttered`` event, NLU and
  Rasa's own logs only ever see the redacted text;
- when something was removed, the reply starts with a warning: don't send card numbers in chat,
  and where to pay instead (the clinic's payment portal, or its phone number when none is set).

The warning is keyed on the marker in the text rather than on state kept between the two steps,
so a patient who types the marker itself also gets the warning, which does no harm.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels import rest
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.tokens import dev_mode, token_matches
from bot.redaction import REDACTED, install_card_number_filter, redact_card_numbers
from bot.store.guard import require_ephemeral_store
from settings import ClinicSettings
from settings.clinic import cached_clinic_settings

TOKEN_ENV = "REST_CHANNEL_TOKEN"
NAMESPACE = "rest:"
MAX_SENDER_LENGTH = 128


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

    async def _extract_sender(self, req: Request) -> str | None:
        sender = req.json.get("sender")
        return f"{NAMESPACE}{sender}" if isinstance(sender, str) else None

    def _extract_input_channel(self, req: Request) -> str:
        return self.name()

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

        blueprint = super().blueprint(warn_then_handle)
        require_ephemeral_store(blueprint)

        @blueprint.middleware("request")
        async def check_request(request: Request) -> HTTPResponse | None:
            if request.method != "POST" or not request.path.endswith("/webhook"):
                return None
            return refusal(request)

        return blueprint


def refusal(request: Request) -> HTTPResponse | None:
    """Why a message to the REST channel is refused (401, 503, 400), or None to take it."""
    if not dev_mode():
        expected = os.environ.get(TOKEN_ENV, "").strip()
        if not expected:
            return response.json(
                {"error": f"the REST channel is off: set {TOKEN_ENV} (or FRONTDESK_DEV_MODE=1)"}, status=503
            )
        if not token_matches(request, expected):
            return response.json(
                {"error": "a valid bearer token is required"},
                status=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
    try:
        body = request.json
    except Exception:
        return response.json({"error": "the body must be JSON"}, status=400)
    if not isinstance(body, dict):
        return response.json({"error": "the body must be a JSON object"}, status=400)
    sender = body.get("sender")
    if not (isinstance(sender, str) and 0 < len(sender) <= MAX_SENDER_LENGTH and sender.isprintable()):
        return response.json(
            {"error": f"sender must be a string of 1 to {MAX_SENDER_LENGTH} printable characters"}, status=400
        )
    message = body.get("message")
    if not isinstance(message, str) or not message.strip():
        return response.json({"error": "message must be a non-empty string"}, status=400)
    return None
