"""The topic head's spelling channel: a linear model over hashed character n-grams of the
normalized text, blended with the transformer head's probabilities.

The small encoder and its subword vocabulary blur the words that name a complaint's topic in
dialect spellings (`الفاتوره`, `فاتورتي`, `الفواتير`, `انخصم`, `خصمو`); character n-grams inside
word boundaries see them whatever the tokenizer made of them. On the silver dev split this channel
lifts topics micro-F1 from 0.667 to 0.708 (docs/model.md, MODEL.md). It runs only on posts the
complaint head flags, since only they get topics.

Stored next to the weights as `topics_char_ngrams.safetensors`: the hashed buckets the training
texts used (sorted), their idf, one weight column per topic, one bias per topic, and in the
metadata the n-gram settings, the labels and the blend weight.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nlp.model.out_of_fold import micro_f1_tuned

logger = logging.getLogger(__name__)

CHAR_NGRAMS_FILE = "topics_char_ngrams.safetensors"
ANALYZER = "char_wb-poly64"  # n-grams inside space-padded words, hashed by `hashed_counts`
NGRAM_RANGE = (2, 5)
HASH_FEATURES = 1 << 20


class CharNgramsError(ValueError):
    """The stored character n-gram model is unreadable or does not fit the model's topics."""


def ngram_counts(normalized: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The hashed n-grams of texts already passed through `normalize_for_model`, as three arrays
    (text row, bucket in 0..2^20, count), sorted by row then bucket.

    The n-grams are those of each word padded with a space on either side (`char_wb`): a space may
    open or close an n-gram but never sit inside one, so no n-gram spans two words. All texts are
    hashed at once in numpy (a polynomial hash of the code points, mixed and cut to 20 bits)."""
    words = [" ".join(text.lower().split()) for text in normalized]
    texts = [f" {text} " if text else "" for text in words]
    codes = np.frombuffer("\x00".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    lengths = np.fromiter((len(text) for text in texts), dtype=np.int64, count=len(texts))
    row_of = np.repeat(np.arange(len(texts)), lengths + 1)[: len(codes)]  # the separator counts to the text before it
    space = np.concatenate(([0], np.cumsum(codes == 32)))
    blocked = np.concatenate(([0], np.cumsum(codes == 0)))
    keys = []
    low, high = NGRAM_RANGE
    hashes = codes.copy()
    with np.errstate(over="ignore"):
        for n in range(2, high + 1):
            count = len(codes) - n + 1
            if count <= 0:
                break
            hashes = hashes[:count] * _PRIME + codes[n - 1 : n - 1 + count]
            if n < low:
                continue
            start = np.arange(count)
            keep = ((space[start + n - 1] - space[start + 1]) == 0) & ((blocked[start + n] - blocked[start]) == 0)
            mixed = (hashes[keep] + np.uint64(n)) * _MIX
            bucket = ((mixed ^ (mixed >> np.uint64(32))) & np.uint64(HASH_FEATURES - 1)).astype(np.int64)
            keys.append(row_of[start[keep]] * HASH_FEATURES + bucket)
    unique, counts = np.unique(np.concatenate(keys) if keys else np.zeros(0, np.int64), return_counts=True)
    return unique // HASH_FEATURES, unique % HASH_FEATURES, counts


def hashed_counts(normalized: Sequence[str]):
    """`ngram_counts` as a sparse (texts × 2^20) matrix (training)."""
    from scipy import sparse

    rows, buckets, counts = ngram_counts(normalized)
    return sparse.csr_matrix((counts.astype(np.float32), (rows, buckets)), shape=(len(normalized), HASH_FEATURES))


_PRIME = np.uint64(1_000_003)
_MIX = np.uint64(0x9E3779B97F4A7C15)


@dataclass
class CharNgramModel:
    """Per-label logits from idf-weighted, log-scaled, L2-normalized character n-gram counts."""

    buckets: np.ndarray  # int64, sorted: the hashed n-grams seen in training
    idf: np.ndarray  # float32, one per bucket
    coef: np.ndarray  # float32 (buckets × labels)
    intercept: np.ndarray  # float32 (labels)
    labels: list[str]
    blend: float  # the weight of this channel's probability against the transformer head's

    def _weighted(self, rows: np.ndarray, buckets: np.ndarray, counts: np.ndarray):
        """(row, column, value) of the feature matrix: n-grams unseen in training dropped,
        1 + log(count) times idf, each row scaled to unit length."""
        position = np.minimum(np.searchsorted(self.buckets, buckets), max(len(self.buckets) - 1, 0))
        known = self.buckets[position] == buckets if len(self.buckets) else np.zeros(len(buckets), bool)
        rows, position = rows[known], position[known]
        values = (1.0 + np.log(counts[known])) * self.idf[position]
        norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=int(rows.max(initial=-1)) + 1))
        return rows, position, values / np.where(norms > 0, norms, 1.0)[rows]

    def features(self, counts):
        """The feature matrix (texts × buckets) of hashed counts, for training."""
        from scipy import sparse

        counts = counts.tocoo()
        rows, columns, values = self._weighted(counts.row.astype(np.int64), counts.col.astype(np.int64), counts.data)
        return sparse.csr_matrix((values.astype(np.float32), (rows, columns)), shape=(counts.shape[0], len(self.buckets)))

    def logits(self, normalized: Sequence[str], counts: tuple | None = None,
               labels: Sequence[int] | None = None) -> np.ndarray:
        """`features(...) @ coef + intercept` for texts given as `normalize_for_model` made them
        (texts × labels), in plain numpy (no sparse matrices on the classification path).
        `counts`: their `ngram_counts`, when the caller has them already; `labels`: only these
        columns (the others are left at their intercept)."""
        rows, columns, values = self._weighted(*(ngram_counts(normalized) if counts is None else counts))
        logits = np.tile(self.intercept.astype(np.float64), (len(normalized), 1))
        for label in range(len(self.labels)) if labels is None else labels:
            logits[:, label] += np.bincount(rows, weights=values * self.coef[columns, label], minlength=len(normalized))
        return logits

    def probabilities(self, normalized: Sequence[str]) -> np.ndarray:
        """Sigmoid per label for each text (texts × labels)."""
        return (1.0 / (1.0 + np.exp(-self.logits(normalized)))).astype(np.float32)

    def blended(self, head_probabilities: np.ndarray, normalized: Sequence[str]) -> np.ndarray:
        """The transformer head's probabilities blended with this channel's for the same texts."""
        return (1.0 - self.blend) * head_probabilities + self.blend * self.probabilities(normalized)

    def save(self, path: Path, extra_metadata: dict[str, str] | None = None) -> None:
        from safetensors.numpy import save_file

        metadata = {"analyzer": ANALYZER, "ngram_range": json.dumps(NGRAM_RANGE), "hash_features": str(HASH_FEATURES),
                    "labels": json.dumps(self.labels, ensure_ascii=False), "blend": repr(self.blend),
                    **(extra_metadata or {})}
        # C order: safetensors writes an array's memory as it lies, and a Fortran-ordered one (the
        # transposed weights of a scikit-learn model) would come back scrambled. The weights are
        # stored as float16 (half the size in the repository; read back as float32)
        tensors = {"buckets": self.buckets.astype(np.int64), "idf": self.idf.astype(np.float32),
                   "coef": self.coef.astype(np.float16), "intercept": self.intercept.astype(np.float32)}
        save_file({name: np.ascontiguousarray(value) for name, value in tensors.items()}, str(path), metadata=metadata)

    @classmethod
    def load(cls, path: Path, labels: Sequence[str]) -> CharNgramModel:
        """The stored model; its labels must be the topics head's, in the same order."""
        from safetensors import safe_open

        try:
            with safe_open(str(path), "np") as stored:
                metadata = stored.metadata() or {}
                tensors = {name: stored.get_tensor(name) for name in ("buckets", "idf", "coef", "intercept")}
            stored_labels = json.loads(metadata["labels"])
            settings = (metadata["analyzer"], tuple(json.loads(metadata["ngram_range"])), int(metadata["hash_features"]))
            blend = float(metadata["blend"])
        except Exception as error:  # a truncated file, a missing tensor or metadata key
            raise CharNgramsError(f"{path}: unreadable character n-gram model ({error})") from None
        if settings != (ANALYZER, NGRAM_RANGE, HASH_FEATURES):
            raise CharNgramsError(f"{path}: made with n-gram settings {settings}, this code reads "
                                  f"{(ANALYZER, NGRAM_RANGE, HASH_FEATURES)}; refit with `nabd train --heads-only`")
        if stored_labels != list(labels):
            raise CharNgramsError(f"{path}: its topics {stored_labels} are not the topics head's {list(labels)}; "
                                  "refit with `nabd train --heads-only`")
        if tensors["coef"].shape != (len(tensors["buckets"]), len(stored_labels)):
            raise CharNgramsError(f"{path}: weights of shape {tensors['coef'].shape} do not fit "
                                  f"{len(tensors['buckets'])} buckets and {len(stored_labels)} topics")
        return cls(tensors["buckets"], tensors["idf"], tensors["coef"].astype(np.float32), tensors["intercept"],
                   stored_labels, blend)


def idf_of(counts) -> tuple[np.ndarray, np.ndarray]:
    """The buckets used by these hashed counts (sorted) and their smoothed idf."""
    counts = counts.tocsc()
    document_frequency = np.diff(counts.indptr)
    buckets = np.flatnonzero(document_frequency).astype(np.int64)
    documents = counts.shape[0]
    idf = np.log((1 + documents) / (1 + document_frequency[buckets])) + 1.0
    return buckets, idf.astype(np.float32)


def fit_label(features, targets: np.ndarray, weights: np.ndarray, c: float) -> tuple[np.ndarray, float]:
    """An L2 logistic regression for one label on the rows given (classes balanced, rows weighted)."""
    from sklearn.linear_model import LogisticRegression

    if len(np.unique(targets)) < 2:  # a label with no positive (or no negative) example: its prior
        rate = float(np.clip(targets.mean() if len(targets) else 0.0, 1e-3, 1 - 1e-3))
        return np.zeros(features.shape[1], dtype=np.float32), float(np.log(rate / (1 - rate)))
    model = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
    model.fit(features, targets, sample_weight=weights)
    return model.coef_[0].astype(np.float32), float(model.intercept_[0])


def fit_channel(table, fold_of: np.ndarray, head_oof: np.ndarray, c: float,
                blends: Sequence[float]) -> tuple[CharNgramModel, np.ndarray, dict]:
    """The topics channel for a heads-refit table (`nlp.model.heads_refit`): logistic regressions
    per label trained in the head's folds, the blend weight whose out-of-fold micro-F1 (thresholds
    tuned per label) is best, and the channel refit on every row. Returns the model, the blended
    out-of-fold probabilities and a report."""
    counts = hashed_counts(table.texts)
    buckets, idf = idf_of(counts)
    unfitted = CharNgramModel(buckets, idf, np.zeros((len(buckets), 0), np.float32), np.zeros(0, np.float32),
                              table.labels, blend=0.0)
    features = unfitted.features(counts)
    targets, known, weights = table.targets.numpy(), table.known.numpy() > 0, table.weights.numpy()
    char_oof = np.full_like(head_oof, np.nan)
    coef = np.zeros((len(buckets), len(table.labels)), dtype=np.float32)
    intercept = np.zeros(len(table.labels), dtype=np.float32)
    for column in range(len(table.labels)):
        for fold in range(int(fold_of.max()) + 1 if len(fold_of) else 0):
            train = np.where((fold_of != fold) & known[:, column])[0]
            held = np.where((fold_of == fold) & table.gold & known[:, column])[0]
            if len(held):
                weight, bias = fit_label(features[train], targets[train, column], weights[train], c)
                char_oof[held, column] = _sigmoid(features[held] @ weight + bias)
        rows = np.where(known[:, column])[0]
        coef[:, column], intercept[column] = fit_label(features[rows], targets[rows, column], weights[rows], c)
    scores = {blend: micro_f1_tuned(table, (1 - blend) * head_oof + blend * char_oof) for blend in blends}
    blend = max(scores, key=lambda value: (round(scores[value], 4), -abs(value - 0.5)))
    logger.info("topics char n-grams: %d buckets; out-of-fold micro-F1 by blend %s; blend %.2f",
                len(buckets), {key: round(value, 4) for key, value in scores.items()}, blend)
    model = CharNgramModel(buckets, idf, coef, intercept, table.labels, blend)
    report = {"buckets": int(len(buckets)), "c": c, "blend": blend,
              "out_of_fold_micro_f1_by_blend": {str(key): round(value, 4) for key, value in scores.items()}}
    return model, (1 - blend) * head_oof + blend * char_oof, report


def _sigmoid(logits) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(logits, dtype=np.float64).ravel()))
