"""The spam head v2 at classification time: a small logistic model over the transformer's spam
probability, a character n-gram channel and the post's shape, and the kind of spam it is.

Stored in the model directory as `spam_char_ngrams.safetensors` (n-gram columns: `spam`, then one
per spam kind) and `spam.json` (the stacking weights, the threshold, the kinds, provenance).
numpy only: no torch on the serving path."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nlp.model.char_ngrams import CharNgramModel, CharNgramsError, ngram_counts
from nlp.spam.data import SPAM_REASONS
from nlp.spam.features import SHAPE_FEATURES, shape_features

SPAM_NGRAMS_FILE = "spam_char_ngrams.safetensors"
SPAM_MODEL_FILE = "spam.json"
STACK_FEATURES = ("head_logit", "ngram_logit", *SHAPE_FEATURES)


def stack_features(texts: Sequence[str], head_probability: np.ndarray, ngram_logit: np.ndarray) -> np.ndarray:
    """The stacking model's inputs (texts × STACK_FEATURES), unstandardized: the transformer head's
    logit, the n-gram spam logit and the shape of the raw text."""
    head = np.clip(np.asarray(head_probability, dtype=np.float64), 1e-6, 1 - 1e-6)
    return np.column_stack([np.log(head / (1 - head)), np.asarray(ngram_logit, dtype=np.float64), shape_features(texts)])


class SpamModelError(ValueError):
    """The stored spam model is unreadable or inconsistent."""


@dataclass
class SpamScorer:
    ngrams: CharNgramModel  # columns: "spam", then SPAM_REASONS
    coef: np.ndarray  # one weight per STACK_FEATURES (on standardized features)
    intercept: float
    mean: np.ndarray
    scale: np.ndarray
    threshold: float
    reasons: tuple[str, ...] = SPAM_REASONS

    def score(self, texts: Sequence[str], normalized: Sequence[str], head_probability: np.ndarray,
              counts: tuple | None = None) -> tuple[np.ndarray, list[str | None]]:
        """The spam probability of each text and, for those at or above the threshold, the most
        likely kind of spam (None for the others). `counts`: the texts' `ngram_counts`, if known."""
        if not len(texts):
            return np.zeros(0, dtype=np.float32), []
        counts = ngram_counts(normalized) if counts is None else counts
        spam_logit = self.ngrams.logits(normalized, counts, labels=[0])[:, 0]
        features = (stack_features(texts, head_probability, spam_logit) - self.mean) / self.scale
        probability = (1.0 / (1.0 + np.exp(-(features @ self.coef + self.intercept)))).astype(np.float32)
        kinds: list[str | None] = [None] * len(texts)
        flagged = np.flatnonzero(probability >= self.threshold)
        if len(flagged):
            chosen = [normalized[row] for row in flagged]
            logits = self.ngrams.logits(chosen, labels=range(1, 1 + len(self.reasons)))
            for row, kind in zip(flagged, np.argmax(logits[:, 1:], axis=1)):
                kinds[row] = self.reasons[kind]
        return probability, kinds

    def save(self, model_dir: Path, provenance: dict) -> None:
        self.ngrams.save(Path(model_dir) / SPAM_NGRAMS_FILE)
        record = {"version": 2, "features": list(STACK_FEATURES), "coef": [float(x) for x in self.coef],
                  "intercept": float(self.intercept), "mean": [float(x) for x in self.mean],
                  "scale": [float(x) for x in self.scale], "threshold": float(self.threshold),
                  "reasons": list(self.reasons), **provenance}
        (Path(model_dir) / SPAM_MODEL_FILE).write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n",
                                                       encoding="utf-8")

    @classmethod
    def load(cls, model_dir: Path) -> SpamScorer | None:
        """The stored spam model of `model_dir`, or None when it has none (a model before v2)."""
        path = Path(model_dir) / SPAM_MODEL_FILE
        if not path.is_file():
            return None
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            features, reasons = record["features"], tuple(record["reasons"])
            arrays = {key: np.array(record[key], dtype=np.float64) for key in ("coef", "mean", "scale")}
            intercept, threshold = float(record["intercept"]), float(record["threshold"])
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise SpamModelError(f"{path}: unreadable spam model ({error})") from None
        if features != list(STACK_FEATURES):
            raise SpamModelError(f"{path}: made with features {features}, this code computes {list(STACK_FEATURES)}; "
                                 "refit with `nabd train --steps spam`")
        if any(len(value) != len(STACK_FEATURES) for value in arrays.values()):
            raise SpamModelError(f"{path}: coef/mean/scale must have {len(STACK_FEATURES)} values each")
        try:
            ngrams = CharNgramModel.load(Path(model_dir) / SPAM_NGRAMS_FILE, ["spam", *reasons])
        except CharNgramsError as error:
            raise SpamModelError(str(error)) from None
        return cls(ngrams, arrays["coef"], intercept, arrays["mean"], arrays["scale"], threshold, reasons)
