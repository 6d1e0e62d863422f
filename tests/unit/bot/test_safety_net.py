import pytest
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.safety import SafetyNet, safety_intent


@pytest.mark.parametrize(
    "text",
    [
        "i want to kill myself",
        "thinking about suicide",
        "i dont want to live anymore",
        "I want to end my life",
        "ive been cutting myself",
        "i just wanna die",
        "kms",
        "i want to overdose on purpose",
        "there's no reason to go on",
    ],
)
def test_self_harm_is_caught(text):
    assert safety_intent(text) == "self_harm"


@pytest.mark.parametrize(
    "text",
    [
        "my dad has chest pain",
        "i cant breathe",
        "I think she's having a stroke",
        "he passed out and wont wake up",
        "my son took too many pills",
        "bleeding a lot from my leg",
        "my throat is closing up after eating peanuts",
        "CHEST PAINS and sweating",
        "i can\u2019t breathe",
        "my chest hurts",
        "need an ambulance",
        "my mom is not responding",
        "he's having a fit",
        "she had a seizure",
        "my kid swallowed poison",
        "im having an allergic reaction",
        "911",
        " 911!! ",
        "i need 911",
    ],
)
def test_emergencies_are_caught(text):
    assert safety_intent(text) == "emergency"


@pytest.mark.parametrize(
    "text",
    [
        "when is my next appointment",
        "i need a refill of my lisinopril",
        "what do i owe",
        "can i move my physical to friday",
        "my breathing test results",
        "any chance of fitting me in today",
        "follow up after my stroke",
        "i had a stroke last year and need my follow up",
        "the website is not responding",
        "poison ivy rash appointment",
        "whats the number for poison control",
        "i cant go on friday can we do monday",
        "my address is 911 main st",
        "is my appointment at 9 11 or 12",
    ],
)
def test_ordinary_requests_are_left_alone(text):
    assert safety_intent(text) is None


def test_component_overrides_the_classifier_and_the_fallback():
    message = Message({TEXT: "i cant breathe"})
    message.set(INTENT, {"name": "nlu_fallback", "confidence": 0.3})
    message.set(INTENT_RANKING_KEY, [{"name": "ask_hours", "confidence": 0.3}])
    ordinary = Message({TEXT: "what are your hours"})
    ordinary.set(INTENT, {"name": "ask_hours", "confidence": 0.9})
    SafetyNet().process([message, ordinary])
    assert message.get(INTENT) == {"name": "emergency", "confidence": 1.0}
    assert message.get(INTENT_RANKING_KEY)[0] == {"name": "emergency", "confidence": 1.0}
    assert ordinary.get(INTENT)["name"] == "ask_hours"
