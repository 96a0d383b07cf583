"""Mention JSONL feeds: canonical records, reading with line-numbered errors, sorted atomic writes.

Sorting is an external merge sort (`SortedRuns`), so writing a feed of any size holds a bounded
amount of it in memory.
"""

from __future__ import annotations

import errno
import heapq
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from operator import itemgetter
from pathlib import Path
from typing import IO, Any

from spiders.items import MENTION_FIELDS

OPTIONAL_NULL_FIELDS = ("title", "rating", "thread_id", "parent_id")
# Characters of text sorted in memory at once; beyond that, sorted runs are spilled to temporary files.
RUN_CHARACTERS = 2**21


# What a full disk, a quota or a file size limit look like to a writer.
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EFBIG, errno.EDQUOT})


class FeedError(ValueError):
    """A feed line that is not a mention record."""


class FeedWriteError(OSError):
    """A feed could not be written (disk full, quota, file size limit); the file it would replace is untouched."""

    def __str__(self) -> str:
        return str(self.strerror)


def disk_error_message(path: Path, error: OSError) -> str:
    """A plain message naming the file that could not be written and why."""
    reason = os.strerror(error.errno) if error.errno else str(error)
    hint = " (disk full, quota or file size limit)" if error.errno in DISK_FULL_ERRNOS else ""
    return f"could not write {path}: {reason}{hint}; it was left as it was"


def canonical_record(item: dict) -> dict:
    """The record with spider fields in contract order; absent optional fields as null."""
    record = {name: item[name] for name in MENTION_FIELDS if name in item}
    for name in OPTIONAL_NULL_FIELDS:
        record.setdefault(name, None)
    record.setdefault("engagement", {})
    return {name: record[name] for name in MENTION_FIELDS if name in record}


def record_text(record: dict) -> str:
    """One record as JSON text: UTF-8 text as written (no escapes), stable separators, no newline."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def feed_line(record: dict) -> str:
    """One JSONL line: the record's text and a newline."""
    return record_text(record) + "\n"


def iter_feed(path: Path) -> Iterator[tuple[str, dict]]:
    """Each record of a JSONL feed with its line (stripped); a bad line raises FeedError naming the file and line."""
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            line = line.strip()
            if not line:
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise FeedError(f"{path}:{number}: not JSON: {error.msg}") from None
            if not isinstance(record, dict) or "id" not in record or "@timestamp" not in record:
                raise FeedError(f"{path}:{number}: not a mention record (needs 'id' and '@timestamp')")
            yield line, record


def read_feed(path: Path) -> list[dict]:
    """Every record of a JSONL feed; a bad line raises FeedError naming the file and line."""
    return [record for _, record in iter_feed(path)]


def sort_key(record: dict) -> tuple[str, str]:
    return record["@timestamp"], record["id"]


class SortedRuns:
    """Lines sorted by a key in bounded memory: an external merge sort.

    Lines are gathered in memory up to `run_characters` of text; each full batch is sorted and spilled
    as a run to an anonymous temporary file in `folder` (gone when closed, or when the process dies),
    and `sorted()` merges the runs with `heapq.merge`. Keys are tuples of JSON scalars (strings,
    numbers); equal keys keep the order they were added in, as `sorted` does. Lines hold no newline.
    """

    def __init__(self, folder: Path, run_characters: int = RUN_CHARACTERS) -> None:
        self.folder, self.run_characters = folder, max(1, run_characters)
        self.buffer: list[tuple[tuple, str]] = []
        self.buffered = 0
        self.runs: list[IO[str]] = []

    def add(self, key: tuple, line: str) -> None:
        self.buffer.append((key, line))
        self.buffered += len(line)
        if self.buffered >= self.run_characters:
            self._spill()

    def sorted(self) -> Iterator[tuple[tuple, str]]:
        """Every (key, line) added, in key order; the runs are read once."""
        if not self.runs:
            self.buffer.sort(key=_KEY)
            yield from self.buffer
            return
        if self.buffer:
            self._spill()
        for run in self.runs:
            run.seek(0)
        yield from heapq.merge(*(_read_run(run) for run in self.runs), key=_KEY)

    def close(self) -> None:
        for run in self.runs:
            run.close()
        self.runs, self.buffer, self.buffered = [], [], 0

    def __enter__(self) -> "SortedRuns":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def _spill(self) -> None:
        self.buffer.sort(key=_KEY)
        run = tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n", dir=self.folder, prefix=".nabd-run-", suffix=".tmp")
        self.runs.append(run)
        # The key as ASCII JSON holds no tab, so the first tab ends it whatever the line holds.
        run.writelines(f"{json.dumps(key)}\t{line}\n" for key, line in self.buffer)
        self.buffer, self.buffered = [], 0


_KEY = itemgetter(0)


def _read_run(run: IO[str]) -> Iterator[tuple[tuple, str]]:
    for text in run:
        key, _, line = text.partition("\t")
        yield tuple(json.loads(key)), line[:-1]


def write_lines(path: Path, lines: Iterable[str]) -> int:
    """Writes `lines` (no newlines of their own) to `path` atomically (temp file, fsync, rename); returns how many."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    count = 0
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            for line in lines:
                stream.write(line)
                stream.write("\n")
                count += 1
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        if error.errno in DISK_FULL_ERRNOS:
            raise FeedWriteError(error.errno, disk_error_message(path, error)) from error
        raise
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return count


def write_feed(path: Path, records: Iterable[dict], run_characters: int = RUN_CHARACTERS) -> int:
    """Writes records sorted by (@timestamp, id) to `path` atomically, sorting in bounded memory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with SortedRuns(path.parent, run_characters) as runs:
        for record in records:
            record = canonical_record(record)
            runs.add(sort_key(record), record_text(record))
        return write_lines(path, (line for _, line in runs.sorted()))
