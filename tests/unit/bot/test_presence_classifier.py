"""PresenceLogisticRegression (bot/nlu/classifier.py): counts are read as presence, C is configurable."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.classifier import PresenceLogisticRegression

# Four features; each intent has its own two. Values are counts, as CountVectorsFeaturizer gives.
TRAINING = [
    ("greet", [1, 1, 0, 0]),
    ("greet", [2, 1, 0, 0]),
    ("greet", [1, 0, 0, 0]),
    ("goodbye", [0, 0, 1, 1]),
    ("goodbye", [0, 0, 1, 3]),
    ("goodbye", [0, 0, 0, 1]),
]


def message(counts: list[int], intent: str | None = None) -> Message:
    """A message carrying only a sentence-level sparse feature vector (and its intent, if given)."""
    data = {TEXT: "text"} if intent is None else {TEXT: "text", INTENT: intent}
    features = Features(scipy.sparse.coo_matrix([counts]), "sentence", TEXT, "test")
    return Message(data=data, features=[features])


def trained(tmp_path: Path, config: dict[str, object]) -> tuple[PresenceLogisticRegression, ...]:
    """The component trained on TRAINING, and the same loaded back from its storage."""
    storage = LocalModelStorage(tmp_path)
    resource = Resource("presence")
    context = ExecutionContext(GraphSchema({}), "test")
    component = PresenceLogisticRegression.create(config, storage, resource, context)
    component.train(TrainingData([message(c, i) for i, c in TRAINING]))
    loaded = PresenceLogisticRegression.load(config, storage, resource, context)
    return component, loaded


def ranking(component: PresenceLogisticRegression, counts: list[int]) -> dict[str, float]:
    parsed = component.process([message(counts)])[0]
    return {r["name"]: r["confidence"] for r in parsed.get(INTENT_RANKING_KEY)}


def test_repeated_features_weigh_as_one(tmp_path: Path) -> None:
    """A feature seen five times gives the same probabilities as seen once; plain counts do not."""
    component, _ = trained(tmp_path, {"C": 5.0})
    assert ranking(component, [5, 0, 0, 5]) == pytest.approx(ranking(component, [1, 0, 0, 1]))
    (tmp_path / "counts").mkdir()
    counting, _ = trained(tmp_path / "counts", {"C": 5.0, "binary": False})
    assert ranking(counting, [5, 0, 0, 1]) != pytest.approx(ranking(counting, [1, 0, 0, 1]))


def test_configured_c_reaches_the_classifier_and_survives_loading(tmp_path: Path) -> None:
    """C from the pipeline is scikit-learn's C, and the loaded model predicts as the trained one."""
    component, loaded = trained(tmp_path, {"C": 7.5})
    assert component.clf.C == 7.5
    for counts in ([1, 1, 0, 0], [0, 0, 2, 1], [1, 0, 0, 1]):
        assert ranking(loaded, counts) == pytest.approx(ranking(component, counts))
    parsed = loaded.process([message([3, 1, 0, 0])])[0]
    assert parsed.get(INTENT)["name"] == "greet"
    assert parsed.get(INTENT)["confidence"] == pytest.approx(max(ranking(loaded, [1, 1, 0, 0]).values()))


def test_default_c_is_scikit_learns(tmp_path: Path) -> None:
    """Without C in the configuration the classifier keeps scikit-learn's (and Rasa's) 1.0."""
    component, _ = trained(tmp_path, {})
    assert component.clf.C == 1.0
    assert np.isclose(sum(ranking(component, [1, 1, 0, 0]).values()), 1.0)


@pytest.mark.parametrize("c", [0, -1])
def test_non_positive_c_is_refused(c: float) -> None:
    """A C of zero or below is a configuration error, said before any training."""
    with pytest.raises(ValueError, match="C must be positive"):
        PresenceLogisticRegression.validate_config({"C": c})


def test_a_featurizers_weight_scales_its_presence_block(tmp_path: Path) -> None:
    """weights: {words: 2} doubles the (presence) features of the featurizer aliased "words" only."""
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test")
    component = PresenceLogisticRegression.create(
        {"C": 5.0, "weights": {"words": 2}}, storage, Resource("weighted"), context
    )
    words = Features(scipy.sparse.coo_matrix([[1, 3, 0]]), "sentence", TEXT, "words")
    chars = Features(scipy.sparse.coo_matrix([[4, 0, 1]]), "sentence", TEXT, "chars")
    tokens = Features(scipy.sparse.coo_matrix([[5, 5]]), "sequence", TEXT, "words")
    matrix = component._create_X([Message(data={TEXT: "text"}, features=[words, tokens, chars])])
    assert matrix.toarray().tolist() == [[2.0, 2.0, 0.0, 1.0, 0.0, 1.0]]


def test_non_positive_weight_is_refused() -> None:
    """A featurizer weight of zero or below would silence or invert it: refused."""
    with pytest.raises(ValueError, match="weight of 'words' must be positive"):
        PresenceLogisticRegression.validate_config({"weights": {"words": 0}})
