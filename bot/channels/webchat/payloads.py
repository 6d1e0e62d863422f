"""What a browser sends over the web-chat socket, checked before anything is done with it.

Whatever arrives (anything JSON can carry, or binary), a message is either clean text for a
``UserMessage`` or a refusal the widget shows the patient. The patient's text is never logged.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

MAX_MESSAGE_CHARS = 2000

# C0 and C1 control characters except tab and newline, and the Unicode "format" characters that
# hide or reorder text (zero-width spaces, bidi overrides), which have no place in a chat message.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
_BLANK_LINES = re.compile(r"\n{3,}")


class Refusal(Exception):
    """A message that is not handled; ``text`` tells the patient why (``code`` is for the widget)."""

    def __init__(self, code: str, text: str) -> None:
        super().__init__(code)
        self.code, self.text = code, text


REFUSALS = {
    "not_text": "Sorry, I can only read typed text. Please type your message.",
    "empty": "Your message was empty. Please type something and send it again.",
    "too_long": f"That message is too long for me (the limit is {MAX_MESSAGE_CHARS:,} characters). "
    "Please send it in shorter parts.",
}


def refuse(code: str) -> Refusal:
    return Refusal(code, REFUSALS[code])


def clean_text(text: str) -> str:
    """``text`` without control or invisible formatting characters, with line endings made plain
    and anything that is not valid Unicode (lone surrogates, from invalid UTF-8) replaced by U+FFFD."""
    text = _LONE_SURROGATE.sub("\ufffd", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    text = "".join(
        ch for ch in text if unicodedata.category(ch) != "Cf" or ch in "\u200d\ufe0f"
    )  # keep the joiners emoji are built with
    return _BLANK_LINES.sub("\n\n", text).strip()


def message_text(data: Any) -> str:
    """The text of a ``user_uttered`` payload (``{"message": "..."}``), cleaned; or ``Refusal``."""
    if not isinstance(data, dict):
        raise refuse("not_text")
    raw = data.get("message")
    if not isinstance(raw, str):
        raise refuse("not_text")
    if len(raw) > MAX_MESSAGE_CHARS * 2:  # don't spend time cleaning what will be refused anyway
        raise refuse("too_long")
    text = clean_text(raw)
    if not text:
        raise refuse("empty")
    if len(text) > MAX_MESSAGE_CHARS:
        raise refuse("too_long")
    return text


def presented_id(auth: Any) -> str | None:
    """The conversation id a connecting browser says it holds (``{"conversation_id": ...}``)."""
    if isinstance(auth, dict):
        value = auth.get("conversation_id")
        if isinstance(value, str) and 0 < len(value) <= 100:
            return value
    return None


def refusal_reply(refusal: Refusal) -> dict[str, str]:
    """The acknowledgement the widget gets for a refused message."""
    return {"error": refusal.code, "text": refusal.text}
