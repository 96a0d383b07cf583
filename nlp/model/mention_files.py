"""Classifying mention JSONL files in bounded memory, with rejected lines kept and explained."""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger(__name__)

CHUNK_SIZE = 512


@dataclass
class ClassifyCounts:
    """What happened to the lines of one input file."""

    classified: int = 0
    rejected: int = 0
    rejects_path: Path | None = None
    reasons: dict[str, int] = field(default_factory=dict)


@dataclass
class Rejected:
    """An input line that could not be classified, with its number and the reason."""

    line: int
    reason: str
    raw: str

    def record(self) -> dict:
        return {"line": self.line, "reason": self.reason, "raw": self.raw[:2000]}


def rejects_path_for(output: Path) -> Path:
    """`OUT.jsonl` -> `OUT.rejects.jsonl`."""
    return output.with_name(output.name.removesuffix(".jsonl") + ".rejects.jsonl")


def parse_mention_line(line_number: int, line: str) -> dict | Rejected:
    """A mention object with at least a string `id` and a string `text`, or why not."""
    try:
        mention = json.loads(line)
    except json.JSONDecodeError as error:
        return Rejected(line_number, f"invalid JSON: {error.msg} at column {error.colno}", line)
    if not isinstance(mention, dict):
        return Rejected(line_number, f"expected a JSON object, got {type(mention).__name__}", line)
    for key in ("id", "text"):
        if key not in mention:
            return Rejected(line_number, f"missing key '{key}'", line)
    if not isinstance(mention["id"], str) or not mention["id"]:
        return Rejected(line_number, "key 'id' must be a non-empty string", line)
    if not isinstance(mention["text"], str):
        return Rejected(line_number, "key 'text' must be a string", line)
    if mention.get("nlp") is not None and not isinstance(mention["nlp"], dict):
        return Rejected(line_number, "key 'nlp' must be an object when present", line)
    return mention


def read_mentions(path: Path) -> Iterator[dict | Rejected]:
    """Parse each non-blank line of a JSONL file; invalid lines come back as Rejected."""
    if not path.is_file():
        raise FileNotFoundError(f"input file {path} does not exist")
    with path.open(encoding="utf-8", errors="replace") as stream:
        for line_number, line in enumerate(stream, start=1):
            if line.strip():
                yield parse_mention_line(line_number, line.rstrip("\n"))


def classify_file(classifier, source: Path, output: Path, chunk_size: int = CHUNK_SIZE,
                  matcher: Callable[[], object] | None = None) -> ClassifyCounts:
    """Write one classified mention per valid input line, in order; invalid lines go to
    `OUT.rejects.jsonl`. Output appears atomically; a stale rejects file is removed.

    `matcher`: builds the brand matcher (called once, for the first mention with `brands`), so that
    mentions naming brands get each brand's own sentiment again (`nlp/brand_sentiment`)."""
    counts = ClassifyCounts()
    brand_sentiment = _BrandSentiment(classifier, matcher)
    rejects = rejects_path_for(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    partial, partial_rejects = output.with_suffix(".partial"), rejects.with_suffix(".partial")
    started = time.monotonic()
    with _private(partial) as out, _private(partial_rejects) as bad:
        chunk: list[dict] = []
        for item in read_mentions(source):
            if isinstance(item, Rejected):
                _write_reject(bad, item, counts)
                continue
            chunk.append(item)
            if len(chunk) >= chunk_size:
                _classify_chunk(classifier, chunk, out, counts, started, brand_sentiment)
                chunk = []
        if chunk:
            _classify_chunk(classifier, chunk, out, counts, started, brand_sentiment)
    partial.replace(output)
    _settle_rejects(partial_rejects, rejects, counts)
    return counts


def _private(path: Path):
    """A new text file only its owner can read (0600): mentions and rejected lines are personal data."""
    path.unlink(missing_ok=True)
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="utf-8")


def _write_reject(stream, rejected: Rejected, counts: ClassifyCounts) -> None:
    stream.write(json.dumps(rejected.record(), ensure_ascii=False) + "\n")
    counts.rejected += 1
    kind = rejected.reason.split(":")[0]
    counts.reasons[kind] = counts.reasons.get(kind, 0) + 1


class _BrandSentiment:
    """Per-brand sentiment for classified mentions that name brands; the matcher built on first need."""

    def __init__(self, classifier, matcher: Callable[[], object] | None):
        self.classifier, self.build, self.matcher = classifier, matcher, None

    def __call__(self, mentions: list[dict]) -> None:
        named = [mention for mention in mentions if isinstance(mention.get("brands"), list)]
        if not named or self.build is None:
            return
        from nlp.brand_sentiment.assign import assign_brand_sentiments, judge_sentiments

        if self.matcher is None:
            self.matcher = self.build()
        assign_brand_sentiments(named, [mention["text"] for mention in named], self.matcher,
                                lambda texts: judge_sentiments(self.classifier, texts))


def _classify_chunk(classifier, chunk: list[dict], stream, counts: ClassifyCounts, started: float,
                    brand_sentiment: _BrandSentiment) -> None:
    for mention, nlp in zip(chunk, classifier.classify([mention["text"] for mention in chunk])):
        mention["nlp"] = {**(mention.get("nlp") or {}), **nlp}
    brand_sentiment(chunk)
    for mention in chunk:
        stream.write(json.dumps(mention, ensure_ascii=False) + "\n")
    counts.classified += len(chunk)
    rate = counts.classified / max(1e-9, time.monotonic() - started)
    logger.info("classified %d mentions (%.0f/s), %d rejected", counts.classified, rate, counts.rejected)


def _settle_rejects(partial: Path, rejects: Path, counts: ClassifyCounts) -> None:
    if counts.rejected:
        partial.replace(rejects)
        counts.rejects_path = rejects
        return
    partial.unlink()
    rejects.unlink(missing_ok=True)
