"""Rasa's logistic regression intent classifier, on feature presence, with C and block weights.

Rasa's ``LogisticRegressionClassifier`` fixes scikit-learn's ``C`` at 1.0 and feeds it the count
vectors as they are, so a long message's repeated character n-grams ("appointment appointment",
"hiiiii") weigh more than its words, and the many character n-grams of a message drown its few
words. This one takes the same sentence features as presence (every non-zero becomes 1), lets the
configuration choose ``C``, and multiplies the features of a featurizer named by its ``alias`` by
a weight (``weights: {words: 2}``): a larger value is a weaker penalty on that featurizer's
coefficients. In 5-fold cross-validation over several fold shuffles (python -m bench nlu) each
raised intent macro-F1 (figures in config.yml). The cost per message is one pass over the
non-zero entries of its sparse vectors.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.message import Message
from scipy.sparse import csr_matrix, hstack, vstack


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class PresenceLogisticRegression(LogisticRegressionClassifier):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **LogisticRegressionClassifier.get_default_config(),
            "C": 1.0,
            "binary": True,
            "weights": {},
        }

    def __init__(
        self, config: dict[str, Any], name: str, model_storage: ModelStorage, resource: Resource
    ) -> None:
        super().__init__(config, name, model_storage, resource)
        self.clf.set_params(C=float(self.config["C"]))

    def _create_X(self, messages: list[Message]) -> csr_matrix:
        weights = {str(k): float(v) for k, v in (self.config["weights"] or {}).items()}
        rows = []
        for message in messages:
            blocks = []
            for feature in message.features:
                if feature.attribute != TEXT or feature.type != FEATURE_TYPE_SENTENCE:
                    continue
                block = csr_matrix(feature.features, dtype=float)
                if feature.is_sparse() and self.config["binary"]:
                    block.data = np.minimum(block.data, 1.0)
                blocks.append(block * weights.get(str(feature.origin), 1.0))
            rows.append(hstack(blocks) if blocks else csr_matrix((1, 0)))
        return csr_matrix(vstack(rows))

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        if float(config.get("C", 1.0)) <= 0:
            raise ValueError("PresenceLogisticRegression: C must be positive")
        for alias, weight in (config.get("weights") or {}).items():
            if float(weight) <= 0:
                raise ValueError(f"PresenceLogisticRegression: the weight of {alias!r} must be positive")
