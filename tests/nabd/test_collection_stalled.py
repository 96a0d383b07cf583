"""The "collection stalled" rule: judged from crawl health records on the real node, delivered to loopback receivers."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from config import ConfigError, load_config
from index.collection_health import record
from index.templates import setup
from nabd.alerts.runner import check_alerts
from nabd.alerts.stalled import judge_stall
from tests.support.receivers import alert_receivers

AT = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)


def run(hours_ago: int, status: str, items: int = 0, source: str = "news_rss", crawl: str = "a", error: str | None = None,
        finished_minute: int = 2) -> dict:
    start = AT - timedelta(hours=hours_ago)
    return {"@timestamp": (start + timedelta(hours=1, minutes=finished_minute)).strftime("%Y-%m-%dT%H:%M:%SZ"), "source": source,
            "source_kind": "rss", "interval_start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "interval_end": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"), "status": status,
            "items": items, "collected": items, "pages_skipped": 0, "skipped_reasons": [], "errors": int(status == "failed"),
            "error": error, "http_status": {"2xx": 4, "3xx": 0, "4xx": 0, "5xx": 0}, "duration_s": 2.0,
            "crawl_id": f"{source}-{hours_ago}-{crawl}"}


def newest_first(statuses: str) -> list[dict]:
    """'eefooo': newest first, e = empty, f = failed, o = ok with 5 posts."""
    names = {"e": "empty", "f": "failed", "o": "ok"}
    return [run(hours_ago, names[code], 5 if code == "o" else 0) for hours_ago, code in enumerate(statuses, start=1)]


@pytest.mark.parametrize(("statuses", "stalled", "reason"), [
    ("eeeoooo", True, "no posts or failed for 3 runs in a row (0 failed); it yielded posts in 4 of 4 earlier runs"),
    ("efeoooo", True, "no posts or failed for 3 runs in a row (1 failed)"),
    ("eeoooo", False, "2 failed or empty run(s) in a row, below 3"),
    ("eeeeoeeeoe", False, "normally quiet"),
    ("fffeoee", True, "failed 3 runs in a row"),
    ("fff", True, "failed 3 runs in a row"),
    ("", False, "0 failed or empty run(s) in a row"),
])
def test_a_stall_is_judged_from_the_runs_in_a_row_and_the_sources_normal(statuses, stalled, reason):
    verdict = judge_stall("news_rss", newest_first(statuses), consecutive_runs=3, min_productive_share=0.5)
    assert verdict.stalled is stalled and reason in verdict.reason


@pytest.fixture
def receivers(test_config_dir):
    with alert_receivers(test_config_dir) as both:
        yield both


@pytest.fixture
def stall_config(test_config_dir, receivers, es_client, index_names, monkeypatch):
    """One collection rule over news_rss (enabled) and demo, to Slack and e-mail on loopback; no spike rules."""
    webhooks, _ = receivers
    (test_config_dir / "alerts.yaml").write_text(yaml.safe_dump({"alert_rules": [], "collection_rules": [{
        "id": "collection_stalled", "kind": "collection_stalled", "sources": ["news_rss", "demo"], "consecutive_runs": 3,
        "lookback_hours": 48, "min_productive_share": 0.5, "check_every_minutes": 60,
        "channels": [{"type": "slack", "url_env": "NABD_TEST_SLACK_URL"}, {"type": "email", "to": ["ops@nabd.example"]}],
    }]}), encoding="utf-8")
    monkeypatch.setenv("NABD_TEST_SLACK_URL", webhooks.url("/slack"))
    setup(es_client, index_names, [])
    return load_config(test_config_dir)


def stall_alerts(es_client, index_names) -> list[dict]:
    es_client.indices.refresh(index=index_names.alerts_alias)
    hits = es_client.search(index=index_names.alerts_alias, size=20, sort=[{"window_start": "asc"}])["hits"]["hits"]
    return [hit["_source"] for hit in hits]


def test_a_source_that_stops_yielding_raises_one_alert_per_stall_through_every_channel(
        stall_config, es_client, index_names, receivers):
    webhooks, smtp = receivers
    for hours_ago in range(4, 12):
        record(es_client, index_names, run(hours_ago, "ok", 6))
        record(es_client, index_names, run(hours_ago, "ok", 2, source="demo"))
    for hours_ago, status in ((3, "empty"), (2, "failed"), (1, "empty")):
        record(es_client, index_names, run(hours_ago, status, error="refused: HTTP 401 ×1" if status == "failed" else None))
        record(es_client, index_names, run(hours_ago, "ok", 3, source="demo"))
    # The latest interval was retried: the first try failed with the feed's 503, the retry found nothing.
    record(es_client, index_names, run(1, "failed", crawl="first", error="HTTP 503", finished_minute=1), refresh=True)

    results = {result.rule_id: result for result in check_alerts(stall_config, AT)}

    assert results["collection_stalled:demo"].fired is False
    stalled = results["collection_stalled:news_rss"]
    assert stalled.fired and "no posts or failed for 3 runs in a row (1 failed)" in stalled.reason
    [alert] = stall_alerts(es_client, index_names)
    assert (alert["kind"], alert["source"], alert["severity"]) == ("collection_stalled", "news_rss", "warning")
    assert (alert["window_start"], alert["window_end"]) == ("2026-11-23T07:00:00Z", "2026-11-23T10:00:00Z")
    assert alert["stall"] == {"consecutive_runs": 3, "failed_runs": 1, "earlier_runs": 8, "productive_runs": 8,
                              "last_status": "empty", "last_error": None}
    assert [delivery["ok"] for delivery in alert["deliveries"]] == [True, True]
    [slack] = webhooks.posts_to("/slack")
    assert "news_rss" in slack["text"] and "3 consecutive runs" in slack["text"]
    [mail] = smtp.messages
    assert "news_rss" in mail["Subject"] and "توقف الجمع" in mail["Subject"]

    # Checked again an hour later, still empty: the same stall, no second alert.
    record(es_client, index_names, run(0, "empty"), refresh=True)
    again = {result.rule_id: result for result in check_alerts(stall_config, AT + timedelta(hours=1))}
    assert not again["collection_stalled:news_rss"].fired and again["collection_stalled:news_rss"].reason == "already recorded for this stall"
    assert len(stall_alerts(es_client, index_names)) == 1 and len(webhooks.posts_to("/slack")) == 1


def test_a_source_failing_from_the_start_fires_high_and_a_recovery_then_new_stall_fires_again(
        stall_config, es_client, index_names, receivers):
    for hours_ago in (3, 2, 1):
        record(es_client, index_names, run(hours_ago, "failed", error="crawl of 'news_rss' failed with exit code 1: refused: HTTP 401 ×1"))
    es_client.indices.refresh(index=index_names.collection_health_alias)
    check_alerts(stall_config, AT)
    [first] = stall_alerts(es_client, index_names)
    assert first["severity"] == "high" and "refused: HTTP 401" in first["stall"]["last_error"]

    record(es_client, index_names, run(0, "ok", 9))
    for hours_ago in (-1, -2, -3):
        record(es_client, index_names, run(hours_ago, "failed", error="HTTP 503"))
    es_client.indices.refresh(index=index_names.collection_health_alias)
    check_alerts(stall_config, AT + timedelta(hours=4))
    alerts = stall_alerts(es_client, index_names)
    assert [alert["window_start"] for alert in alerts] == ["2026-11-23T07:00:00Z", "2026-11-23T11:00:00Z"]
    assert len(receivers[0].posts_to("/slack")) == 2


def test_a_health_file_left_pending_by_a_crawl_is_recorded_before_the_rule_is_judged(
        stall_config, es_client, index_names):
    folder = Path(stall_config.settings.data_dir) / "raw" / "news_rss"
    folder.mkdir(parents=True)
    for hours_ago, status in ((3, "failed"), (2, "failed"), (1, "failed")):
        health = run(hours_ago, status, error="HTTP 503")
        (folder / f"interval-{hours_ago}.health-{'0' * 31}{hours_ago}.pending.json").write_text(json.dumps(health), encoding="utf-8")

    results = {result.rule_id: result for result in check_alerts(stall_config, AT)}

    assert results["collection_stalled:news_rss"].fired
    assert sorted(path.name.endswith(".pending.json") for path in folder.iterdir()) == [False, False, False]


def test_a_collection_rule_naming_an_unknown_source_is_refused_naming_the_file_and_key(test_config_dir):
    (test_config_dir / "alerts.yaml").write_text(yaml.safe_dump({"collection_rules": [
        {"id": "stalled", "sources": ["news_rss", "tiktok"]}]}), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"alerts.yaml: collection_rules\[0\]\.sources\[1\]: expected a source .* got 'tiktok'"):
        load_config(test_config_dir)
