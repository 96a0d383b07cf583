"""Fit the spam head v2 on the team-labelled mention-quality set and measure it on its hold-out.

The transformer's spam head (trained on whole collections: scam and low-quality tweets against
sentiment tweets) learned what those collections look like, not what spam is. This step keeps
its probability as one input and stacks it with a character n-gram model and the post's shape,
all fitted on the labelled train split; the threshold is the lowest whose out-of-fold rate of
genuine posts removed stays within `max_genuine_removed` (precision first: a spam flag removes a
post from every count). The hold-out is read once, at the end, through the inference path.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from nlp.model.char_ngrams import CharNgramModel, fit_label, hashed_counts, idf_of
from nlp.model.out_of_fold import fold_assignment
from nlp.spam.data import LABELED_FILE, SPAM_REASONS, SpamLabel, read_spam_labels
from nlp.spam.scorer import SpamScorer, stack_features

logger = logging.getLogger(__name__)

CARD_START = "<!-- spam-model:start -->"
CARD_END = "<!-- spam-model:end -->"


@dataclass
class SpamFitArguments:
    model_dir: Path
    labeled: Path = LABELED_FILE
    backend: str = "onnx"  # the transformer probability the stack reads is the served one
    folds: int = 5
    seed: int = 13
    max_genuine_removed: float = 0.02  # out of fold; the hold-out target is 0.03
    ngram_c: tuple[float, ...] = (1.0, 3.0, 10.0)
    stack_c: float = 1.0
    model_version: str | None = None  # the version the model directory carries from now on (default: kept)


def run_spam_fit(args: SpamFitArguments) -> dict:
    """Fit, choose the n-gram C and the threshold out of fold, save into the model directory,
    measure the hold-out, and record it all in metrics.json and MODEL.md. Returns the report."""
    from nlp.model.predict import Classifier

    started = time.monotonic()
    labels = read_spam_labels(args.labeled)
    train = [label for label in labels if label.split == "train"]
    holdout = [label for label in labels if label.split == "holdout"]
    classifier = Classifier.load(args.model_dir, backend=args.backend)
    classifier.spam_model = None  # the transformer head's own probability, not a previous v2's
    texts = [label.text for label in train]
    normalized, head = _head_probabilities(classifier, texts)
    gold = np.array([label.spam for label in train], dtype=np.int64)
    fold_of = fold_assignment(len(train), args.seed, args.folds)
    counts = hashed_counts(normalized)
    search = {}
    for c in args.ngram_c:
        ngram_oof = _ngram_out_of_fold(counts, gold, fold_of, c)
        stack = stack_features(texts, head, ngram_oof)
        oof = _stack_out_of_fold(stack, gold, fold_of, args.stack_c)
        threshold, recall, removed = choose_threshold(gold, oof, args.max_genuine_removed)
        search[c] = {"c": c, "threshold": threshold, "oof_recall": recall, "oof_genuine_removed": removed,
                     "stack": stack}
        logger.info("n-gram C %.1f: out-of-fold recall %.3f at threshold %.3f (genuine removed %.3f)",
                    c, recall, threshold, removed)
    best = max(search.values(), key=lambda entry: (entry["oof_recall"], -entry["oof_genuine_removed"]))
    scorer = _final_scorer(train, counts, gold, best, args.stack_c)
    provenance = _provenance(args, labels)
    scorer.save(Path(args.model_dir), provenance)
    if args.model_version:
        _set_version(Path(args.model_dir), args.model_version)
    report = {
        "fitted_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "arguments": {key: str(value) if isinstance(value, Path) else value for key, value in asdict(args).items()},
        "data": {"train": len(train), "train_spam": int(gold.sum()), "holdout": len(holdout),
                 "holdout_spam": sum(label.spam for label in holdout), "labeled_sha1": provenance["labeled_sha1"]},
        "search": [{key: value for key, value in entry.items() if key != "stack"} for entry in search.values()],
        "chosen": {"ngram_c": best["c"], "threshold": best["threshold"], "oof_recall": best["oof_recall"],
                   "oof_genuine_removed": best["oof_genuine_removed"]},
        "holdout": holdout_metrics(Classifier.load(args.model_dir, backend=args.backend), holdout),
        "holdout_v1": holdout_metrics(classifier, holdout),
    }
    report["minutes"] = round((time.monotonic() - started) / 60, 2)
    _record(Path(args.model_dir), report)
    return report


def _head_probabilities(classifier, texts: list[str]) -> tuple[list[str], np.ndarray]:
    from nlp.normalize import normalize_for_model

    records = classifier.classify(texts)
    return [normalize_for_model(text) for text in texts], np.array([record["spam_score"] for record in records])


def _ngram_out_of_fold(counts, gold: np.ndarray, fold_of: np.ndarray, c: float) -> np.ndarray:
    """The n-gram spam logit of each row from a model fitted without its fold."""
    logits = np.zeros(len(gold))
    for fold in np.unique(fold_of):
        inside, outside = fold_of != fold, fold_of == fold
        model = _ngram_model(counts[inside], gold[inside], c)
        logits[outside] = np.asarray(model.features(counts[outside]) @ model.coef[:, 0].astype(np.float64)) + model.intercept[0]
    return logits


def _ngram_model(counts, gold: np.ndarray, c: float, reasons: list[str | None] | None = None) -> CharNgramModel:
    """idf over `counts`' rows, a spam column on every row, and (with `reasons`) a column per kind
    of spam fitted on the spam rows (one kind against the others)."""
    buckets, idf = idf_of(counts)
    model = CharNgramModel(buckets, idf, np.zeros((len(buckets), 1 + len(SPAM_REASONS)), np.float32),
                          np.zeros(1 + len(SPAM_REASONS), np.float32), ["spam", *SPAM_REASONS], 1.0)
    features = model.features(counts)
    weights = np.ones(len(gold))
    model.coef[:, 0], model.intercept[0] = fit_label(features, gold, weights, c)
    if reasons is not None:
        spam_rows = np.flatnonzero(gold == 1)
        for column, reason in enumerate(SPAM_REASONS, start=1):
            targets = np.array([reasons[row] == reason for row in spam_rows], dtype=np.int64)
            model.coef[:, column], model.intercept[column] = fit_label(features[spam_rows], targets,
                                                                      np.ones(len(spam_rows)), c)
    return model


def _fit_stack(stack: np.ndarray, gold: np.ndarray, c: float):
    from sklearn.linear_model import LogisticRegression

    mean, scale = stack.mean(axis=0), stack.std(axis=0)
    scale = np.where(scale > 1e-9, scale, 1.0)
    model = LogisticRegression(C=c, max_iter=2000).fit((stack - mean) / scale, gold)
    return model.coef_[0], float(model.intercept_[0]), mean, scale


def _stack_out_of_fold(stack: np.ndarray, gold: np.ndarray, fold_of: np.ndarray, c: float) -> np.ndarray:
    probabilities = np.zeros(len(gold))
    for fold in np.unique(fold_of):
        inside, outside = fold_of != fold, fold_of == fold
        coef, intercept, mean, scale = _fit_stack(stack[inside], gold[inside], c)
        probabilities[outside] = 1 / (1 + np.exp(-(((stack[outside] - mean) / scale) @ coef + intercept)))
    return probabilities


def choose_threshold(gold: np.ndarray, probabilities: np.ndarray, max_genuine_removed: float) -> tuple[float, float, float]:
    """The lowest threshold (best recall) whose share of genuine posts at or above it is at most
    `max_genuine_removed`; returns (threshold, spam recall, genuine removed)."""
    genuine = np.sort(probabilities[gold == 0])[::-1]
    allowed = int(np.floor(max_genuine_removed * len(genuine)))
    # flag strictly above the (allowed+1)-th highest genuine score (1e-6 above it, kept by the rounding)
    threshold = round(float(genuine[allowed]) + 1e-6, 6) if allowed < len(genuine) else 0.0
    threshold = max(threshold, 0.05)
    flagged = probabilities >= threshold
    recall = float(flagged[gold == 1].mean()) if (gold == 1).any() else 0.0
    removed = float(flagged[gold == 0].mean()) if (gold == 0).any() else 0.0
    return threshold, round(recall, 4), round(removed, 4)


def _final_scorer(train: list[SpamLabel], counts, gold: np.ndarray, best: dict, stack_c: float) -> SpamScorer:
    ngrams = _ngram_model(counts, gold, best["c"], [label.spam_reason for label in train])
    coef, intercept, mean, scale = _fit_stack(best["stack"], gold, stack_c)
    return SpamScorer(ngrams, coef, intercept, mean, scale, best["threshold"])


def holdout_metrics(classifier, holdout: list[SpamLabel]) -> dict:
    """Spam precision/recall, genuine posts removed and kinds right, through `classifier`."""
    if not holdout:
        return {}
    records = classifier.classify([label.text for label in holdout])
    predicted = np.array([record["spam"] for record in records])
    gold = np.array([label.spam for label in holdout])
    caught = predicted & gold
    metrics = {
        "posts": len(holdout), "spam": int(gold.sum()),
        "precision": round(float(caught.sum() / max(predicted.sum(), 1)), 4),
        "recall": round(float(caught.sum() / max(gold.sum(), 1)), 4),
        "genuine_removed": round(float((predicted & ~gold).sum() / max((~gold).sum(), 1)), 4),
    }
    metrics["f1"] = round(2 * metrics["precision"] * metrics["recall"] / max(metrics["precision"] + metrics["recall"], 1e-9), 4)
    reasons = [(label.spam_reason, record.get("spam_reason")) for label, record in zip(holdout, records)
               if label.spam and record["spam"]]
    if reasons and "spam_reason" in records[0]:
        metrics["reason_accuracy"] = round(sum(gold_reason == said for gold_reason, said in reasons) / len(reasons), 4)
    drawn = {}
    for name in sorted({label.drawn for label in holdout if label.drawn}):
        rows = np.array([label.drawn == name for label in holdout])
        if rows.any():
            drawn[name] = {"posts": int(rows.sum()), "spam": int(gold[rows].sum()),
                           "recall": round(float(caught[rows].sum() / max(gold[rows].sum(), 1)), 4),
                           "genuine_removed": round(float((predicted & ~gold)[rows].sum() / max((~gold[rows]).sum(), 1)), 4)}
    metrics["by_draw"] = drawn
    return metrics


def _provenance(args: SpamFitArguments, labels: list[SpamLabel]) -> dict:
    digest = hashlib.sha1(Path(args.labeled).read_bytes()).hexdigest()
    return {"labeled_file": Path(args.labeled).name, "labeled_sha1": digest, "labeled_posts": len(labels),
            "fitted_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


def _set_version(model_dir: Path, version: str) -> None:
    """The new version in config.json (every mention's `nlp.model.version`) and the card's title."""
    from nlp.model.complaint_card import set_card_version

    path = model_dir / "config.json"
    config = json.loads(path.read_text(encoding="utf-8"))
    config["model_version"] = version
    path.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    set_card_version(model_dir / "MODEL.md", config.get("model_name", model_dir.name), version)


def _record(model_dir: Path, report: dict) -> None:
    from nlp.model.complaint_card import replace_card_section

    path = model_dir / "metrics.json"
    metrics = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    metrics["spam_model"] = report
    path.write_text(json.dumps(metrics, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    replace_card_section(model_dir / "MODEL.md", CARD_START, CARD_END, card_lines(report))


def card_lines(report: dict) -> list[str]:
    holdout, before = report["holdout"], report["holdout_v1"]
    data, chosen = report["data"], report["chosen"]
    return [
        "## Spam and ads (spam head v2, `nabd train --steps spam`)",
        "",
        f"Fitted {report['fitted_at']} on the train split of `nlp/spam/labeled_posts.jsonl` ({data['train']} posts, "
        f"{data['train_spam']} spam; guidelines `nlp/spam/guidelines.md`): the transformer head's probability "
        f"stacked with a character n-gram model (C {chosen['ngram_c']}) and the post's shape. Threshold "
        f"{chosen['threshold']:.3f}, chosen out of fold for at most {report['arguments']['max_genuine_removed']:.0%} "
        f"genuine posts removed (out of fold: recall {chosen['oof_recall']:.3f}, genuine removed "
        f"{chosen['oof_genuine_removed']:.3f}).",
        "",
        f"Hold-out ({holdout['posts']} posts, {holdout['spam']} spam; never read by a fit), through the inference path:",
        "",
        "| model | spam caught (recall) | genuine removed | precision | F1 |",
        "|---|---:|---:|---:|---:|",
        f"| transformer head alone (v1) | {before['recall']:.3f} | {before['genuine_removed']:.3f} | "
        f"{before['precision']:.3f} | {before['f1']:.3f} |",
        f"| **spam head v2** | {holdout['recall']:.3f} | {holdout['genuine_removed']:.3f} | "
        f"{holdout['precision']:.3f} | {holdout['f1']:.3f} |",
        "",
        f"Kind of spam (`nlp.spam_reason`) right on {holdout.get('reason_accuracy', 0):.1%} of the spam posts caught.",
    ]
