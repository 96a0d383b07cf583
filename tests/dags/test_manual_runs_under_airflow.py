"""Under real Airflow (`airflow dags test`): a manual collect run crawls the interval its params ask for, whatever
its logical date, and the docs' first example (the hour ending at the logical date) collects demo posts."""

from __future__ import annotations

import json
from pathlib import Path

from config import load_config
from nabd import pipeline
from tests.dags.airflow_commands import airflow_environment, run_airflow
from tests.dags.test_pipeline_under_airflow import latest

BUSY_HOUR = ("2026-11-21T18:00:00Z", "2026-11-21T19:00:00Z")      # the demo forum's busiest hour
LATEST_EVENT = "select extra from asset_event order by id desc limit 1"


def test_a_manual_collect_run_crawls_the_requested_interval_and_the_first_example_collects_posts(
        test_config_dir, tmp_path):
    home = tmp_path / "airflow"
    environment = airflow_environment(home, test_config_dir)
    run_airflow(environment, "db", "migrate")
    run_airflow(environment, "dags", "reserialize")
    raw = pipeline.raw_path(Path(load_config(test_config_dir).settings.data_dir), "demo", *BUSY_HOUR)

    run_airflow(environment, "dags", "test", "collect_hourly", "2026-12-01T09:00:00+00:00",
                "--conf", json.dumps({"interval_start": BUSY_HOUR[0]}))
    requested = latest(home / "airflow.db", LATEST_EVENT)
    assert (requested["start"], requested["end"]) == BUSY_HOUR
    assert requested["items"] == len(raw.read_text(encoding="utf-8").splitlines()) > 20

    run_airflow(environment, "dags", "test", "collect_hourly", "2026-11-21T19:00:00+00:00")   # docs/airflow.md
    first_example = latest(home / "airflow.db", LATEST_EVENT)
    assert first_example == requested
    assert sorted(path.name for path in raw.parent.glob("*.jsonl")) == [raw.name]
