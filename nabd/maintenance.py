"""Housekeeping over stored mentions: retention (raw files by days, the rest by whole months), re-classification on a new model.

Erasure on request lives in `nabd.erasure`.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import tempfile
from calendar import monthrange
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

MONTHLY_INDEX = re.compile(r"-mentions-(\d{4})\.(\d{2})$")
INTERVAL_FILE = re.compile(r"^\d{8}T\d{6}Z_(\d{8}T\d{6}Z)(?:\.[\w.]+)?\.jsonl$")
RAW_INTERVAL_FILE = re.compile(r"^\d{8}T\d{6}Z_(\d{8}T\d{6}Z)(?:\.jsonl|\.indexed\.json|\.rejects\.jsonl)$")
REPORT_DAY_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}$")


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
        if match and _ended(match[1], cutoff):
            expired.append(path)
    return expired


def raw_retention_cutoff(as_of: datetime | str, raw_retention_days: int) -> datetime:
    """Raw data whose interval ended at or before this moment is past raw retention (as_of: the run's interval end)."""
    from nabd.pipeline import utc_text

    moment = datetime.strptime(utc_text(as_of, "as_of"), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    return moment - timedelta(days=raw_retention_days)


def expired_raw_files(data_dir: Path, cutoff: datetime) -> list[Path]:
    """What holds raw (unmasked) text of intervals that ended at or before `cutoff`: the raw files and their
    indexed markers under raw/, and enrichment's rejects files (raw lines) under enriched/."""
    from nabd.pipeline import ENRICHED_DIR, RAW_DIR

    candidates = [*(Path(data_dir) / RAW_DIR).glob("*/*"), *(Path(data_dir) / ENRICHED_DIR).glob("*/*.rejects.jsonl")]
    return [path for path in sorted(candidates)
            if (match := RAW_INTERVAL_FILE.match(path.name)) and _ended(match[1], cutoff)]


def expired_report_dirs(data_dir: Path, cutoff: datetime) -> list[Path]:
    """Saved reports (reports/<brand>/<day>/) of days that ended at or before `cutoff`."""
    expired = []
    for folder in sorted((Path(data_dir) / "reports").glob("*/*")):
        if folder.is_dir() and REPORT_DAY_DIR.match(folder.name):
            day_end = datetime.strptime(folder.name, "%Y-%m-%d").replace(tzinfo=timezone.utc) + timedelta(days=1)
            if day_end <= cutoff:
                expired.append(folder)
    return expired


def apply_retention(as_of: datetime | str, *, config_dir: str | None = None) -> dict[str, Any]:
    """Deletes raw files past `privacy.raw_retention_days`, and whole monthly indices, interval files and saved
    reports past `privacy.retention_months`, counted back from `as_of`."""
    from index import cluster

    config = _config(config_dir)
    privacy = config.settings.privacy
    data_dir = Path(config.settings.data_dir)
    raw_cutoff = raw_retention_cutoff(as_of, privacy.raw_retention_days)
    raw_files = expired_raw_files(data_dir, raw_cutoff)
    for path in raw_files:
        path.unlink()
    cutoff = retention_cutoff(as_of, privacy.retention_months)
    client = cluster.connect(config)
    pattern = f"{cluster.index_names(config).prefix}-mentions-*"
    indices = expired_indices(client.indices.get(index=pattern, expand_wildcards="all", allow_no_indices=True), cutoff)
    if indices:
        client.indices.delete(index=",".join(indices))
    files = expired_files(data_dir, cutoff)
    for path in files:
        path.unlink()
    reports = expired_report_dirs(data_dir, cutoff)
    for folder in reports:
        shutil.rmtree(folder)
    log.info("retention before %s: %d raw file(s) (%d days); %d index(es), %d file(s), %d report(s) (%d months)",
             as_of, len(raw_files), privacy.raw_retention_days, len(indices), len(files), len(reports),
             privacy.retention_months)
    return {"raw_cutoff": _text(raw_cutoff), "deleted_raw_files": [str(path) for path in raw_files],
            "cutoff": _text(cutoff), "deleted_indices": indices,
            "deleted_files": [str(path) for path in files], "deleted_reports": [str(folder) for folder in reports]}


def _ended(stamp: str, cutoff: datetime) -> bool:
    return datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc) <= cutoff


def _text(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _month_end(year: int, month: int) -> datetime:
    return datetime(year + month // 12, month % 12 + 1, 1, tzinfo=timezone.utc)


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
    """Re-enriches and re-indexes every interval classified by another model version: from its raw file, or, once
    raw retention removed that, from the enriched file itself (already masked, which is what the model reads)."""
    from nabd import pipeline

    config = _config(config_dir)
    classifier = pipeline.load_classifier(config)
    if classifier is None:
        return {"model": None, "reclassified": [], "from_enriched": [], "indexed": 0}
    data_dir = Path(config.settings.data_dir)
    sources = {pipeline.source_dir_name(source.name): source.name for source in config.sources}
    done, from_enriched, indexed = [], [], 0
    for path in stale_enriched_files(data_dir, classifier.model_info):
        source, (start, end) = sources.get(path.parent.name), _interval_of(path)
        if source is not None and pipeline.raw_path(data_dir, source, start, end).is_file():
            pipeline.enrich_interval(source, start, end, config_dir=str(config.config_dir), classifier=classifier)
            indexed += pipeline.index_interval(source, start, end, config_dir=str(config.config_dir))["indexed"]
        else:
            indexed += _reclassify_in_place(config, path, classifier)
            from_enriched.append(str(path))
        done.append(str(path))
    return {"model": classifier.model_info, "reclassified": done, "from_enriched": from_enriched, "indexed": indexed}


def _reclassify_in_place(config, enriched: Path, classifier) -> int:
    """Enriches an enriched file again into itself with `classifier` (the file appears atomically); indexes it."""
    from index import cluster
    from nlp.enrich import enrich_file

    with tempfile.TemporaryDirectory(dir=enriched.parent, prefix=".reclassify-") as scratch:
        enrich_file(enriched, enriched, brands=config.brands, classifier=classifier,
                    rejects_path=Path(scratch) / "rejects.jsonl", batch_size=config.settings.model.batch_size)
    return cluster.load_file(config, enriched).indexed


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
