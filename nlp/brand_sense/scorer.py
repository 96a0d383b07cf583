"""The fitted brand-sense model at matching time: weights per hashed feature, a bias, a threshold.

Stored as `model.safetensors` (one fp16 weight per bucket and the bias) and `model.json` (the
threshold, one per labelled word, feature settings, provenance and the measured precision/recall)
in `nlp/brand_sense/model/`, or in a directory named by `NABD_BRAND_SENSE_MODEL`. numpy and safetensors only."""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nlp.brand_sense.features import HASH_BITS, HASH_SIZE, context_features, hashed

MODEL_DIR = Path(__file__).with_name("model")
WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "model.json"
MODEL_ENV = "NABD_BRAND_SENSE_MODEL"


class BrandSenseError(ValueError):
    """The stored brand-sense model is missing, unreadable or inconsistent; the message names the file."""


@dataclass(frozen=True)
class BrandSenseScorer:
    weights: np.ndarray  # float32, HASH_SIZE
    bias: float
    threshold: float
    # Thresholds of the words the team labelled (chosen on their own posts), by normalized word.
    word_thresholds: dict[str, float] = field(default_factory=dict)

    def threshold_for(self, word: str) -> float:
        return self.word_thresholds.get(word, self.threshold)

    def probability(self, words: Sequence[str], first: int, last: int, clitic: str = "") -> float:
        """How likely the alias at `words[first..last]` names a company, from its context."""
        buckets = hashed(context_features(words, first, last, clitic))
        logit = self.bias + float(self.weights[buckets].sum())
        return 1.0 / (1.0 + np.exp(-logit))

    def names_brand(self, words: Sequence[str], first: int, last: int, clitic: str = "") -> bool:
        """Whether the alias at `words[first..last]` names the brand, at the threshold of that word."""
        alias = " ".join([words[first][len(clitic) :], *words[first + 1 : last + 1]])
        return self.probability(words, first, last, clitic) >= self.threshold_for(alias)

    def save(self, directory: Path, card: dict) -> None:
        from safetensors.numpy import save_file

        directory.mkdir(parents=True, exist_ok=True)
        save_file({"weights": self.weights.astype(np.float16), "bias": np.array([self.bias], dtype=np.float32)},
                  str(directory / WEIGHTS_FILE), metadata={"hash_bits": str(HASH_BITS)})
        config = {"threshold": round(float(self.threshold), 4),
                  "word_thresholds": {word: round(float(value), 4) for word, value in self.word_thresholds.items()},
                  "hash_bits": HASH_BITS, **card}
        (directory / CONFIG_FILE).write_text(json.dumps(config, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> BrandSenseScorer:
        from safetensors import SafetensorError
        from safetensors.numpy import load_file

        weights_path, config_path = directory / WEIGHTS_FILE, directory / CONFIG_FILE
        for path in (weights_path, config_path):
            if not path.is_file():
                raise BrandSenseError(f"{path}: brand-sense model file not found (fit it with `nabd brand-sense fit`)")
        try:
            config = json.loads(config_path.read_text(encoding="utf-8"))
            threshold = float(config["threshold"])
            bits = int(config["hash_bits"])
            word_thresholds = {str(word): float(value) for word, value in config.get("word_thresholds", {}).items()}
        except (ValueError, KeyError, TypeError) as error:
            raise BrandSenseError(f"{config_path}: not a brand-sense model config ({error})") from None
        try:
            tensors = load_file(str(weights_path))
        except (SafetensorError, OSError) as error:
            raise BrandSenseError(f"{weights_path}: unreadable ({error})") from None
        weights, bias = tensors.get("weights"), tensors.get("bias")
        if bits != HASH_BITS or weights is None or weights.shape != (HASH_SIZE,) or bias is None or bias.shape != (1,):
            raise BrandSenseError(f"{weights_path}: expected {HASH_SIZE} weights and a bias (hash_bits {HASH_BITS})")
        for name, value in (("threshold", threshold), *((f"word_thresholds.{w}", v) for w, v in word_thresholds.items())):
            if not 0.0 < value < 1.0:
                raise BrandSenseError(f"{config_path}: {name} must be between 0 and 1, got {value}")
        return cls(weights.astype(np.float32), float(bias[0]), threshold, word_thresholds)


@functools.lru_cache(maxsize=4)
def _load_cached(directory: str) -> BrandSenseScorer:
    return BrandSenseScorer.load(Path(directory))


def default_scorer() -> BrandSenseScorer:
    """The shipped model, or the one `NABD_BRAND_SENSE_MODEL` names (loaded once per process)."""
    return _load_cached(str(Path(os.environ.get(MODEL_ENV) or MODEL_DIR).resolve()))
