"""Which medication or pharmacy the patient meant, from what they wrote.

Patients write drug names as they remember them ("lisinpril", "my metformin 500") and pick from a
numbered list ("the second one"). A name is compared word by word with each option's name
(difflib, so a letter or two wrong still matches); an option scores the sum of its best word
matches, so "metformin 500" prefers the 500 mg tablet over the 1000 mg one, and every option
with the top score is returned: one is an answer, several are a question ("which one?").
Only when no name matches is the message read as a position in the list the patient was shown
("the second one"), and then as a strength among those shown ("the 500").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from difflib import SequenceMatcher
from typing import Any, TypeVar

from actions.dates import parse_ordinal
from actions.ehr import Medication

T = TypeVar("T")

SIMILAR_ENOUGH = 0.82  # "lisinpril" ~ "lisinopril" 0.95; "hydrochlorothiazide" ~ "hydrochloride" 0.81
_TIE = 0.05
_WORD = re.compile(r"[a-z]+|\d+(?:\.\d+)?")

# fmt: off
# Words of a request that name no drug or pharmacy.
_FILLER = frozenset((
    "refill", "refills", "refil", "refilled", "renew", "need", "needs", "want", "would", "like",
    "please", "pls", "plz", "can", "could", "you", "get", "send", "sent", "the", "one", "that", "this",
    "those", "for", "and", "with", "from", "out", "more", "some", "new", "running", "low", "ran", "med",
    "meds", "medication", "medications", "medicine", "medicines", "prescription", "prescriptions",
    "script", "scripts", "pill", "pills", "pharmacy", "pharmacies", "drugstore", "thanks", "thank",
    "yes", "yeah", "yep", "okay", "its", "mine", "my", "me", "number", "option", "first",
    "second", "third", "fourth", "fifth", "last", "other",
))
# Salts in drug names, which match across drugs ("metformin hydrochloride" is not
# "hydrochlorothiazide"); a patient's "inhaler" or "tablet" still matches the form.
_SALTS = frozenset((
    "hydrochloride", "hcl", "sodium", "potassium", "calcium", "bitartrate", "tartrate", "succinate",
    "besylate", "maleate", "mesylate", "acetate", "sulfate", "citrate", "fumarate",
))
# fmt: on


def _words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def _similarity(said: str, name_word: str) -> float:
    if said == name_word:
        return 1.0
    if len(said) < 4:
        return 0.0
    if name_word.startswith(said):
        return 0.9  # "atorva" for atorvastatin
    return SequenceMatcher(None, said, name_word).ratio()


def _score(words: list[str], numbers: list[str], name: str) -> float:
    name_words = [w for w in _words(name) if w not in _SALTS]
    total = 0.0
    for word in words:
        best = max((_similarity(word, n) for n in name_words), default=0.0)
        if best >= SIMILAR_ENOUGH:
            total += best
    if total:  # a strength ("500") only tells apart options that a word already matched
        total += 0.5 * sum(1 for n in numbers if n in name_words)
    return total


def match_by_name(text: str, options: Sequence[T], name: Callable[[T], str]) -> list[T]:
    """The options whose names best match what was written (all of them on a tie), or []."""
    said = [w for w in _words(text) if w not in _FILLER]
    words = [w for w in said if w.isalpha() and len(w) >= 3]
    numbers = [w for w in said if not w.isalpha()]
    scored = [(_score(words, numbers, name(option)), option) for option in options]
    top = max((s for s, _ in scored), default=0.0)
    if top == 0.0:
        return []
    return [option for s, option in scored if s >= top - _TIE]


def by_position(text: str, shown: Sequence[T]) -> T | None:
    """The option at the position the patient named ("the 2nd one", "2", "the last one")."""
    position = parse_ordinal(text)
    if position is None or not shown:
        return None
    if position == -1:
        return shown[-1]
    return shown[position - 1] if 1 <= position <= len(shown) else None


def by_number(text: str, shown: Sequence[T], name: Callable[[T], str]) -> list[T]:
    """The options shown whose names hold every number written ("the 500" of two strengths)."""
    numbers = [w for w in _words(text) if not w.isalpha()]
    if not numbers:
        return []
    return [option for option in shown if all(n in _words(name(option)) for n in numbers)]


def choose(text: str, options: Sequence[T], name: Callable[[T], str], shown: Sequence[T] = ()) -> list[T]:
    """What the patient picked: the options named in ``text``; else the one at the position they
    gave in the ``shown`` list (``options`` when none was shown); else the shown options whose
    names hold the numbers they wrote; [] when none of these."""
    named = match_by_name(text, options, name)
    if named:
        return named
    shown = shown or options
    picked = by_position(text, shown)
    if picked is not None:
        return [picked]
    return by_number(text, shown, name)


def named(
    text: str, entities: str, medications: list[Medication], shown: list[Medication]
) -> list[Medication]:
    """The medications a message names: its `medication` entities first, then its words."""
    if entities:
        found = match_by_name(entities, medications, lambda m: m.name)
        if found:
            return found
    return choose(text, medications, lambda m: m.name, shown)


def by_ids(ids: Any, items: list[Any]) -> list[Any]:
    """``items`` with the given ids, in the order of the ids (those still present)."""
    by_id = {item.id: item for item in items}
    return [by_id[i] for i in ids or [] if i in by_id]


def find(item_id: Any, items: list[Any]) -> Any:
    """The item with that id, or None."""
    return next((item for item in items if item.id == item_id), None)
