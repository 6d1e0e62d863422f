"""Seeded k-fold cross-validation of the NLU pipeline, scored as ``rasa test nlu`` scores it.

``rasa test nlu --cross-validation`` shuffles its folds with numpy's global random state and no
seed, so two runs on the same data differ (intent macro-F1 by about +-0.005 here) and a change to
the data or the pipeline cannot be compared on the same folds. This runs the same steps with a
seeded ``StratifiedKFold``: for each fold, ``rasa.model_training.train_nlu`` on the other folds,
then Rasa's own ``get_eval_data`` on the held-out fold; the accumulated held-out results go through
Rasa's ``evaluate_intents`` and ``evaluate_entities`` (the reports ``rasa test nlu`` writes).
Unlike Rasa's run it does not also score each model on its own training folds, which the figures
never used and which took about a third of the time.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class FoldedReport:
    """The held-out reports of one seeded cross-validation."""

    seed: int
    examples: int
    intents: dict[str, Any]  # sklearn's classification report, with Rasa's "confused_with"
    entities: dict[str, Any]  # the same for the (one) entity extractor
    errors: list[dict[str, Any]]  # held-out examples whose intent was wrong: text, intent, prediction
    confidences: list[tuple[bool, float]]  # each held-out prediction: right or not, its confidence


def cross_validate(config: Path, data: Path, folds: int, seed: int) -> FoldedReport:
    """Cross-validate ``config`` on the NLU data at ``data`` with folds shuffled by ``seed``."""
    return asyncio.run(_cross_validate(config, data, folds, seed))


async def _cross_validate(config: Path, data: Path, folds: int, seed: int) -> FoldedReport:
    # Rasa caches trained components under .rasa/cache by default; folds never repeat. tqdm reads
    # its switch when imported: Rasa's progress bar for each fold's predictions.
    os.environ.setdefault("RASA_MAX_CACHE_SIZE", "0")
    os.environ.setdefault("TQDM_DISABLE", "1")
    from rasa.core.agent import Agent
    from rasa.model_training import train_nlu
    from rasa.nlu import test as rasa_test
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.shared.nlu.training_data.training_data import TrainingData
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog
    from sklearn.model_selection import StratifiedKFold

    configure_logging_and_warnings(logging.ERROR)
    configure_structlog(logging.ERROR)

    everything = rasa_test.drop_intents_below_freq(load_data(str(data)), cutoff=folds)
    examples = everything.intent_examples
    labels = [example.get_full_intent() for example in examples]
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)

    def subset(indices: Any) -> TrainingData:
        return TrainingData(
            training_examples=[examples[i] for i in indices],
            entity_synonyms=everything.entity_synonyms,
            regex_features=everything.regex_features,
            lookup_tables=everything.lookup_tables,
        )

    intent_results: list[Any] = []
    entity_results: list[Any] = []
    with tempfile.TemporaryDirectory(prefix="frontdesk-nlu-cv-") as tmp:
        for train_index, test_index in splitter.split(examples, labels):
            train_file = Path(tmp) / "train.yml"
            RasaYAMLWriter().dump(train_file, subset(train_index))
            with contextlib.redirect_stdout(io.StringIO()):  # Rasa's "model is trained" lines
                model = train_nlu(str(config), str(train_file), tmp)
            if model is None:
                raise RuntimeError("rasa could not train a fold's model")
            processor = Agent.load(model).processor
            intents, _responses, entities = await rasa_test.get_eval_data(processor, subset(test_index))
            intent_results += rasa_test.remove_empty_intent_examples(intents)
            entity_results += entities
            Path(model).unlink()
        out = Path(tmp) / "reports"
        out.mkdir()
        intent_report = rasa_test.evaluate_intents(
            intent_results, str(out), False, False, True, report_as_dict=True
        )
        extractors = rasa_test._get_active_entity_extractors(entity_results)
        entity_reports = rasa_test.evaluate_entities(
            entity_results, extractors, str(out), False, False, True, report_as_dict=True
        )
    entity_report = next(iter(entity_reports.values()))["report"] if entity_reports else {}
    errors = [
        {"text": r.message, "intent": r.intent_target, "prediction": r.intent_prediction}
        for r in intent_results
        if r.intent_target != r.intent_prediction
    ]
    confidences = [(r.intent_target == r.intent_prediction, float(r.confidence)) for r in intent_results]
    return FoldedReport(seed, len(examples), intent_report["report"], entity_report, errors, confidences)
