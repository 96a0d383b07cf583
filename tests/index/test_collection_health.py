"""The collection-health index: one record per crawl, idempotent, and each source's latest state from it."""

from __future__ import annotations

import pytest

from index.collection_health import HealthRecordError, document_id, latest, mapping_fields, record
from index.templates import setup


def health(source: str, hour: int, status: str, items: int, crawl: str = "a", finished_minute: int = 5, **extra) -> dict:
    return {
        "@timestamp": f"2026-11-21T{hour + 1:02d}:{finished_minute:02d}:00Z", "source": source, "source_kind": "rss",
        "interval_start": f"2026-11-21T{hour:02d}:00:00Z", "interval_end": f"2026-11-21T{hour + 1:02d}:00:00Z",
        "status": status, "items": items, "pages_skipped": 0, "skipped_reasons": [], "errors": int(status == "failed"),
        "http_status": {"2xx": 3, "3xx": 0, "4xx": 0, "5xx": 0}, "duration_s": 1.5, "crawl_id": f"{source}-{hour}-{crawl}",
        **extra,
    }


@pytest.fixture
def health_index(es_client, index_names):
    setup(es_client, index_names, [])
    return index_names


def test_setup_creates_the_collection_health_alias_with_the_strict_mapping(es_client, health_index):
    mapping = es_client.indices.get_mapping(index=health_index.collection_health_alias)
    (only,) = mapping.values()
    assert only["mappings"]["dynamic"] == "strict"
    assert set(only["mappings"]["properties"]) == set(mapping_fields())
    assert set(only["mappings"]["properties"]["http_status"]["properties"]) == {"2xx", "3xx", "4xx", "5xx"}


def test_recording_the_same_crawl_twice_stores_one_document(es_client, health_index):
    first = record(es_client, health_index, health("news_rss", 9, "ok", 12))
    second = record(es_client, health_index, health("news_rss", 9, "ok", 12), refresh=True)
    assert first == second == document_id(health("news_rss", 9, "ok", 12))
    assert es_client.count(index=health_index.collection_health_alias)["count"] == 1


def test_a_second_crawl_of_the_same_interval_is_its_own_record(es_client, health_index):
    record(es_client, health_index, health("news_rss", 9, "failed", 0, crawl="a"))
    record(es_client, health_index, health("news_rss", 9, "ok", 7, crawl="b", finished_minute=20), refresh=True)
    assert es_client.count(index=health_index.collection_health_alias)["count"] == 2


def test_latest_gives_each_source_its_last_run_and_its_streak_of_failed_or_empty_runs(es_client, health_index):
    for hour, status, items in [(6, "ok", 9), (7, "ok", 4), (8, "empty", 0), (9, "failed", 0), (10, "failed", 0)]:
        record(es_client, health_index, health("news_rss", hour, status, items, error="HTTP 503" if status == "failed" else None))
    for hour in (8, 9, 10):
        record(es_client, health_index, health("youtube", hour, "ok", 3))
    record(es_client, health_index, health("youtube", 10, "failed", 0, crawl="z", finished_minute=1), refresh=True)

    by_source = {entry["source"]: entry for entry in latest(es_client, health_index, "2026-11-21T00:00:00Z", "2026-11-22T00:00:00Z")}

    rss = by_source["news_rss"]
    assert (rss["status"], rss["items"], rss["error"], rss["interval_start"]) == ("failed", 0, "HTTP 503", "2026-11-21T10:00:00Z")
    assert (rss["consecutive_failed_or_empty"], rss["consecutive_failed"]) == (3, 2)
    assert (rss["runs"], rss["ok_runs"], rss["empty_runs"], rss["failed_runs"], rss["items_total"]) == (5, 2, 1, 2, 13)
    # The retry that succeeded (finished later) stands for hour 10, not the failed first try.
    youtube = by_source["youtube"]
    assert (youtube["status"], youtube["runs"], youtube["consecutive_failed_or_empty"]) == ("ok", 3, 0)


def test_latest_only_reads_intervals_starting_inside_the_window(es_client, health_index):
    for hour in (6, 7, 8):
        record(es_client, health_index, health("telegram", hour, "empty", 0))
    record(es_client, health_index, health("telegram", 9, "ok", 5), refresh=True)
    (entry,) = latest(es_client, health_index, "2026-11-21T06:00:00Z", "2026-11-21T09:00:00Z")
    assert (entry["status"], entry["runs"], entry["consecutive_failed_or_empty"]) == ("empty", 3, 3)
    assert latest(es_client, health_index, "2026-11-22T00:00:00Z", "2026-11-23T00:00:00Z") == []


@pytest.mark.parametrize(("change", "named"), [
    ({"status": "stalled"}, "status 'stalled'"),
    ({"source": None}, "missing field(s) source"),
    ({"pages": 3}, "unknown field(s) pages"),
    ({"http_status": {"2xx": 1, "6xx": 1}}, "http_status class(es) 6xx"),
])
def test_a_record_that_does_not_fit_the_mapping_is_refused_naming_the_field(es_client, health_index, change, named):
    with pytest.raises(HealthRecordError, match=named.replace("(", r"\(").replace(")", r"\)")):
        record(es_client, health_index, {**health("x", 9, "ok", 1), **change})
