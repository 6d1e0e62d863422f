"""The carrier keywords: opt-out, opt-in and help, read before the assistant sees a message.

Carriers (CTIA's guidelines, which Twilio applies) require that the single words STOP, STOPALL,
UNSUBSCRIBE, CANCEL, END, QUIT (and Twilio's REVOKE, OPTOUT) stop all texts, START / UNSTOP
resume them, and HELP / INFO answer with who is texting and how to reach them. They count only as
the whole message: "cancel my appointment" is a request to the assistant, "CANCEL" alone is an
opt-out, as carriers define it. Case, surrounding spaces and trailing punctuation are ignored.

Beyond the keywords, a plain request to stop texting ("stop texting me", "please don't text me
anymore", "unsubscribe me") is an opt-out too: a patient who asks that should not get another
text, whatever the carrier's parser would make of it. The phrases are narrow on purpose, so that
"stop my medication" or "cancel my visit" reach the assistant.
"""

from __future__ import annotations

import enum
import re
import unicodedata


class Keyword(str, enum.Enum):
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"


OPT_OUT_WORDS = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"})
OPT_IN_WORDS = frozenset({"start", "unstop"})
HELP_WORDS = frozenset({"help", "info"})

_TEXTS = r"(?:text(?:s|ing)?|sms|messag(?:e|es|ing)|msgs?)"
_PLEASE = r"(?:(?:please|pls|plz|kindly)\s+)?"
_ME = r"(?:\s+(?:me|us|this\s+number|my\s+(?:phone|number|cell)))?"
_STOP_TEXTING = re.compile(
    r"^(?:"
    + _PLEASE
    + r"(?:stop|quit|cease)\s+(?:sending\s+(?:me\s+)?(?:any\s+)?(?:more\s+)?"
    + _TEXTS
    + r"|"
    + _TEXTS
    + _ME
    + r")"
    + r"|"
    + _PLEASE
    + r"(?:do\s*n[o']?t|never)\s+(?:ever\s+)?(?:text|message|sms)"
    + _ME
    + r"(?:\s+(?:again|anymore|any\s+more|ever))?"
    + r"|"
    + _PLEASE
    + r"no\s+more\s+"
    + _TEXTS
    + r"|"
    + _PLEASE
    + r"(?:unsubscribe|opt\s*out|remove)\s+(?:me|this\s+number)"
    + r"(?:\s+from\s+(?:this|your|the)\s+(?:list|texts?|messages?))?"
    + r"|"
    + _PLEASE
    + r"take\s+me\s+off\s+(?:this|your|the)\s+(?:list|texts?|messages?)"
    + r"|(?:i\s+)?(?:want\s+to|wanna)\s+(?:unsubscribe|opt\s*out)"
    + r")"
    + r"(?:\s+(?:please|pls|plz|thanks|thank\s+you))?$"
)


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().replace("\u2019", "'")
    text = re.sub(r"[^\w\s']+", " ", text)  # punctuation and emoji become spaces
    return re.sub(r"\s+", " ", text).strip()


def classify(text: str | None) -> Keyword | None:
    """Which carrier keyword the whole message is, if any."""
    if not text:
        return None
    words = _normalise(text)
    if words in OPT_OUT_WORDS:
        return Keyword.OPT_OUT
    if words in OPT_IN_WORDS:
        return Keyword.OPT_IN
    if words in HELP_WORDS:
        return Keyword.HELP
    if _STOP_TEXTING.match(words):
        return Keyword.OPT_OUT
    return None
