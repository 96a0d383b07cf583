"""A crawl's partial feed: a private, uniquely named file, locked while its crawl lives, swept once it died.

Two crawls of one interval (a retry beside a slow first try, two workers, two pods whose process
ids coincide) each write their own `.<out>.<pid>-<random>.part` (mode 0600), then merge it into
`<out>` one at a time under the interval's lock (`.<out>.lock`). A crawl holds an exclusive
lock on its partial file for as long as it lives; the kernel releases it when the process dies,
even by SIGKILL, so a partial file whose lock can be taken belongs to a dead crawl and is removed
rather than read as data.
"""

from __future__ import annotations

import errno
import fcntl
import io
import logging
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from scrapy.extensions.feedexport import FileFeedStorage

logger = logging.getLogger(__name__)

PRIVATE_MODE = 0o600
FEED_ERROR_STAT = "nabd/feed_error"


class PartFile:
    """This crawl's partial feed for `out`: created empty and private, locked until `release()`."""

    def __init__(self, out: Path) -> None:
        out.parent.mkdir(parents=True, exist_ok=True)
        self.out = out
        self.path = out.with_name(f".{out.name}.{os.getpid()}-{uuid.uuid4().hex}.part")
        self._descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, PRIVATE_MODE)
        fcntl.flock(self._descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def release(self) -> None:
        """Removes the partial file and drops its lock."""
        self.path.unlink(missing_ok=True)
        if self._descriptor >= 0:
            os.close(self._descriptor)
            self._descriptor = -1

    def __enter__(self) -> "PartFile":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.release()


def partial_files(out: Path) -> list[Path]:
    """Every crawl's partial file for `out`, alive or dead."""
    return sorted(out.parent.glob(f".{_glob_escape(out.name)}.*.part"))


def sweep_dead_parts(out: Path) -> list[Path]:
    """Removes the partial files of `out` whose crawl died (their lock is free); returns them."""
    swept = []
    for path in partial_files(out):
        try:
            descriptor = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            continue
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            continue  # a live crawl's
        else:
            path.unlink(missing_ok=True)
            swept.append(path)
        finally:
            os.close(descriptor)
    if swept:
        logger.warning("removed %d partial feed(s) of crawls that died: %s", len(swept), ", ".join(p.name for p in swept))
    return swept


@contextmanager
def interval_lock(out: Path) -> Iterator[None]:
    """Holds the exclusive lock of `out` (one interval of one source) for the block: one merge at a time."""
    out.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(out.with_name(f".{out.name}.lock"), os.O_RDWR | os.O_CREAT, PRIVATE_MODE)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


class PartFeedStorage(FileFeedStorage):
    """Scrapy's file feed storage writing a private file, which stops the crawl when a write fails.

    Scrapy logs an exception raised while exporting an item and goes on crawling; a full disk would
    then leave a feed with items missing and a crawl that "finished". Here the first failed write is
    kept in the crawl's stats (`nabd/feed_error`) and closes the spider, so the crawl fails and says why.
    """

    crawler: Any = None

    @classmethod
    def from_crawler(cls, crawler: Any, uri: str, *, feed_options: dict[str, Any] | None = None) -> "PartFeedStorage":
        storage = cls(uri, feed_options=feed_options)
        storage.crawler = crawler
        return storage

    def open(self, spider: Any) -> IO[bytes]:
        descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_MODE)
        return _CheckedFile(descriptor, self._failed)

    def _failed(self, error: OSError) -> None:
        if self.crawler is None or self.crawler.stats.get_value(FEED_ERROR_STAT):
            return
        self.crawler.stats.set_value(FEED_ERROR_STAT, error.errno or errno.EIO)
        logger.error("could not write the feed %s: %s; stopping the crawl", self.path, error.strerror or error)
        if self.crawler.engine is not None:
            from scrapy.utils.defer import deferred_from_coro

            deferred_from_coro(self.crawler.engine.close_spider_async(reason="feed write failed"))


class _CheckedFile(io.FileIO):
    """An unbuffered file whose writes are whole or raise (a short write is continued, then fails)."""

    def __init__(self, descriptor: int, on_error: Any) -> None:
        super().__init__(descriptor, "wb", closefd=True)
        self._on_error = on_error
        self._error: OSError | None = None

    def write(self, data: Any) -> int:  # type: ignore[override]
        if self._error is not None:
            raise self._error
        view = memoryview(data).cast("B")
        written = 0
        try:
            while written < len(view):
                written += super().write(view[written:]) or 0
        except OSError as error:
            self._error = error
            self._on_error(error)
            raise
        return written


def _glob_escape(name: str) -> str:
    return "".join(f"[{character}]" if character in "*?[" else character for character in name)

