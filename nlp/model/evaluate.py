"""Evaluation metrics for the classifier: accuracy, macro-F1, F1-PN, sarcasm F1, dialect, confusions."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

SENTIMENT_LABELS = ("negative", "neutral", "positive")
DIALECT_LABELS = ("msa", "gulf", "egypt", "levant", "maghreb")
UNKNOWN_DIALECT = "unknown"  # below the dialect head's confidence threshold (nlp/model/dialect_calibration.py)
GOLD_FIELDS = ("sentiment", "sarcasm", "dialect", "complaint", "topics", "churn_intent", "advocacy", "spam")
BINARY_FIELDS = ("complaint", "churn_intent", "advocacy", "spam")


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
    """Accuracy and macro-F1 over the dialects present in the gold labels, each dialect's
    precision and recall, and the coverage: the share of posts given a dialect rather than
    `unknown` (which counts as wrong in accuracy and recall)."""
    present = [label for label in DIALECT_LABELS if label in set(gold)]
    per_label = f1_per_label(gold, predicted, present)
    answered = [(g, p) for g, p in zip(gold, predicted) if p != UNKNOWN_DIALECT]
    return {
        "count": len(gold),
        "accuracy": accuracy(gold, predicted),
        "macro_f1": sum(per_label.values()) / len(per_label) if per_label else 0.0,
        "f1": per_label,
        "precision": {label: _share(sum(g == p == label for g, p in zip(gold, predicted)),
                                    sum(p == label for p in predicted)) for label in present},
        "recall": {label: _share(sum(g == p == label for g, p in zip(gold, predicted)),
                                 sum(g == label for g in gold)) for label in present},
        "coverage": _share(len(answered), len(gold)),
        "answered_accuracy": accuracy(*zip(*answered)) if answered else 0.0,
        "confusion": confusion_matrix(gold, predicted, (*DIALECT_LABELS, UNKNOWN_DIALECT)),
    }


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def binary_metrics(gold: Sequence[bool], predicted: Sequence[bool]) -> dict:
    """Precision, recall and F1 of the positive class, with the counts behind them."""
    true_positive = sum(1 for g, p in zip(gold, predicted) if g and p)
    predicted_count, gold_count = sum(map(bool, predicted)), sum(map(bool, gold))
    precision = true_positive / predicted_count if predicted_count else 0.0
    recall = true_positive / gold_count if gold_count else 0.0
    return {
        "count": len(gold),
        "positives": gold_count,
        "precision": precision,
        "recall": recall,
        "f1": 2 * true_positive / (predicted_count + gold_count) if predicted_count + gold_count else 0.0,
    }


def topic_metrics(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]], labels: Sequence[str] = ()) -> dict:
    """Per-topic precision/recall/F1 and micro and macro F1 (macro over topics with gold examples)."""
    present = list(dict.fromkeys([*labels, *(t for topics in gold for t in topics), *(t for topics in predicted for t in topics)]))
    per_topic = {
        topic: binary_metrics([topic in g for g in gold], [topic in p for p in predicted]) for topic in present
    }
    true_positive = sum(len(set(g) & set(p)) for g, p in zip(gold, predicted))
    predicted_count, gold_count = sum(len(set(p)) for p in predicted), sum(len(set(g)) for g in gold)
    scored = [metrics["f1"] for metrics in per_topic.values() if metrics["positives"]]
    return {
        "count": len(gold),
        "micro_f1": 2 * true_positive / (predicted_count + gold_count) if predicted_count + gold_count else 0.0,
        "micro_precision": true_positive / predicted_count if predicted_count else 0.0,
        "micro_recall": true_positive / gold_count if gold_count else 0.0,
        "macro_f1": sum(scored) / len(scored) if scored else 0.0,
        "per_topic": per_topic,
    }


def complaint_report(pairs: list[tuple[dict, dict]]) -> dict:
    """Complaint, topic, churn, advocacy and spam metrics for the records that carry those labels."""
    report: dict = {}
    for field in BINARY_FIELDS:
        scored = [(g[field], bool(p.get(field))) for g, p in pairs if isinstance(g.get(field), bool)]
        if scored:
            report[field] = binary_metrics(*zip(*scored))
    topics = [(g["topics"], p.get("topics") or []) for g, p in pairs
              if isinstance(g.get("topics"), list) and isinstance(g.get("complaint"), bool)]
    if topics:
        from config.models import TOPIC_IDS

        report["topics"] = topic_metrics(*zip(*topics), labels=TOPIC_IDS)
    return report


def evaluate_predictions(gold_records: Sequence[dict], predictions: Sequence[dict], matcher=None) -> dict:
    """Compare gold labels (`sentiment`, `sarcasm`, `dialect`, `complaint`, `topics`, `churn_intent`,
    `advocacy`, `spam`, each optional) with `nlp` objects. With a topic matcher, complaint metrics
    are also given on the posts that contain no seed phrase (`seed_free`), and for the matcher's
    own weak labels (`matcher`)."""
    report: dict = {"count": len(gold_records)}
    pairs = list(zip(gold_records, predictions))
    report.update(complaint_report(pairs))
    if matcher is not None and any(isinstance(g.get("complaint"), bool) for g in gold_records):
        matches = [matcher.labels_of(g["text"]) for g in gold_records]
        seed_free = [pair for pair, labels in zip(pairs, matches) if not labels]
        report["seed_free"] = {"count": len(seed_free), **complaint_report(seed_free)}
        report["matcher"] = complaint_report(list(zip(gold_records, (_weak_labels(matcher, labels) for labels in matches))))
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


def _weak_labels(matcher, labels: set[str]) -> dict:
    """The matcher's labels as an `nlp` object: a topic seed found makes a complaint."""
    topics = sorted(label for label in labels if label in matcher.labels and label not in ("churn_intent", "advocacy"))
    return {"complaint": bool(topics), "topics": topics,
            "churn_intent": "churn_intent" in labels, "advocacy": "advocacy" in labels}


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
        lines.append(f"dialect: accuracy {d['accuracy']:.4f}  macro-F1 {d['macro_f1']:.4f}  (n={d['count']})"
                     + (f"  coverage {d['coverage']:.4f}" if "coverage" in d else ""))
        for label in d.get("precision", {}):
            lines.append(f"  {label:8s} precision {d['precision'][label]:.4f}  recall {d['recall'][label]:.4f}")
    lines.extend(complaint_lines(report))
    for section, title in (("seed_free", "on posts with no seed phrase"), ("matcher", "of the seed matcher alone")):
        if section in report:
            lines.append(f"-- {title}" + (f" (n={report[section]['count']})" if "count" in report[section] else ""))
            lines.extend("  " + line for line in complaint_lines(report[section]))
    return lines


def complaint_lines(report: dict) -> list[str]:
    """Summary lines of the complaint, topic, signal and spam metrics."""
    lines = []
    for field in BINARY_FIELDS:
        if field in report:
            m = report[field]
            lines.append(f"{field}: F1 {m['f1']:.4f}  precision {m['precision']:.4f}  recall {m['recall']:.4f}  "
                         f"(n={m['count']}, positives {m['positives']})")
    if "topics" in report:
        t = report["topics"]
        lines.append(f"topics: micro-F1 {t['micro_f1']:.4f}  macro-F1 {t['macro_f1']:.4f}  (n={t['count']})")
        for topic, m in t["per_topic"].items():
            lines.append(f"  {topic:18s} F1 {m['f1']:.4f}  precision {m['precision']:.4f}  recall {m['recall']:.4f}  "
                         f"(positives {m['positives']})")
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
        "topics": lambda value: isinstance(value, list) and all(isinstance(topic, str) for topic in value),
        **{field: (lambda value: isinstance(value, bool)) for field in BINARY_FIELDS},
    }
    for key, valid in checks.items():
        if record.get(key) is not None and not valid(record[key]):
            raise LabeledFileError(f"{where}: key '{key}' has unexpected value {record[key]!r}")
    return record


def evaluate_file(classifier, path: Path) -> dict:
    """Classify every record of a labeled file and compare with its gold labels."""
    return evaluate_records(classifier, read_labeled_file(path), str(path))


def evaluate_records(classifier, records: list[dict], source: str) -> dict:
    """Classify labeled records (`read_labeled_file`'s shape) and compare with their gold labels."""
    predictions = classifier.classify([record["text"] for record in records])
    report = evaluate_predictions(records, predictions, matcher=getattr(classifier, "matcher", None))
    report["input"] = source
    report["model"] = classifier.model_info
    return report


def dev_record(post) -> dict:
    """A LabeledPost (nlp.model.data) as a labeled record, the input shape of `nabd eval`."""
    return {"id": post.id, "text": post.text, "dataset": post.dataset,
            "sentiment": post.sentiment, "sarcasm": post.sarcasm, "dialect": post.dialect}


def dev_metrics(classifier, posts) -> dict:
    """Every metric of `evaluate_predictions` for a classifier on LabeledPosts (through `classify`)."""
    predictions = classifier.classify([post.text for post in posts])
    return evaluate_predictions([dev_record(post) for post in posts], predictions)
