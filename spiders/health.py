"""A crawl's health record: built from its summary (or its failure), kept as JSON next to the raw file until recorded.

The record's fields are those of the collection-health index (docs/sources.md, "Collection health").
It is written as `<raw file stem>.health-<crawl id>.pending.json` beside the raw file the moment the
crawl ends, whatever the outcome, so nothing is lost while Elasticsearch is away; once a sink (the
index, through the composing CLI or task) has taken it, the file is renamed without `.pending`.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from spiders.feed import write_lines

logger = logging.getLogger(__name__)

HTTP_STATUS_STAT = "downloader/response_status_count/"
ROBOTS_STATUS_STAT = "robotstxt/response_status_count/"
HTTP_CLASSES = ("2xx", "3xx", "4xx", "5xx")
PENDING_SUFFIX = ".pending.json"
REJECTED_SUFFIX = ".rejected.json"
HEALTH_FILE = re.compile(r"\.health-[0-9a-f]{32}(\.pending|\.rejected)?\.json$")

HealthSink = Callable[[dict], None]


def http_status_counts(stats: dict[str, Any]) -> dict[str, int]:
    """Responses received by status class (`2xx` … `5xx`), from Scrapy's downloader stats: retries included,
    robots.txt left out (a site without one answers 404, which says nothing about the source)."""
    counts = dict.fromkeys(HTTP_CLASSES, 0)
    for prefix, sign in ((HTTP_STATUS_STAT, 1), (ROBOTS_STATUS_STAT, -1)):
        for key, value in stats.items():
            if key.startswith(prefix):
                status_class = f"{key.removeprefix(prefix)[:1]}xx"
                if status_class in counts:
                    counts[status_class] += sign * int(value)
    return counts


def status_of(ok: bool, collected: int) -> str:
    """`failed` when the crawl failed, `empty` when it succeeded with nothing collected, else `ok`."""
    if not ok:
        return "failed"
    return "ok" if collected > 0 else "empty"


def health_record(*, summary: Any | None, source: str, source_kind: str | None, start: str, end: str,
                  crawl_id: str, finished_at: str, duration_s: float, error: str | None = None) -> dict:
    """The record of one crawl: from its summary when the crawl printed one, else a failure with `error`."""
    record: dict[str, Any] = {
        "@timestamp": finished_at, "source": source, "source_kind": source_kind,
        "interval_start": start, "interval_end": end, "crawl_id": crawl_id, "duration_s": round(duration_s, 3),
    }
    if summary is None:
        return {**record, "fetch_start": start, "status": "failed", "finish_reason": "no summary", "items": 0,
                "collected": 0, "pages_skipped": 0, "skipped_reasons": [], "retries": 0, "errors": 1, "error": error,
                "http_status": dict.fromkeys(HTTP_CLASSES, 0)}
    failed = not summary.ok
    return {
        **record, "fetch_start": summary.fetch_start, "status": status_of(summary.ok, summary.collected),
        "finish_reason": summary.finish_reason, "items": summary.items, "collected": summary.collected,
        "pages_skipped": summary.skipped_pages, "skipped_reasons": sorted(summary.skipped_reasons),
        "retries": summary.retries, "errors": summary.errors,
        "error": error or (summary.finish_reason if failed else None),
        "http_status": {name: int(summary.http_status.get(name, 0)) for name in HTTP_CLASSES},
    }


def health_path(out: Path, crawl_id: str) -> Path:
    """Where the pending health record of the crawl writing `out` is kept."""
    return out.with_name(f"{out.name.removesuffix('.jsonl')}.health-{crawl_id}{PENDING_SUFFIX}")


def write_health(out: Path, health: dict) -> Path:
    """Writes the pending record next to `out`, atomically; returns its path."""
    path = health_path(out, health["crawl_id"])
    write_lines(path, [json.dumps(health, ensure_ascii=False, sort_keys=True)])
    return path


def pending_health_files(folder: Path) -> list[Path]:
    """The health records in `folder` that no sink has taken yet, oldest name first."""
    if not folder.is_dir():
        return []
    return sorted(path for path in folder.glob(f"*.health-*{PENDING_SUFFIX}") if HEALTH_FILE.search(path.name))


def read_health(path: Path) -> dict:
    """One health file's record; a file that is not a JSON object raises ValueError naming it."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise ValueError(f"{path}: not a JSON health record ({error})") from error
    if not isinstance(record, dict):
        raise ValueError(f"{path}: expected a JSON object, got {type(record).__name__}")
    return record


def deliver_pending(folder: Path, sink: HealthSink) -> tuple[int, int]:
    """Hands every pending record of `folder` to `sink`, marking each taken one recorded.

    Stops at the first failure of the sink (Elasticsearch away: the rest waits for the next crawl); a record
    another crawl of the folder took meanwhile (crawls of two intervals run at once) counts as recorded; a record
    that is not JSON or that the sink refuses (ValueError: it does not fit the index) is renamed
    `.rejected.json` and logged. Returns (recorded, not recorded).
    """
    pending = pending_health_files(folder)
    recorded = 0
    for path in pending:
        try:
            record = read_health(path)
        except FileNotFoundError:  # a crawl of another interval of this folder took it meanwhile
            recorded += 1
            continue
        except OSError as error:
            logger.error("health record %s left pending: %s", path, error)
            continue
        except ValueError as error:
            _reject(path, error)
            continue
        try:
            sink(record)
        except ValueError as error:  # the record itself was refused: set aside, so it cannot hold up the others
            _reject(path, error)
            continue
        except Exception as error:  # the sink talks to another system: its failure must not fail the crawl
            logger.warning("could not record crawl health (kept in %s, recorded by a later crawl): %s", path, error)
            break
        try:
            path.replace(path.with_name(path.name.removesuffix(PENDING_SUFFIX) + ".json"))
        except FileNotFoundError:
            pass  # another crawl recorded it at the same time (the record's id makes that harmless)
        recorded += 1
    return recorded, len(pending) - recorded


def _reject(path: Path, error: ValueError) -> None:
    """Sets a record that can never be recorded aside as `.rejected.json`, logging why."""
    rejected = path.with_name(path.name.removesuffix(PENDING_SUFFIX) + REJECTED_SUFFIX)
    try:
        path.replace(rejected)
    except FileNotFoundError:
        return  # another crawl set it aside first
    logger.error("crawl health record refused, kept as %s: %s", rejected, error)
