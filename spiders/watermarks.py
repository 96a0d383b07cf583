"""Crawl watermarks (latest `@timestamp` collected), per source and per channel, shared safely between crawl processes.

A channel is what a source's spider reads separately (an X brand query, a YouTube channel, an app in a store
country, a subreddit, a Telegram channel, a feed; docs/sources.md names each kind's). When the source's crawls
stopped for longer than its lookback (a source down, a paused DAG), a crawl reaches back to each lagging
channel's watermark, so the gap is filled.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class WatermarkStore:
    """`<data_dir>/state/watermarks.json`: {source: {"latest": ISO time, "covered": ISO time, "channels": {channel:
    ISO time}}}, updated under a file lock (`covered`: the end of the latest interval crawled successfully)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def latest(self, source: str) -> str | None:
        """The latest publication time collected for `source`, or None before its first crawl."""
        return self._read().get(source, {}).get("latest")

    def covered(self, source: str) -> str | None:
        """The end of the latest interval `source` was crawled over successfully, or None before its first crawl."""
        return self._read().get(source, {}).get("covered")

    def channels(self, source: str) -> dict[str, str]:
        """Each channel's latest publication time collected for `source` (empty before its first crawl)."""
        channels = self._read().get(source, {}).get("channels", {})
        if not isinstance(channels, dict):
            raise ValueError(f"{self.path}: {source}.channels: expected an object of channel → watermark")
        return dict(channels)

    def advance(self, source: str, latest: str | None, channels: dict[str, str] | None = None,
                covered: str | None = None) -> str | None:
        """Moves the source's watermark, each channel's, and the end of what it has covered forward (never back);
        returns the source's watermark now."""
        with self._locked():
            marks = self._read()
            entry = dict(marks.get(source, {}))
            changed = _advanced(entry, "latest", latest)
            changed = _advanced(entry, "covered", covered) or changed
            known = dict(entry.get("channels", {}))
            for channel, moment in (channels or {}).items():
                changed = _advanced(known, channel, moment) or changed
            if known:
                entry["channels"] = known
            if changed:
                marks[source] = entry
                self._write(marks)
            return entry.get("latest")

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


def _advanced(marks: dict[str, str], key: str, moment: str | None) -> bool:
    """Sets `marks[key]` to `moment` when it is later (or absent); whether it changed."""
    if moment is None or (marks.get(key) is not None and moment <= marks[key]):
        return False
    marks[key] = moment
    return True
