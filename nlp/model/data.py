"""Loading the shared Arabic datasets and holding out a stratified, by-post dev split."""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from nlp.normalize import normalize_for_matching

logger = logging.getLogger(__name__)

SENTIMENT_LABELS = ("negative", "neutral", "positive")
SARCASM_LABELS = ("false", "true")
DIALECT_LABELS = ("msa", "gulf", "egypt", "levant", "maghreb")

PRETRAIN_CORPUS = "unlabeled_pretrain_corpus.jsonl.gz"
# The labeled files the multi-task model learns from; each gets its own stratified dev split.
LABELED_FILES = (
    "arsarcasm_v2_train",
    "isarcasmeval_ar",
    "astd",
    "ajgt",
    "arsentd_lev",
    "arsas",
    "semeval2017_task4_ar",
    "arabic_sentiment_twitter_corpus",
    "marsa",
    "mac_moroccan",
    "tsac",
    "myc_moroccan_youtube",
    "masc",
    "elsahar_reviews",
    "saudi_tourism_reviews",
    "arabic_dialect_id",
)
HEADLINE_FILE = "arsarcasm_v2_train"
DEV_FRACTION = 0.1
HEADLINE_DEV_FRACTION = 0.15
SPLIT_SALT = "nabd-dev-split-v1"


class DataError(ValueError):
    """A data file is missing or holds a line that is not a valid record."""


@dataclass(frozen=True)
class LabeledPost:
    """One labeled post; a label is None where its dataset does not annotate it."""

    id: str
    text: str
    dataset: str
    sentiment: str | None = None
    sarcasm: bool | None = None
    dialect: str | None = None

    def labels(self) -> dict[str, str | None]:
        sarcasm = None if self.sarcasm is None else str(self.sarcasm).lower()
        return {"sentiment": self.sentiment, "sarcasm": sarcasm, "dialect": self.dialect}


def default_data_dir() -> Path:
    """`$NABD_DATA_DIR`, else `../shared/data` next to the repository."""
    configured = os.environ.get("NABD_DATA_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[3] / "shared" / "data"


def read_jsonl(path: Path) -> Iterator[tuple[int, dict]]:
    """Yield (line number, object) from a JSONL or JSONL.gz file; bad lines raise DataError."""
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as stream:
        for line_number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise DataError(f"{path}:{line_number}: invalid JSON ({error.msg})") from None
            if not isinstance(record, dict):
                raise DataError(f"{path}:{line_number}: expected a JSON object")
            yield line_number, record


def post_key(text: str) -> str:
    """The identity of a post across files: its matching-normalized text."""
    return normalize_for_matching(text)


def load_labeled_file(path: Path) -> list[LabeledPost]:
    """Read one labeled file of ../shared/data into LabeledPost records."""
    posts = []
    for line_number, record in read_jsonl(path):
        text = record.get("text")
        if not isinstance(text, str) or not text.strip():
            raise DataError(f"{path}:{line_number}: key 'text' must be a non-empty string")
        posts.append(_labeled_post(record, text, path.name.removesuffix(".jsonl.gz")))
    return posts


def _labeled_post(record: dict, text: str, dataset: str) -> LabeledPost:
    sentiment = record.get("sentiment")
    dialect = record.get("dialect")
    return LabeledPost(
        id=str(record.get("id")),
        text=text,
        dataset=dataset,
        sentiment=sentiment if sentiment in SENTIMENT_LABELS else None,
        sarcasm=record.get("sarcasm") if isinstance(record.get("sarcasm"), bool) else None,
        dialect=dialect if dialect in DIALECT_LABELS else None,
    )


def load_labeled(data_dir: Path, datasets: Iterable[str] = LABELED_FILES) -> dict[str, list[LabeledPost]]:
    """Load the named labeled datasets, keyed by dataset name."""
    return {name: load_labeled_file(data_dir / f"{name}.jsonl.gz") for name in datasets}


@dataclass
class Split:
    """Train and dev posts per dataset; dev keys cover every dataset, for leakage checks."""

    train: dict[str, list[LabeledPost]]
    dev: dict[str, list[LabeledPost]]
    dev_keys: set[str]


def split_dev(labeled: dict[str, list[LabeledPost]]) -> Split:
    """Hold out a stratified dev split per dataset, by post: a post whose text is in any dev
    split is dropped from every train split (the files overlap)."""
    keyed = {name: [(post_key(post.text), post) for post in posts] for name, posts in labeled.items()}
    dev: dict[str, list[LabeledPost]] = {}
    dev_keys: set[str] = set()
    for name, pairs in keyed.items():
        fraction = HEADLINE_DEV_FRACTION if name == HEADLINE_FILE else DEV_FRACTION
        chosen = _stratified_dev_keys(pairs, fraction)
        dev[name] = [post for key, post in pairs if key in chosen]
        dev_keys |= chosen
    train = {name: _unique_train(pairs, dev_keys) for name, pairs in keyed.items()}
    logger.info(
        "dev split: %d dev posts, %d train posts",
        sum(map(len, dev.values())),
        sum(map(len, train.values())),
    )
    return Split(train=train, dev=dev, dev_keys=dev_keys)


def _stratified_dev_keys(pairs: list[tuple[str, LabeledPost]], fraction: float) -> set[str]:
    strata: dict[tuple, set[str]] = defaultdict(set)
    for key, post in pairs:
        strata[tuple(post.labels().values())].add(key)
    chosen: set[str] = set()
    for keys in strata.values():
        ordered = sorted(keys, key=_split_rank)
        chosen.update(ordered[: round(len(ordered) * fraction)])
    return chosen


def _split_rank(key: str) -> str:
    return hashlib.sha1(f"{SPLIT_SALT}\x1f{key}".encode()).hexdigest()


def _unique_train(pairs: list[tuple[str, LabeledPost]], dev_keys: set[str]) -> list[LabeledPost]:
    seen: set[str] = set()
    kept = []
    for key, post in pairs:
        if key in dev_keys or key in seen:
            continue
        seen.add(key)
        kept.append(post)
    return kept


def iter_pretrain_texts(data_dir: Path, excluded_keys: set[str]) -> Iterator[str]:
    """Yield unlabeled corpus texts, skipping every post held out in a dev split."""
    skipped = 0
    for line_number, record in read_jsonl(data_dir / PRETRAIN_CORPUS):
        text = record.get("text")
        if not isinstance(text, str):
            raise DataError(f"{data_dir / PRETRAIN_CORPUS}:{line_number}: key 'text' must be a string")
        if post_key(text) in excluded_keys:
            skipped += 1
            continue
        yield text
    logger.info("pretraining corpus: skipped %d dev-split posts", skipped)


def write_jsonl(path: Path, records: Iterable[dict]) -> int:
    """Write records as UTF-8 JSONL; returns how many were written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as stream:
        for record in records:
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    return count
