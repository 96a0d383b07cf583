"""Mention JSONL feeds: canonical records, reading with line-numbered errors, sorted atomic writes."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from spiders.items import MENTION_FIELDS

OPTIONAL_NULL_FIELDS = ("title", "rating", "thread_id", "parent_id")


class FeedError(ValueError):
    """A feed line that is not a mention record."""


def canonical_record(item: dict) -> dict:
    """The record with spider fields in contract order; absent optional fields as null."""
    record = {name: item[name] for name in MENTION_FIELDS if name in item}
    for name in OPTIONAL_NULL_FIELDS:
        record.setdefault(name, None)
    record.setdefault("engagement", {})
    return {name: record[name] for name in MENTION_FIELDS if name in record}


def feed_line(record: dict) -> str:
    """One JSONL line: UTF-8 text as written (no escapes), stable separators."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


def read_feed(path: Path) -> list[dict]:
    """Every record of a JSONL feed; a bad line raises FeedError naming the file and line."""
    records = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise FeedError(f"{path}:{number}: not JSON: {error.msg}") from None
            if not isinstance(record, dict) or "id" not in record or "@timestamp" not in record:
                raise FeedError(f"{path}:{number}: not a mention record (needs 'id' and '@timestamp')")
            records.append(record)
    return records


def sort_key(record: dict) -> tuple[str, str]:
    return record["@timestamp"], record["id"]


def write_feed(path: Path, records: Iterable[dict]) -> int:
    """Writes records sorted by (@timestamp, id) to `path` atomically (temp file, fsync, rename)."""
    ordered = sorted((canonical_record(record) for record in records), key=sort_key)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.writelines(feed_line(record) for record in ordered)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return len(ordered)
