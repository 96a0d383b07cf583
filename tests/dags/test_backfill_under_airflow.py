"""A backfill (`airflow backfill create`, run by a real scheduler) over past days of the demo source leaves exactly
the documents and files that the same days run one by one (`airflow dags test`) leave — but for the fetch time."""

from __future__ import annotations

import json
import shutil
import sqlite3
import time
from pathlib import Path

import pytest
import yaml

from config import load_config
from index.templates import IndexNames, remove_everything
from nabd import pipeline
from nabd.ledger import pending_intervals
from tests.dags.airflow_commands import DAGS_DIR, RunningAirflow, airflow_environment, run_airflow
from tests.dags.test_pipeline_under_airflow import collect_daily, latest

# Two daily intervals of the demo forum: [20th, 21st) and [21st, 22nd).
INTERVALS = [("2026-11-20T00:00:00Z", "2026-11-21T00:00:00Z"), ("2026-11-21T00:00:00Z", "2026-11-22T00:00:00Z")]
BACKFILL_FROM, BACKFILL_TO = "2026-11-20T00:00:00+00:00", "2026-11-21T00:00:00+00:00"  # logical dates, inclusive
WAIT_S = 600


def second_deployment(config_dir: Path, prefix: str, data_dir: Path) -> Path:
    """A copy of the test configuration writing to its own indices and data directory."""
    copy = config_dir.parent / "config-backfill"
    shutil.copytree(config_dir, copy)
    settings = yaml.safe_load((copy / "settings.yaml").read_text(encoding="utf-8"))
    settings["elasticsearch"]["index_prefix"], settings["data_dir"] = prefix, str(data_dir)
    (copy / "settings.yaml").write_text(yaml.safe_dump(settings, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return copy


def run_days_one_by_one(environment: dict[str, str], database: Path) -> None:
    """What the hourly schedule does day after day: each collect run, then the enrich run its event asks for."""
    for _, end in INTERVALS:
        run_airflow(environment, "dags", "test", "collect_daily", end.replace("Z", "+00:00"))
        event = latest(database, "select extra from asset_event order by id desc limit 1")
        assert (event["start"], event["end"]) == (_, end)
        run_airflow(environment, "dags", "test", "enrich_and_index", end.replace("Z", "+00:00"),
                    "--conf", json.dumps({"start": event["start"], "end": event["end"]}))


def wait_for_the_backfill(database: Path, raw_dir: Path) -> list[tuple[str, str, str]]:
    """Polls until both backfill runs succeeded, every run finished, and no collected interval waits to be indexed."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        with sqlite3.connect(database) as connection:
            runs = connection.execute("select dag_id, run_type, state from dag_run order by id").fetchall()
        failed = [run for run in runs if run[2] == "failed"]
        if failed:
            pytest.fail(f"runs failed: {failed}")
        backfilled = [run for run in runs if run[1] == "backfill"]
        if (len(backfilled) == len(INTERVALS) and all(run[2] == "success" for run in runs)
                and pending_intervals(raw_dir) == [] and any(raw_dir.glob("*.indexed.json"))):
            return runs
        time.sleep(3)
    pytest.fail(f"the backfill did not finish within {WAIT_S} s: {runs}; pending: {pending_intervals(raw_dir)}")


# When this deployment first fetched a post, and when it fetched this version of it: a re-run keeps them, but two
# deployments fetch at different times.
FETCH_TIMES = ("collected_at", "updated_at")


def without_fetch_time(record: dict) -> dict:
    return {field: value for field, value in record.items() if field not in FETCH_TIMES}


def mentions_between(es_client, alias: str, start: str, end: str) -> dict[str, dict]:
    es_client.indices.refresh(index=alias)
    hits = es_client.search(index=alias, size=5000, query={"range": {"@timestamp": {"gte": start, "lt": end}}})
    return {hit["_id"]: without_fetch_time(hit["_source"]) for hit in hits["hits"]["hits"]}


def records(path: Path) -> list[dict]:
    return [without_fetch_time(json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_backfill_leaves_the_same_documents_and_files_as_running_the_days_one_by_one(
        test_config_dir, es_client, index_names, tmp_path):
    collect_daily(test_config_dir)
    backfill_prefix = f"{index_names.prefix}-backfill"
    backfill_dir = second_deployment(test_config_dir, backfill_prefix, tmp_path / "var-backfill")

    one_by_one = airflow_environment(tmp_path / "airflow-one-by-one", test_config_dir)
    run_airflow(one_by_one, "db", "migrate")
    run_airflow(one_by_one, "dags", "reserialize")
    run_days_one_by_one(one_by_one, tmp_path / "airflow-one-by-one" / "airflow.db")

    backfill = airflow_environment(tmp_path / "airflow-backfill", backfill_dir)
    run_airflow(backfill, "db", "migrate")
    run_airflow(backfill, "pools", "import", str(DAGS_DIR / "pools.json"))
    run_airflow(backfill, "dags", "reserialize")
    run_airflow(backfill, "dags", "unpause", "collect_daily")
    run_airflow(backfill, "dags", "unpause", "enrich_and_index")
    run_airflow(backfill, "backfill", "create", "--dag-id", "collect_daily",
                "--from-date", BACKFILL_FROM, "--to-date", BACKFILL_TO)
    try:
        with RunningAirflow(backfill, tmp_path / "airflow-backfill" / "processes"):
            runs = wait_for_the_backfill(tmp_path / "airflow-backfill" / "airflow.db",
                                         tmp_path / "var-backfill" / "raw" / "demo")
        assert_same_documents_and_files(es_client, index_names, backfill_prefix, test_config_dir, backfill_dir, runs)
    finally:
        remove_everything(es_client, IndexNames(prefix=backfill_prefix))


def assert_same_documents_and_files(es_client, index_names, backfill_prefix, config_dir, backfill_dir, runs):
    assert [run[:2] for run in runs if run[0] == "collect_daily" and run[1] == "backfill"] == [
        ("collect_daily", "backfill")] * 2
    start, end = INTERVALS[0][0], INTERVALS[-1][1]
    expected = mentions_between(es_client, index_names.mentions_alias, start, end)
    backfilled = mentions_between(es_client, f"{backfill_prefix}-mentions", start, end)
    assert len(expected) > 100
    assert set(backfilled) == set(expected)
    assert {key: sorted(field for field in expected[key] if expected[key][field] != backfilled[key].get(field))
            for key in expected if backfilled[key] != expected[key]} == {}
    incremental, replayed = load_config(config_dir), load_config(backfill_dir)
    for interval in INTERVALS:
        for path in (pipeline.raw_path, pipeline.enriched_path):
            assert (records(path(Path(replayed.settings.data_dir), "demo", *interval))
                    == records(path(Path(incremental.settings.data_dir), "demo", *interval)))
