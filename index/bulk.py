"""Bulk indexing of mention JSONL files: pure actions, streamed sending, dead letters for the rest.

A mention is collected again while it is inside its source's lookback: each sighting replaces the document
(its latest engagement and edits) but keeps the FIRST `collected_at`, and an older sighting (an old interval
re-indexed) never replaces a newer one. That is decided by reading the stored document's times before
writing and writing on condition that it has not changed since (`if_seq_no`/`if_primary_term`; `create` when
there was none); a conflict is read and decided again. A scripted upsert would need Painless, which not
every distribution ships (our test node has none), and a script per document costs more than one read per batch.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch, helpers
from elasticsearch import ConnectionError as EsConnectionError
from elasticsearch import ConnectionTimeout

from index.templates import IndexNames

log = logging.getLogger(__name__)

CHUNK_SIZE = 1000
MAX_CHUNK_BYTES = 10 * 1024 * 1024
# Rounds of re-reading documents that another writer changed between our read and our write.
CONFLICT_ROUNDS = 3
STORED_TIMES = ("collected_at", "updated_at")
ENGAGEMENT_KEYS = ("likes", "replies", "shares", "views")


class IndexingAborted(RuntimeError):
    """Elasticsearch went away mid-file; what was sent stays, the input file is untouched."""


class RawMentionRefused(RuntimeError):
    """A line holds a raw (never enriched) mention: unmasked, unclassified text must not reach the index."""


@dataclass(frozen=True)
class Rejected:
    """A line that never became a document, and why."""

    line: int
    reason: str
    raw: str


@dataclass
class IndexSummary:
    """What one file's indexing did; `dead_letters` says where the rejects went."""

    source_file: str
    lines: int = 0
    indexed: int = 0
    malformed: int = 0
    rejected_by_server: int = 0
    results: Counter = field(default_factory=Counter)
    dead_letters: str | None = None
    elapsed_s: float = 0.0

    @property
    def docs_per_s(self) -> float:
        return self.indexed / self.elapsed_s if self.elapsed_s else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "source_file": self.source_file, "lines": self.lines, "indexed": self.indexed,
            "malformed": self.malformed, "rejected_by_server": self.rejected_by_server,
            "results": dict(self.results), "dead_letters": self.dead_letters,
            "elapsed_s": round(self.elapsed_s, 3), "docs_per_s": round(self.docs_per_s, 1),
        }


# --- pure: records to actions -------------------------------------------------------------------


def parse_timestamp(value: Any) -> datetime:
    """An ISO 8601 time with an offset (or `Z`), as an aware UTC datetime."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"@timestamp must be an ISO 8601 string, got {value!r}")
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"@timestamp {value!r} has no UTC offset")
    return parsed.astimezone(timezone.utc)


def mention_action(mention: dict, names: IndexNames) -> dict:
    """The bulk upsert for one mention: deterministic `_id`, the month of its `@timestamp`.

    An `index` operation with our own `_id` creates the document or replaces it whole, so a
    re-crawl or re-classification leaves exactly the record of the latest run (no stale fields).
    """
    mention_id = mention.get("id")
    if not isinstance(mention_id, str) or not mention_id:
        raise ValueError("the mention has no `id`")
    published = parse_timestamp(mention.get("@timestamp"))
    document = with_engagement_total(mention)
    return {"_op_type": "index", "_index": names.mentions_index(published), "_id": mention_id, "_source": document}


def sighting_action(action: dict, stored: list[dict]) -> dict | None:
    """The write of one sighting given the stored copies of its document (`_index`, `_seq_no`, `_primary_term`,
    `collected_at`, `updated_at` each); None when a stored copy is a later sighting (it stays as it is).

    The document keeps the earliest `collected_at` of all copies; `updated_at` is this sighting's (its
    `collected_at` when the record has none). It is written only if the copy in its month is unchanged since
    it was read, or created only if there is none, so a concurrent writer's newer sighting is never lost.
    """
    document = action["_source"]
    version = document.get("updated_at") or document.get("collected_at")
    stored_versions = [copy.get("updated_at") or copy.get("collected_at") for copy in stored]
    if version and any(stored_version and stored_version > version for stored_version in stored_versions):
        return None
    firsts = [moment for moment in [document.get("collected_at"), *(copy.get("collected_at") for copy in stored)] if moment]
    source = {**document, "collected_at": min(firsts)} if firsts else dict(document)
    if version:
        source["updated_at"] = version
    same_month = [copy for copy in stored if copy["_index"] == action["_index"]]
    if not same_month:
        return {**action, "_op_type": "create", "_source": source}
    if same_month[0]["_seq_no"] is None:  # written moments ago by this same file (an id twice in it): the later line wins
        return {**action, "_op_type": "index", "_source": source}
    return {**action, "_op_type": "index", "_source": source,
            "if_seq_no": same_month[0]["_seq_no"], "if_primary_term": same_month[0]["_primary_term"]}


def with_engagement_total(mention: dict) -> dict:
    """Adds `engagement.total` (sortable "most engaged") without touching the caller's dict."""
    engagement = mention.get("engagement")
    if not isinstance(engagement, dict):
        return mention
    total = sum(v for k, v in engagement.items() if k in ENGAGEMENT_KEYS and isinstance(v, int))
    return {**mention, "engagement": {**engagement, "total": total}}


class MentionFile:
    """Streams bulk actions from a JSONL file, counting lines and keeping bad ones aside."""

    def __init__(self, path: Path, names: IndexNames, on_reject: Callable[[Rejected], None]) -> None:
        self.path = path
        self.names = names
        self.on_reject = on_reject
        self.lines = 0
        self.rejected = 0

    def actions(self) -> Iterator[tuple[int, dict]]:
        with self.path.open("rb") as lines:
            for number, raw in enumerate(lines, start=1):
                self.lines = number
                if not raw.strip():
                    continue
                try:
                    mention = _decode(raw)
                    _refuse_raw(mention, self.path, number)
                    yield number, mention_action(mention, self.names)
                except (UnicodeDecodeError, ValueError) as error:
                    self.rejected += 1
                    self.on_reject(Rejected(number, str(error), raw.decode("utf-8", "replace").rstrip("\n")))
                    log.warning("%s:%d: skipped: %s", self.path, number, error)


def _refuse_raw(mention: dict, path: Path, line: int) -> None:
    """Enrichment gives every mention it keeps its `brands` (it drops the others); a crawl's raw record has none."""
    if "brands" not in mention:
        raise RawMentionRefused(
            f"{path}:{line}: a raw mention record (no `brands`: not enriched, so its text is neither PII-masked nor "
            "classified) would replace the enriched document; run `nabd enrich` on the file and load its output")


def _decode(raw: bytes) -> dict:
    mention = json.loads(raw.decode("utf-8"))
    if not isinstance(mention, dict):
        raise ValueError(f"expected a JSON object, got {type(mention).__name__}")
    return mention


# --- sending -------------------------------------------------------------------------------------


def index_file(client: Elasticsearch, path: Path, names: IndexNames,
               dead_letter_path: Path | None = None, chunk_size: int = CHUNK_SIZE) -> IndexSummary:
    """Indexes one mention file; re-running it leaves the same documents."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no mention file at {path}")
    dead_letter_path = dead_letter_path or path.with_name(path.name + ".dead.jsonl")
    summary = IndexSummary(source_file=str(path))
    in_flight: dict[str, tuple[int, dict]] = {}
    started = time.perf_counter()
    with _DeadLetters(dead_letter_path, path) as dead_letters:
        source = MentionFile(path, names, on_reject=dead_letters.write_reject)
        try:
            actions: Iterable[tuple[int, dict]] = source.actions()
            for round_number in range(1, CONFLICT_ROUNDS + 1):
                conflicts: list[tuple[int, dict]] = []
                for ok, item in helpers.streaming_bulk(
                    client, _tracked(_moved_out(client, names, actions, chunk_size, summary), in_flight),
                    chunk_size=chunk_size,
                    max_chunk_bytes=MAX_CHUNK_BYTES, raise_on_error=False, raise_on_exception=True,
                    max_retries=5, initial_backoff=1, max_backoff=30, yield_ok=True,
                ):
                    _record_item(ok, item, summary, dead_letters, in_flight, conflicts)
                actions = [(line, mention_action(document, names)) for line, document in conflicts]
                if not actions:
                    break
                log.info("%s: %d document(s) changed while being written; reading them again (round %d)", path, len(actions), round_number)
            for line, action in actions:
                summary.rejected_by_server += 1
                dead_letters.write({"line": line, "id": action["_id"], "status": 409, "document": action["_source"],
                                    "reason": f"another writer kept changing the document ({CONFLICT_ROUNDS} tries); index the file again"})
        except (EsConnectionError, ConnectionTimeout) as error:
            raise IndexingAborted(
                f"Elasticsearch stopped answering while indexing {path} after {summary.indexed} documents "
                f"({type(error).__name__}); nothing in the input is lost: run the same command again"
            ) from error
        finally:
            summary.lines = source.lines
            summary.malformed = source.rejected
    summary.dead_letters = str(dead_letter_path) if dead_letters.count else None
    summary.elapsed_s = time.perf_counter() - started
    return summary


def _moved_out(client: Elasticsearch, names: IndexNames, actions: Iterable[tuple[int, dict]],
               batch: int, summary: IndexSummary) -> Iterator[tuple[int, dict]]:
    """Each action as a sighting (`sighting_action`) of its stored copies, preceded by deletes of its document's
    copies in other monthly indices: a mention whose `@timestamp` moved to another month (a source that
    corrected a time) must leave its old month, or trends would count it twice. The copies are looked up one
    batch of ids at a time, in every monthly index, after one refresh (so that a file indexed moments ago is
    seen). A sighting older than the stored one is counted as `kept_newer_version` and not sent."""
    client.indices.refresh(index=names.mentions_pattern, ignore_unavailable=True, allow_no_indices=True)
    pending: list[tuple[int, dict]] = []
    for item in actions:
        pending.append(item)
        if len(pending) >= batch:
            yield from _with_copies_deleted(client, names, pending, summary)
            pending = []
    yield from _with_copies_deleted(client, names, pending, summary)


def _with_copies_deleted(client: Elasticsearch, names: IndexNames, group: list[tuple[int, dict]],
                         summary: IndexSummary) -> Iterator[tuple[int, dict]]:
    if not group:
        return
    ids = sorted({action["_id"] for _, action in group})
    found = client.search(index=names.mentions_pattern, query={"ids": {"values": ids}}, size=min(10_000, 4 * len(ids)),
                          source=list(STORED_TIMES), seq_no_primary_term=True,
                          ignore_unavailable=True, allow_no_indices=True)["hits"]["hits"]
    stored: dict[str, list[dict]] = {}
    for hit in found:
        stored.setdefault(hit["_id"], []).append({"_index": hit["_index"], "_seq_no": hit.get("_seq_no"),
                                                  "_primary_term": hit.get("_primary_term"), **(hit.get("_source") or {})})
    for line, action in group:
        copies = stored.get(action["_id"], [])
        written = sighting_action(action, copies)
        if written is None:
            summary.indexed += 1
            summary.results["kept_newer_version"] += 1
            continue
        for index in sorted({copy["_index"] for copy in copies}):
            if index != action["_index"]:
                yield line, {"_op_type": "delete", "_index": index, "_id": action["_id"]}
        yield line, written
        # The same mention again further down the batch is judged against this write.
        stored[action["_id"]] = [{"_index": action["_index"], "_seq_no": None, "_primary_term": None,
                                  **{name: written["_source"].get(name) for name in STORED_TIMES}}]


def _tracked(actions: Iterable[tuple[int, dict]], in_flight: dict[str, tuple[int, dict]]) -> Iterator[dict]:
    """Remembers each in-flight document (a chunk's worth) so a rejection can name its line."""
    for line, action in actions:
        if action["_op_type"] != "delete":
            in_flight[action["_id"]] = (line, action["_source"])
        yield action


def _record_item(ok: bool, item: dict, summary: IndexSummary, dead_letters: "_DeadLetters",
                 in_flight: dict[str, tuple[int, dict]], conflicts: list[tuple[int, dict]]) -> None:
    operation, result = next(iter(item.items()), ("index", {}))
    if operation == "delete":  # the copy in the month the mention left
        if ok or result.get("status") == 404:
            summary.results["moved_from_another_month"] += ok
        else:
            summary.rejected_by_server += 1
            dead_letters.write({"id": result.get("_id"), "status": result.get("status"),
                                "reason": f"the copy in {result.get('_index')} (the mention moved to another month) "
                                          f"could not be deleted: {result.get('error')}; index the file again"})
        return
    line, document = in_flight.pop(result.get("_id"), (None, None))
    if ok:
        summary.indexed += 1
        summary.results[result.get("result", "ok")] += 1
        return
    if result.get("status") == 409 and document is not None:  # changed since we read it: read and decide again
        conflicts.append((line, document))
        return
    summary.rejected_by_server += 1
    error = result.get("error", {})
    if isinstance(error, dict):
        reason = f"{error.get('type', 'error')}: {error.get('reason', '')}"
    else:
        reason = str(error)
    dead_letters.write({"line": line, "id": result.get("_id"), "status": result.get("status"),
                        "reason": reason, "document": document})


class _DeadLetters:
    """Appends what could not be indexed, with the reason, next to the input file."""

    def __init__(self, path: Path, source_file: Path) -> None:
        self.path = path
        self.source_file = str(source_file)
        self.count = 0
        self._handle = None

    def __enter__(self) -> "_DeadLetters":
        self.path.unlink(missing_ok=True)
        return self

    def __exit__(self, *exc_info) -> None:
        if self._handle:
            self._handle.close()

    def write(self, record: dict) -> None:
        if self._handle is None:  # dead letters hold whole mentions: readable by their owner only
            descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            self._handle = os.fdopen(descriptor, "w", encoding="utf-8")
        record = {"source_file": self.source_file, **record}
        self._handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.count += 1

    def write_reject(self, reject: Rejected) -> None:
        self.write({"line": reject.line, "reason": f"malformed: {reject.reason}", "raw": reject.raw})
