"""Enrichment: stream a raw mention file into an enriched one (language, brands, PII masked, classified)."""

from __future__ import annotations

import errno
import json
import logging
import os
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from nlp.analysis_cap import analysed_part
from nlp.brand_sentiment.assign import assign_brand_sentiments, judge_sentiments
from nlp.brands import BrandMatcher
from nlp.lang import detect_lang
from nlp.pii import MASK_RE, PII_KINDS, mask_pii

logger = logging.getLogger(__name__)

DROP_REASONS = ("no_brand_match", "excluded_term", "unconfirmed_ambiguous")
DEFAULT_BATCH_SIZE = 64
DEFAULT_PROGRESS_EVERY = 10_000
_BOM = b"\xef\xbb\xbf"


class MentionClassifier(Protocol):
    """What enrichment needs from a classifier: one `nlp` object per text, in order."""

    def classify(self, texts: Sequence[str]) -> list[dict]: ...


@dataclass
class EnrichSummary:
    """What happened to one raw file: lines read, mentions written, dropped and rejected, PII masked."""

    read: int = 0
    written: int = 0
    rejected: int = 0
    blank_lines: int = 0
    dropped: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DROP_REASONS, 0))
    pii_masked: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PII_KINDS, 0))
    languages: dict[str, int] = field(default_factory=dict)
    elapsed_s: float = 0.0
    output_path: str = ""
    rejects_path: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class RejectedLine(ValueError):
    """A raw line that is not a usable mention; the reason names the key or the byte."""


@dataclass
class _Pending:
    record: dict[str, Any]
    classifier_text: str


def rejects_path_for(output: Path) -> Path:
    """`OUT.jsonl` -> `OUT.rejects.jsonl` (the convention of `nabd classify` too)."""
    return output.with_name(output.name.removesuffix(".jsonl") + ".rejects.jsonl")


def enrich_file(
    raw_path: str | Path,
    out_path: str | Path,
    *,
    brands: BrandMatcher | Iterable[Any],
    classifier: MentionClassifier | None = None,
    rejects_path: str | Path | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress_every: int = DEFAULT_PROGRESS_EVERY,
) -> EnrichSummary:
    """Stream `raw_path` into `out_path`: tag language, match brands (dropping mentions of none),
    mask PII in `text` and `title`, classify into `nlp` when a classifier is given.

    Invalid lines go to `rejects_path` (default `OUT.rejects.jsonl`) with file, line and reason, the line
    itself PII-masked as text (a line that is not JSON still holds a post). Brand handles are not masked.
    Both files appear atomically, so re-running the same input yields the same bytes.
    """
    raw_path, out_path = Path(raw_path), Path(out_path)
    if not raw_path.is_file():
        raise FileNotFoundError(f"raw mention file {raw_path} does not exist")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    matcher = brands if isinstance(brands, BrandMatcher) else BrandMatcher.from_brands(brands)
    rejects = Path(rejects_path) if rejects_path else rejects_path_for(out_path)
    summary = EnrichSummary(output_path=str(out_path))
    started = time.monotonic()
    with _atomic_output(out_path) as out, _atomic_output(rejects) as rejects_out:
        stage = _EnrichStage(raw_path, matcher, classifier, batch_size, summary, out, rejects_out)
        stage.run(progress_every, started)
    _settle_rejects(rejects, summary)
    summary.elapsed_s = round(time.monotonic() - started, 3)
    logger.info("enriched %s -> %s: %s", raw_path, out_path, _summary_line(summary))
    return summary


class _EnrichStage:
    """One pass over a raw file; mentions wait in a bounded batch only for the classifier."""

    def __init__(
        self,
        raw_path: Path,
        matcher: BrandMatcher,
        classifier: MentionClassifier | None,
        batch_size: int,
        summary: EnrichSummary,
        out: BinaryIO,
        rejects_out: BinaryIO,
    ) -> None:
        self.raw_path = raw_path
        self.matcher = matcher
        self.classifier = classifier
        self.batch_size = batch_size
        self.summary = summary
        self.out = out
        self.rejects_out = rejects_out
        self.pending: list[_Pending] = []

    def run(self, progress_every: int, started: float) -> None:
        total_bytes, bytes_read = self.raw_path.stat().st_size, 0
        for line_number, line in _raw_lines(self.raw_path):
            bytes_read += len(line)
            if line_number % progress_every == 0:
                _log_progress(line_number, bytes_read / max(total_bytes, 1), self.summary, started)
            if not line.strip():
                self.summary.blank_lines += 1
                continue
            self.summary.read += 1
            self._enrich_line(line_number, line)
        self._flush()

    def _enrich_line(self, line_number: int, line: bytes) -> None:
        try:
            mention = parse_raw_mention(line, first_line=line_number == 1)
        except RejectedLine as rejection:
            self._reject(line_number, line, str(rejection))
            return
        record = self._enriched(mention)
        if record is None:
            return
        if self.classifier is None:
            self._write(record)
            return
        self.pending.append(_Pending(record, _classifier_text(record)))
        if len(self.pending) >= self.batch_size:
            self._flush()

    def _enriched(self, mention: dict[str, Any]) -> dict[str, Any] | None:
        """The mention with brands, masked text and language; None (counted) when no brand is named.
        Brands and language read the post's first `ANALYSIS_CHARS` characters; masking reads all of it."""
        title = mention.get("title")
        matches = self.matcher.match_with_exclusions(
            analysed_part(f"{title}\n{mention['text']}" if title else mention["text"]))
        if not matches.brands:
            reason = ("excluded_term" if matches.excluded else
                      "unconfirmed_ambiguous" if matches.unconfirmed else "no_brand_match")
            self.summary.dropped[reason] += 1
            return None
        record = dict(mention)
        record["text"] = self._masked(mention["text"])
        if title:
            record["title"] = self._masked(title)
        record["lang"] = detect_lang(MASK_RE.sub(" ", analysed_part(record["text"] or record.get("title") or "")))
        record["brands"] = matches.brands
        self.summary.languages[record["lang"]] = self.summary.languages.get(record["lang"], 0) + 1
        return record

    def _masked(self, text: str) -> str:
        result = mask_pii(text, keep_handles=self.matcher.handles)
        for kind, count in result.counts.items():
            self.summary.pii_masked[kind] += count
        return result.text

    def _flush(self) -> None:
        if not self.pending or self.classifier is None:
            return
        results = self.classifier.classify([pending.classifier_text for pending in self.pending])
        if len(results) != len(self.pending):
            raise RuntimeError(f"the classifier returned {len(results)} results for {len(self.pending)} texts")
        for pending, nlp in zip(self.pending, results):
            pending.record["nlp"] = nlp
        # Each brand's own sentiment: a comparison is no longer one label copied onto every brand.
        assign_brand_sentiments([pending.record for pending in self.pending],
                                [pending.classifier_text for pending in self.pending], self.matcher, self._judge)
        for pending in self.pending:
            self._write(pending.record)
        self.pending = []

    def _judge(self, texts: list[str]) -> list[str]:
        return judge_sentiments(self.classifier, texts)

    def _write(self, record: dict[str, Any]) -> None:
        self.out.write(_json_line(record))
        self.summary.written += 1

    def _reject(self, line_number: int, line: bytes, reason: str) -> None:
        rejection = {
            "file": str(self.raw_path),
            "line": line_number,
            "reason": reason,
            "raw": self._masked(line.rstrip(b"\r\n").decode("utf-8", "backslashreplace")),
        }
        self.rejects_out.write(_json_line(rejection))
        self.summary.rejected += 1
        logger.warning("%s line %d rejected: %s", self.raw_path, line_number, reason)


def parse_raw_mention(line: bytes, *, first_line: bool = False) -> dict[str, Any]:
    """A raw JSONL line as a mention with a non-empty string `id` and a string `text`; else RejectedLine."""
    line = line.rstrip(b"\r\n")
    if first_line and line.startswith(_BOM):
        line = line[len(_BOM) :]
    try:
        decoded = line.decode("utf-8")
    except UnicodeDecodeError as error:
        raise RejectedLine(f"invalid UTF-8 at byte {error.start} of the line") from None
    try:
        mention = json.loads(decoded, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise RejectedLine(f"invalid JSON ({error.msg}, column {error.colno})") from None
    _check_mention(mention)
    if "\\ud" in decoded.lower():
        _check_encodable(mention)
    return mention


def _refuse_constant(name: str) -> None:
    raise RejectedLine(f"invalid JSON ({name} is not a JSON number)")


def _check_mention(mention: Any) -> None:
    if not isinstance(mention, dict):
        raise RejectedLine(f"expected a JSON object, got {type(mention).__name__}")
    for key in ("id", "text"):
        if key not in mention:
            raise RejectedLine(f"missing key '{key}'")
    if not isinstance(mention["id"], str) or not mention["id"].strip():
        raise RejectedLine("key 'id' must be a non-empty string")
    if not isinstance(mention["text"], str):
        raise RejectedLine(f"key 'text' must be a string, got {type(mention['text']).__name__}")
    if mention.get("title") is not None and not isinstance(mention["title"], str):
        raise RejectedLine(f"key 'title' must be a string or null, got {type(mention['title']).__name__}")


def _check_encodable(mention: dict[str, Any]) -> None:
    """JSON may escape a lone surrogate (`\\ud83d`), which no UTF-8 file can hold."""
    try:
        json.dumps(mention, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise RejectedLine("a string holds an unpaired surrogate escape (\\ud800-\\udfff)") from None


def _raw_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    with path.open("rb") as stream:
        yield from enumerate(stream, start=1)


def _classifier_text(record: dict[str, Any]) -> str:
    return analysed_part(record["text"] if record["text"].strip() else record.get("title") or "")


def _json_line(record: dict[str, Any]) -> bytes:
    return (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")


# What a full disk, a quota or a file size limit look like to a writer.
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EFBIG, errno.EDQUOT})


class OutputWriteError(OSError):
    """An output file could not be written (disk full, quota, file size limit); the file it would replace is untouched."""

    def __str__(self) -> str:
        return str(self.strerror)


@contextmanager
def _atomic_output(path: Path) -> Iterator[BinaryIO]:
    """A binary file that replaces `path` only when the block completes; a failure leaves `path` as it was.
    It holds personal data, so it is readable by its owner only (0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # Process ids repeat across pods sharing the data directory: the random part keeps two enrichers apart.
    partial = path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex}.partial")
    try:
        with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as stream:
            os.fchmod(stream.fileno(), 0o600)
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(partial, path)
    except OSError as error:
        if error.errno in DISK_FULL_ERRNOS:
            raise OutputWriteError(error.errno, f"could not write {path}: {os.strerror(error.errno)} "
                                       "(disk full, quota or file size limit); it was left as it was") from error
        raise
    finally:
        partial.unlink(missing_ok=True)


def _settle_rejects(rejects: Path, summary: EnrichSummary) -> None:
    """Keep the rejects file only when something was rejected (a stale one from an earlier run goes)."""
    if summary.rejected:
        summary.rejects_path = str(rejects)
    else:
        rejects.unlink(missing_ok=True)


def _log_progress(line_number: int, fraction: float, summary: EnrichSummary, started: float) -> None:
    elapsed = max(time.monotonic() - started, 1e-9)
    remaining = elapsed * (1 - fraction) / max(fraction, 1e-9)
    logger.info(
        "enrich: line %d (%.0f%%, %.0f lines/s, about %.0fs left): %s",
        line_number, 100 * fraction, line_number / elapsed, remaining, _summary_line(summary),
    )  # fmt: skip


def _summary_line(summary: EnrichSummary) -> str:
    dropped = ", ".join(f"{reason} {count}" for reason, count in summary.dropped.items())
    masked = ", ".join(f"{kind} {count}" for kind, count in summary.pii_masked.items() if count)
    return (
        f"{summary.read} read, {summary.written} written, dropped ({dropped}), {summary.rejected} rejected"
        + (f", PII masked ({masked})" if masked else "")
    )
