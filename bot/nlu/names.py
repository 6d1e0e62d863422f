"""Names are answers: a short run of name-like words is not a goodbye, a complaint or a request.

The verification form asks for the patient's full name and takes the text of the reply unless
its intent is one that interrupts the form (domain/verification.yml: emergency, self-harm,
asking for a person, goodbye, frustration). The classifier has seen only so many names, and an
unfamiliar one can look like something else to it: "Erin Young" shares letters with "you", so
it came out as frustration and the patient could not verify.

This component runs after the classifier and the fallback, before the SafetyNet. It changes an
interrupting intent to ``inform`` only when all of these hold:

- the classifier was not sure of it (confidence below ``threshold``);
- after an introduction such as "my name is", "its" or "this is", the message is one to
  ``max_words`` words made of letters, with apostrophes, hyphens and initials ("Mary-Kate
  O'Connell", "Sarah J. Collins"), and nothing else: no digits, no question;
- none of those words is one the training data uses for any of those intents (their cue words,
  learnt at training time), nor one letter away from such a word ("byee", "agnet");
- a single word is a given name or surname of the lookup tables (data/nlu/names.yml): one
  unknown word ("hopeless") is more likely a feeling than a name.

So "bye", "agent", "human please", "this is ridiculous" keep their intent (their words are the
intent's own), and words of emergency or self-harm are still caught by the SafetyNet after it.
"""

from __future__ import annotations

import json
import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

INFORM = "inform"
_FILE = "name_answer.json"
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})
# "my name is", "my full name is", "name:", "its", "it's", "im", "i am", "this is", "name's".
_INTRODUCTION = r"(?:(?:my )?(?:full |first |last )?name(?: is|'s|:)?|it'?s|i'?m|i am|this is)"
INTRODUCTION = re.compile(rf"^{_INTRODUCTION}\s+(?!is\b)", re.IGNORECASE)
# A word of a name: letters (any script), joined by apostrophes, hyphens or periods; an initial.
NAME_WORD = re.compile(r"^[^\W\d_]+(?:['.\-][^\W\d_]+)*\.?$")
WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


def name_words(text: str, max_words: int) -> list[str] | None:
    """The words of a message that is only a name (lower case), or None if it is more than one."""
    text = text.translate(_APOSTROPHES).strip()
    if re.fullmatch(_INTRODUCTION, text, re.IGNORECASE):
        return None
    text = INTRODUCTION.sub("", text, count=1)
    tokens = [token.rstrip(",") for token in text.split()]
    if not 1 <= len(tokens) <= max_words or not all(NAME_WORD.match(token) for token in tokens):
        return None
    return [token.lower().rstrip(".") for token in tokens]


def one_edit_apart(a: str, b: str) -> bool:
    """True if a and b differ by at most one inserted, deleted, replaced or swapped letter."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if a[i:] == b[i + 1 :]:
        return True
    if len(a) != len(b):
        return False
    swapped = i + 1 < len(a) and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
    return a[i + 1 :] == b[i + 1 :] or swapped


def is_cue(word: str, cues: set[str]) -> bool:
    """The word is one of the intent's words, or (from four letters on) a typo of one."""
    if word in cues:
        return True
    # The parts of "mary-kate" or "o'connell" count on their own too.
    parts = [part for part in re.split(r"['\-.]", word) if part]
    if any(part in cues for part in parts):
        return True
    return len(word) >= 4 and any(len(cue) >= 4 and one_edit_apart(word, cue) for cue in cues)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class NameAnswer(GraphComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            # The intents that interrupt the verification form (domain/verification.yml).
            "intents": ["emergency", "self_harm", "request_human", "goodbye", "frustration"],
            "threshold": 0.7,
            "max_words": 4,
            # Lookup tables of names (data/nlu/names.yml): a one-word answer must be in one.
            "name_lookups": ["given_name", "family_name"],
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        cues: set[str] | None = None,
        names: set[str] | None = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._cues: set[str] = cues or set()
        self._names: set[str] = names or set()

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> NameAnswer:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Learn the interrupting intents' words from their examples, and the names' lookups."""
        intents = set(self._config["intents"])
        cues: set[str] = set()
        for example in training_data.intent_examples:
            if intents & set(str(example.get(INTENT) or "").split("+")):
                cues.update(WORD.findall((example.get(TEXT) or "").translate(_APOSTROPHES).lower()))
        names: set[str] = set()
        for table in training_data.lookup_tables:
            if table.get("name") in self._config["name_lookups"]:
                elements = table.get("elements") or []
                names.update(str(e).strip().lower() for e in elements if isinstance(e, str))
        self._cues, self._names = cues, names
        with self._model_storage.write_to(self._resource) as directory:
            stored = {"cues": sorted(cues), "names": sorted(names)}
            (directory / _FILE).write_text(json.dumps(stored), encoding="utf-8")
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> NameAnswer:
        with model_storage.read_from(resource) as directory:
            stored = json.loads((directory / _FILE).read_text(encoding="utf-8"))
        return cls(config, model_storage, resource, set(stored["cues"]), set(stored["names"]))

    def is_name_answer(self, text: str, intent: str, confidence: float) -> bool:
        """True if the message is a name that the classifier weakly took for ``intent``."""
        if intent not in self._config["intents"] or confidence >= self._config["threshold"]:
            return False
        words = name_words(text, self._config["max_words"])
        if words is None:
            return False
        if len(words) == 1 and words[0] not in self._names:
            return False
        return not any(is_cue(word, self._cues) for word in words)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            predicted = message.get(INTENT) or {}
            name, confidence = predicted.get("name"), float(predicted.get("confidence") or 0.0)
            if not name or not self.is_name_answer(message.get(TEXT) or "", name, confidence):
                continue
            inform = {"name": INFORM, "confidence": confidence}
            message.set(INTENT, inform, add_to_output=True)
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != INFORM]
            message.set(INTENT_RANKING_KEY, [inform, *ranking], add_to_output=True)
        return messages
