"""Which collected intervals are indexed: a marker per (source, interval) written after indexing succeeds.

Asset events are how Airflow tells `enrich_and_index` what was collected, but an event can be folded into a
later run or passed over (backfills, runs that finish close together). The raw files are the truth: a raw
file with no marker, or rewritten since its marker, is pending, and every enrich run picks it up. So an
interval is never lost, whatever happens to the events.

The marker records the raw file as enrichment read it (`raw_state` taken before reading): a raw file rewritten
while it was being enriched differs from its marker, so it stays pending and is done again, never skipped.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from datetime import datetime, timezone
from pathlib import Path

INTERVAL_FILE = re.compile(r"^(\d{8}T\d{6}Z)_(\d{8}T\d{6}Z)\.jsonl$")


def marker_path(raw: Path) -> Path:
    """The marker of a raw file: next to it, `<interval>.indexed.json`."""
    return raw.with_name(raw.name.removesuffix(".jsonl") + ".indexed.json")


def raw_state(raw: Path) -> dict[str, int]:
    """What identifies one version of a raw file: its size and modification time (ns)."""
    stat = Path(raw).stat()
    return {"raw_size": stat.st_size, "raw_mtime_ns": stat.st_mtime_ns}


def mark_indexed(raw: Path, indexed: int, state: dict[str, int] | None = None) -> Path:
    """Records that `raw` — in `state` (what enrichment read; by default the file as it is now) — has been
    enriched and indexed. Written atomically through a uniquely named temporary file, so two workers
    sharing the data directory never write into each other's temporary file."""
    recorded = dict(state) if state else raw_state(raw)
    if set(recorded) != {"raw_size", "raw_mtime_ns"}:
        raise ValueError(f"raw file state {state!r} of {raw} expected exactly raw_size and raw_mtime_ns")
    marker = marker_path(raw)
    partial = marker.with_name(f".{marker.name}.{uuid.uuid4().hex}.partial")
    text = json.dumps({**recorded, "indexed": indexed,
                       "at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")})
    try:
        with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, marker)
    finally:
        partial.unlink(missing_ok=True)
    return marker


def is_pending(raw: Path) -> bool:
    """True when `raw` has never been indexed, or was rewritten (re-collected) after the version indexed."""
    marker = marker_path(raw)
    try:
        recorded = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return True
    current = raw_state(raw)
    return (recorded.get("raw_size"), recorded.get("raw_mtime_ns")) != (current["raw_size"], current["raw_mtime_ns"])


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
