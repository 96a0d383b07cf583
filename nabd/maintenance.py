"""Housekeeping over stored mentions: retention by whole months, erasure of an author, re-classification on a new model."""

from __future__ import annotations

import json
import logging
import os
import re
from calendar import monthrange
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

ERASURE_REQUESTS_DIR = "erasure_requests"
ERASURE_DONE_DIR = "done"
ERASED_AUTHORS_FILE = Path("state") / "erased_authors.json"
MONTHLY_INDEX = re.compile(r"-mentions-(\d{4})\.(\d{2})$")
INTERVAL_FILE = re.compile(r"^\d{8}T\d{6}Z_(\d{8}T\d{6}Z)(?:\.[\w.]+)?\.jsonl$")
SCAN_PAGE = 1000
PIT_KEEP_ALIVE = "2m"


class MaintenanceError(RuntimeError):
    """A maintenance task could not finish; the message names the file, key or index involved."""


# ---------------------------------------------------------------- retention


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the day clamped to the month's length)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(moment.day, monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def retention_cutoff(as_of: datetime | str, retention_months: int) -> datetime:
    """Data that ended at or before this moment is past retention (as_of is the run's interval end, not now)."""
    from nabd.pipeline import utc_text

    moment = datetime.strptime(utc_text(as_of, "as_of"), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    return months_before(moment, retention_months)


def expired_indices(index_names: Iterable[str], cutoff: datetime) -> list[str]:
    """The monthly mention indices whose whole month ended at or before `cutoff`."""
    expired = []
    for name in index_names:
        match = MONTHLY_INDEX.search(name)
        if match and _month_end(int(match[1]), int(match[2])) <= cutoff:
            expired.append(name)
    return sorted(expired)


def expired_files(data_dir: Path, cutoff: datetime) -> list[Path]:
    """Interval files (raw, enriched, their rejects and dead letters) whose interval ended at or before `cutoff`."""
    expired = []
    for path in sorted(Path(data_dir).rglob("*.jsonl")):
        match = INTERVAL_FILE.match(path.name)
        if match and datetime.strptime(match[1], "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc) <= cutoff:
            expired.append(path)
    return expired


def apply_retention(as_of: datetime | str, *, config_dir: str | None = None) -> dict[str, Any]:
    """Deletes whole monthly indices and interval files past `privacy.retention_months` before `as_of`."""
    from index import cluster

    config = _config(config_dir)
    cutoff = retention_cutoff(as_of, config.settings.privacy.retention_months)
    client = cluster.connect(config)
    pattern = f"{cluster.index_names(config).prefix}-mentions-*"
    indices = expired_indices(client.indices.get(index=pattern, expand_wildcards="all", allow_no_indices=True), cutoff)
    if indices:
        client.indices.delete(index=",".join(indices))
    files = expired_files(Path(config.settings.data_dir), cutoff)
    for path in files:
        path.unlink()
    log.info("retention (%d months before %s): deleted %d index(es) and %d file(s)",
             config.settings.privacy.retention_months, as_of, len(indices), len(files))
    return {"cutoff": cutoff.strftime("%Y-%m-%dT%H:%M:%SZ"), "deleted_indices": indices,
            "deleted_files": [str(path) for path in files]}


def _month_end(year: int, month: int) -> datetime:
    return datetime(year + month // 12, month % 12 + 1, 1, tzinfo=timezone.utc)


# ---------------------------------------------------------------- erasure


def erased_authors(config) -> set[str]:
    """The author ids that were erased on request (kept so that re-crawls drop them too)."""
    path = Path(config.settings.data_dir) / ERASED_AUTHORS_FILE
    if not path.is_file():
        return set()
    try:
        ids = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise MaintenanceError(f"{path}: not JSON ({error.msg}, line {error.lineno}); expected a list of author ids") from None
    if not isinstance(ids, list) or not all(isinstance(author, str) for author in ids):
        raise MaintenanceError(f"{path}: expected a JSON list of author id strings")
    return set(ids)


def remember_erased(config, author_ids: Iterable[str]) -> None:
    """Adds author ids to the erased list (atomically)."""
    path = Path(config.settings.data_dir) / ERASED_AUTHORS_FILE
    ids = sorted(erased_authors(config) | set(author_ids))
    _atomic_write(path, json.dumps(ids, indent=1).encode("utf-8"))


def drop_erased_authors(config, paths: Iterable[Path]) -> int:
    """Removes erased authors' lines from the given JSONL files; returns how many lines went."""
    ids = erased_authors(config)
    return sum(remove_author_lines(Path(path), ids) for path in paths if Path(path).is_file()) if ids else 0


def remove_author_lines(path: Path, author_ids: set[str]) -> int:
    """Rewrites a JSONL file without the lines that carry one of `author_ids` (in any field: a mention,
    a dead letter's document, a rejected raw line); returns how many lines were removed."""
    needles = [author.encode("utf-8") for author in author_ids]
    kept, removed = [], 0
    with path.open("rb") as lines:
        for line in lines:
            if any(needle in line for needle in needles):
                removed += 1
            else:
                kept.append(line)
    if removed:
        _atomic_write(path, b"".join(kept))
    return removed


def author_id_for(request: dict[str, Any], pseudonym_key_env: str, where: str) -> str:
    """The pseudonymous author id an erasure request names: `author_id`, or `source` + `handle`."""
    from spiders.privacy import author_pseudonym, pseudonym_key

    if not isinstance(request, dict):
        raise MaintenanceError(f"{where}: expected a JSON object with 'author_id', or 'source' and 'handle'")
    if isinstance(request.get("author_id"), str) and request["author_id"].strip():
        return request["author_id"].strip()
    source, handle = request.get("source"), request.get("handle")
    if not (isinstance(source, str) and source and isinstance(handle, str) and handle.strip()):
        raise MaintenanceError(f"{where}: expected key 'author_id', or keys 'source' and 'handle' (strings)")
    return author_pseudonym(pseudonym_key(pseudonym_key_env, source), source, handle)


def erase_authors(author_ids: Iterable[str], *, config_dir: str | None = None) -> dict[str, Any]:
    """Removes the authors' mentions from every mention index, from alert evidence, and from every
    JSONL file under data_dir; remembers them so later crawls drop them. Idempotent."""
    from index import cluster

    config = _config(config_dir)
    ids = sorted(set(author_ids))
    if not ids:
        return {"authors": 0, "documents_deleted": 0, "alerts_updated": 0, "lines_removed": 0, "files_changed": []}
    remember_erased(config, ids)
    client = cluster.connect(config)
    names = cluster.index_names(config)
    hits = list(_scan_ids(client, f"{names.prefix}-mentions-*", {"terms": {"author.id": ids}}))
    deleted = _bulk_delete(client, hits)
    alerts = _drop_alert_evidence(client, names.alerts_alias, {hit["_id"] for hit in hits})
    files, lines = _erase_from_files(Path(config.settings.data_dir), set(ids))
    log.info("erased %d author(s): %d document(s), %d alert(s) updated, %d line(s) in %d file(s)",
             len(ids), deleted, alerts, lines, len(files))
    return {"authors": len(ids), "documents_deleted": deleted, "alerts_updated": alerts,
            "lines_removed": lines, "files_changed": files}


def process_erasure_requests(as_of: datetime | str, *, config_dir: str | None = None) -> dict[str, Any]:
    """Carries out every request file in data_dir/erasure_requests/*.json, then moves it to done/ with its result.

    A request that cannot be read is left in place and named in the error raised after the others ran.
    """
    config = _config(config_dir)
    directory = Path(config.settings.data_dir) / ERASURE_REQUESTS_DIR
    requests, problems = _read_requests(directory, config.settings.privacy.pseudonym_key_env)
    result = erase_authors([author for _, author in requests], config_dir=str(config.config_dir))
    for path, author in requests:
        record = {"request": path.name, "author_id": author, "processed_for": str(as_of), "result": result}
        _atomic_write(directory / ERASURE_DONE_DIR / path.name, json.dumps(record, indent=1).encode("utf-8"))
        path.unlink()
    if problems:
        raise MaintenanceError("erasure requests that could not be read (left in place):\n" + "\n".join(problems))
    return {"requests": [path.name for path, _ in requests], **result}


def _read_requests(directory: Path, key_env: str) -> tuple[list[tuple[Path, str]], list[str]]:
    requests, problems = [], []
    for path in sorted(directory.glob("*.json")) if directory.is_dir() else []:
        try:
            request = json.loads(path.read_text(encoding="utf-8"))
            requests.append((path, author_id_for(request, key_env, str(path))))
        except json.JSONDecodeError as error:
            problems.append(f"{path}: not JSON ({error.msg}, line {error.lineno})")
        except (MaintenanceError, RuntimeError) as error:
            problems.append(str(error))
    return requests, problems


def _scan_ids(client, index: str, query: dict) -> Iterator[dict]:
    """Every matching document's `_index` and `_id`, through a point in time (no scroll, no delete-by-query)."""
    if not client.indices.get(index=index, expand_wildcards="open", allow_no_indices=True):
        return
    pit = client.open_point_in_time(index=index, keep_alive=PIT_KEEP_ALIVE, allow_partial_search_results=False)["id"]
    try:
        search_after = None
        while True:
            page = client.search(query=query, pit={"id": pit, "keep_alive": PIT_KEEP_ALIVE}, size=SCAN_PAGE,
                                 sort=["_shard_doc"], search_after=search_after, source=False)
            hits = page["hits"]["hits"]
            pit = page.get("pit_id", pit)
            yield from ({"_index": hit["_index"], "_id": hit["_id"]} for hit in hits)
            if len(hits) < SCAN_PAGE:
                return
            search_after = hits[-1]["sort"]
    finally:
        client.close_point_in_time(id=pit)


def _bulk_delete(client, hits: list[dict]) -> int:
    from elasticsearch import helpers

    actions = ({"_op_type": "delete", "_index": hit["_index"], "_id": hit["_id"]} for hit in hits)
    deleted, errors = 0, []
    for ok, item in helpers.streaming_bulk(client, actions, raise_on_error=False, max_retries=5, initial_backoff=1):
        result = item.get("delete", {})
        if ok or result.get("status") == 404:
            deleted += ok
        else:
            errors.append(f"{result.get('_index')}/{result.get('_id')}: {result.get('error')}")
    if errors:
        raise MaintenanceError(f"{len(errors)} document(s) could not be deleted; run the erasure again:\n" + "\n".join(errors[:20]))
    for index in sorted({hit["_index"] for hit in hits}):
        client.indices.refresh(index=index)
    return deleted


def _drop_alert_evidence(client, alias: str, mention_ids: set[str]) -> int:
    """Removes erased mentions from the evidence of alerts that cite them; returns the alerts changed."""
    if not mention_ids or not client.indices.exists_alias(name=alias):
        return 0
    found = client.search(index=alias, query={"terms": {"evidence_mentions.id": sorted(mention_ids)}},
                          size=10_000, source=["evidence_mentions"])["hits"]["hits"]
    for hit in found:
        kept = [mention for mention in hit["_source"].get("evidence_mentions", []) if mention.get("id") not in mention_ids]
        client.update(index=hit["_index"], id=hit["_id"], doc={"evidence_mentions": kept}, refresh=True)
    return len(found)


def _erase_from_files(data_dir: Path, author_ids: set[str]) -> tuple[list[str], int]:
    changed, removed = [], 0
    for path in sorted(data_dir.rglob("*.jsonl")) if data_dir.is_dir() else []:
        count = remove_author_lines(path, author_ids)
        if count:
            changed.append(str(path))
            removed += count
    return changed, removed


# ---------------------------------------------------------------- re-classification


def stale_enriched_files(data_dir: Path, model: dict[str, str]) -> list[Path]:
    """Enriched interval files holding a mention not classified by `model` (name and version)."""
    from nabd.pipeline import ENRICHED_DIR

    stale = []
    for path in sorted((Path(data_dir) / ENRICHED_DIR).glob("*/*.jsonl")):
        if INTERVAL_FILE.match(path.name) and path.name.count(".") == 1 and _has_other_model(path, model):
            stale.append(path)
    return stale


def reclassify_stale(*, config_dir: str | None = None) -> dict[str, Any]:
    """Re-enriches (from the raw files) and re-indexes every interval classified by another model version."""
    from nabd import pipeline

    config = _config(config_dir)
    classifier = pipeline.load_classifier(config)
    if classifier is None:
        return {"model": None, "reclassified": [], "without_raw": [], "indexed": 0}
    data_dir = Path(config.settings.data_dir)
    sources = {pipeline.source_dir_name(source.name): source.name for source in config.sources}
    done, without_raw, indexed = [], [], 0
    for path in stale_enriched_files(data_dir, classifier.model_info):
        source, (start, end) = sources.get(path.parent.name), _interval_of(path)
        if source is None or not pipeline.raw_path(data_dir, source, start, end).is_file():
            without_raw.append(str(path))
            continue
        pipeline.enrich_interval(source, start, end, config_dir=str(config.config_dir), classifier=classifier)
        indexed += pipeline.index_interval(source, start, end, config_dir=str(config.config_dir))["indexed"]
        done.append(str(path))
    if without_raw:
        log.warning("%d enriched file(s) have no raw file (or no configured source) to re-classify from: %s",
                    len(without_raw), ", ".join(without_raw))
    return {"model": classifier.model_info, "reclassified": done, "without_raw": without_raw, "indexed": indexed}


def _has_other_model(path: Path, model: dict[str, str]) -> bool:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip() and json.loads(line).get("nlp", {}).get("model") != model:
                return True
    return False


def _interval_of(path: Path) -> tuple[str, str]:
    start, end = path.name.removesuffix(".jsonl").split("_")
    return tuple(datetime.strptime(part, "%Y%m%dT%H%M%SZ").strftime("%Y-%m-%dT%H:%M:%SZ") for part in (start, end))


# ---------------------------------------------------------------- helpers


def _config(config_dir: str | Path | None):
    from config import load_config

    return load_config(config_dir)


def _atomic_write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        partial.write_bytes(content)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
