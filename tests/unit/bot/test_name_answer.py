"""NameAnswer (bot/nlu/names.py): a weakly classified name becomes inform; real intents stay."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.names import NameAnswer, name_words, one_edit_apart
from bot.nlu.safety import SafetyNet

EXAMPLES = {
    "goodbye": ["bye", "goodbye", "thats all thanks", "see you later", "im done"],
    "request_human": ["agent", "talk to a real person", "human please", "representative"],
    "frustration": ["this is ridiculous", "you are useless", "ugh", "forget it"],
    "emergency": ["i have chest pain", "help my husband fell"],
    "inform": ["my name is dana whitfield", "3/4/1980"],
}
GIVEN = ["brittany", "erin", "dana"]
FAMILY = ["young", "whitfield"]


@pytest.fixture
def component(tmp_path: Path) -> NameAnswer:
    """Trained on a small data set, persisted, and loaded back as a model server would."""
    storage = LocalModelStorage(tmp_path)
    resource = Resource("name_answer")
    context = ExecutionContext(GraphSchema({}), "test")
    messages = [
        Message(data={TEXT: text, INTENT: intent}) for intent, texts in EXAMPLES.items() for text in texts
    ]
    lookups = [{"name": "given_name", "elements": GIVEN}, {"name": "family_name", "elements": FAMILY}]
    trained = NameAnswer.create({}, storage, resource, context)
    trained.train(TrainingData(messages, lookup_tables=lookups))
    return NameAnswer.load({}, storage, resource, context)


def classified(text: str, intent: str, confidence: float) -> Message:
    """A message as the classifier leaves it: top intent and a ranking with inform lower down."""
    message = Message(data={TEXT: text})
    message.set(INTENT, {"name": intent, "confidence": confidence})
    message.set(
        INTENT_RANKING_KEY,
        [{"name": intent, "confidence": confidence}, {"name": "inform", "confidence": 0.1}],
    )
    return message


def intent_after(component: NameAnswer, text: str, intent: str, confidence: float) -> str:
    return str(component.process([classified(text, intent, confidence)])[0].get(INTENT)["name"])


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Erin Young", "frustration"),
        ("erin young", "request_human"),
        ("Peter Yang", "goodbye"),
        ("my name is Chase Payne", "emergency"),
        ("its Zoë Lefèvre", "frustration"),
        ("Mary-Kate O\u2019Connell", "goodbye"),
        ("Sarah J. Collins", "request_human"),
        ("Brittany", "frustration"),
        ("Whitfield, Dana", "goodbye"),
    ],
)
def test_weak_interrupting_name_becomes_inform(component: NameAnswer, text: str, intent: str) -> None:
    """A name the classifier took, unsure (0.4), for an interrupting intent is read as inform."""
    message = component.process([classified(text, intent, 0.4)])[0]
    assert message.get(INTENT) == {"name": "inform", "confidence": 0.4}
    ranking = message.get(INTENT_RANKING_KEY)
    assert ranking[0]["name"] == "inform"
    assert [r["name"] for r in ranking].count("inform") == 1


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("bye", "goodbye"),
        ("byee", "goodbye"),  # a typo of a cue word
        ("see ya later", "goodbye"),
        ("agent", "request_human"),
        ("agnet", "request_human"),
        ("Agnet Pleese", "request_human"),  # typos of "agent" and "please"
        ("human please", "request_human"),
        ("Real Person", "request_human"),
        ("this is ridiculous", "frustration"),
        ("its ridiculous", "frustration"),
        ("ugh", "frustration"),
        ("hopeless", "frustration"),  # one word that is no known name
        ("chest pain", "emergency"),
    ],
)
def test_the_intents_own_words_keep_it(component: NameAnswer, text: str, intent: str) -> None:
    """Messages with the interrupting intents' words, or one unknown word, keep their intent."""
    assert intent_after(component, text, intent, 0.4) == intent


@pytest.mark.parametrize(
    "text",
    [
        "Erin Young 617-555-0123",  # not only a name
        "erin young?",
        "Erin Ann Marie Young Smith",  # longer than four words
        "",
        "   ",
    ],
)
def test_more_than_a_name_keeps_the_intent(component: NameAnswer, text: str) -> None:
    """Digits, a question, or more than four words are not a name alone: nothing changes."""
    assert intent_after(component, text, "frustration", 0.4) == "frustration"


def test_a_confident_prediction_is_kept(component: NameAnswer) -> None:
    """At or above the threshold (0.7) the classifier is trusted, even for a name."""
    assert intent_after(component, "Erin Young", "goodbye", 0.7) == "goodbye"
    assert intent_after(component, "Erin Young", "goodbye", 0.69) == "inform"


def test_other_intents_and_no_intent_are_untouched(component: NameAnswer) -> None:
    """Only the interrupting intents are changed; fallback and a message without intent stay."""
    assert intent_after(component, "Erin Young", "nlu_fallback", 0.3) == "nlu_fallback"
    assert intent_after(component, "Erin Young", "ask_balance", 0.2) == "ask_balance"
    bare = Message(data={TEXT: "Erin Young"})
    assert component.process([bare])[0].get(INTENT) is None


def test_the_safety_net_after_it_still_wins(component: NameAnswer) -> None:
    """Lowered to inform by NameAnswer, "Passed Out" is still an emergency for the SafetyNet."""
    message = component.process([classified("Passed Out", "frustration", 0.4)])[0]
    assert message.get(INTENT)["name"] == "inform"
    message = SafetyNet().process([message])[0]
    assert message.get(INTENT) == {"name": "emergency", "confidence": 1.0}


def test_name_words_strips_introductions_and_refuses_non_names() -> None:
    """The shape test alone: introductions go, punctuation other than a name's does not pass."""
    assert name_words("my full name is Ana Lucía Reyes", 4) == ["ana", "lucía", "reyes"]
    assert name_words("i'm D'Andre Williams Jr.", 4) == ["d'andre", "williams", "jr"]
    assert name_words("name: kwame mensah-owusu", 4) == ["kwame", "mensah-owusu"]
    assert name_words("my name is", 4) is None
    assert name_words("dana whitfield 3/14/1984", 4) is None
    assert name_words("dana!!", 4) is None


def test_one_edit_apart() -> None:
    assert one_edit_apart("byee", "bye")
    assert one_edit_apart("agnet", "agent")  # two letters swapped
    assert one_edit_apart("agemt", "agent")
    assert one_edit_apart("agent", "agent")
    assert one_edit_apart("young", "you") is False
    assert one_edit_apart("erin", "iron") is False
