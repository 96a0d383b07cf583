"""The multi-class heads' spelling channel: sentiment, sarcasm and dialect read from character
n-grams of the tweet, blended with the transformer's probabilities.

The topics head has had such a channel since model 2026.11.23.3 (`nlp/model/char_ngrams.py`). A
logistic regression over hashed character 2-5-grams is a strong baseline on Arabic tweets (it
matches or beats the small encoders on ArSarcasm-v2), and it errs differently from a transformer,
so a blend of the two beats either. One model holds the three heads: they share the n-gram
buckets and idf of the training texts (every train split, drawn as fine-tuning draws them), each
head has its own weight columns and softmax, and its own blend weight, chosen on one half of the
dev splits (`dialect_calibration.calibration_half`) and measured on the other half: the best for
the headline set (ArSarcasm-v2) among the weights that cost no other dev split more than 0.005.
A channel fitted on ArSarcasm-v2 alone did better there (F1-PN 0.616 -> 0.644 with the from-scratch
model) but cost the other sets up to 0.1 F1-PN and most of their dialect accuracy.

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
MAX_DROP = 0.005  # a blend may cost another dev split at most this much of its metric (on half 0)
MIN_POSTS = 50  # dev splits with fewer labeled posts in half 0 are too noisy to guard


@dataclass
class ClassNgramChannel:
    """One n-gram model whose label columns are the heads' labels side by side; `heads` gives each
    head's labels, first column and blend weight."""

    model: CharNgramModel
    heads: dict[str, dict]  # name -> {"labels": [...], "start": int, "blend": float}

    def probabilities(self, normalized: Sequence[str], counts: tuple | None = None) -> dict[str, np.ndarray]:
        """Softmax per head over its columns, for texts given as `normalize_for_model` made them
        (`counts`: their `ngram_counts`, when the caller has them)."""
        logits = self.model.logits(normalized, counts)
        result = {}
        for name, head in self.heads.items():
            block = logits[:, head["start"]:head["start"] + len(head["labels"])]
            block = np.exp(block - block.max(axis=1, keepdims=True))
            result[name] = (block / block.sum(axis=1, keepdims=True)).astype(np.float32)
        return result

    def blend_into(self, probabilities: dict[str, np.ndarray], normalized: Sequence[str], counts: tuple | None = None) -> None:
        """Blend the channel into the transformer's probabilities of the heads it has a weight for."""
        if not any(head["blend"] > 0 for head in self.heads.values()) or not len(normalized):
            return
        channel = self.probabilities(normalized, counts)
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


def fit_class_channel(model_dir: Path, train: dict[str, list], dev: dict[str, list], score, headline: str, *,
                      c: float = DEFAULT_C, max_drop: float = MAX_DROP, min_posts: int = MIN_POSTS,
                      backend: str = "onnx") -> tuple[ClassNgramChannel, dict]:
    """Fit the channel on `train` ({head: [(text, label, weight)]}) and choose each head's blend on
    half 0 of the dev splits (`dev`: {dataset: LabeledPost-like records with `id`, `text`,
    `labels()`}): the blend with the best `score(head, gold, predicted)` on the `headline` dataset
    such that no other dataset with at least `min_posts` labeled posts in half 0 loses more than
    `max_drop` against the transformer alone. Reports before/after on half 1 and on each whole dev
    split."""
    from nlp.model.char_ngrams import hashed_counts, idf_of
    from nlp.model.dialect_calibration import calibration_half
    from nlp.model.predict import Classifier
    from nlp.normalize import normalize_for_model

    classifier = Classifier.load(model_dir, backend=backend)
    classifier.class_ngrams, classifier.dialect_bias, classifier.dialect_unknown_below = None, None, 0.0
    heads = {name: {"labels": classifier.head_labels[name]} for name in CHANNEL_HEADS if name in train}
    texts = sorted({text for rows in train.values() for text, *_ in rows})
    row_of = {text: row for row, text in enumerate(texts)}
    counts = hashed_counts([normalize_for_model(text) for text in texts])
    buckets, idf = idf_of(counts)
    features = CharNgramModel(buckets, idf, np.zeros((len(buckets), 0), np.float32), np.zeros(0, np.float32),
                              [], blend=0.0).features(counts)
    coef, intercept, start = [], [], 0
    for name, head in heads.items():
        rows = [row_of[text] for text, *_ in train[name]]
        weight, bias = _fit_softmax(features[rows], [label for _, label, _ in train[name]],
                                    np.array([weight for *_, weight in train[name]], dtype=np.float64),
                                    head["labels"], c, balanced=name != "sentiment")
        coef.append(weight)
        intercept.append(bias)
        head["start"], start = start, start + len(head["labels"])
    labels = [f"{name}:{label}" for name, head in heads.items() for label in head["labels"]]
    model = CharNgramModel(buckets, idf, np.concatenate(coef, axis=1), np.concatenate(intercept), labels, blend=0.0)
    channel = ClassNgramChannel(model, heads)

    # per dataset: the transformer's and the channel's probabilities, the gold labels, the halves
    tables = {}
    for dataset, posts in dev.items():
        records = classifier.classify([post.text for post in posts])
        ngrams = channel.probabilities([normalize_for_model(post.text) for post in posts])
        half = np.array([calibration_half(str(post.id)) for post in posts])
        for name, head in heads.items():
            gold = np.array([post.labels().get(name) for post in posts], dtype=object)
            known = np.array([value in head["labels"] for value in gold])
            if known.any():
                transformer = np.array([[_score_of(record, name, label) for label in head["labels"]]
                                        for record in records])
                tables[dataset, name] = (transformer, ngrams[name], gold, known, half)

    def measured(dataset: str, name: str, blend: float, part: str) -> float:
        transformer, ngrams, gold, known, half = tables[dataset, name]
        rows = known & {"half_0": half == 0, "half_1": half == 1, "whole": np.ones(len(half), bool)}[part]
        mixed = (1 - blend) * transformer[rows] + blend * ngrams[rows]
        return score(name, list(gold[rows]), [heads[name]["labels"][i] for i in mixed.argmax(axis=1)])

    report = {"train_texts": len(texts), "buckets": int(len(buckets)), "c": c, "max_drop": max_drop, "heads": {}}
    for name, head in heads.items():
        datasets = [dataset for dataset, head_name in tables if head_name == name]
        if (headline, name) not in tables:  # nothing to choose a weight on: the channel stays out
            head["blend"] = 0.0
            report["heads"][name] = {"blend": 0.0, "note": f"no {name} labels in the {headline} dev split"}
            continue
        guarded = [dataset for dataset in datasets if dataset != headline
                   and (tables[dataset, name][3] & (tables[dataset, name][4] == 0)).sum() >= min_posts]
        baseline = {dataset: measured(dataset, name, 0.0, "half_0") for dataset in guarded}
        allowed = {blend: measured(headline, name, blend, "half_0") for blend in BLENDS
                   if all(measured(dataset, name, blend, "half_0") >= baseline[dataset] - max_drop for dataset in guarded)}
        head["blend"] = max(allowed, key=lambda blend: (round(allowed[blend], 4), -blend))
        report["heads"][name] = {
            "blend": head["blend"], "headline_half_0_by_allowed_blend": {str(k): round(v, 4) for k, v in allowed.items()},
            "guarded_datasets": guarded,
            "per_dataset": {dataset: {part: {"transformer": round(measured(dataset, name, 0.0, part), 4),
                                             "blended": round(measured(dataset, name, head["blend"], part), 4)}
                                      for part in ("half_1", "whole")} for dataset in datasets}}
        logger.info("%s char n-grams: blend %.1f (allowed %s)", name, head["blend"], sorted(allowed))
    return channel, report


def _score_of(record: dict, head: str, label: str) -> float:
    if head == "sentiment":
        return record["scores"][label]
    if head == "sarcasm":
        return record["sarcasm_score"] if label == "true" else 1.0 - record["sarcasm_score"]
    return record["dialect_scores"][label]


def _fit_softmax(features, gold: list[str], weights: np.ndarray, labels: list[str], c: float,
                 balanced: bool) -> tuple[np.ndarray, np.ndarray]:
    """A multinomial logistic regression (rows weighted) as (buckets × labels) weights and (labels)
    biases; a binary one as two columns whose softmax equals its sigmoid."""
    from sklearn.linear_model import LogisticRegression

    regression = LogisticRegression(C=c, max_iter=3000, class_weight="balanced" if balanced else None)
    regression.fit(features, gold, sample_weight=weights)
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
