"""Dialect that an analyst can trust: class priors fitted to tweets, and `unknown` below a confidence.

The dialect head learns from a mixture that over-represents Maghrebi and Levantine posts (whole
dialect-ID, Moroccan and Tunisian sets) while brand traffic is mostly MSA and Gulf, so its raw
argmax tagged many MSA tweets as Maghrebi or Levantine. After the character n-gram blend
(`nlp.model.class_ngrams`), two corrections are fitted on half 0 of the dev splits (halves by a hash
of the post id) and measured on half 1:

- **Prior correction**: one additive log-bias per dialect (the "bias" part of vector scaling),
  fitted by minimizing the negative log-likelihood of the tweet dev splits (ArSarcasm-v2,
  iSarcasmEval). It moves the decision boundaries to the dialect mix of real tweets without
  touching the ranking within a class. It is kept only when it raises the mean of accuracy and
  macro-F1 on those tweets and costs no other dialect dev split more than 0.005 of accuracy.
- **Abstention**: when the top probability is below `unknown_below`, the mention's dialect is
  `unknown`. The threshold is the highest that costs no dialect dev split more than
  `MAX_UNKNOWN_COST` (0.02) of accuracy, an unknown counted as wrong: the least sure answers, which
  are the most often wrong, are withheld; `fit_unknown_below` gives the threshold for a target
  precision instead.

Stored in config.json under `heads.dialect` as `log_bias` ({dialect: float}) and `unknown_below`.
numpy only: this runs on the serving path.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

UNKNOWN = "unknown"
DEFAULT_TARGET_PRECISION = 0.80
CALIBRATION_SETS = ("arsarcasm_v2_train", "isarcasmeval_ar")
MAX_UNKNOWN_COST = 0.02  # accuracy (unknown counted wrong) the threshold may cost any dialect dev split
THRESHOLDS = tuple(round(0.05 * step, 2) for step in range(15))  # 0.0 .. 0.7
MIN_POSTS = 50


def calibration_half(post_id: str) -> int:
    """0 for the half the corrections are fitted on, 1 for the half they are measured on."""
    return int(hashlib.sha256(f"dialect-calibration:{post_id}".encode()).hexdigest(), 16) % 2


def apply(probabilities: np.ndarray, log_bias: np.ndarray | None) -> np.ndarray:
    """Probabilities (texts × dialects) with the per-dialect log-bias added, renormalized."""
    if log_bias is None:
        return probabilities
    logits = np.log(np.clip(probabilities, 1e-9, 1.0)) + log_bias
    logits -= logits.max(axis=1, keepdims=True)
    exponent = np.exp(logits)
    return exponent / exponent.sum(axis=1, keepdims=True)


def decide(probabilities: np.ndarray, labels: Sequence[str], unknown_below: float) -> list[str]:
    """The dialect per text: the top label, or `unknown` below the confidence threshold."""
    top = probabilities.argmax(axis=1)
    confident = probabilities.max(axis=1) >= unknown_below
    return [labels[index] if ok else UNKNOWN for index, ok in zip(top, confident)]


def fit_log_bias(probabilities: np.ndarray, gold: np.ndarray, steps: int = 500, rate: float = 0.5,
                 l2: float = 1e-3) -> np.ndarray:
    """Per-class log-biases minimizing the mean negative log-likelihood (gradient descent; the
    problem is convex). `gold` holds class indices. Classes absent from `gold` keep a bias of 0
    plus what the shared normalization gives them."""
    log_p = np.log(np.clip(probabilities, 1e-9, 1.0))
    classes = probabilities.shape[1]
    onehot = np.eye(classes)[gold]
    bias = np.zeros(classes)
    for _ in range(steps):
        logits = log_p + bias
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        gradient = (p - onehot).mean(axis=0) + l2 * bias
        bias -= rate * gradient
    return bias - bias.mean()


def fit_unknown_below(probabilities: np.ndarray, gold: np.ndarray,
                      target_precision: float = DEFAULT_TARGET_PRECISION) -> float:
    """The lowest confidence threshold at which the answered posts are right `target_precision` of
    the time (the threshold that answers most while meeting it); 0 if all posts already do."""
    confidence = probabilities.max(axis=1)
    right = probabilities.argmax(axis=1) == gold
    order = np.argsort(-confidence)
    precision = np.cumsum(right[order]) / np.arange(1, len(order) + 1)
    meets = np.flatnonzero(precision >= target_precision)
    if len(meets) == 0:
        return 1.0
    answered = meets.max()  # the most posts answered at the target
    if answered == len(order) - 1:
        return 0.0
    return float(round(confidence[order][answered] - 1e-6, 6))


def _balanced_score(probabilities: np.ndarray, gold: np.ndarray, labels: Sequence[str]) -> float:
    from nlp.model.evaluate import dialect_metrics

    metrics = dialect_metrics([labels[g] for g in gold], [labels[i] for i in probabilities.argmax(axis=1)])
    return (metrics["accuracy"] + metrics["macro_f1"]) / 2


def calibrate_model(model_dir: Path, dev_dir: Path, datasets: Sequence[str], max_cost: float = MAX_UNKNOWN_COST,
                    backend: str = "onnx") -> dict:
    """Fit the dialect head's log-bias on half 0 of the tweet dev splits and its `unknown` threshold
    on half 0 of every dialect dev split among `datasets` (files in `dev_dir`, as `nabd train`
    writes them). Returns the report (`log_bias` and `unknown_below` for config.json's
    `heads.dialect`, and each dev split's half 1 and whole split, as the head answers,
    prior-corrected, and served); the caller stores them."""
    from nlp.model.data import read_jsonl
    from nlp.model.evaluate import dialect_metrics
    from nlp.model.predict import Classifier

    model_dir, dev_dir = Path(model_dir), Path(dev_dir)
    classifier = Classifier.load(model_dir, backend=backend)
    labels = classifier.head_labels["dialect"]
    classifier.dialect_bias, classifier.dialect_unknown_below = None, 0.0  # the head's own probabilities
    posts = {name: [record for _, record in read_jsonl(dev_dir / f"{name}.jsonl") if record.get("dialect") in labels]
             for name in datasets if (dev_dir / f"{name}.jsonl").is_file()}
    posts = {name: records for name, records in posts.items() if records}
    raw = {name: np.array([[record["dialect_scores"][label] for label in labels]
                           for record in classifier.classify([post["text"] for post in records])])
           for name, records in posts.items()}
    halves = {name: np.array([calibration_half(str(post["id"])) for post in records]) for name, records in posts.items()}
    gold = {name: np.array([labels.index(post["dialect"]) for post in records]) for name, records in posts.items()}
    tweets = [name for name in CALIBRATION_SETS if name in posts]
    fit_rows = np.concatenate([raw[name][halves[name] == 0] for name in tweets] or [np.zeros((0, len(labels)))])
    fit_gold = np.concatenate([gold[name][halves[name] == 0] for name in tweets] or [np.zeros(0, int)]).astype(int)

    def accuracy(name: str, bias, threshold: float, rows: np.ndarray) -> float:
        chosen = apply(raw[name][rows], bias)
        return float(((chosen.argmax(axis=1) == gold[name][rows]) & (chosen.max(axis=1) >= threshold)).mean())

    guarded = [name for name in posts if name not in tweets and (halves[name] == 0).sum() >= MIN_POSTS]
    # too few tweets to fit five biases on: none
    fitted = fit_log_bias(fit_rows, fit_gold) if len(fit_gold) >= MIN_POSTS else np.zeros(len(labels))
    # the bias is kept only where it helps the tweets of half 0 (mean of accuracy and macro-F1) and
    # costs no other dialect dev split more than 0.005 of accuracy there: after the n-gram blend the
    # head's mix can be right already, and a likelihood fit on tweets trades Maghrebi away for MSA
    kept = (len(fit_gold) >= MIN_POSTS
            and _balanced_score(apply(fit_rows, fitted), fit_gold, labels) > _balanced_score(fit_rows, fit_gold, labels)
            and all(accuracy(name, fitted, 0.0, halves[name] == 0) >= accuracy(name, None, 0.0, halves[name] == 0) - 0.005
                    for name in guarded))
    log_bias = fitted if kept else np.zeros(len(labels))
    # `unknown` for the least sure answers: the highest threshold that costs no dialect dev split more
    # than `max_cost` of accuracy on half 0 (an unknown counts as wrong)
    checked = [name for name in posts if (halves[name] == 0).sum() >= MIN_POSTS]
    unknown_below = 0.0 if not checked else max(threshold for threshold in THRESHOLDS if all(
        accuracy(name, log_bias, threshold, halves[name] == 0) >= accuracy(name, log_bias, 0.0, halves[name] == 0) - max_cost
        for name in checked))

    def measured(name: str, rows: np.ndarray, bias, threshold: float) -> dict:
        chosen = apply(raw[name][rows], bias)
        return dialect_metrics([labels[g] for g in gold[name][rows]], decide(chosen, labels, threshold))

    report = {"log_bias_fitted_on": f"half 0 of the dev splits {tweets} ({len(fit_gold)} posts)",
              "log_bias": dict(zip(labels, np.round(log_bias, 4).tolist())),
              "fitted_log_bias": dict(zip(labels, np.round(fitted, 4).tolist())), "log_bias_kept": bool(kept),
              "unknown_below": unknown_below, "max_cost": max_cost, "threshold_checked_on": checked, "measured": {}}
    for name in posts:
        held = halves[name] == 1
        everything = np.ones(len(held), bool)
        report["measured"][name] = {
            part: {"head": measured(name, rows, None, 0.0),
                   "prior_corrected": measured(name, rows, fitted, 0.0),
                   "served": measured(name, rows, log_bias, unknown_below)}
            for part, rows in (("held_out_half", held), ("whole_dev", everything))}
    logger.info("dialect calibration: log-bias %s (kept: %s), unknown below %.2f", report["log_bias"], kept,
                unknown_below)
    return report
