"""Evaluation metrics for the classifier: accuracy, macro-F1, F1-PN, sarcasm F1, dialect, confusions."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

SENTIMENT_LABELS = ("negative", "neutral", "positive")
DIALECT_LABELS = ("msa", "gulf", "egypt", "levant", "maghreb")
GOLD_FIELDS = ("sentiment", "sarcasm", "dialect")


def f1_per_label(gold: Sequence, predicted: Sequence, labels: Sequence) -> dict:
    """F1 of each label, one-vs-rest (0.0 where a label is neither predicted nor gold)."""
    scores = {}
    for label in labels:
        true_positive = sum(1 for g, p in zip(gold, predicted) if g == label and p == label)
        predicted_count = sum(1 for p in predicted if p == label)
        gold_count = sum(1 for g in gold if g == label)
        denominator = predicted_count + gold_count
        scores[str(label)] = 2 * true_positive / denominator if denominator else 0.0
    return scores


def confusion_matrix(gold: Sequence, predicted: Sequence, labels: Sequence) -> dict:
    """Rows are gold labels, columns predicted labels, in `labels` order."""
    index = {label: position for position, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for g, p in zip(gold, predicted):
        if g in index and p in index:
            matrix[index[g]][index[p]] += 1
    return {"labels": [str(label) for label in labels], "matrix": matrix}


def accuracy(gold: Sequence, predicted: Sequence) -> float:
    return sum(1 for g, p in zip(gold, predicted) if g == p) / len(gold) if gold else 0.0


def sentiment_metrics(gold: Sequence[str], predicted: Sequence[str]) -> dict:
    """Accuracy, macro-F1 over the three classes, F1-PN (mean of positive and negative F1)."""
    per_label = f1_per_label(gold, predicted, SENTIMENT_LABELS)
    return {
        "count": len(gold),
        "accuracy": accuracy(gold, predicted),
        "macro_f1": sum(per_label.values()) / len(per_label),
        "f1_pn": (per_label["positive"] + per_label["negative"]) / 2,
        "f1": per_label,
        "confusion": confusion_matrix(gold, predicted, SENTIMENT_LABELS),
    }


def sarcasm_metrics(gold: Sequence[bool], predicted: Sequence[bool]) -> dict:
    """F1, precision and recall of the sarcastic class, plus accuracy."""
    true_positive = sum(1 for g, p in zip(gold, predicted) if g and p)
    predicted_count, gold_count = sum(map(bool, predicted)), sum(map(bool, gold))
    return {
        "count": len(gold),
        "accuracy": accuracy(gold, predicted),
        "f1": 2 * true_positive / (predicted_count + gold_count) if predicted_count + gold_count else 0.0,
        "precision": true_positive / predicted_count if predicted_count else 0.0,
        "recall": true_positive / gold_count if gold_count else 0.0,
        "confusion": confusion_matrix(gold, predicted, (False, True)),
    }


def dialect_metrics(gold: Sequence[str], predicted: Sequence[str]) -> dict:
    """Accuracy and macro-F1 over the dialects present in the gold labels."""
    present = [label for label in DIALECT_LABELS if label in set(gold)]
    per_label = f1_per_label(gold, predicted, present)
    return {
        "count": len(gold),
        "accuracy": accuracy(gold, predicted),
        "macro_f1": sum(per_label.values()) / len(per_label) if per_label else 0.0,
        "f1": per_label,
        "confusion": confusion_matrix(gold, predicted, DIALECT_LABELS),
    }


def evaluate_predictions(gold_records: Sequence[dict], predictions: Sequence[dict]) -> dict:
    """Compare gold labels (`sentiment`, `sarcasm`, `dialect`, each optional) with `nlp` objects."""
    report: dict = {"count": len(gold_records)}
    pairs = list(zip(gold_records, predictions))
    sentiment = [(g["sentiment"], p["sentiment"]) for g, p in pairs if g.get("sentiment") in SENTIMENT_LABELS]
    if sentiment:
        report["sentiment"] = sentiment_metrics(*zip(*sentiment))
        report["sentiment_by_dialect"] = _sentiment_by_dialect(pairs)
    sarcasm = [(g["sarcasm"], p["sarcasm"]) for g, p in pairs if isinstance(g.get("sarcasm"), bool)]
    if sarcasm:
        report["sarcasm"] = sarcasm_metrics(*zip(*sarcasm))
    dialect = [(g["dialect"], p["dialect"]) for g, p in pairs if g.get("dialect") in DIALECT_LABELS]
    if dialect:
        report["dialect"] = dialect_metrics(*zip(*dialect))
    return report


def _sentiment_by_dialect(pairs: list[tuple[dict, dict]]) -> dict:
    groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for gold, predicted in pairs:
        if gold.get("sentiment") in SENTIMENT_LABELS and gold.get("dialect") in DIALECT_LABELS:
            groups[gold["dialect"]].append((gold["sentiment"], predicted["sentiment"]))
    breakdown = {}
    for dialect in DIALECT_LABELS:
        if dialect in groups:
            metrics = sentiment_metrics(*zip(*groups[dialect]))
            breakdown[dialect] = {key: metrics[key] for key in ("count", "accuracy", "macro_f1", "f1_pn")}
    return breakdown


def summary_lines(report: dict) -> list[str]:
    """A short human-readable summary of an evaluation report."""
    lines = [f"texts: {report['count']}"]
    if "sentiment" in report:
        s = report["sentiment"]
        lines.append(f"sentiment: accuracy {s['accuracy']:.4f}  macro-F1 {s['macro_f1']:.4f}  F1-PN {s['f1_pn']:.4f}  (n={s['count']})")
        for dialect, d in report["sentiment_by_dialect"].items():
            lines.append(f"  {dialect:8s} accuracy {d['accuracy']:.4f}  macro-F1 {d['macro_f1']:.4f}  F1-PN {d['f1_pn']:.4f}  (n={d['count']})")
    if "sarcasm" in report:
        s = report["sarcasm"]
        lines.append(f"sarcasm: F1 {s['f1']:.4f}  precision {s['precision']:.4f}  recall {s['recall']:.4f}  (n={s['count']})")
    if "dialect" in report:
        d = report["dialect"]
        lines.append(f"dialect: accuracy {d['accuracy']:.4f}  macro-F1 {d['macro_f1']:.4f}  (n={d['count']})")
    return lines


class LabeledFileError(ValueError):
    """A line of a labeled evaluation file is not usable."""


def read_labeled_file(path: Path) -> list[dict]:
    """Labeled records (`text` plus optional gold `sentiment`, `sarcasm`, `dialect`) from JSONL."""
    if not path.is_file():
        raise LabeledFileError(f"labeled file {path} does not exist")
    records = []
    with path.open(encoding="utf-8") as stream:
        for line_number, line in enumerate(stream, start=1):
            if line.strip():
                records.append(_labeled_record(path, line_number, line))
    if not records:
        raise LabeledFileError(f"labeled file {path} holds no records")
    return records


def _labeled_record(path: Path, line_number: int, line: str) -> dict:
    where = f"{path}:{line_number}"
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise LabeledFileError(f"{where}: invalid JSON ({error.msg})") from None
    if not isinstance(record, dict) or not isinstance(record.get("text"), str):
        raise LabeledFileError(f"{where}: expected an object with a string 'text'")
    checks = {
        "sentiment": lambda value: value in SENTIMENT_LABELS,
        "sarcasm": lambda value: isinstance(value, bool),
        "dialect": lambda value: value in DIALECT_LABELS,
    }
    for key, valid in checks.items():
        if record.get(key) is not None and not valid(record[key]):
            raise LabeledFileError(f"{where}: key '{key}' has unexpected value {record[key]!r}")
    return record


def evaluate_file(classifier, path: Path) -> dict:
    """Classify every record of a labeled file and compare with its gold labels."""
    records = read_labeled_file(path)
    predictions = classifier.classify([record["text"] for record in records])
    report = evaluate_predictions(records, predictions)
    report["input"] = str(path)
    report["model"] = classifier.model_info
    return report
