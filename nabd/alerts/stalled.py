"""The "collection stalled" rule: a source that normally yields posts returns none, or fails, run after run.

Judged from the collection-health index (one record per crawl, docs/sources.md): a source's runs
are its data intervals, newest first, each standing for its latest crawl. A stall is the latest run
and the runs before it that were `failed` or `empty`; it fires once it is `consecutive_runs` long and
the source normally yields posts (at least `min_productive_share` of its earlier runs within
`lookback_hours`, and at least one, brought posts) — or, whatever the source usually yields, when
its latest `consecutive_runs` runs all failed (severity `high`; else `warning`). One stall is one alert (its id names the stall's first interval); a
re-check re-sends only the deliveries that failed, and a source that recovers and stalls again
raises a new one.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

log = logging.getLogger(__name__)

UNPRODUCTIVE = ("failed", "empty")


@dataclass(frozen=True)
class StallVerdict:
    """What the rule decided for one source."""

    source: str
    stalled: bool
    reason: str
    consecutive_runs: int = 0
    failed_runs: int = 0
    earlier_runs: int = 0
    productive_runs: int = 0
    first: dict | None = None  # the stall's oldest run
    last: dict | None = None   # the latest run
    severity: str = "warning"  # "high" when the latest runs all failed


def judge_stall(source: str, runs: list[dict], consecutive_runs: int, min_productive_share: float) -> StallVerdict:
    """Is `source` stalled? `runs`: its health records, newest first, one per interval."""
    streak = _leading(runs, UNPRODUCTIVE)
    failing = _leading(runs, ("failed",))
    stall, earlier = runs[:streak], runs[streak:]
    failed = sum(run["status"] == "failed" for run in stall)
    productive = sum(run["status"] == "ok" and int(run.get("items") or 0) > 0 for run in earlier)
    facts = {"consecutive_runs": streak, "failed_runs": failed, "earlier_runs": len(earlier), "productive_runs": productive,
             "first": stall[-1] if stall else None, "last": runs[0] if runs else None}
    if streak < consecutive_runs:
        return StallVerdict(source, False, f"{streak} failed or empty run(s) in a row, below {consecutive_runs}", **facts)
    if failing >= consecutive_runs:
        return StallVerdict(source, True, f"failed {failing} runs in a row", severity="high", **facts)
    if productive == 0 or productive / len(earlier) < min_productive_share:
        return StallVerdict(source, False, f"{streak} runs without posts, but it yielded posts in only {productive} of "
                                           f"{len(earlier)} earlier runs (normally quiet)", **facts)
    return StallVerdict(source, True, f"no posts or failed for {streak} runs in a row ({failed} failed); it yielded posts "
                                      f"in {productive} of {len(earlier)} earlier runs", **facts)


def _leading(runs: list[dict], statuses: tuple[str, ...]) -> int:
    """How many of the newest runs in a row have one of `statuses`."""
    count = 0
    while count < len(runs) and runs[count]["status"] in statuses:
        count += 1
    return count


def check_collection_rule(client, names, config, rule, at: datetime, secret) -> list:
    """Judges one collection rule at `at` for each of its sources; records and delivers what fires."""
    from index import collection_health
    from nabd.alerts.runner import CheckResult

    sources = list(rule.sources) or [source.name for source in config.enabled_sources()]
    if not sources:
        return []
    by_source = collection_health.runs(client, names, at - timedelta(hours=rule.lookback_hours), at, sources)
    results = []
    for source in sources:
        verdict = judge_stall(source, by_source.get(source, []), rule.consecutive_runs, rule.min_productive_share)
        rule_key = f"{rule.id}:{source}"
        if not verdict.stalled:
            results.append(CheckResult(rule_key, "", False, False, verdict.reason))
            continue
        alert, fired = _record_stall(client, names, config, rule, verdict, at, secret)
        reason = verdict.reason if fired else "already recorded for this stall"
        results.append(CheckResult(rule_key, "", True, fired, reason, alert))
    return results


def _record_stall(client, names, config, rule, verdict: StallVerdict, at: datetime, secret) -> tuple[dict, bool]:
    """The stall's alert: recorded and delivered once; a re-check retries only the failed deliveries."""
    from nabd.alerts.delivery import channel_name, deliver
    from nabd.alerts.message import stalled_message

    alert_id = stall_id(rule.id, verdict.source, verdict.first["interval_start"])
    hits = client.search(index=names.alerts_alias, size=1, query={"ids": {"values": [alert_id]}})["hits"]["hits"]
    if hits:
        alert = hits[0]["_source"]
        failed = {d["channel"] for d in alert.get("deliveries", []) if not d["ok"]}
        if failed:
            message = stalled_message(alert)
            retried = {channel_name(c): deliver(c, alert, message, config.settings, secret).as_dict()
                       for c in rule.channels if channel_name(c) in failed}
            alert["deliveries"] = [retried.get(d["channel"], d) for d in alert["deliveries"]]
            client.index(index=names.alerts_alias, id=alert_id, document=alert)
        return alert, False
    alert = stall_document(rule, verdict, at, alert_id)
    message = stalled_message(alert)
    alert["deliveries"] = [deliver(channel, alert, message, config.settings, secret).as_dict() for channel in rule.channels]
    client.index(index=names.alerts_alias, id=alert_id, document=alert)
    log.warning("collection stalled: %s (%s); alert %s", verdict.source, verdict.reason, alert_id)
    return alert, True


def stall_id(rule_id: str, source: str, first_interval_start: str) -> str:
    """One stall, one id: the rule, the source and the stall's first interval."""
    return hashlib.sha256(f"{rule_id}\x1f{source}\x1f{first_interval_start}".encode()).hexdigest()[:32]


def stall_document(rule, verdict: StallVerdict, at: datetime, alert_id: str) -> dict:
    """The alert record (index/mappings/alerts.v1.json) of a stall."""
    last = verdict.last or {}
    return {
        "id": alert_id, "rule_id": rule.id, "kind": rule.kind, "source": verdict.source,
        "@timestamp": at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "window_start": verdict.first["interval_start"], "window_end": last.get("interval_end"),
        "severity": verdict.severity,
        "escalation": 0, "storm_id": alert_id, "total_count": 0,
        "stall": {"consecutive_runs": verdict.consecutive_runs, "failed_runs": verdict.failed_runs,
                  "earlier_runs": verdict.earlier_runs, "productive_runs": verdict.productive_runs,
                  "last_status": last.get("status"), "last_error": last.get("error")},
    }


def record_pending_health(config) -> int:
    """Records the crawl health files still pending under `<data_dir>/raw/*/` (crawls that ran while
    Elasticsearch was away, or without a sink); returns how many. Never raises for a down cluster."""
    from index.collection_health import configured_sink
    from nabd.pipeline import RAW_DIR
    from spiders.health import deliver_pending

    raw = Path(config.settings.data_dir) / RAW_DIR
    sink = configured_sink(config)
    folders = sorted(path for path in raw.iterdir() if path.is_dir()) if raw.is_dir() else []
    return sum(deliver_pending(folder, sink)[0] for folder in folders)
