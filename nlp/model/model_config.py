"""A model directory's `config.json` as inference reads it, and the head entries shared with training (no torch)."""

from __future__ import annotations

import json
from pathlib import Path

MULTICLASS = "multiclass"  # one label per text: softmax over the labels
MULTILABEL = "multilabel"  # any number of labels per text: one sigmoid per label, thresholds in the config
DEFAULT_THRESHOLD = 0.5
CONFIG_FILE = "config.json"


def head_entry(entry: dict) -> dict:
    """One head of the config's `heads`, in the one shape both the PyTorch config and serving use."""
    # JSON turns integer keys into strings; keep them as strings everywhere for one shape.
    shaped = {"kind": entry["kind"], "id2label": {str(key): value for key, value in entry["id2label"].items()}}
    if entry["kind"] == MULTILABEL:
        shaped["thresholds"] = {str(k): float(v) for k, v in (entry.get("thresholds") or {}).items()}
        if entry.get("matcher_adds") is not None:  # absent in models refit before it: every label
            shaped["matcher_adds"] = [str(label) for label in entry["matcher_adds"]]
    elif entry["kind"] == MULTICLASS:
        if entry.get("wide"):  # absent in models saved before wide heads: a plain linear head
            shaped["wide"] = True
        # the dialect calibration (nlp/model/dialect_calibration.py); absent in models fitted before it
        if entry.get("log_bias") is not None:
            shaped["log_bias"] = {str(k): float(v) for k, v in entry["log_bias"].items()}
        if entry.get("unknown_below") is not None:
            shaped["unknown_below"] = float(entry["unknown_below"])
    else:
        raise ValueError(f"unknown head kind {entry['kind']!r}; expected {MULTICLASS!r} or {MULTILABEL!r}")
    return shaped


class HeadsReader:
    """What a config says about its heads; mixed into `NabdMultiTaskConfig` and `ServingConfig`,
    which both hold `heads` as `{name: head_entry(...)}`."""

    heads: dict[str, dict]

    def head_labels(self, name: str) -> list[str]:
        id2label = self.heads[name]["id2label"]
        return [id2label[str(index)] if str(index) in id2label else id2label[index] for index in range(len(id2label))]

    def head_kind(self, name: str) -> str:
        return self.heads[name]["kind"]

    def thresholds(self, name: str) -> list[float]:
        """The decision threshold of each label of a multi-label head, in label order."""
        stored = self.heads[name].get("thresholds") or {}
        return [float(stored.get(label, DEFAULT_THRESHOLD)) for label in self.head_labels(name)]

    def matcher_adds(self, name: str) -> set[str]:
        """The labels of a multi-label head that the matcher's evidence adds on its own (the refit keeps
        a label here only where that raised its out-of-fold F1); every label for older models."""
        stored = self.heads[name].get("matcher_adds")
        return set(self.head_labels(name)) if stored is None else set(stored)


    def log_bias(self, name: str) -> list[float] | None:
        """The per-label log-bias a multi-class head's probabilities get (prior correction), or None."""
        stored = self.heads[name].get("log_bias")
        return None if stored is None else [float(stored.get(label, 0.0)) for label in self.head_labels(name)]

    def unknown_below(self, name: str) -> float:
        """Below this top probability a multi-class head answers `unknown` (0: it always answers)."""
        return float(self.heads[name].get("unknown_below", 0.0))


class ServingConfig(HeadsReader):
    """The fields of `config.json` the classifier reads, from plain JSON (transformers not needed).
    Absent fields take `NabdMultiTaskConfig`'s defaults."""

    def __init__(self, raw: dict):
        self.heads = {name: head_entry(entry) for name, entry in raw["heads"].items()}
        self.model_name = str(raw.get("model_name", "nabd-arabic-mini"))
        self.model_version = str(raw.get("model_version", "0"))
        self.max_position_embeddings = int(raw.get("max_position_embeddings", 512))
        self.pad_token_id = raw.get("pad_token_id", 0)

    @classmethod
    def from_file(cls, path: Path) -> ServingConfig:
        return cls(json.loads(Path(path).read_text(encoding="utf-8")))
