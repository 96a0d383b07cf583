"""The multi-class heads' spelling channel: sentiment, sarcasm and dialect read from character
n-grams of the tweet, blended with the transformer's probabilities.

The topics head has had such a channel since model 2026.11.23.3 (`nlp/model/char_ngrams.py`). A
logistic regression over hashed character 2-5-grams is a strong baseline on Arabic tweets (it
matches or beats the small encoders on ArSarcasm-v2), and it errs differently from a transformer,
so a blend of the two beats either. One model holds the three heads: they share the n-gram
buckets and idf of the training texts (the headline set's train split, ArSarcasm-v2), each head
has its own weight columns and softmax, and its own blend weight, chosen on one half of the
headline dev split (`dialect_calibration.calibration_half`) and measured on the other half.

Stored next to the weights as `heads_char_ngrams.safetensors`. numpy only at classification.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nlp.model.char_ngrams import CharNgramModel, CharNgramsError

logger = logging.getLogger(__name__)

CLASS_NGRAMS_FILE = "heads_char_ngrams.safetensors"
CHANNEL_HEADS = ("sentiment", "sarcasm", "dialect")
BLENDS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
DEFAULT_C = 10.0


@dataclass
class ClassNgramChannel:
    """One n-gram model whose label columns are the heads' labels side by side; `heads` gives each
    head's labels, first column and blend weight."""

    model: CharNgramModel
    heads: dict[str, dict]  # name -> {"labels": [...], "start": int, "blend": float}

    def probabilities(self, normalized: Sequence[str]) -> dict[str, np.ndarray]:
        """Softmax per head over its columns, for texts given as `normalize_for_model` made them."""
        logits = self.model.logits(normalized)
        result = {}
        for name, head in self.heads.items():
            block = logits[:, head["start"]:head["start"] + len(head["labels"])]
            block = np.exp(block - block.max(axis=1, keepdims=True))
            result[name] = (block / block.sum(axis=1, keepdims=True)).astype(np.float32)
        return result

    def blend_into(self, probabilities: dict[str, np.ndarray], normalized: Sequence[str]) -> None:
        """Blend the channel into the transformer's probabilities of the heads it has a weight for."""
        if not any(head["blend"] > 0 for head in self.heads.values()) or not len(normalized):
            return
        channel = self.probabilities(normalized)
        for name, head in self.heads.items():
            if head["blend"] > 0 and name in probabilities:
                probabilities[name] = (1 - head["blend"]) * probabilities[name] + head["blend"] * channel[name]

    def save(self, path: Path) -> None:
        self.model.save(path, extra_metadata={"heads": json.dumps(self.heads, ensure_ascii=False)})

    @classmethod
    def load(cls, path: Path, head_labels: dict[str, list[str]]) -> ClassNgramChannel:
        """The stored channel; each of its heads must have the model's labels, in the same order."""
        from safetensors import safe_open

        try:
            with safe_open(str(path), "np") as stored:
                heads = json.loads((stored.metadata() or {})["heads"])
        except Exception as error:
            raise CharNgramsError(f"{path}: unreadable character n-gram channel ({error})") from None
        labels = [f"{name}:{label}" for name, head in heads.items() for label in head["labels"]]
        for name, head in heads.items():
            if head_labels.get(name) != head["labels"]:
                raise CharNgramsError(f"{path}: its {name} labels {head['labels']} are not the model's "
                                      f"{head_labels.get(name)}; refit with `nabd train --steps calibrate`")
        return cls(CharNgramModel.load(path, labels), heads)


def fit_class_channel(model_dir: Path, train: dict[str, list], dev: list, score, *, c: float = DEFAULT_C,
                      backend: str = "onnx") -> tuple[ClassNgramChannel, dict]:
    """Fit the channel on `train` ({head: [(text, label)]}), choose each head's blend on half 0 of
    `dev` (LabeledPost-like records with `id`, `text` and the heads' labels as `labels()`) by
    `score(head, gold, predicted)`, and report before/after on half 1 and on the whole dev split."""
    from nlp.model.char_ngrams import hashed_counts, idf_of
    from nlp.model.dialect_calibration import calibration_half
    from nlp.model.predict import Classifier
    from nlp.normalize import normalize_for_model

    classifier = Classifier.load(model_dir, backend=backend)
    classifier.class_ngrams, classifier.dialect_bias, classifier.dialect_unknown_below = None, None, 0.0
    heads = {name: {"labels": classifier.head_labels[name]} for name in CHANNEL_HEADS if name in train}
    texts = sorted({text for rows in train.values() for text, _ in rows})
    row_of = {text: row for row, text in enumerate(texts)}
    counts = hashed_counts([normalize_for_model(text) for text in texts])
    buckets, idf = idf_of(counts)
    features = CharNgramModel(buckets, idf, np.zeros((len(buckets), 0), np.float32), np.zeros(0, np.float32),
                              [], blend=0.0).features(counts)
    coef, intercept, start = [], [], 0
    for name, head in heads.items():
        rows = [row_of[text] for text, _ in train[name]]
        weight, bias = _fit_softmax(features[rows], [label for _, label in train[name]], head["labels"], c,
                                    balanced=name != "sentiment")
        coef.append(weight)
        intercept.append(bias)
        head["start"], start = start, start + len(head["labels"])
    labels = [f"{name}:{label}" for name, head in heads.items() for label in head["labels"]]
    model = CharNgramModel(buckets, idf, np.concatenate(coef, axis=1), np.concatenate(intercept), labels, blend=0.0)
    channel = ClassNgramChannel(model, heads)

    records = classifier.classify([post.text for post in dev])
    transformer = {name: np.array([[_score_of(record, name, label) for label in head["labels"]] for record in records])
                   for name, head in heads.items()}
    ngrams = channel.probabilities([normalize_for_model(post.text) for post in dev])
    half = np.array([calibration_half(str(post.id)) for post in dev])
    report = {"train_texts": len(texts), "buckets": int(len(buckets)), "c": c, "heads": {}}
    for name, head in heads.items():
        gold = np.array([post.labels().get(name) for post in dev], dtype=object)
        known = np.array([value in head["labels"] for value in gold])

        def measured(blend: float, rows: np.ndarray) -> float:
            mixed = (1 - blend) * transformer[name][rows] + blend * ngrams[name][rows]
            return score(name, list(gold[rows]), [head["labels"][i] for i in mixed.argmax(axis=1)])

        choose, held = known & (half == 0), known & (half == 1)
        scores = {blend: measured(blend, choose) for blend in BLENDS}
        head["blend"] = max(scores, key=lambda blend: (round(scores[blend], 4), -blend))
        report["heads"][name] = {
            "blend": head["blend"], "chosen_on_half_0": {str(k): round(v, 4) for k, v in scores.items()},
            "half_1": {"transformer": round(measured(0.0, held), 4), "blended": round(measured(head["blend"], held), 4),
                       "ngrams_alone": round(measured(1.0, held), 4)},
            "whole_dev": {"transformer": round(measured(0.0, known), 4),
                          "blended": round(measured(head["blend"], known), 4)}}
        logger.info("%s char n-grams: blend %.1f; %s", name, head["blend"], report["heads"][name])
    return channel, report


def _score_of(record: dict, head: str, label: str) -> float:
    if head == "sentiment":
        return record["scores"][label]
    if head == "sarcasm":
        return record["sarcasm_score"] if label == "true" else 1.0 - record["sarcasm_score"]
    return record["dialect_scores"][label]


def _fit_softmax(features, gold: list[str], labels: list[str], c: float, balanced: bool) -> tuple[np.ndarray, np.ndarray]:
    """A multinomial logistic regression as (buckets × labels) weights and (labels) biases; a
    binary one as two columns whose softmax equals its sigmoid."""
    from sklearn.linear_model import LogisticRegression

    regression = LogisticRegression(C=c, max_iter=3000, class_weight="balanced" if balanced else None)
    regression.fit(features, gold)
    classes = list(regression.classes_)
    missing = [label for label in labels if label not in classes]
    if missing:
        raise ValueError(f"labels {missing} have no training example")
    if len(classes) == 2:
        weight = np.zeros((features.shape[1], 2), np.float32)
        bias = np.zeros(2, np.float32)
        weight[:, 1], bias[1] = regression.coef_[0], regression.intercept_[0]
        order = [classes.index(label) for label in labels]
        return weight[:, order], bias[order]
    order = [classes.index(label) for label in labels]
    return regression.coef_[order].T.astype(np.float32), regression.intercept_[order].astype(np.float32)
