"""Which collected intervals are indexed: a marker per (source, interval) written after indexing succeeds.

Asset events are how Airflow tells `enrich_and_index` what was collected, but an event can be folded into a
later run or passed over (backfills, runs that finish close together). The raw files are the truth: a raw
file with no marker, or rewritten since its marker, is pending, and every enrich run picks it up. So an
interval is never lost, whatever happens to the events.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

from nabd.private_files import write_text

INTERVAL_FILE = re.compile(r"^(\d{8}T\d{6}Z)_(\d{8}T\d{6}Z)\.jsonl$")


def marker_path(raw: Path) -> Path:
    """The marker of a raw file: next to it, `<interval>.indexed.json`."""
    return raw.with_name(raw.name.removesuffix(".jsonl") + ".indexed.json")


def mark_indexed(raw: Path, indexed: int) -> Path:
    """Records that `raw`, as it is now, has been enriched and indexed (written atomically)."""
    stat = raw.stat()
    return write_text(marker_path(raw), json.dumps({
        "raw_size": stat.st_size, "raw_mtime_ns": stat.st_mtime_ns, "indexed": indexed,
        "at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}))


def is_pending(raw: Path) -> bool:
    """True when `raw` has never been indexed, or was rewritten (re-collected) after it was."""
    marker = marker_path(raw)
    try:
        recorded = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return True
    stat = raw.stat()
    return (recorded.get("raw_size"), recorded.get("raw_mtime_ns")) != (stat.st_size, stat.st_mtime_ns)


def pending_intervals(source_dir: Path) -> list[tuple[str, str]]:
    """The (start, end) UTC texts of a source's raw files that are pending, oldest first."""
    if not source_dir.is_dir():
        return []
    pending = []
    for raw in sorted(source_dir.iterdir()):
        match = INTERVAL_FILE.match(raw.name)
        if match and raw.is_file() and is_pending(raw):
            pending.append(tuple(_utc_text(stamp) for stamp in match.groups()))
    return pending


def _utc_text(stamp: str) -> str:
    """`20261120T000000Z` -> `2026-11-20T00:00:00Z`."""
    return datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").strftime("%Y-%m-%dT%H:%M:%SZ")
