"""Replies shaped for a phone: GSM-7 characters only, split into texts that fit.

Every reply is reduced to the GSM 03.38 alphabet, the one every phone and carrier handles in
full: typographic quotes and dashes become their plain forms, accented letters outside the
alphabet lose their accent ("Zoë" -> "Zoe"), and emoji and other symbols are dropped. Staying in
GSM-7 also keeps a segment at 160 characters; one character outside it (an emoji, a curly quote)
would make the whole text UCS-2 and cut a segment to 70.

A text longer than ``max_segments`` segments is split, at a line break if one is near, else at the
end of a sentence, else between words, and each part is numbered "(1/3) ".
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = frozenset("^{}\\[~]|€")  # two septets each (an escape, then the character)
SINGLE_SEGMENT = 160
MULTI_SEGMENT = 153  # a segment of a concatenated text loses 7 characters to its header
PART_PREFIX_RESERVE = 8  # "(10/12) "

_REPLACEMENTS: Mapping[str, str] = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u00b4": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u201f": '"',
    "\u2033": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2015": "-",
    "\u2212": "-",
    "\u2022": "-",
    "\u00b7": "-",
    "\u2023": "-",
    "\u25aa": "-",
    "\u2026": "...",
    "\u2192": "->",
    "\u00d7": "x",
    "\u00b0": " degrees",
    "\u00a9": "(c)",
    "\u00ae": "(R)",
    "\u2122": "(TM)",
    "\u00a2": "c",
    "\u00bd": "1/2",
    "\u00bc": "1/4",
    "\t": " ",
    "\u00a0": " ",
    "\u2007": " ",
    "\u2009": " ",
    "\u200a": " ",
    "\u202f": " ",
}
_SPACES = re.compile(r"[ ]{2,}")
_SPACE_BEFORE_NEWLINE = re.compile(r" +\n|\n +")
# The end of a sentence, but not of a title before a name ("Dr. Hart", "St. Mary's").
_SENTENCE_END = re.compile(
    r"(?<=[.!?])(?<!\bDr\.)(?<!\bMr\.)(?<!\bMs\.)(?<!\bSt\.)(?<!\bMrs\.)(?<!\bNo\.)\s+"
)


def septets(text: str) -> int:
    """How many GSM-7 septets ``text`` takes (extended characters take two)."""
    return sum(2 if char in GSM_EXTENDED else 1 for char in text)


def _gsm_char(char: str) -> str:
    if char in GSM_BASIC or char in GSM_EXTENDED:
        return char
    if char in _REPLACEMENTS:
        return _REPLACEMENTS[char]
    if unicodedata.category(char) == "Zs":
        return " "
    # A letter outside the alphabet: its base letter, if that is in it ("ë" -> "e", "ł" stays out).
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    if base and all(c in GSM_BASIC for c in base):
        return base
    return ""  # emoji, pictographs, controls, other scripts' symbols


def to_gsm(text: str) -> str:
    """``text`` in the GSM-7 alphabet, with spaces tidied."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    converted = "".join(_gsm_char(char) for char in text)
    converted = _SPACE_BEFORE_NEWLINE.sub("\n", _SPACES.sub(" ", converted))
    return re.sub(r"\n{3,}", "\n\n", converted).strip()


def segments(text: str) -> int:
    """How many SMS segments one GSM-7 text of this length is billed as."""
    count = septets(text)
    return 1 if count <= SINGLE_SEGMENT else math.ceil(count / MULTI_SEGMENT)


def _limit(max_segments: int) -> int:
    return SINGLE_SEGMENT if max_segments <= 1 else MULTI_SEGMENT * max_segments


def _hard_cut(word: str, budget: int) -> list[str]:
    parts, current = [], ""
    for char in word:
        if septets(current + char) > budget:
            parts.append(current)
            current = ""
        current += char
    return [*parts, current] if current else parts


def _atoms(text: str, budget: int) -> list[str]:
    """Pieces of ``text`` that each fit ``budget``, cut at the best boundary available. Each
    piece keeps the whitespace that followed it, so joining them gives the text back."""
    if septets(text) <= budget:
        return [text]
    for pattern in (re.compile(r"(?<=\n)"), _SENTENCE_END, re.compile(r"(?<= )")):
        pieces = _split_keeping(text, pattern)
        if len(pieces) > 1:
            return [atom for piece in pieces for atom in _atoms(piece, budget)]
    return _hard_cut(text, budget)


def _split_keeping(text: str, pattern: re.Pattern[str]) -> list[str]:
    pieces, start = [], 0
    for match in pattern.finditer(text):
        if match.end() > start:
            pieces.append(text[start : match.end()])
            start = match.end()
    pieces.append(text[start:])
    return [p for p in pieces if p]


def split_for_sms(text: str, max_segments: int = 3) -> list[str]:
    """``text`` (already GSM-7) as the texts to send: one if it fits ``max_segments`` segments,
    else numbered parts that each do."""
    text = text.strip()
    if not text:
        return []
    limit = _limit(max_segments)
    if septets(text) <= limit:
        return [text]
    budget = limit - PART_PREFIX_RESERVE
    parts: list[str] = []
    current = ""
    for atom in _atoms(text, budget):
        if current and septets(current + atom.rstrip()) > budget:
            parts.append(current.strip())
            current = ""
        current += atom
    if current.strip():
        parts.append(current.strip())
    return [f"({number}/{len(parts)}) {part}" for number, part in enumerate(parts, start=1)]


def with_buttons(text: str, buttons: Iterable[Mapping[str, Any]]) -> tuple[str, list[str]]:
    """A message with buttons as text: the choices numbered under it. Returns the text and the
    payloads in order, so a reply of "2" can be taken as the second button."""
    lines, payloads = [text.strip()] if text and text.strip() else [], []
    for button in buttons:
        title = str(button.get("title") or "").strip()
        if not title:
            continue
        payloads.append(str(button.get("payload") or title))
        lines.append(f"{len(payloads)}. {title}")
    if payloads:
        lines.append("Reply with the number of your choice.")
    return "\n".join(lines), payloads
