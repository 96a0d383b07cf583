"""Out-of-fold tuning shared by the complaint heads and the topics channel: fold assignment,
per-label thresholds that maximise F1 on out-of-fold probabilities, and micro-F1 at those thresholds.

A table is anything with `targets` and `known` (rows × labels tensors), `gold` (a boolean per row:
counted when tuning; weak labels are not) and `labels`."""

from __future__ import annotations

import hashlib

import numpy as np

# Thresholds are searched in this range: below 0.2 a rare topic tuned on a few dozen positives
# fires on many posts outside the reviews it was tuned on.
MIN_THRESHOLD, MAX_THRESHOLD = 0.2, 0.9


def fold_assignment(count: int, seed: int, folds: int) -> np.ndarray:
    """The fold of each table row, from a seeded hash of its position."""
    return np.array([int(hashlib.sha1(f"{seed}:{i}".encode()).hexdigest(), 16) % folds for i in range(count)])


def tune_thresholds(table, oof: np.ndarray) -> tuple[list[float], dict]:
    """Per label, the threshold that maximises F1 on the out-of-fold probabilities of the gold rows."""
    thresholds, report = [], {}
    for column, label in enumerate(table.labels):
        rows = scored_rows(table, oof, column)
        gold = table.targets[rows, column].numpy() > 0.5
        threshold, f1 = best_threshold(gold, oof[rows, column])
        thresholds.append(threshold)
        report[label] = {"threshold": threshold, "f1": round(f1, 4), "positives": int(gold.sum())}
    return thresholds, report


def scored_rows(table, oof: np.ndarray, column: int) -> np.ndarray:
    return np.where(table.gold & (table.known[:, column].numpy() > 0) & ~np.isnan(oof[:, column]))[0]


def micro_f1_tuned(table, oof: np.ndarray) -> float:
    """Micro-F1 over the labels of out-of-fold probabilities, each label at its best threshold."""
    true_positive = predicted = actual = 0.0
    thresholds, _ = tune_thresholds(table, oof)
    for column, threshold in enumerate(thresholds):
        rows = scored_rows(table, oof, column)
        gold = table.targets[rows, column].numpy() > 0.5
        hits = oof[rows, column] >= threshold
        true_positive += float(np.sum(hits & gold))
        predicted += float(hits.sum())
        actual += float(gold.sum())
    return 2 * true_positive / (predicted + actual) if predicted + actual else 0.0


def best_threshold(gold: np.ndarray, probabilities: np.ndarray) -> tuple[float, float]:
    """The threshold in MIN_THRESHOLD..MAX_THRESHOLD with the highest F1 (ties: the one nearest 0.5)."""
    best = (0.5, -1.0)
    for threshold in np.round(np.arange(MIN_THRESHOLD, MAX_THRESHOLD + 1e-9, 0.025), 3):
        f1 = _f1(probabilities >= threshold, gold)
        if f1 > best[1] + 1e-9 or (abs(f1 - best[1]) <= 1e-9 and abs(threshold - 0.5) < abs(best[0] - 0.5)):
            best = (float(threshold), f1)
    return best[0], max(best[1], 0.0)


def matcher_gate(table, oof: np.ndarray, thresholds: list[float], found: list[set[str]],
                 complaint: np.ndarray) -> tuple[list[str], dict]:
    """The topics whose matcher evidence should add the topic when the head alone does not (as
    `Classifier` does): those where it raises the out-of-fold F1 on the gold complaints. `found` is
    the matcher's labels per table row, `complaint` each row's gold complaint flag. A seed that
    also names other complaints (`الطلب تأخر` in a restaurant is a slow waiter, not a courier)
    costs its topic more than it adds."""
    kept, report = [], {}
    for column, label in enumerate(table.labels):
        rows = np.where(table.gold & complaint & ~np.isnan(oof[:, column]))[0]
        gold = table.targets[rows, column].numpy() > 0.5
        head = oof[rows, column] >= thresholds[column]
        added = np.array([label in found[row] for row in rows], dtype=bool) & ~head
        f1_head, f1_with = _f1(head, gold), _f1(head | added, gold)
        if f1_with > f1_head:
            kept.append(label)
        report[label] = {"added": int(added.sum()), "added_precision": round(float((added & gold).sum()) / max(int(added.sum()), 1), 4),
                         "f1_head": round(f1_head, 4), "f1_with_matcher": round(f1_with, 4), "kept": label in kept}
    return kept, report


def _f1(predicted: np.ndarray, gold: np.ndarray) -> float:
    denominator = float(predicted.sum() + gold.sum())
    return 2 * float(np.sum(predicted & gold)) / denominator if denominator else 0.0
