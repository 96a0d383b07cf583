"""An hourly backfill of the demo under a real scheduler does each interval's enrichment and indexing exactly once
(runs of `enrich_and_index` one at a time, each a batch), leaves every collected post searchable, and no scheduler
process dies. NABD_BACKFILL_HOURS (default 4) sets its length; docs/airflow.md reports the 24-hour measurement."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path

import pytest

from config import load_config
from nabd import pipeline
from nabd.ledger import pending_intervals
from tests.dags.airflow_commands import DAGS_DIR, RunningAirflow, airflow_environment, run_airflow

LAST_HOUR = "2026-11-21T23:00:00+00:00"       # the busiest day of the demo forum, ending with its last hour
WAIT_S = 1800


def backfill_hours() -> int:
    hours = os.environ.get("NABD_BACKFILL_HOURS", "4")
    if not hours.isdigit() or not 1 <= int(hours) <= 24:
        raise ValueError(f"NABD_BACKFILL_HOURS={hours!r}: expected a whole number of hours from 1 to 24")
    return int(hours)


def first_hour(hours: int) -> str:
    return f"2026-11-21T{24 - hours:02d}:00:00+00:00"


def runs_and_queue(database: Path) -> tuple[list[tuple], int]:
    with sqlite3.connect(database) as connection:
        runs = connection.execute("select dag_id, run_type, state from dag_run order by id").fetchall()
        queued = connection.execute("select count(*) from asset_dag_run_queue").fetchone()[0]
    return runs, queued


def wait_until_settled(database: Path, raw_dir: Path, hours: int, airflow: RunningAirflow) -> list[tuple]:
    """Polls until every collect run of the backfill succeeded, no run is left to run or to be created from an
    asset event, and no collected interval waits to be indexed. (Unpausing collect_hourly also runs its latest
    scheduled hour: an interval like the others, counted with them.)"""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        runs, queued = runs_and_queue(database)
        if [run for run in runs if run[2] == "failed"]:
            pytest.fail(f"runs failed: {runs}")
        if dead := airflow.dead_processes():
            pytest.fail(f"Airflow processes died: {dead}; see {airflow.logs}")
        backfilled = [run for run in runs if run[0] == "collect_hourly" and run[1] == "backfill"]
        if (len(backfilled) == hours and all(run[2] == "success" for run in runs) and queued == 0
                and len(list(raw_dir.glob("*.jsonl"))) >= hours and pending_intervals(raw_dir) == []):
            return runs
        time.sleep(5)
    pytest.fail(f"the backfill did not settle within {WAIT_S} s: {runs}, {queued} queued asset event(s); "
                f"pending: {pending_intervals(raw_dir)}")


def work_done(database: Path) -> dict[str, int]:
    """Successful task instances of enrich_and_index by task (a mapped task counts once per unit)."""
    with sqlite3.connect(database) as connection:
        rows = connection.execute("select task_id, count(*) from task_instance where dag_id = 'enrich_and_index' "
                                  "and state = 'success' and map_index >= 0 group by task_id").fetchall()
        runs = connection.execute("select count(*) from dag_run where dag_id = 'enrich_and_index'").fetchone()[0]
    return {**dict(rows), "runs": runs}


def test_an_hourly_backfill_enriches_and_indexes_each_interval_once(test_config_dir, es_client, index_names, tmp_path):
    hours = backfill_hours()
    home = tmp_path / "airflow"
    environment = airflow_environment(home, test_config_dir)
    run_airflow(environment, "db", "migrate")
    run_airflow(environment, "pools", "import", str(DAGS_DIR / "pools.json"))
    run_airflow(environment, "dags", "reserialize")
    run_airflow(environment, "dags", "unpause", "collect_hourly")
    run_airflow(environment, "dags", "unpause", "enrich_and_index")
    run_airflow(environment, "backfill", "create", "--dag-id", "collect_hourly", "--max-active-runs", "2",
                "--from-date", first_hour(hours), "--to-date", LAST_HOUR)
    data_dir = Path(load_config(test_config_dir).settings.data_dir)
    raw_dir = data_dir / "raw" / "demo"
    started = time.monotonic()
    with RunningAirflow(environment, home / "processes") as airflow:
        wait_until_settled(home / "airflow.db", raw_dir, hours, airflow)
    elapsed = time.monotonic() - started

    work = work_done(home / "airflow.db")
    start, end = pipeline.utc_text(first_hour(hours)), pipeline.utc_text("2026-11-22T00:00:00Z")
    raw_lines = sum(len(path.read_text(encoding="utf-8").splitlines()) for path in raw_dir.glob("*.jsonl"))
    enriched_lines = sum(len(path.read_text(encoding="utf-8").splitlines())
                         for path in (data_dir / "enriched" / "demo").glob("*Z.jsonl"))
    es_client.indices.refresh(index=index_names.mentions_alias)
    documents = es_client.count(index=index_names.mentions_alias,
                                query={"range": {"@timestamp": {"gte": start, "lt": end}}})["count"]
    intervals = len(list(raw_dir.glob("*.jsonl")))
    figures = {"hours": hours, "intervals_collected": intervals, "enrich": work.get("enrich", 0),
               "index": work.get("index", 0), "enrich_and_index_runs": work["runs"], "posts_collected": raw_lines,
               "posts_enriched": enriched_lines, "documents": documents, "seconds": round(elapsed)}
    print(f"\nbackfill work: {json.dumps(figures)}")
    assert work.get("enrich", 0) == work.get("index", 0) == intervals >= hours
    assert documents == enriched_lines > 0 and raw_lines >= enriched_lines
