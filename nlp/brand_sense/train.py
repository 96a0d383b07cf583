"""Fitting and measuring the brand-sense model (`nabd brand-sense fit`).

1. Features of every example: the weak company/ordinary-word contexts of `../shared/data` and the
   team-labelled posts of the train split (weight `TEAM_WEIGHT`: they are the target words).
2. The thresholds (one for all words, one per labelled word): out of fold over the team-labelled
   train posts (weak data always in the fit), the lowest probability reaching precision
   `target_precision` at recall `target_recall`, else the one of best F1.
3. The report: on each word's hold-out, precision and recall of the model alone and of the whole
   brand matcher (the brand's aliases, exclude terms and include terms) against the matcher without
   the model; and "leave the word out": a fit that saw neither labels nor weak contexts of the word,
   measured on all its labelled posts — what a deployment gets for a new ambiguous brand before it
   labels any of its posts.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nlp.brand_sense.data import (
    LABELED_FILE,
    SenseLabel,
    name_words,
    read_sense_labels,
    weak_examples,
)
from nlp.brand_sense.features import HASH_SIZE, context_features, hashed
from nlp.brand_sense.scorer import MODEL_DIR, BrandSenseScorer
from nlp.model.data import post_key

logger = logging.getLogger(__name__)

TEAM_WEIGHT = 6.0
MIN_WORD_LABELS = (50, 10)  # train posts and positives a word needs for a threshold of its own
FOLDS = 5
# The words each labelled word's leave-out fit also drops from the weak data (same word, other forms).
WORD_FORMS = {"سهم": ("سهم", "اسهم"), "رفيق": ("رفيق", "رفيقي"), "زين": ("زين",)}


@dataclass
class FitArguments:
    data_dir: Path
    labels: Path = LABELED_FILE
    output: Path = MODEL_DIR
    c: float = 0.5
    target_precision: float = 0.95
    seed: int = 13
    leave_out: bool = True


@dataclass
class _Example:
    buckets: list[np.ndarray] = field(default_factory=list)  # one per occurrence of the name
    brand: bool = False
    weight: float = 1.0


def occurrences(text: str, name: str) -> list[tuple[list[str], int, int, str]]:
    """Each place the matcher would find `name` in `text`: (words, first, last, clitic)."""
    from nlp.brands import clitic_readings, matching_words

    target = name_words(name)
    plain = matching_words(text)
    found = []
    for index, word in enumerate(plain):
        for clitic, stem in clitic_readings(word):
            last = index + len(target) - 1
            if stem == target[0] and tuple(plain[index + 1 : last + 1]) == target[1:]:
                found.append((plain, index, last, clitic))
                break
    return found


def _example(text: str, name: str, brand: bool, weight: float) -> _Example | None:
    places = occurrences(text, name)
    if not places:
        return None
    return _Example([hashed(context_features(*place)) for place in places], brand, weight)


def _matrix(examples: Sequence[_Example]):
    """Training rows: the first occurrence of each example (a post may use the word both ways)."""
    from scipy import sparse

    rows = np.concatenate([np.full(len(ex.buckets[0]), row) for row, ex in enumerate(examples)])
    cols = np.concatenate([ex.buckets[0] for ex in examples])
    return sparse.csr_matrix((np.ones(len(cols), np.float32), (rows, cols)), shape=(len(examples), HASH_SIZE))


def _fit(examples: Sequence[_Example], c: float, seed: int) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    gold = np.array([ex.brand for ex in examples])
    weights = np.array([ex.weight for ex in examples])
    model = LogisticRegression(C=c, max_iter=2000, solver="liblinear", random_state=seed)
    model.fit(_matrix(examples), gold, sample_weight=weights)
    return model.coef_[0].astype(np.float32), float(model.intercept_[0])


def _post_probability(weights: np.ndarray, bias: float, example: _Example) -> float:
    """A post names the brand if any occurrence does: the highest occurrence probability."""
    logits = [bias + float(weights[buckets].sum()) for buckets in example.buckets]
    return float(1.0 / (1.0 + np.exp(-max(logits))))


def choose_threshold(gold: np.ndarray, probability: np.ndarray, target_precision: float,
                     target_recall: float = 0.90) -> float:
    """The lowest threshold reaching both targets; when none does, the one of best F1 (precision
    and recall close together: the brand's count is then about right, errors going both ways)."""
    best_f1, best_f1_threshold = -1.0, 0.5
    for threshold in sorted(set(np.round(probability, 4))):
        flagged = probability >= threshold
        tp = int((flagged & gold).sum())
        if not flagged.any():
            continue
        precision, recall = tp / int(flagged.sum()), tp / max(1, int(gold.sum()))
        if precision >= target_precision and recall >= target_recall:
            return float(threshold)
        f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
        if f1 > best_f1:
            best_f1, best_f1_threshold = f1, float(threshold)
    return best_f1_threshold


def precision_recall(gold: Sequence[bool], predicted: Sequence[bool]) -> dict:
    gold_array, predicted_array = np.array(gold, bool), np.array(predicted, bool)
    tp = int((gold_array & predicted_array).sum())
    flagged, positives = int(predicted_array.sum()), int(gold_array.sum())
    precision = tp / flagged if flagged else None
    recall = tp / positives if positives else None
    f1 = 2 * precision * recall / (precision + recall) if precision and recall else 0.0
    return {"n": len(gold_array), "brand": positives, "flagged": flagged, "precision": _round(precision),
            "recall": _round(recall), "f1": round(f1, 3)}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def run_fit(args: FitArguments) -> dict:
    """Fit on weak + team-labelled train posts, measure on the hold-out, save the model; the report."""
    labels = read_sense_labels(args.labels)
    excluded_ids = {label.source_id.removeprefix("subst:") for label in labels}
    excluded_keys = {post_key(label.text) for label in labels}
    weak = weak_examples(args.data_dir, excluded_ids, excluded_keys)
    logger.info("brand sense: %d weak examples, %d labelled posts", len(weak), len(labels))
    weak_built = [(ex, _example(ex.text, ex.name, ex.brand, 1.0)) for ex in weak]
    team = [(label, _example(label.text, label.word, label.brand, TEAM_WEIGHT)) for label in labels]
    unmatched = [label.source_id for label, ex in team if ex is None]
    if unmatched:
        logger.warning("brand sense: %d labelled posts where the matcher does not find the word (left out): %s",
                       len(unmatched), unmatched[:5])
    team = [(label, ex) for label, ex in team if ex is not None]
    weak_rows = [ex for _, ex in weak_built if ex is not None]
    train_team = [(label, ex) for label, ex in team if label.split == "train"]

    threshold, word_thresholds, out_of_fold = _out_of_fold_thresholds(weak_rows, train_team, args)
    weights, bias = _fit(weak_rows + [ex for _, ex in train_team], args.c, args.seed)
    scorer = BrandSenseScorer(weights, bias, threshold, word_thresholds)
    report = {
        "labels": _label_counts(labels),
        "weak_examples": {"brand": sum(ex.brand for ex in weak_rows), "not_brand": sum(not ex.brand for ex in weak_rows)},
        "threshold": round(threshold, 4),
        "word_thresholds": {word: round(value, 4) for word, value in word_thresholds.items()},
        "out_of_fold": out_of_fold,
        "holdout": _holdout_report(scorer, [(label, ex) for label, ex in team if label.split == "holdout"], labels),
    }
    if args.leave_out:
        report["leave_word_out"] = _leave_word_out(weak_built, team, args, threshold)
    scorer.save(args.output, {"c": args.c, "target_precision": args.target_precision, "team_weight": TEAM_WEIGHT,
                              "labels_file": str(Path(args.labels).name), **report})
    return report


def run_evaluate(labels_path: Path = LABELED_FILE, model_dir: Path = MODEL_DIR) -> dict:
    """A saved model on the hold-out posts of `labels_path`, measured as `run_fit` measures a new one
    (for a before/after on the same posts when the labelled file grows)."""
    labels = read_sense_labels(labels_path)
    scorer = BrandSenseScorer.load(Path(model_dir))
    holdout = [(label, _example(label.text, label.word, label.brand, TEAM_WEIGHT)) for label in labels
               if label.split == "holdout"]
    holdout = [(label, ex) for label, ex in holdout if ex is not None]
    return {"model_dir": str(model_dir), "labels": _label_counts(labels),
            "holdout": _holdout_report(scorer, holdout, labels)}


def _out_of_fold_thresholds(weak_rows, train_team, args: FitArguments) -> tuple[float, dict[str, float], dict]:
    """The threshold for words nobody labelled (over all labelled words' out-of-fold probabilities)
    and one per labelled word with enough posts (`choose_threshold`)."""
    rng = np.random.default_rng(args.seed)
    fold_of = rng.integers(0, FOLDS, len(train_team))
    probability = np.zeros(len(train_team))
    for fold in range(FOLDS):
        inside = [ex for (_, ex), f in zip(train_team, fold_of) if f != fold]
        weights, bias = _fit(weak_rows + inside, args.c, args.seed)
        for row in np.flatnonzero(fold_of == fold):
            probability[row] = _post_probability(weights, bias, train_team[row][1])
    gold = np.array([label.brand for label, _ in train_team])
    threshold = choose_threshold(gold, probability, args.target_precision)
    word_thresholds, report = {}, {"all_words": precision_recall(gold, probability >= threshold)}
    for word in sorted({label.word for label, _ in train_team}):
        rows = np.array([label.word == word for label, _ in train_team])
        if rows.sum() >= MIN_WORD_LABELS[0] and gold[rows].sum() >= MIN_WORD_LABELS[1]:
            chosen = choose_threshold(gold[rows], probability[rows], args.target_precision)
            word_thresholds[" ".join(name_words(word))] = chosen
            report[word] = precision_recall(gold[rows], probability[rows] >= chosen)
    return threshold, word_thresholds, report


def _holdout_report(scorer: BrandSenseScorer, holdout: list[tuple[SenseLabel, _Example]],
                    labels: Sequence[SenseLabel]) -> dict:
    """Per word: the model on the hold-out posts where the matcher finds the word, and brand matching
    on all the word's hold-out posts (a brand post whose form the matcher misses counts as missed)."""
    report = {}
    for word in sorted({label.word for label, _ in holdout}):
        rows = [(label, ex) for label, ex in holdout if label.word == word]
        gold = [label.brand for label, _ in rows]
        threshold = scorer.threshold_for(" ".join(name_words(word)))
        predicted = [_post_probability(scorer.weights, scorer.bias, ex) >= threshold for _, ex in rows]
        posts = [label for label in labels if label.word == word and label.split == "holdout"]
        report[word] = {"model": precision_recall(gold, predicted), "matching": matching_report(word, posts, scorer)}
    return report


def _leave_word_out(weak_built, team, args: FitArguments, threshold: float) -> dict:
    report = {}
    for word in sorted({label.word for label, _ in team}):
        forms = set(WORD_FORMS.get(word, (word,)))
        weak_rows = [ex for weak, ex in weak_built if ex is not None and weak.name not in forms]
        others = [ex for label, ex in team if label.word != word and label.split == "train"]
        weights, bias = _fit(weak_rows + others, args.c, args.seed)
        rows = [(label, ex) for label, ex in team if label.word == word]
        gold = [label.brand for label, _ in rows]
        predicted = [_post_probability(weights, bias, ex) >= threshold for _, ex in rows]
        report[word] = precision_recall(gold, predicted)
    return report


def matching_report(word: str, labels: Sequence[SenseLabel], scorer: BrandSenseScorer) -> dict:
    """Brand matching on the posts: the matcher with the model against the matcher with only the
    brand's exclude and include terms (what nabd did before), for the brand the word names."""
    from nlp.brands import BrandMatcher

    rule, ambiguous = evaluation_rule(word)
    gold = [label.brand for label in labels]
    before = BrandMatcher([rule], sense=None)
    after = BrandMatcher([ambiguous], sense=scorer)
    return {
        "before": precision_recall(gold, [bool(before.match(label.text)) for label in labels]),
        "after": precision_recall(gold, [bool(after.match(label.text)) for label in labels]),
    }


def evaluation_rule(word: str):
    """The brand the word names in the evaluation, without and with the word marked ambiguous: the
    demo brand that uses it (config/brands.yaml), else a brand with the word as its only alias."""
    import dataclasses

    from config.loader import load_config
    from nlp.brands import BrandRule

    for brand in load_config().brands:
        if word in brand.aliases:
            rule = dataclasses.replace(BrandRule.from_config(brand), ambiguous_aliases=frozenset())
            return rule, dataclasses.replace(rule, ambiguous_aliases=frozenset({word}))
    rule = BrandRule(id="word", aliases=(word,))
    return rule, dataclasses.replace(rule, ambiguous_aliases=frozenset({word}))


def _label_counts(labels: Sequence[SenseLabel]) -> dict:
    counts: dict = {}
    for label in labels:
        entry = counts.setdefault(label.word, {"posts": 0, "brand": 0, "substituted": 0, "holdout": 0,
                                               "double_labelled": 0, "agreement": None})
        entry["posts"] += 1
        entry["brand"] += label.brand
        entry["substituted"] += label.drawn == "substituted"
        entry["holdout"] += label.split == "holdout"
        entry["double_labelled"] += label.second_brand is not None
    for word, entry in counts.items():
        pairs = [(label.brand, label.second_brand) for label in labels if label.word == word and label.second_brand is not None]
        if pairs:
            entry["agreement"] = round(sum(a == b for a, b in pairs) / len(pairs), 3)
            entry["kappa"] = _kappa(pairs)
    return counts


def _kappa(pairs: list[tuple[bool, bool]]) -> float | None:
    n = len(pairs)
    observed = sum(a == b for a, b in pairs) / n
    first, second = sum(a for a, _ in pairs) / n, sum(b for _, b in pairs) / n
    expected = first * second + (1 - first) * (1 - second)
    return None if expected >= 1 else round((observed - expected) / (1 - expected), 3)
