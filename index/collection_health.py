"""The collection-health index: one record per crawl (source, interval, status, counts), and each source's latest state."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime, timezone
from collections.abc import Callable
from pathlib import Path
from typing import Any

from elasticsearch import BadRequestError, Elasticsearch

from index.templates import IndexNames, brand_keywords, load_mapping_file, setup

log = logging.getLogger(__name__)

STATUSES = ("ok", "empty", "failed")
UNPRODUCTIVE = ("empty", "failed")
HTTP_CLASSES = ("2xx", "3xx", "4xx", "5xx")
REQUIRED = ("@timestamp", "source", "interval_start", "interval_end", "status", "crawl_id")
PAGE_SIZE = 1000


class HealthRecordError(ValueError):
    """A health record that does not fit the collection-health mapping; the message names the field."""


def mapping_fields() -> dict[str, Any]:
    """The mapping's top-level properties (index/mappings/collection_health.v1.json)."""
    return load_mapping_file("collection_health")["mappings"]["properties"]


def document_id(health: dict) -> str:
    """The record's `_id`: source + interval start + crawl id, so recording one crawl twice stores it once."""
    key = "\x1f".join(str(health[name]) for name in ("source", "interval_start", "crawl_id"))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def health_document(health: dict, where: str = "health record") -> dict:
    """The record checked against the mapping: required fields, a known status, known fields and HTTP classes."""
    if not isinstance(health, dict):
        raise HealthRecordError(f"{where}: expected a JSON object, got {type(health).__name__}")
    missing = [name for name in REQUIRED if health.get(name) in (None, "")]
    if missing:
        raise HealthRecordError(f"{where}: missing field(s) {', '.join(missing)}")
    unknown = sorted(set(health) - set(mapping_fields()))
    if unknown:
        raise HealthRecordError(f"{where}: unknown field(s) {', '.join(unknown)} (not in collection_health.v1.json)")
    if health["status"] not in STATUSES:
        raise HealthRecordError(f"{where}: status {health['status']!r} is not one of {', '.join(STATUSES)}")
    classes = sorted(set(health.get("http_status") or {}) - set(HTTP_CLASSES))
    if classes:
        raise HealthRecordError(f"{where}: http_status class(es) {', '.join(classes)} not one of {', '.join(HTTP_CLASSES)}")
    return dict(health)


def record(client: Elasticsearch, names: IndexNames, health: dict, *, refresh: bool = False) -> str:
    """Writes one crawl's health record (created or replaced under its id); returns the id."""
    document = health_document(health)
    doc_id = document_id(document)
    client.index(index=names.collection_health_alias, id=doc_id, document=document, refresh="wait_for" if refresh else None)
    return doc_id


def record_file(client: Elasticsearch, names: IndexNames, path: Path, *, refresh: bool = False) -> str:
    """Records the health JSON a crawl wrote next to its raw file (the copy kept while Elasticsearch was away)."""
    try:
        health = json.loads(Path(path).read_text(encoding="utf-8"))
    except ValueError as error:
        raise HealthRecordError(f"{path}: not JSON ({error})") from error
    return record(client, names, health_document(health, str(path)), refresh=refresh)


def configured_sink(config) -> Callable[[dict], None]:
    """A health sink for `spiders.run.run_crawl`: records into the configured cluster, connecting on first use
    (and setting the indices up when the collection-health index is missing). Raises when Elasticsearch is away,
    and HealthRecordError (a ValueError) when the record itself is refused."""
    connected: dict[str, Any] = {}

    def sink(health: dict) -> None:
        if not connected:
            from index import cluster

            client, names = cluster.connect(config), cluster.index_names(config)
            if not client.indices.exists_alias(name=names.collection_health_alias):
                setup(client, names, brand_keywords(config.brands))
            connected.update(client=client, names=names)
        try:
            record(connected["client"], connected["names"], health)
        except BadRequestError as error:  # the record does not fit the mapping: the record's fault, not the cluster's
            raise HealthRecordError(f"health record of crawl {health.get('crawl_id')} refused by Elasticsearch: {error}") from error

    return sink


def latest(client: Elasticsearch, names: IndexNames, since: datetime | str, until: datetime | str) -> list[dict]:
    """Each source's collection health over the data intervals starting in [since, until), by source.

    A run is one data interval; when an interval was crawled more than once (a retry), its latest crawl
    stands for it. Per source: the last run's status, items, error and interval; how many runs were
    ok, empty or failed; and how many of the latest runs in a row were failed or empty (and failed).
    """
    return [source_health(source, source_runs) for source, source_runs in sorted(runs(client, names, since, until).items())]


def runs(client: Elasticsearch, names: IndexNames, since: datetime | str, until: datetime | str,
         sources: list[str] | None = None) -> dict[str, list[dict]]:
    """Each source's runs over the data intervals starting in [since, until), newest first: one record per
    interval, its latest crawl (by `@timestamp`). `sources` limits the sources read (None: all)."""
    runs_by_source: dict[str, list[dict]] = {}
    for health in _records(client, names, _iso(since), _iso(until), sources):
        source_runs = runs_by_source.setdefault(health["source"], [])
        if source_runs and source_runs[-1]["interval_start"] == health["interval_start"]:
            continue  # an earlier crawl of the same interval: the latest one (already kept) stands for it
        source_runs.append(health)
    return runs_by_source


def source_health(source: str, runs: list[dict]) -> dict:
    """One source's summary from its runs, newest first (one per interval)."""
    last = runs[0]
    return {
        "source": source, "source_kind": last.get("source_kind"),
        "status": last["status"], "items": int(last.get("items") or 0), "error": last.get("error"),
        "last_crawl_at": last["@timestamp"], "interval_start": last["interval_start"], "interval_end": last["interval_end"],
        "runs": len(runs), **{f"{status}_runs": sum(run["status"] == status for run in runs) for status in STATUSES},
        "items_total": sum(int(run.get("items") or 0) for run in runs),
        "pages_skipped": sum(int(run.get("pages_skipped") or 0) for run in runs),
        "consecutive_failed_or_empty": _streak(runs, UNPRODUCTIVE),
        "consecutive_failed": _streak(runs, ("failed",)),
    }


def _streak(runs: list[dict], statuses: tuple[str, ...]) -> int:
    count = 0
    for run in runs:
        if run["status"] not in statuses:
            break
        count += 1
    return count


def _records(client: Elasticsearch, names: IndexNames, since: str, until: str, sources: list[str] | None = None):
    """The records with interval_start in [since, until), by source, then newest interval and crawl first."""
    sort = [{"source": "asc"}, {"interval_start": "desc"}, {"@timestamp": "desc"}, {"crawl_id": "asc"}]
    filters: list[dict] = [{"range": {"interval_start": {"gte": since, "lt": until}}}]
    if sources is not None:
        filters.append({"terms": {"source": sources}})
    query = {"bool": {"filter": filters}}
    after = None
    while True:
        extra = {"search_after": after} if after else {}
        response = client.search(index=names.collection_health_alias, size=PAGE_SIZE, sort=sort, query=query,
                                 ignore_unavailable=True, allow_no_indices=True, **extra)
        hits = response["hits"]["hits"]
        for hit in hits:
            yield hit["_source"]
        if len(hits) < PAGE_SIZE:
            return
        after = hits[-1]["sort"]


def _iso(moment: datetime | str) -> str:
    if isinstance(moment, str):
        return moment
    if moment.tzinfo is None:
        raise ValueError(f"{moment.isoformat()} needs a time zone")
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
