"""The SMS output channels.

``TurnOutput`` collects what the assistant says in answer to one text, so the channel can send it
as one reply (split only when too long) instead of a burst of texts that may arrive out of order.

``SmsOutput`` is the output channel Rasa asks the input channel for when something other than a
patient's text makes the assistant speak (``POST /conversations/<id>/trigger_intent`` with
``output_channel=sms``): it texts the number of that conversation, if the channel still holds it.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from rasa.core.channels.channel import OutputChannel

from bot.channels.sms.conversations import SmsConversations
from bot.channels.sms.sender import SmsSender
from bot.channels.sms.text import with_buttons
from bot.lifecycle import tag

log = logging.getLogger("frontdesk.sms")


class TurnOutput(OutputChannel):
    """Collects one turn's messages as text; buttons become numbered choices."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.choices: list[str] = []

    @classmethod
    def name(cls) -> str:
        return "sms"

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        if text and text.strip():
            self.texts.append(text.strip())

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        rendered, self.choices = with_buttons(text, buttons)
        await self.send_text_message(recipient_id, rendered)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self.send_text_message(recipient_id, image)

    async def send_attachment(self, recipient_id: str, attachment: str, **kwargs: Any) -> None:
        await self.send_text_message(recipient_id, str(attachment))

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        text = json_message.get("text") if isinstance(json_message, dict) else None
        if isinstance(text, str):
            await self.send_text_message(recipient_id, text)
        else:  # structured payloads mean nothing on a phone
            log.debug("a custom message was not texted: %s", type(json_message).__name__)

    def reply(self) -> str:
        return "\n\n".join(self.texts)


class SmsOutput(TurnOutput):
    """Texts straight away, to the number the channel holds for ``recipient_id``."""

    def __init__(self, conversations: SmsConversations, sender: SmsSender) -> None:
        super().__init__()
        self.conversations, self.sender = conversations, sender

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        phone = self.conversations.phone(recipient_id)
        if phone is None:
            log.warning("no number is held for conversation %s; the text was not sent", tag(recipient_id))
            return
        if text and text.strip():
            await self.sender.send(phone, text)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        rendered, payloads = with_buttons(text, buttons)
        self.conversations.set_choices(recipient_id, payloads)
        await self.send_text_message(recipient_id, rendered)

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        text = json_message.get("text") if isinstance(json_message, dict) else None
        if isinstance(text, str):
            await self.send_text_message(recipient_id, text)
        else:
            log.debug(
                "a custom message was not texted (%d bytes)", len(json.dumps(json_message, default=str))
            )
