"""A safety net under the intent classifier: words of emergency or self-harm always win.

The statistical classifier is good but not certain, and a missed "i cant breathe" is the one
mistake the assistant must not make. This component runs last in the pipeline and, when the
message matches one of these curated patterns, sets the intent to ``self_harm`` or
``emergency`` with full confidence, whatever the classifier (or the fallback) said. It errs on
the side of caution: a false alarm costs a message and a handoff; a miss could cost a life.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

SELF_HARM = re.compile(
    r"\b(kill(ing)? my ?self|kms|suicid\w*|end(ing)? (my|it all|my own) ?life|end it all|"
    r"want(ed)? to die|wanna die|don'?t want to (live|be alive)|hurt(ing)? my ?self|self[- ]?harm|"
    r"cutting my ?self|cut my ?self on purpose|(want|going|gonna) to overdose|overdose on purpose|"
    r"take my (own )?life|better off dead|no reason to (live|go on))\b",
    re.IGNORECASE,
)
# Someone, not something: "my dad is not responding", not "the website is not responding".
_PERSON = (
    r"(he|she|they|i|baby|child|kid|son|daughter|husband|wife|mom|mum|mother|dad|father|partner|"
    r"friend|grandma|grandpa|grandmother|grandfather|brother|sister)"
)
EMERGENCY = re.compile(
    r"\b(chest pains?|chest (hurts|is hurting|is tight)|heart attack|can'?t breathe?|"
    r"cannot breathe|trouble breathing|hard to breathe|short(ness)? of breath|not breathing|"
    r"stopped breathing|choking|having a stroke|stroke symptoms|face (is )?droop\w*|"
    r"slurred speech|unconscious|passed out|unresponsive|"
    rf"{_PERSON}('s| is| are|'re)? not (responding|waking up)|seizures?|"
    r"(having|had|has|is having) (a )?fits?|"
    r"overdos\w*|too many pills|poison(ed|ing)?\b(?! (ivy|oak|sumac|control))|"
    r"bleeding (a lot|heavily|badly|won'?t stop|wont stop)|won'?t stop bleeding|anaphyla\w*|"
    r"throat (is )?(closing|swelling)|severe allergic|having (an|a bad|a severe) allergic reaction|"
    r"suicide attempt|(call(ing)?|dial(ing)?|need) 911|ambulance)\b",
    re.IGNORECASE,
)
# A message that is only the number: "911", "911!!" (not "911 main st").
ONLY_911 = re.compile(r"\W*911\W*")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})


def safety_intent(text: str) -> str | None:
    """'self_harm', 'emergency' or None for a message's text (phones' curly apostrophes too)."""
    text = text.translate(_APOSTROPHES)
    if SELF_HARM.search(text):
        return "self_harm"
    if EMERGENCY.search(text) or ONLY_911.fullmatch(text):
        return "emergency"
    return None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class SafetyNet(GraphComponent):
    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SafetyNet:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = safety_intent(message.get(TEXT) or "")
            if intent is None:
                continue
            message.set(INTENT, {"name": intent, "confidence": 1.0}, add_to_output=True)
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != intent]
            message.set(
                INTENT_RANKING_KEY, [{"name": intent, "confidence": 1.0}, *ranking], add_to_output=True
            )
        return messages
