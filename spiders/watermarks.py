"""Per-source crawl watermarks (latest `@timestamp` collected), shared safely between crawl processes."""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class WatermarkStore:
    """`<data_dir>/state/watermarks.json`: {source: {"latest": ISO time}}, updated under a file lock."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def latest(self, source: str) -> str | None:
        """The latest publication time collected for `source`, or None before its first crawl."""
        return self._read().get(source, {}).get("latest")

    def advance(self, source: str, latest: str) -> str:
        """Moves the source's watermark forward to `latest` (never back); returns the watermark now."""
        with self._locked():
            marks = self._read()
            current = marks.get(source, {}).get("latest")
            if current is None or latest > current:
                marks[source] = {"latest": latest}
                self._write(marks)
            return marks[source]["latest"]

    def _read(self) -> dict[str, dict[str, str]]:
        if not self.path.exists():
            return {}
        try:
            marks = json.loads(self.path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise ValueError(f"{self.path}: watermarks file is not JSON ({error.msg}); fix or delete it") from None
        if not isinstance(marks, dict):
            raise ValueError(f"{self.path}: expected an object of source → watermark")
        return marks

    def _write(self, marks: dict[str, dict[str, str]]) -> None:
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".watermarks.", suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(marks, stream, ensure_ascii=False, indent=2, sort_keys=True)
            stream.write("\n")
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, self.path)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(self.path.name + ".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
