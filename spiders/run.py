"""Runs one crawl of one source over one data interval in its own process and writes its JSONL feed.

    python -m spiders.run --source S --start ISO --end ISO --out PATH [--base-url URL] [--since-watermark]

The crawl re-reads the source's lookback before the interval (sources.yaml `lookback`), and further back
for a channel whose watermark lags (up to `catch_up`): `crawl_window`. What it collects goes to the
interval's own file, so re-running an interval rewrites that file and no other.

The child process prints its summary as one JSON line on stdout (logs go to stderr) and exits
non-zero when the crawl failed; when it could not crawl at all, that line is `{"error": message}`. `run_crawl` launches it, for the CLI and for Airflow tasks,
and leaves the crawl's health record (spiders/health.py) next to the feed, whatever the outcome.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import os
import subprocess
import sys
import time
import uuid
from dataclasses import asdict, dataclass, field, replace
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from spiders.cleaning import format_utc, parse_timestamp
from spiders.feed import (
    DISK_FULL_ERRNOS, RUN_CHARACTERS, FeedWriteError, SortedRuns, canonical_record, disk_error_message, iter_feed, record_text,
    sort_key, write_lines,
)
from spiders.health import HealthSink, deliver_pending, health_record, http_status_counts, write_health
from spiders.sources.base import FAILED_REQUESTS_STAT, REFUSED_STATUSES, SKIPPED_PAGES_STAT

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TIMEOUT_S = 3600.0


@dataclass(frozen=True)
class CrawlSummary:
    """What one crawl did: counts, drops by reason, skipped pages, errors, and whether it succeeded."""

    source: str
    start: str
    end: str
    fetch_start: str
    out: str
    ok: bool
    finish_reason: str
    items: int = 0
    collected: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    skipped_pages: int = 0
    retries: int = 0
    errors: int = 0
    watermark: str | None = None
    kind: str | None = None
    # Responses by status class (2xx … 5xx), and skipped pages by reason.
    http_status: dict[str, int] = field(default_factory=dict)
    skipped_reasons: dict[str, int] = field(default_factory=dict)
    # Set by `run_crawl`: the crawl's unique id and its health record's file.
    crawl_id: str | None = None
    health_file: str | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "CrawlSummary":
        return cls(**json.loads(text))


@dataclass(frozen=True)
class SourcePlan:
    """How to crawl one configured source: its spider kind, options and where state lives."""

    name: str
    kind: str
    options: dict[str, Any]
    data_dir: Path
    pseudonym_key_env: str
    # Brand id → the names to search for (aliases, then handles), for spiders that search per brand.
    brands: dict[str, list[str]] = field(default_factory=dict)
    # NAMES of the environment variables holding the source's secrets, read at crawl time.
    credentials_env: tuple[str, ...] = ()
    # How far before the interval the crawl re-reads, and how far back a lagging channel may reach.
    lookback: timedelta = timedelta(0)
    catch_up: timedelta = timedelta(0)

    def missing_credentials(self) -> list[str]:
        """The credential variables that are unset or empty in the environment now."""
        return [name for name in self.credentials_env if not os.environ.get(name)]


class CrawlFailed(RuntimeError):
    """The crawl process exited non-zero; carries its summary when it printed one, and its health record's file."""

    def __init__(self, message: str, summary: CrawlSummary | None = None, health_file: str | None = None) -> None:
        super().__init__(message)
        self.summary = summary
        self.health_file = health_file


# ---------------------------------------------------------------- the parent side


def run_crawl(
    source: str,
    start: datetime | str,
    end: datetime | str,
    out: Path | str,
    base_url: str | None = None,
    *,
    since_watermark: bool = False,
    config_path: Path | str | None = None,
    state_dir: Path | str | None = None,
    settings: dict[str, str] | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    health_sink: HealthSink | None = None,
) -> CrawlSummary:
    """Crawls `source` over [start, end) in a child process writing `out`; raises CrawlFailed on failure.

    Either way the crawl's health record is written next to `out` and, with a `health_sink` (the
    collection-health index), handed to it with any record an earlier crawl left pending; a failing
    sink is logged and never fails the crawl.
    """
    out = Path(out)
    crawl = CrawlHealth(source, _iso(start), _iso(end), out, health_sink, config_path)
    command = crawl_command(source, start, end, out, base_url, since_watermark, config_path, state_dir, settings)
    environment = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])))
    logger.info("crawling %s over [%s, %s) into %s (crawl %s)", source, _iso(start), _iso(end), out, crawl.crawl_id)
    try:
        finished = subprocess.run(command, stdout=subprocess.PIPE, text=True, timeout=timeout_s, env=environment, check=False)
    except subprocess.TimeoutExpired:
        raise crawl.failed(f"crawl of {source!r} over [{_iso(start)}, {_iso(end)}) ran past {timeout_s:.0f} s and was stopped") from None
    summary = _summary_from_stdout(finished.stdout)
    if finished.returncode != 0:
        reason = summary.finish_reason if summary else _error_from_stdout(finished.stdout) or "no summary (see the log above)"
        raise crawl.failed(f"crawl of {source!r} over [{_iso(start)}, {_iso(end)}) failed with exit code {finished.returncode}: {reason}", summary)
    if summary is None:
        raise crawl.failed(f"crawl of {source!r} printed no summary")
    return crawl.succeeded(summary)


class CrawlHealth:
    """One crawl's identity and clock, and the health record it leaves when it ends (spiders/health.py)."""

    def __init__(self, source: str, start: str, end: str, out: Path, sink: HealthSink | None, config_path: Path | str | None) -> None:
        self.source, self.start, self.end, self.out, self.sink, self.config_path = source, start, end, out, sink, config_path
        self.crawl_id = uuid.uuid4().hex
        self.began = time.monotonic()

    def succeeded(self, summary: CrawlSummary) -> CrawlSummary:
        return replace(summary, crawl_id=self.crawl_id, health_file=self.leave(summary, None))

    def failed(self, message: str, summary: CrawlSummary | None = None) -> CrawlFailed:
        if summary is not None:
            summary = replace(summary, crawl_id=self.crawl_id)
        return CrawlFailed(message, summary, self.leave(summary, message))

    def leave(self, summary: CrawlSummary | None, error: str | None) -> str | None:
        """Writes the record next to the feed and hands the folder's pending records to the sink; returns the file."""
        record = health_record(
            summary=summary, source=self.source, source_kind=summary.kind if summary and summary.kind else self._kind(),
            start=self.start, end=self.end, crawl_id=self.crawl_id, duration_s=time.monotonic() - self.began,
            finished_at=format_utc(datetime.now(timezone.utc)), error=error)
        try:
            path = write_health(self.out, record)
        except OSError as error:
            logger.error("could not write the health record of crawl %s next to %s: %s (record: %s)", self.crawl_id, self.out, error,
                         json.dumps(record, ensure_ascii=False, sort_keys=True))
            return None
        if self.sink is not None:
            deliver_pending(self.out.parent, self.sink)
        recorded = path.with_name(path.name.removesuffix(".pending.json") + ".json")
        return str(recorded if recorded.exists() else path)

    def _kind(self) -> str | None:
        """The source's spider kind from the configuration, when the child could not say (None if unreadable)."""
        try:
            return load_source_plan(self.source, Path(self.config_path) if self.config_path else None).kind
        except Exception:  # the configuration may be what failed the crawl; the record is kept without its kind
            return None


def crawl_command(
    source: str,
    start: datetime | str,
    end: datetime | str,
    out: Path | str,
    base_url: str | None = None,
    since_watermark: bool = False,
    config_path: Path | str | None = None,
    state_dir: Path | str | None = None,
    settings: dict[str, str] | None = None,
) -> list[str]:
    """The child process's command line."""
    command = [sys.executable, "-m", "spiders.run", "--source", source, "--start", _iso(start), "--end", _iso(end), "--out", str(out)]
    if base_url:
        command += ["--base-url", base_url]
    if since_watermark:
        command.append("--since-watermark")
    if config_path:
        command += ["--config", str(config_path)]
    if state_dir:
        command += ["--state-dir", str(state_dir)]
    for name, value in (settings or {}).items():
        command += ["--setting", f"{name}={value}"]
    return command


def _iso(moment: datetime | str) -> str:
    return moment if isinstance(moment, str) else format_utc(moment)


def _error_from_stdout(stdout: str) -> str | None:
    """The child's error message, when it printed one (`{"error": ...}`) as its last line."""
    lines = [line for line in stdout.splitlines() if line.strip()]
    try:
        message = json.loads(lines[-1]).get("error") if lines else None
    except (json.JSONDecodeError, AttributeError):
        return None
    return message if isinstance(message, str) else None


def _summary_from_stdout(stdout: str) -> CrawlSummary | None:
    lines = [line for line in stdout.splitlines() if line.strip()]
    if not lines:
        return None
    try:
        return CrawlSummary.from_json(lines[-1])
    except (json.JSONDecodeError, TypeError):
        return None


# ---------------------------------------------------------------- the child side


def load_source_plan(name: str, config_path: Path | None = None) -> SourcePlan:
    """The source's plan from the project configuration (`config/`, or $NABD_CONFIG_DIR, or `config_path`)."""
    from config import load_config

    config = load_config(config_path)
    source = config.source(name)
    if not source.enabled:
        raise ValueError(f"source {name!r} is disabled in the configuration (sources.yaml: {name}: enabled: false)")
    return SourcePlan(
        name=source.name,
        kind=source.kind,
        options=dict(source.options or {}),
        data_dir=Path(config.settings.data_dir),
        pseudonym_key_env=config.settings.privacy.pseudonym_key_env,
        brands={brand.id: [*brand.aliases, *brand.handles] for brand in config.source_brands(name)},
        credentials_env=tuple(source.credentials_env),
        lookback=source.effective_lookback,
        catch_up=source.effective_catch_up,
    )


@dataclass(frozen=True)
class CrawlWindow:
    """What a crawl reads: from `start` (the interval's start less the lookback) to the interval's end, and from
    an earlier time for each channel in `channel_starts`."""

    start: str
    channel_starts: dict[str, str] = field(default_factory=dict)
    # The earliest publication time it asks for (the summary's `fetch_start`).
    fetch_start: str = ""


def crawl_window(plan: SourcePlan, start: str, end: str, marks: dict[str, str], source_mark: str | None,
                 since_watermark: bool, covered: str | None = None) -> CrawlWindow:
    """The window of a crawl of [start, end), from the source's lookback and its channels' watermarks `marks`.

    Normally it opens `lookback` before `start`. When the source's last successful crawl ended (`covered`)
    before that (its crawls stopped: a source down, a paused DAG), each channel whose watermark is older opens
    at its watermark, at most `catch_up` before `start`, so the gap is filled. Crawls that follow each other
    (a backfill in order, hourly runs) and an old interval re-run later are not widened. With `since_watermark` (an incremental re-crawl of the same
    interval) nothing is re-read: each channel starts at its watermark when that lies inside the interval.
    """
    if since_watermark:
        inside = {channel: mark for channel, mark in marks.items() if start < mark < end}
        default = start if marks else _fetch_start(source_mark, start, end)
        lagging_behind = len(inside) < len(marks) or not marks
        return CrawlWindow(default, inside, min([*inside.values(), *([default] if lagging_behind else [])]))
    opened = _shifted(start, -plan.lookback)
    floor = _shifted(start, -plan.catch_up)
    if covered is None or covered >= opened:
        return CrawlWindow(opened, {}, opened)
    lagging = {channel: max(mark, floor) for channel, mark in marks.items() if mark < opened and floor < opened}
    return CrawlWindow(opened, lagging, min([opened, *lagging.values()]))


def _shifted(moment: str, by: timedelta) -> str:
    return format_utc(parse_timestamp(moment) + by)


def crawl_settings(plan: SourcePlan, window: CrawlWindow, end: str, part: Path, overrides: dict[str, str]) -> Any:
    """Scrapy settings for this crawl: the shared ones, the run's window and feed, then overrides."""
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("spiders.settings", priority="project")
    settings.setdict({
        "NABD_SOURCE": plan.name,
        "NABD_INTERVAL_START": window.start,
        "NABD_CHANNEL_STARTS": json.dumps(window.channel_starts, sort_keys=True),
        "NABD_INTERVAL_END": end,
        "NABD_PSEUDONYM_KEY_ENV": plan.pseudonym_key_env,
        "NABD_KEEP_AUTHOR_NAMES": bool(plan.options.get("keep_author_names", False)),
        "FEEDS": {part.resolve().as_uri(): {"format": "jsonlines", "encoding": "utf8", "overwrite": True}},
        "FEED_STORAGES": {"file": "spiders.partfile.PartFeedStorage"},
    }, priority="project")
    settings.setdict(overrides, priority="cmdline")
    return settings


def crawl(plan: SourcePlan, start: str, end: str, out: Path, base_url: str | None, since_watermark: bool,
          state_dir: Path, overrides: dict[str, str]) -> CrawlSummary:
    """Runs the crawl in this process and, when it succeeded, writes the feed and advances the watermarks."""
    from spiders.partfile import FEED_ERROR_STAT, PartFile, interval_lock, sweep_dead_parts
    from spiders.pipelines import channel_latest
    from spiders.watermarks import WatermarkStore

    store = WatermarkStore(state_dir / "watermarks.json")
    window = crawl_window(plan, start, end, store.channels(plan.name), store.latest(plan.name), since_watermark,
                          store.covered(plan.name))
    fetch_start = window.fetch_start
    if window.channel_starts:
        logger.info("%s: channels behind their lookback re-read from: %s", plan.name,
                    ", ".join(f"{channel} {moment}" for channel, moment in sorted(window.channel_starts.items())))
    missing = plan.missing_credentials()
    if missing:
        return _skipped(plan, start, end, fetch_start, out, missing, store.latest(plan.name))
    sweep_dead_parts(out)
    with PartFile(out) as part:
        stats = _run_spider(plan, window, end, part.path, base_url, overrides)
        if stats.get(FEED_ERROR_STAT):
            failure = OSError(stats[FEED_ERROR_STAT], os.strerror(stats[FEED_ERROR_STAT]))
            raise FeedWriteError(failure.errno, disk_error_message(out, failure) + f" (the crawl's partial feed {part.path.name})")
        with disk_errors(out), interval_lock(out), IntervalMerge(out.parent, keep_previous=since_watermark, start=start, end=end) as merge:
            collected = merge.add_collected(part.path)
            summary = _summarize(plan, start, end, fetch_start, out, stats, collected)
            if not summary["ok"]:
                return CrawlSummary(**summary)
            if out.exists():
                merge.add_previous(out)
            summary["items"], latest = merge.write(out)
            # Under the interval's lock, so two crawls of it advance the watermark in the order they wrote.
            summary["watermark"] = store.advance(plan.name, latest, channel_latest(stats), covered=end)
    return CrawlSummary(**summary)


def _run_spider(plan: SourcePlan, window: CrawlWindow, end: str, part: Path, base_url: str | None, overrides: dict[str, str]) -> dict:
    """Runs the source's spider in this process, its feed going to `part`; returns the crawl's stats."""
    from scrapy.crawler import CrawlerProcess

    from spiders.sources import spider_class

    process = CrawlerProcess(crawl_settings(plan, window, end, part, overrides))
    spider_options: dict[str, Any] = {"options": plan.options, "brands": plan.brands, "credentials_env": list(plan.credentials_env)}
    if base_url or plan.options.get("base_url"):
        spider_options["base_url"] = base_url or plan.options["base_url"]
    crawler = process.create_crawler(spider_class(plan.kind))
    process.crawl(crawler, **spider_options)
    process.start()
    return crawler.stats.get_stats() if crawler.stats else {}


@contextmanager
def disk_errors(out: Path) -> Iterator[None]:
    """Turns a full disk met while merging into `out` (spilled runs, the new file) into a FeedWriteError naming it."""
    try:
        yield
    except FeedWriteError:
        raise
    except OSError as error:
        if error.errno in DISK_FULL_ERRNOS:
            raise FeedWriteError(error.errno, disk_error_message(out, error)) from error
        raise


def _skipped(plan: SourcePlan, start: str, end: str, fetch_start: str, out: Path, missing: list[str], watermark: str | None) -> CrawlSummary:
    """The summary of a crawl not run because its credentials are absent: nothing fetched or written."""
    reason = f"skipped: environment variable {', '.join(missing)} not set (credentials of source {plan.name!r})"
    logger.warning("%s: %s", plan.name, reason)
    return CrawlSummary(source=plan.name, start=start, end=end, fetch_start=fetch_start, out=str(out), ok=True,
                        finish_reason=reason, watermark=watermark, kind=plan.kind, skipped_reasons={"credentials not set": 1})


def _fetch_start(watermark: str | None, start: str, end: str) -> str:
    """Where an incremental crawl starts: at the watermark when it lies inside the interval."""
    if watermark and start < watermark < end:
        return watermark
    return start


def merge_records(previous: list[dict], collected: list[dict], *, keep_previous: bool, start: str, end: str) -> list[dict]:
    """The interval's records: newly collected ones, plus earlier ones when incremental.

    A collected record is this sighting of the post: its `updated_at` is when it was fetched, and its
    `collected_at` the earlier file's, when the interval was crawled before (the first sighting in this
    file; indexing keeps the first across files). The rule in memory, for lists; crawls apply it to files
    in bounded memory with `IntervalMerge`.
    """
    earlier = {record["id"]: record for record in previous}
    merged = {record["id"]: record for record in previous if start <= record["@timestamp"] < end} if keep_previous else {}
    for record in collected:
        merged[record["id"]] = sighting(record, earlier.get(record["id"]))
    return list(merged.values())


def sighting(collected: dict, earlier: dict | None) -> dict:
    """A collected record with `updated_at`, when this version was fetched, and the first `collected_at` known.

    A version the earlier file already holds unchanged keeps that file's times, so re-running an interval
    whose posts did not change writes the same bytes.
    """
    fetched = collected.get("collected_at")
    record = dict(collected, updated_at=fetched) if fetched else dict(collected)
    if earlier is None:
        return record
    first = earlier.get("collected_at")
    if first and (not fetched or first < fetched):
        record["collected_at"] = first
    if _content(earlier) == _content(collected):
        record["updated_at"] = earlier.get("updated_at") or first or fetched
    return record


def _content(record: dict) -> dict:
    """A record without its collection times: what the source said."""
    return {name: value for name, value in canonical_record(record).items() if name not in ("collected_at", "updated_at")}


PREVIOUS, COLLECTED = 0, 1


class IntervalMerge:
    """`merge_records` on files in bounded memory, written sorted by (`@timestamp`, `id`) like `write_feed`.

    The records of the earlier file and of the crawl are sorted by (id, origin, order read) with an
    external merge sort, so each id's records arrive together; each id resolves to its one record
    (the last collected, with the earlier file's `collected_at`; else, when incremental, the earlier
    one inside the interval), and those are sorted again, externally, by (`@timestamp`, `id`) into
    the atomically replaced output. Sorted runs are spilled to anonymous temporary files in `folder`.
    """

    def __init__(self, folder: Path, *, keep_previous: bool, start: str, end: str, run_characters: int = RUN_CHARACTERS) -> None:
        self.folder, self.keep_previous, self.start, self.end = folder, keep_previous, start, end
        self.run_characters = run_characters
        folder.mkdir(parents=True, exist_ok=True)
        self.by_id = SortedRuns(folder, run_characters)
        self.read = 0

    def add_collected(self, path: Path) -> int:
        """Adds the crawl's feed; returns how many records it held."""
        count = 0
        for line, record in iter_feed(path):
            self.by_id.add((record["id"], COLLECTED, self.read, 0), line)
            self.read += 1
            count += 1
        return count

    def add_previous(self, path: Path) -> None:
        """Adds the earlier file of the interval: first `collected_at`s, and its records when incremental."""
        for line, record in iter_feed(path):
            inside = self.start <= record["@timestamp"] < self.end
            self.by_id.add((record["id"], PREVIOUS, self.read, int(inside)), line)
            self.read += 1

    def records(self) -> Iterator[dict]:
        """The merged records, one per id, in id order."""
        for _, entries in itertools.groupby(self.by_id.sorted(), key=lambda entry: entry[0][0]):
            earlier = earlier_inside = latest = None
            for (_, origin, _, inside), line in entries:
                if origin == PREVIOUS:
                    earlier = line
                    earlier_inside = line if inside else earlier_inside
                else:
                    latest = line
            if latest is not None:
                yield sighting(json.loads(latest), json.loads(earlier) if earlier is not None else None)
            elif self.keep_previous and earlier_inside is not None:
                yield json.loads(earlier_inside)

    def write(self, out: Path) -> tuple[int, str | None]:
        """Writes the merged records to `out`; returns how many and the latest `@timestamp` (None when none)."""
        latest: list[str] = []
        with SortedRuns(self.folder, self.run_characters) as by_time:
            for record in self.records():
                record = canonical_record(record)
                by_time.add(sort_key(record), record_text(record))

            def lines() -> Iterator[str]:
                for key, line in by_time.sorted():
                    latest[:] = [key[0]]
                    yield line

            count = write_lines(out, lines())
        return count, (latest[0] if latest else None)

    def close(self) -> None:
        self.by_id.close()

    def __enter__(self) -> "IntervalMerge":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()


def _summarize(plan: SourcePlan, start: str, end: str, fetch_start: str, out: Path, stats: dict, collected: int) -> dict:
    """The crawl's summary from its Scrapy stats; it failed when it did not finish, when a source with credentials
    was refused (HTTP 401/403 outside item pages: a refused key, a spent quota), or when it met errors and collected
    nothing. A keyless source refused on one of its endpoints (a feed, a list page) keeps what the others brought."""
    finish_reason = str(stats.get("finish_reason", "did not finish"))
    errors = int(stats.get("log_count/ERROR", 0)) + int(stats.get("log_count/CRITICAL", 0))
    refused = {status: int(stats.get(f"{FAILED_REQUESTS_STAT}/{status}", 0)) for status in sorted(REFUSED_STATUSES)}
    refused = {status: count for status, count in refused.items() if count and plan.credentials_env}
    if finish_reason != "finished":
        ok = False
    elif refused:
        ok, finish_reason = False, "refused: " + ", ".join(f"HTTP {status} ×{count}" for status, count in refused.items())
    elif collected == 0 and errors > 0:
        ok, finish_reason = False, "finished with errors and no items"
    else:
        ok = True
    return {
        "source": plan.name, "kind": plan.kind, "start": start, "end": end, "fetch_start": fetch_start, "out": str(out),
        "ok": ok, "finish_reason": finish_reason,
        "items": 0, "collected": collected,
        "dropped": {key.removeprefix("nabd/dropped/"): value for key, value in sorted(stats.items()) if key.startswith("nabd/dropped/")},
        "skipped_pages": int(stats.get(SKIPPED_PAGES_STAT, 0)),
        "skipped_reasons": {key.removeprefix(SKIPPED_PAGES_STAT + "/"): int(value) for key, value in sorted(stats.items())
                            if key.startswith(SKIPPED_PAGES_STAT + "/")},
        "http_status": http_status_counts(stats),
        "retries": int(stats.get("retry/count", 0)),
        "errors": errors,
    }


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m spiders.run", description="Run one crawl of one source over one data interval.")
    parser.add_argument("--source", required=True, help="configured source name (e.g. demo)")
    parser.add_argument("--start", required=True, help="data interval start, ISO 8601 (inclusive)")
    parser.add_argument("--end", required=True, help="data interval end, ISO 8601 (exclusive)")
    parser.add_argument("--out", required=True, type=Path, help="the JSONL feed to write")
    parser.add_argument("--base-url", help="override the source's base URL (the demo site's address)")
    parser.add_argument("--since-watermark", action="store_true", help="only fetch what is newer than the source's watermark")
    parser.add_argument("--config", type=Path, help="configuration directory (default: the project's)")
    parser.add_argument("--state-dir", type=Path, help="where watermarks.json lives (default: <data_dir>/state)")
    parser.add_argument("--setting", action="append", default=[], metavar="NAME=VALUE", help="override a Scrapy setting")
    return parser.parse_args(argv)


def interval_bounds(start_text: str, end_text: str) -> tuple[str, str]:
    """The interval as mention-record UTC strings; naive times are UTC; start must precede end."""
    start, end = (_utc_text(text, name) for text, name in ((start_text, "--start"), (end_text, "--end")))
    if start >= end:
        raise ValueError(f"--start {start} is not before --end {end}")
    return start, end


def _utc_text(text: str, name: str) -> str:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{name} {text!r} is not an ISO 8601 time (e.g. 2026-11-21T00:00:00Z)") from None
    if moment.tzinfo is None:
        return format_utc(moment.replace(tzinfo=parse_timestamp("1970-01-01T00:00:00Z").tzinfo))
    return format_utc(moment)


def _overrides(pairs: list[str]) -> dict[str, str]:
    overrides = {}
    for pair in pairs:
        name, separator, value = pair.partition("=")
        if not separator or not name:
            raise ValueError(f"--setting {pair!r}: expected NAME=VALUE")
        overrides[name] = value
    return overrides


def main(argv: list[str] | None = None) -> int:
    """The child process: one crawl, the summary as the last stdout line, exit 1 on failure."""
    args = parse_arguments(argv)
    try:
        start, end = interval_bounds(args.start, args.end)
        plan = load_source_plan(args.source, args.config)
        state_dir = args.state_dir or plan.data_dir / "state"
        summary = crawl(plan, start, end, args.out, args.base_url, args.since_watermark, state_dir, _overrides(args.setting))
    except Exception as error:  # the process boundary: say what failed, plainly
        logging.getLogger(__name__).error("crawl of %s failed: %s", args.source, error, exc_info=True)
        print(json.dumps({"error": str(error)}, ensure_ascii=False), flush=True)
        return 2
    print(summary.to_json(), flush=True)
    return 0 if summary.ok else 1


if __name__ == "__main__":
    sys.exit(main())
