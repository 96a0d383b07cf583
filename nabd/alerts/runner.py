"""`nabd alerts check`: judge every alert rule at one moment, record what fires, deliver it."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from nabd.alerts.delivery import deliver
from nabd.alerts.detector import HOURS_PER_WEEK, RECENT_HOURS, Fired, LastAlert, SpikeRule, judge, should_fire
from nabd.alerts.message import alert_message

log = logging.getLogger(__name__)

EVIDENCE_POSTS = 5


@dataclass(frozen=True)
class CheckResult:
    rule_id: str
    brand: str
    spike: bool
    fired: bool
    reason: str
    alert: dict | None = None


def spike_rule(rule) -> SpikeRule:
    return SpikeRule(min_negative=rule.min_negative, min_negative_share=rule.min_negative_share,
                     sensitivity=rule.sensitivity, baseline_weeks=rule.baseline_weeks,
                     cooldown_hours=rule.cooldown_minutes / rule.window_minutes)


def check_alerts(config, at: datetime) -> list[CheckResult]:
    """Judges every enabled rule due at `at` (the end of its window), spike and collection rules; idempotent for the same `at`."""
    from config.settings import secret
    from index import cluster

    if at.tzinfo is None:
        raise ValueError(f"the check time {at.isoformat()} needs a time zone (e.g. 2026-11-23T09:00:00+03:00)")
    at = at.astimezone(timezone.utc).replace(second=0, microsecond=0)
    client = cluster.connect(config)
    names = cluster.index_names(config)
    cluster.setup_indices(config)
    results = [_check_rule(client, names, config, rule, at, secret)
               for rule in config.alert_rules if rule.enabled and is_due(rule, at)]
    results += _check_collection_rules(client, names, config, at, secret)
    client.indices.refresh(index=names.alerts_alias)
    return results


def _check_collection_rules(client, names, config, at: datetime, secret) -> list[CheckResult]:
    """The "collection stalled" rules due at `at`, after recording crawl health files still pending."""
    from nabd.alerts.stalled import check_collection_rule, record_pending_health

    due = [rule for rule in config.collection_rules if rule.enabled and is_due(rule, at)]
    if not due:
        return []
    recorded = record_pending_health(config)
    if recorded:
        log.info("recorded %d pending crawl health record(s)", recorded)
    client.indices.refresh(index=names.collection_health_alias)
    return [result for rule in due for result in check_collection_rule(client, names, config, rule, at, secret)]


def is_due(rule, at: datetime) -> bool:
    """A rule checked every N minutes is judged at the times of day that are multiples of N."""
    return (at.hour * 60 + at.minute) % rule.check_every_minutes == 0


class UndeliveredAlerts(RuntimeError):
    """Alerts were recorded but some deliveries failed after their retries; a re-run re-sends only those."""


def run_alert_checks(at: datetime | str, config_dir: str | None = None, fail_on_undelivered: bool = False) -> dict:
    """What the alerts DAG and `nabd alerts check` call: plain values in, a small summary out.

    With `fail_on_undelivered` (the DAG), failed deliveries raise after everything is recorded, so the
    scheduler's retry of the same interval re-sends exactly what did not arrive.
    """
    from config import load_config

    moment = datetime.fromisoformat(at) if isinstance(at, str) else at
    results = check_alerts(load_config(config_dir), moment)
    summary = {"at": _iso(moment), "checked": len(results),
               "fired": [r.alert["id"] for r in results if r.fired],
               "failed_deliveries": sum(not d["ok"] for r in results if r.alert for d in r.alert["deliveries"]),
               "rules": {r.rule_id: r.reason for r in results}}
    log.info("alert check at %s: %s", summary["at"], summary)
    if fail_on_undelivered and summary["failed_deliveries"]:
        raise UndeliveredAlerts(f"{summary['failed_deliveries']} alert deliveries failed at {summary['at']} "
                                "(recorded in nabd-alerts with the reason); a retry re-sends them")
    return summary


def _check_rule(client, names, config, rule, at: datetime, secret) -> CheckResult:
    from index import trends

    spike = spike_rule(rule)
    windows = spike.baseline_weeks * HOURS_PER_WEEK + RECENT_HOURS + 2
    response = client.search(index=names.mentions_alias, ignore_unavailable=True, allow_no_indices=True,
                             **trends.window_counts_query(rule.brand, at, windows, rule.window_minutes))
    negative, total = trends.parse_window_counts(response, at, windows, rule.window_minutes)
    verdict = judge(negative, total, len(negative) - 1, spike)
    if not verdict.spike:
        return CheckResult(rule.id, rule.brand, False, False, verdict.reason)
    alert_id = _alert_id(rule.id, at)
    recorded = _recorded_alert(client, names, alert_id)
    if recorded is not None:
        alert = _redeliver(client, names, config, rule, recorded, secret)
        return CheckResult(rule.id, rule.brand, True, False, "already recorded for this window", alert)
    last, storm_id = _last_alert(client, names, rule, at, len(negative) - 1)
    fired = should_fire(verdict, last, spike)
    if fired is None:
        return CheckResult(rule.id, rule.brand, True, False, "same storm, same severity: within the cooldown")
    alert = _alert_document(client, names, rule, at, fired, alert_id, storm_id or alert_id)
    message = alert_message(config.brand(rule.brand), alert)
    alert["deliveries"] = [deliver(channel, alert, message, config.settings, secret).as_dict()
                           for channel in rule.channels]
    client.index(index=names.alerts_alias, id=alert_id, document=alert)
    log.info("alert %s for %s: %s", alert_id, rule.brand, verdict.reason)
    return CheckResult(rule.id, rule.brand, True, True, verdict.reason, alert)


def _recorded_alert(client, names, alert_id: str) -> dict | None:
    response = client.search(index=names.alerts_alias, size=1, query={"ids": {"values": [alert_id]}})
    hits = response["hits"]["hits"]
    return hits[0]["_source"] if hits else None


def _redeliver(client, names, config, rule, alert: dict, secret) -> dict:
    """A re-run of a recorded window retries only the channels that failed; delivered ones are not repeated."""
    from nabd.alerts.delivery import channel_name

    failed = {d["channel"] for d in alert["deliveries"] if not d["ok"]}
    if not failed:
        return alert
    message = alert_message(config.brand(rule.brand), alert)
    retried = {channel_name(c): deliver(c, alert, message, config.settings, secret).as_dict()
               for c in rule.channels if channel_name(c) in failed}
    alert["deliveries"] = [retried.get(d["channel"], d) for d in alert["deliveries"]]
    client.index(index=names.alerts_alias, id=alert["id"], document=alert)
    log.info("alert %s: retried %d failed deliveries", alert["id"], len(retried))
    return alert


def _alert_id(rule_id: str, at: datetime) -> str:
    return hashlib.sha256(f"{rule_id}\x1f{at.astimezone(timezone.utc).isoformat()}".encode()).hexdigest()[:32]


def _last_alert(client, names, rule, at: datetime, hour_index: int) -> tuple[LastAlert | None, str | None]:
    """The rule's latest alert within the cooldown (the detector's cooldown state) and its storm id."""
    since = at - timedelta(minutes=rule.cooldown_minutes)
    response = client.search(index=names.alerts_alias, size=1, sort=[{"@timestamp": "desc"}],
                             query={"bool": {"filter": [{"term": {"rule_id": rule.id}},
                                                        {"range": {"@timestamp": {"gte": since.isoformat(),
                                                                                  "lt": at.isoformat()}}}]}})
    hits = response["hits"]["hits"]
    if not hits:
        return None, None
    previous = hits[0]["_source"]
    ended = datetime.fromisoformat(previous["@timestamp"].replace("Z", "+00:00"))
    windows_ago = (at - ended) / timedelta(minutes=rule.window_minutes)
    return LastAlert(hour=hour_index - windows_ago, severity=previous["severity"]), previous.get("storm_id")


def _alert_document(client, names, rule, at: datetime, fired: Fired, alert_id: str, storm_id: str) -> dict:
    from index import trends

    verdict = fired.verdict
    start = at - timedelta(minutes=rule.window_minutes)
    window = trends.TrendWindow(brand=rule.brand, start=start, end=at, interval="hour", top=5)

    def run(body: dict) -> dict:
        return client.search(index=names.mentions_alias, ignore_unavailable=True, **body)

    summary = trends.parse_summary(run(trends.summary_query(window)))
    posts = trends.parse_top_sources_and_posts(run(trends.top_sources_and_posts_query(window, "negative")))["posts"]
    terms = trends.parse_rising_terms(run(trends.rising_terms_query(window)))
    return {
        "id": alert_id, "rule_id": rule.id, "brand": rule.brand,
        "@timestamp": _iso(at), "window_start": _iso(start), "window_end": _iso(at),
        "severity": verdict.severity, "escalation": int(fired.escalation),
        "storm_id": storm_id,
        "negative_count": verdict.negative, "total_count": verdict.total,
        "negative_share": round(verdict.negative_share, 4),
        "baseline": {"expected": round(verdict.baseline.expected, 3), "median": verdict.baseline.median,
                     "mad": round(verdict.baseline.mad, 3), "method": "same hour of week, median/MAD, Poisson tail"},
        "score": round(verdict.ratio, 3) if verdict.baseline.expected else None,
        "p_value": verdict.p_value,
        "top_topics": summary["top_topics"],
        "top_terms": [term["term"] for term in terms],
        "evidence_mentions": [{"id": p["id"], "url": p.get("url"), "text": p.get("text", "")[:500],
                               "engagement": p.get("engagement", {}).get("total", 0)} for p in posts[:EVIDENCE_POSTS]],
    }


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
