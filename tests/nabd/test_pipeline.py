"""The pipeline's stage functions: intervals and file names, planning, and collect → enrich → index over one interval."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from config import load_config
from nabd import pipeline
from nabd.ledger import mark_indexed, pending_intervals, raw_state
from nabd.erasure import remember_erased
from tests.support.receivers import free_port, start_webhook_receiver

DAY = ("2026-11-20T00:00:00Z", "2026-11-21T00:00:00Z")


def test_interval_bounds_become_utc_text_whatever_their_offset():
    riyadh = timezone(timedelta(hours=3))
    assert pipeline.data_interval(datetime(2026, 11, 20, 3, 0, tzinfo=riyadh), "2026-11-21T00:00:00+00:00") == DAY
    assert pipeline.utc_text(datetime(2026, 11, 20)) == "2026-11-20T00:00:00Z"


def test_an_interval_that_ends_before_it_starts_is_refused_with_both_bounds():
    with pytest.raises(ValueError, match="2026-11-21T00:00:00Z is not before its end 2026-11-20T00:00:00Z"):
        pipeline.data_interval(DAY[1], DAY[0])
    with pytest.raises(ValueError, match="'yesterday' is not an ISO 8601 time"):
        pipeline.data_interval("yesterday", DAY[1])


def test_each_source_and_interval_has_its_own_raw_and_enriched_file(tmp_path):
    raw = pipeline.raw_path(tmp_path, "forum:souq_reviews", *DAY)
    assert raw == tmp_path / "raw" / "forum_souq_reviews" / "20261120T000000Z_20261121T000000Z.jsonl"
    assert pipeline.enriched_path(tmp_path, "demo", *DAY).parent == tmp_path / "enriched" / "demo"


def test_the_collection_plan_holds_the_enabled_sources_of_one_schedule_group(test_config_dir):
    hourly = pipeline.collection_plan("hourly", config_dir=str(test_config_dir))
    assert [unit["source"] for unit in hourly] == ["demo"]
    assert set(hourly[0]["brands"]) == {brand.id for brand in load_config(test_config_dir).brands}
    assert pipeline.collection_plan("daily", config_dir=str(test_config_dir)) == []


def test_the_announcement_names_the_interval_and_every_source_crawled():
    crawls = [{"source": "telegram", "start": DAY[0], "end": DAY[1], "items": 4},
              {"source": "demo", "start": DAY[0], "end": DAY[1], "items": 72}]
    assert pipeline.collection_announcement(crawls, *DAY) == {
        "start": DAY[0], "end": DAY[1], "sources": ["demo", "telegram"], "items": 76}


def test_an_announcement_refuses_a_crawl_of_another_interval():
    crawls = [{"source": "demo", "start": "2026-11-19T00:00:00Z", "end": DAY[0], "items": 3}]
    with pytest.raises(pipeline.PipelineError, match="crawl of 'demo' covered"):
        pipeline.collection_announcement(crawls, *DAY)


def test_intervals_come_from_the_triggering_events_once_each_sorted():
    events = [{"start": "2026-11-21T00:00:00Z", "end": "2026-11-22T00:00:00Z", "sources": ["demo"]},
              {"start": DAY[0], "end": DAY[1]}, {"start": DAY[0], "end": DAY[1]}]
    assert pipeline.intervals_from_events(events, {"start": "2026-01-01", "end": "2026-01-02"}) == [
        {"start": DAY[0], "end": DAY[1]}, {"start": "2026-11-21T00:00:00Z", "end": "2026-11-22T00:00:00Z"}]


def test_a_manual_run_takes_its_interval_from_params_and_without_one_has_none_of_its_own():
    assert pipeline.intervals_from_events([], {"start": DAY[0], "end": DAY[1]}) == [{"start": DAY[0], "end": DAY[1]}]
    assert pipeline.intervals_from_events([], {"start": None, "end": None}) == []
    with pytest.raises(pipeline.PipelineError, match="has no 'end'"):
        pipeline.intervals_from_events([{"start": DAY[0]}])


def test_the_enrichment_plan_covers_each_source_with_a_raw_file_of_the_interval(test_config_dir):
    data_dir = Path(load_config(test_config_dir).settings.data_dir)
    raw = pipeline.raw_path(data_dir, "demo", *DAY)
    raw.parent.mkdir(parents=True)
    raw.write_text("", encoding="utf-8")
    assert pipeline.enrichment_plan([{"start": DAY[0], "end": DAY[1]}], config_dir=str(test_config_dir)) == [
        {"source": "demo", "start": DAY[0], "end": DAY[1]}]
    with pytest.raises(pipeline.PipelineError, match="no raw mention file for the interval"):
        pipeline.enrichment_plan([], {"start": DAY[1], "end": "2026-11-22T00:00:00Z"}, config_dir=str(test_config_dir))


def test_an_interval_collected_but_never_indexed_is_picked_up_by_the_next_run_whatever_its_events(test_config_dir):
    data_dir = Path(load_config(test_config_dir).settings.data_dir)
    next_day = (DAY[1], "2026-11-22T00:00:00Z")
    for interval in (DAY, next_day):
        raw = pipeline.raw_path(data_dir, "demo", *interval)
        raw.parent.mkdir(parents=True, exist_ok=True)
        raw.write_text("{}\n", encoding="utf-8")
    mark_indexed(pipeline.raw_path(data_dir, "demo", *DAY), indexed=1)

    assert pipeline.enrichment_plan([], config_dir=str(test_config_dir)) == [
        {"source": "demo", "start": next_day[0], "end": next_day[1]}]
    assert pipeline.enrichment_plan([{"start": next_day[0], "end": next_day[1]}], config_dir=str(test_config_dir)) == [
        {"source": "demo", "start": next_day[0], "end": next_day[1]}]


def indexed_demo_day(config_dir) -> None:
    """The demo's raw file of DAY, already enriched and indexed by an earlier run."""
    data_dir = Path(load_config(config_dir).settings.data_dir)
    raw = pipeline.raw_path(data_dir, "demo", *DAY)
    raw.parent.mkdir(parents=True)
    raw.write_text("{}\n", encoding="utf-8")
    mark_indexed(raw, indexed=1)


def test_an_event_for_an_interval_an_earlier_run_already_indexed_plans_no_work_again(test_config_dir):
    indexed_demo_day(test_config_dir)

    assert pipeline.enrichment_plan([{"start": DAY[0], "end": DAY[1]}], config_dir=str(test_config_dir)) == []


def test_a_manual_run_redoes_its_requested_interval_even_when_it_is_indexed(test_config_dir):
    indexed_demo_day(test_config_dir)

    assert pipeline.enrichment_plan([], {"start": DAY[0], "end": DAY[1]}, config_dir=str(test_config_dir)) == [
        {"source": "demo", "start": DAY[0], "end": DAY[1]}]


def test_a_raw_file_rewritten_while_it_was_enriched_stays_pending_after_indexing(tmp_path):
    raw = tmp_path / "raw" / "demo" / "20261120T000000Z_20261121T000000Z.jsonl"
    raw.parent.mkdir(parents=True)
    raw.write_text("{}\n", encoding="utf-8")
    as_enriched = raw_state(raw)
    raw.write_text("{}\n{}\n", encoding="utf-8")     # re-collected between enrich and index
    mark_indexed(raw, indexed=1, state=as_enriched)
    assert pending_intervals(raw.parent) == [DAY]
    mark_indexed(raw, indexed=2, state=raw_state(raw))
    assert pending_intervals(raw.parent) == []


def test_a_marker_is_written_through_a_uniquely_named_temporary_file_and_leaves_none_behind(tmp_path):
    raw = tmp_path / "20261120T000000Z_20261121T000000Z.jsonl"
    raw.write_text("{}\n", encoding="utf-8")
    stale = tmp_path / ".20261120T000000Z_20261121T000000Z.indexed.json.tmp"   # the fixed name workers once shared
    stale.write_text("half", encoding="utf-8")
    marker = mark_indexed(raw, indexed=1)
    assert json.loads(marker.read_text(encoding="utf-8"))["indexed"] == 1
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted([raw.name, marker.name, stale.name])
    with pytest.raises(ValueError, match="expected exactly raw_size and raw_mtime_ns"):
        mark_indexed(raw, indexed=1, state={"raw_size": 3})


def test_a_collect_run_crawls_its_data_interval_or_a_manual_runs_requested_one():
    scheduled = {"data_interval_start": "2026-12-07T22:00:00Z", "data_interval_end": "2026-12-07T23:00:00Z"}
    assert pipeline.collection_interval("hourly", {}, **scheduled) == ("2026-12-07T22:00:00Z", "2026-12-07T23:00:00Z")
    assert pipeline.collection_interval("hourly", {"interval_start": "2026-11-21T18:00:00+00:00"}, manual=True,
                                        **scheduled) == ("2026-11-21T18:00:00Z", "2026-11-21T19:00:00Z")
    assert pipeline.collection_interval("daily", {"interval_start": "2026-11-20", "interval_end": "2026-11-22"}) == (
        DAY[0], "2026-11-22T00:00:00Z")
    # `airflow dags trigger --logical-date`: the period ending there, not the hour the trigger was typed in.
    assert pipeline.collection_interval("hourly", {}, logical_date="2026-11-21T19:00:00+00:00", manual=True,
                                        **scheduled) == ("2026-11-21T18:00:00Z", "2026-11-21T19:00:00Z")
    assert pipeline.collection_interval("daily", {}, logical_date="2026-11-21T05:30:00Z", manual=True) == DAY


def test_a_collect_run_with_no_interval_to_crawl_says_how_to_give_one():
    with pytest.raises(pipeline.PipelineError, match="interval_end '2026-11-21' was given without interval_start"):
        pipeline.collection_interval("hourly", {"interval_end": "2026-11-21"})
    with pytest.raises(pipeline.PipelineError, match="trigger it with params"):
        pipeline.collection_interval("hourly", {}, manual=True)
    with pytest.raises(ValueError, match="params interval_start 'tomorrow' is not an ISO 8601 time"):
        pipeline.collection_interval("hourly", {"interval_start": "tomorrow"})
    with pytest.raises(pipeline.PipelineError, match="schedule group 'weekly' is not one of"):
        pipeline.collection_interval("weekly", {"interval_start": DAY[0]})


def test_a_collection_plan_given_an_interval_puts_it_in_every_unit(test_config_dir):
    units = pipeline.collection_plan("hourly", config_dir=str(test_config_dir), start=DAY[0], end=DAY[1])
    assert [(unit["source"], unit["kind"], unit["start"], unit["end"]) for unit in units] == [
        ("demo", "demo", DAY[0], DAY[1])]


def test_a_task_that_failed_for_good_is_logged_and_posted_to_the_failure_webhook(monkeypatch, caplog):
    receiver = start_webhook_receiver()
    try:
        monkeypatch.setenv(pipeline.FAILURE_WEBHOOK_ENV, receiver.url("/ops"))
        with caplog.at_level("ERROR", logger="nabd.pipeline"):
            report = pipeline.report_task_failure("enrich_and_index", "enrich", "asset_triggered__2026-11-21", map_index=2,
                                                  try_number=4, error=pipeline.PipelineError("no raw mention file x.jsonl"),
                                                  log_url="http://airflow.example/log")
    finally:
        receiver.server.shutdown()
    text = ("nabd task enrich_and_index.enrich[2] of run asset_triggered__2026-11-21 failed for good (try 4): "
            "PipelineError: no raw mention file x.jsonl\nlog: http://airflow.example/log")
    assert [record.getMessage() for record in caplog.records] == [text]
    assert receiver.posts_to("/ops") == [{"text": text}]
    assert report["delivered"]["ok"] is True


def test_a_failure_webhook_that_cannot_be_reached_is_logged_and_does_not_raise(monkeypatch, caplog):
    monkeypatch.setenv(pipeline.FAILURE_WEBHOOK_ENV, f"http://127.0.0.1:{free_port()}/ops")
    with caplog.at_level("ERROR", logger="nabd.pipeline"):
        report = pipeline.report_task_failure("collect_hourly", "crawl", "manual__1", error="boom")
    assert report["delivered"]["ok"] is False
    assert "could not tell NABD_FAILURE_WEBHOOK_URL that collect_hourly.crawl failed" in caplog.text


def test_a_recollected_interval_is_pending_again_until_it_is_indexed_again(tmp_path):
    raw = tmp_path / "raw" / "demo" / "20261120T000000Z_20261121T000000Z.jsonl"
    raw.parent.mkdir(parents=True)
    raw.write_text("{}\n", encoding="utf-8")
    assert pending_intervals(raw.parent) == [DAY]
    mark_indexed(raw, indexed=1)
    assert pending_intervals(raw.parent) == []
    raw.write_text("{}\n{}\n", encoding="utf-8")
    assert pending_intervals(raw.parent) == [DAY]


def test_enriching_an_interval_that_was_never_collected_names_the_missing_file(test_config_dir):
    with pytest.raises(pipeline.PipelineError, match=r"no raw mention file .*demo.*20261120T000000Z"):
        pipeline.enrich_interval("demo", *DAY, config_dir=str(test_config_dir))


def test_the_summary_adds_up_units_and_names_every_dead_letter_file():
    enriched = [{"read": 10, "written": 8, "rejected": 1, "dropped": {"no_brand_match": 1}, "rejects_file": "a.rejects.jsonl"},
                {"read": 5, "written": 5, "rejected": 0, "dropped": {"no_brand_match": 0}, "rejects_file": None}]
    indexed = [{"indexed": 7, "malformed": 0, "rejected_by_server": 1, "dead_letters": "a.jsonl.dead.jsonl"},
               {"indexed": 5, "malformed": 0, "rejected_by_server": 0, "dead_letters": None}]
    summary = pipeline.summarize(enriched, indexed)
    assert (summary["read"], summary["written"], summary["indexed"], summary["rejected_by_server"]) == (15, 13, 12, 1)
    assert summary["dead_letters"] == ["a.jsonl.dead.jsonl"] and summary["rejects_files"] == ["a.rejects.jsonl"]


def test_one_demo_day_goes_through_every_stage_and_a_rerun_changes_nothing(test_config_dir, es_client, index_names):
    config_dir = str(test_config_dir)
    collected = pipeline.collect_source("demo", *DAY, config_dir=config_dir)
    enriched = pipeline.enrich_interval("demo", *DAY, config_dir=config_dir)
    indexed = pipeline.index_interval("demo", *DAY, config_dir=config_dir)
    es_client.indices.refresh(index=index_names.mentions_alias)

    raw_lines = Path(collected["raw_file"]).read_text(encoding="utf-8").splitlines()
    assert collected["items"] == len(raw_lines) > 50
    assert all(DAY[0] <= json.loads(line)["@timestamp"] < DAY[1] for line in raw_lines)
    assert enriched["read"] == collected["items"] == enriched["written"] + sum(enriched["dropped"].values())
    assert indexed["indexed"] == enriched["written"] == es_client.count(index=index_names.mentions_alias)["count"]
    assert pending_intervals(Path(collected["raw_file"]).parent) == []

    raw_before, enriched_before = Path(collected["raw_file"]).read_bytes(), Path(enriched["enriched_file"]).read_bytes()
    pipeline.collect_source("demo", *DAY, config_dir=config_dir)
    pipeline.enrich_interval("demo", *DAY, config_dir=config_dir)
    again = pipeline.index_interval("demo", *DAY, config_dir=config_dir)
    es_client.indices.refresh(index=index_names.mentions_alias)
    assert Path(collected["raw_file"]).read_bytes() == raw_before
    assert Path(enriched["enriched_file"]).read_bytes() == enriched_before
    assert es_client.count(index=index_names.mentions_alias)["count"] == indexed["indexed"]
    assert set(again["results"]) <= {"updated", "noop"}


def test_a_recrawl_leaves_out_the_authors_who_asked_to_be_erased(test_config_dir):
    config = load_config(test_config_dir)
    first = pipeline.collect_source("demo", *DAY, config_dir=str(test_config_dir))
    records = [json.loads(line) for line in Path(first["raw_file"]).read_text(encoding="utf-8").splitlines()]
    erased = records[0]["author"]["id"]
    remember_erased(config, [erased])

    second = pipeline.collect_source("demo", *DAY, config_dir=str(test_config_dir))
    remaining = Path(second["raw_file"]).read_text(encoding="utf-8")
    assert second["erased"] == sum(record["author"]["id"] == erased for record in records) > 0
    assert second["items"] == first["items"] - second["erased"]
    assert erased not in remaining


def test_a_source_with_a_configured_site_is_crawled_there_not_on_a_demo_site_of_ours(test_config_dir):
    sources_path = test_config_dir / "sources.yaml"
    sources = yaml.safe_load(sources_path.read_text(encoding="utf-8"))
    sources["sources"][0]["options"] = {"base_url": "http://127.0.0.1:9"}
    sources_path.write_text(yaml.safe_dump(sources, allow_unicode=True), encoding="utf-8")
    from spiders.run import CrawlFailed

    with pytest.raises(CrawlFailed, match="crawl of 'demo'"):
        pipeline.collect_source("demo", *DAY, config_dir=str(test_config_dir))
