"""Names given to the verification form: how many the trained model reads as something else.

The form takes the patient's full name from the text of their reply unless the intent is one
that interrupts it (``not_intent`` of the ``full_name`` slot in domain/verification.yml:
emergency, self-harm, asking for a person, goodbye, frustration). A name classified as one of
those stops the patient from verifying; a name sent to ``nlu_fallback`` is still taken by the
form (the slot mapping does not exclude it), but shows the model did not recognise it; so is a
name sent to any other intent (counted as "other").

Every synthetic patient of the sandbox (500) in three phrasings: "Given Family", "given family"
and "my name is Given Family", parsed by the trained model (models/frontdesk.tar.gz, or
BENCH_NAMES_MODEL; BENCH_NAMES_DATA names the NLU data it was trained on, data/nlu by default).
Printed: interrupts and fallbacks by intent, over all names and over the "unseen" ones, whose
given name and surname both appear nowhere in that data (neither the lookup tables nor the
training examples mention them: the case of a real clinic's patients). Then a few messages that
must still interrupt, with the intent each gets.

Target: no name interrupts; every message of the second list keeps its intent.

    python -m bench nlu_names
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
MODEL = Path(os.environ.get("BENCH_NAMES_MODEL", str(ROOT / "models" / "frontdesk.tar.gz")))
# The training data the "unseen" names are checked against (another when the model was trained
# on other data, as for an ablation).
DATA = Path(os.environ.get("BENCH_NAMES_DATA", str(ROOT / "data" / "nlu")))

# Messages that must keep interrupting the form, with the intent each must get.
MUST_INTERRUPT = {
    "bye": "goodbye",
    "goodbye": "goodbye",
    "thats all thanks bye": "goodbye",
    "agent": "request_human",
    "i want to talk to a real person": "request_human",
    "human please": "request_human",
    "this is ridiculous": "frustration",
    "you are useless": "frustration",
    "ugh": "frustration",
    "i have chest pain": "emergency",
    "my husband is not breathing": "emergency",
    "i want to kill myself": "self_harm",
}


def interrupting_intents() -> set[str]:
    """The intents the form does not take a name from (domain/verification.yml)."""
    domain = yaml.safe_load((ROOT / "domain" / "verification.yml").read_text())
    mappings = domain["slots"]["full_name"]["mappings"]
    return {intent for mapping in mappings for intent in mapping.get("not_intent", [])}


def training_words() -> set[str]:
    """Every word of the NLU data (data/nlu), lower case: examples, lookup tables, synonyms."""
    words: set[str] = set()
    for path in DATA.glob("*.yml"):
        words.update(re.findall(r"[^\W\d_]+", path.read_text().lower()))
    return words


def by_intent(counts: Counter[str]) -> str:
    return ", ".join(f"{name} {count}" for name, count in counts.most_common()) or "-"


async def run() -> None:
    from rasa.core.agent import load_agent
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    from sandbox.synthetic import generate

    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)
    interrupting = interrupting_intents()
    known = training_words()
    agent = await load_agent(str(MODEL))
    patients = generate().patients
    tallies: dict[str, dict[str, Counter[str]]] = {
        group: {"interrupt": Counter(), "fallback": Counter(), "other": Counter()}
        for group in ("all", "unseen")
    }
    sizes = Counter[str]()
    for patient in patients:
        unseen = patient.given.lower() not in known and patient.family.lower() not in known
        for text in (
            f"{patient.given} {patient.family}",
            f"{patient.given.lower()} {patient.family.lower()}",
            f"my name is {patient.given} {patient.family}",
        ):
            intent = (await agent.parse_message(text))["intent"]["name"]
            for group in ("all", "unseen") if unseen else ("all",):
                sizes[group] += 1
                if intent in interrupting:
                    tallies[group]["interrupt"][intent] += 1
                elif intent == "nlu_fallback":
                    tallies[group]["fallback"][intent] += 1
                elif intent != "inform":
                    tallies[group]["other"][intent] += 1
    print(f"model: {MODEL.name}; interrupting intents: {', '.join(sorted(interrupting))}")
    for group, label in (("all", "all names"), ("unseen", "names absent from data/nlu")):
        interrupts, fallbacks, others = (tallies[group][k] for k in ("interrupt", "fallback", "other"))
        print(
            f"{label}: {sizes[group]} messages; interrupt {sum(interrupts.values())} "
            f"({by_intent(interrupts)}); fallback {sum(fallbacks.values())}; "
            f"other intents, still taken by the form {sum(others.values())} ({by_intent(others)})"
        )
    kept = 0
    for text, expected in MUST_INTERRUPT.items():
        got = (await agent.parse_message(text))["intent"]["name"]
        kept += got == expected
        print(f"  {'ok  ' if got == expected else 'LOST'} {text!r}: {got} (expected {expected})")
    print(f"must still interrupt: {kept}/{len(MUST_INTERRUPT)} keep their intent")


def main() -> None:
    asyncio.run(run())


if __name__ == "__main__":
    main()
