"""The pipeline's stages over one data interval — plan, collect, enrich, index — as plain functions for DAGs and the main job."""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Iterable
from contextlib import ExitStack
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

DEMO_KIND = "demo"
RAW_DIR = "raw"
ENRICHED_DIR = "enriched"
# sources.yaml `schedule_group` -> the length of its data intervals (the collect DAGs' crons: hourly, daily at 00:00 UTC).
SCHEDULE_GROUP_PERIODS = {"hourly": timedelta(hours=1), "daily": timedelta(days=1)}


class PipelineError(RuntimeError):
    """A stage cannot run over its interval; the message names the file or setting involved."""


# ---------------------------------------------------------------- data intervals and file names


def utc_text(moment: datetime | str, name: str = "time") -> str:
    """A moment as the mention record's UTC text (`2026-11-22T18:04:05Z`); naive times are UTC."""
    if isinstance(moment, str):
        try:
            moment = datetime.fromisoformat(moment.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{name} {moment!r} is not an ISO 8601 time (e.g. 2026-11-21T00:00:00Z)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _utc_moment(moment: datetime | str, name: str) -> datetime:
    """A moment as an aware UTC datetime, to the second (errors name it as `utc_text` does)."""
    return datetime.strptime(utc_text(moment, name), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def data_interval(start: datetime | str, end: datetime | str) -> tuple[str, str]:
    """The interval [start, end) as UTC texts; start must precede end."""
    start_text, end_text = utc_text(start, "interval start"), utc_text(end, "interval end")
    if start_text >= end_text:
        raise ValueError(f"data interval start {start_text} is not before its end {end_text}")
    return start_text, end_text


def interval_name(start: datetime | str, end: datetime | str) -> str:
    """A file-name-safe name for a data interval (`20261116T000000Z_20261123T000000Z`)."""
    start_text, end_text = data_interval(start, end)
    return f"{start_text}_{end_text}".replace(":", "").replace("-", "")


def source_dir_name(source: str) -> str:
    """A source's directory name under raw/ and enriched/ (`forum:souq` -> `forum_souq`)."""
    return source.replace(":", "_")


def raw_path(data_dir: Path, source: str, start: datetime | str, end: datetime | str) -> Path:
    """Where the crawl of `source` over [start, end) writes its JSONL."""
    return Path(data_dir) / RAW_DIR / source_dir_name(source) / f"{interval_name(start, end)}.jsonl"


def enriched_path(data_dir: Path, source: str, start: datetime | str, end: datetime | str) -> Path:
    """Where the enrichment of `source` over [start, end) writes its JSONL."""
    return Path(data_dir) / ENRICHED_DIR / source_dir_name(source) / f"{interval_name(start, end)}.jsonl"


# ---------------------------------------------------------------- planning


def collection_plan(schedule_group: str, config_dir: str | None = None, *, start: datetime | str | None = None,
                    end: datetime | str | None = None) -> list[dict[str, Any]]:
    """The crawls of one schedule group: one per enabled source and brand group (plain dicts, for mapping).

    A source's brand group is the brands it collects for (sources.yaml `brands`, else every brand);
    each crawl unit names it, so that spiders that query per brand can be fanned out further. Given an interval,
    each unit carries it (`start`, `end`): what its crawl covers.
    """
    config = _config(config_dir)
    interval = {} if start is None and end is None else dict(zip(("start", "end"), data_interval(start, end)))
    units = [
        {"source": source.name, "kind": source.kind,
         "brands": [brand.id for brand in config.source_brands(source.name)], **interval}
        for source in config.enabled_sources()
        if source.schedule_group == schedule_group
    ]
    log.info("schedule group %r: %d crawl(s): %s", schedule_group, len(units),
             ", ".join(unit["source"] for unit in units) or "none")
    return units


def collection_interval(schedule_group: str, params: dict[str, Any] | None = None, *,
                        data_interval_start: datetime | str | None = None,
                        data_interval_end: datetime | str | None = None,
                        logical_date: datetime | str | None = None, manual: bool = False) -> tuple[str, str]:
    """The interval a collect run crawls, as UTC texts.

    A run's params `interval_start` (and `interval_end`, by default one schedule period later) come first; then,
    for a manual run with a logical date, the period that ends at that date (what `airflow dags test` takes,
    where `airflow dags trigger --logical-date` would otherwise crawl the current hour); else the run's data
    interval. A manual run with none of these is refused.
    """
    if schedule_group not in SCHEDULE_GROUP_PERIODS:
        raise PipelineError(f"schedule group {schedule_group!r} is not one of {sorted(SCHEDULE_GROUP_PERIODS)}")
    period = SCHEDULE_GROUP_PERIODS[schedule_group]
    params = params or {}
    if params.get("interval_start"):
        start = _utc_moment(params["interval_start"], "params interval_start")
        return data_interval(start, _utc_moment(params.get("interval_end") or start + period, "params interval_end"))
    if params.get("interval_end"):
        raise PipelineError(f"params interval_end {params['interval_end']!r} was given without interval_start")
    if manual and logical_date is not None:
        seconds = period.total_seconds()
        end = datetime.fromtimestamp(_utc_moment(logical_date, "logical date").timestamp() // seconds * seconds, timezone.utc)
        return data_interval(end - period, end)
    if data_interval_start is None or data_interval_end is None:
        raise PipelineError("this run has no data interval: trigger it with params "
                            '{"interval_start": "2026-11-20T23:00:00Z"} or a logical date')
    return data_interval(data_interval_start, data_interval_end)


def collection_announcement(collected: Iterable[dict[str, Any]], start: datetime | str, end: datetime | str) -> dict[str, Any]:
    """The collected-mentions asset event's `extra`: the interval, and what each source's crawl wrote."""
    start, end = data_interval(start, end)
    crawls = sorted(collected, key=lambda crawl: crawl["source"])
    for crawl in crawls:
        if (crawl.get("start"), crawl.get("end")) != (start, end):
            raise PipelineError(f"crawl of {crawl.get('source')!r} covered [{crawl.get('start')}, {crawl.get('end')}), "
                                f"not the run's interval [{start}, {end})")
    return {"start": start, "end": end, "sources": [crawl["source"] for crawl in crawls],
            "items": sum(crawl["items"] for crawl in crawls)}


def enrichment_plan(event_extras: Iterable[dict[str, Any]], params: dict[str, Any] | None = None,
                    config_dir: str | None = None) -> list[dict[str, str]]:
    """The (source, interval) units an enrich-and-index run covers, sorted: every raw file still pending (never
    indexed, or re-collected since), whether or not an event names it — so an interval whose event was passed
    over is not lost — plus, for a manual run, each raw file of its `start`/`end` interval even when indexed
    (asking for an interval re-does it).

    A raw file an event names but an earlier run already indexed is left out: that run picked it up as pending
    before its event came, and doing it again would repeat its work (runs are one at a time, so the ledger
    read here is not changing under the plan). An announced interval with no raw file at all is an error:
    something announced data that is not there.
    """
    from nabd.ledger import is_pending, pending_intervals

    config = _config(config_dir)
    data_dir = _data_dir(config)
    event_extras = list(event_extras)
    requested = not event_extras    # a manual run's params ask for their interval even when it is indexed
    units: dict[tuple[str, str, str], dict[str, str]] = {}
    for interval in intervals_from_events(event_extras, params):
        start, end = interval["start"], interval["end"]
        found = _raw_sources(config, start, end)
        if not found:
            raise PipelineError(f"no raw mention file for the interval [{start}, {end}) under {data_dir / RAW_DIR}"
                                f" (looked for */{interval_name(start, end)}.jsonl); run the collect DAG first")
        for source in found:
            if requested or is_pending(raw_path(data_dir, source, start, end)):
                units[(source, start, end)] = {"source": source, "start": start, "end": end}
            else:
                log.info("skipping %s [%s, %s): already indexed by an earlier run", source, start, end)
    for source in config.sources:
        for start, end in pending_intervals(data_dir / RAW_DIR / source_dir_name(source.name)):
            if (source.name, start, end) not in units:
                log.info("picking up %s [%s, %s): collected but not indexed yet", source.name, start, end)
                units[(source.name, start, end)] = {"source": source.name, "start": start, "end": end}
    return [units[key] for key in sorted(units)]


def intervals_from_events(event_extras: Iterable[dict[str, Any]], params: dict[str, Any] | None = None) -> list[dict[str, str]]:
    """The intervals to enrich: from the triggering asset events' `extra`, else from run params `start`/`end`
    (none for a run with neither: it only picks up what is pending)."""
    intervals = {}
    for extra in event_extras:
        start, end = data_interval(_key(extra, "start", "asset event extra"), _key(extra, "end", "asset event extra"))
        intervals[(start, end)] = {"start": start, "end": end}
    if not intervals and params and params.get("start") and params.get("end"):
        start, end = data_interval(params["start"], params["end"])
        intervals[(start, end)] = {"start": start, "end": end}
    return [intervals[key] for key in sorted(intervals)]


def _raw_sources(config, start: str, end: str) -> list[str]:
    """The configured sources that have a raw file for the interval."""
    return [source.name for source in config.sources
            if raw_path(_data_dir(config), source.name, start, end).is_file()]


# ---------------------------------------------------------------- the stages


def collect_source(source: str, start: datetime | str, end: datetime | str, *,
                   config_dir: str | None = None) -> dict[str, Any]:
    """Crawls one source over [start, end) in its own process into its raw file (rewritten, so idempotent).

    The demo source's site is started here on loopback. Mentions of authors who asked to be erased
    are removed before the file is handed on. The crawl's health record, whatever its outcome, goes
    next to the raw file and into the collection-health index (kept pending when Elasticsearch is away).
    """
    from index.collection_health import configured_sink
    from nabd.erasure import drop_erased
    from spiders.run import run_crawl

    config = _config(config_dir)
    start, end = data_interval(start, end)
    out = raw_path(_data_dir(config), source, start, end)
    with ExitStack() as stack:
        base_url = _base_url(config, source, stack)
        crawl = run_crawl(source, start, end, out, base_url=base_url, config_path=config.config_dir,
                          health_sink=configured_sink(config))
    erased = drop_erased(config, [out])
    return {"source": source, "start": start, "end": end, "raw_file": str(out),
            "items": crawl.items - erased, "dropped": dict(crawl.dropped), "erased": erased}


def _base_url(config, source: str, stack: ExitStack) -> str | None:
    """The demo source's loopback site (started for this crawl, unless one is configured); None otherwise."""
    from spiders.demo.site import DemoSite

    configured = config.source(source)
    if configured.kind != DEMO_KIND or configured.options.get("base_url"):
        return None
    return stack.enter_context(DemoSite()).base_url


def enrich_interval(source: str, start: datetime | str, end: datetime | str, *,
                    config_dir: str | None = None, classifier=None) -> dict[str, Any]:
    """Enriches one source's raw file of [start, end) (language, brands, PII, classification) into its enriched file.

    The configured model is loaded unless a loaded `classifier` is given (re-classification reuses one).
    """
    from nabd.ledger import raw_state
    from nlp.enrich import enrich_file

    config = _config(config_dir)
    start, end = data_interval(start, end)
    raw = raw_path(_data_dir(config), source, start, end)
    if not raw.is_file():
        raise PipelineError(f"no raw mention file {raw} for source {source!r} over [{start}, {end}); collect it first")
    out = enriched_path(_data_dir(config), source, start, end)
    classifier = classifier if classifier is not None else load_classifier(config)
    state = raw_state(raw)    # before reading: a rewrite from here on leaves the interval pending
    summary = enrich_file(raw, out, brands=config.brands, classifier=classifier,
                          batch_size=config.settings.model.batch_size)
    return {"source": source, "start": start, "end": end, "enriched_file": str(out), "raw_state": state,
            "read": summary.read, "written": summary.written, "rejected": summary.rejected,
            "rejects_file": summary.rejects_path, "dropped": dict(summary.dropped),
            "model": classifier.model_info if classifier is not None else None}


def index_interval(source: str, start: datetime | str, end: datetime | str, *,
                   config_dir: str | None = None, raw_state: dict[str, int] | None = None) -> dict[str, Any]:
    """Indexes one source's enriched file of [start, end) (upserts by id, so re-runs duplicate nothing), then marks
    the interval indexed (what Elasticsearch rejected is in the dead-letter file, with its reason).

    `raw_state` is the raw file as its enrichment read it (`enrich_interval`'s `raw_state`); the marker records
    that version, so a raw file re-collected in between stays pending.
    """
    from index import cluster
    from nabd.ledger import mark_indexed

    config = _config(config_dir)
    start, end = data_interval(start, end)
    enriched = enriched_path(_data_dir(config), source, start, end)
    if not enriched.is_file():
        raise PipelineError(f"no enriched mention file {enriched} for source {source!r} over [{start}, {end}); "
                            "enrich it first")
    summary = cluster.load_file(config, enriched)
    mark_indexed(raw_path(_data_dir(config), source, start, end), summary.indexed, raw_state)
    if summary.dead_letters:
        log.warning("%s: %d line(s) malformed and %d rejected by Elasticsearch; kept with reasons in %s",
                    enriched, summary.malformed, summary.rejected_by_server, summary.dead_letters)
    return {"source": source, "start": start, "end": end, "enriched_file": str(enriched),
            "indexed": summary.indexed, "malformed": summary.malformed,
            "rejected_by_server": summary.rejected_by_server, "dead_letters": summary.dead_letters,
            "results": dict(summary.results)}


def summarize(enriched: Iterable[dict[str, Any]], indexed: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Totals over the units of one run, with every dead-letter and rejects file named."""
    enriched, indexed = list(enriched), list(indexed)
    dropped: Counter = Counter()
    for unit in enriched:
        dropped.update(unit.get("dropped") or {})
    summary = {
        "units": len(enriched),
        "read": sum(unit["read"] for unit in enriched),
        "written": sum(unit["written"] for unit in enriched),
        "rejected": sum(unit["rejected"] for unit in enriched),
        "dropped": dict(sorted(dropped.items())),
        "indexed": sum(unit["indexed"] for unit in indexed),
        "malformed": sum(unit["malformed"] for unit in indexed),
        "rejected_by_server": sum(unit["rejected_by_server"] for unit in indexed),
        "dead_letters": sorted(unit["dead_letters"] for unit in indexed if unit.get("dead_letters")),
        "rejects_files": sorted(unit["rejects_file"] for unit in enriched if unit.get("rejects_file")),
    }
    log.info("enriched %(written)d of %(read)d mentions (%(rejected)d rejected), indexed %(indexed)d "
             "(%(malformed)d malformed, %(rejected_by_server)d rejected by Elasticsearch)", summary)
    return summary


def load_classifier(config):
    """The configured model, or None (with a warning) when it has not been trained yet."""
    model = config.settings.model
    if not Path(model.dir).exists():
        log.warning("no model at %s (train one with `nabd train`); mentions are indexed without "
                    "sentiment and dialect", model.dir)
        return None
    from nlp.model.predict import Classifier

    return Classifier.load(model.dir, backend=model.backend, batch_size=model.batch_size,
                           max_length=model.max_length)


# ---------------------------------------------------------------- telling the operator

# The Slack-compatible webhook (Slack, Mattermost, Rocket.Chat …) told when a task has failed for good; unset: the
# error log line only. An environment variable of the Airflow workers, read at call time.
FAILURE_WEBHOOK_ENV = "NABD_FAILURE_WEBHOOK_URL"
ERROR_SHOWN_CHARS = 500


def report_task_failure(dag_id: str, task_id: str, run_id: str, *, map_index: int = -1, try_number: int | None = None,
                        error: BaseException | str | None = None, log_url: str | None = None) -> dict[str, Any]:
    """Tells the operator that a task failed for good (its retries spent): an ERROR log line naming the task, run
    and error, and the same text to the webhook in `NABD_FAILURE_WEBHOOK_URL` when set. Never raises: a failed
    delivery is logged, the task's own failure stands."""
    from config.models import Channel
    from nabd.alerts.delivery import deliver
    from nabd.alerts.message import AlertMessage

    task = f"{dag_id}.{task_id}" + (f"[{map_index}]" if map_index is not None and map_index >= 0 else "")
    reason = f"{type(error).__name__}: {error}" if isinstance(error, BaseException) else str(error or "no error given")
    if len(reason) > ERROR_SHOWN_CHARS:
        reason = reason[:ERROR_SHOWN_CHARS] + " …"
    text = (f"nabd task {task} of run {run_id} failed for good"
            + (f" (try {try_number})" if try_number else "") + f": {reason}" + (f"\nlog: {log_url}" if log_url else ""))
    log.error("%s", text)
    report = {"task": task, "run_id": run_id, "error": reason, "delivered": None}
    if os.environ.get(FAILURE_WEBHOOK_ENV):
        channel = Channel(type="slack", url_env=FAILURE_WEBHOOK_ENV)
        delivery = deliver(channel, {}, AlertMessage(f"nabd: {task} failed", text), None, os.environ.get)
        report["delivered"] = delivery.as_dict()
        if not delivery.ok:
            log.error("could not tell %s that %s failed: %s", FAILURE_WEBHOOK_ENV, task, delivery.error)
    return report


# ---------------------------------------------------------------- helpers


def _config(config_dir: str | Path | None):
    from config import load_config

    return load_config(config_dir)


def _data_dir(config) -> Path:
    return Path(config.settings.data_dir)


def _key(mapping: dict[str, Any], key: str, what: str = "interval") -> Any:
    if not isinstance(mapping, dict) or not mapping.get(key):
        raise PipelineError(f"{what} {mapping!r} has no {key!r}")
    return mapping[key]
