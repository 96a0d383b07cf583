"""maintenance DAG, daily: erasure requests, retention by whole months, re-classification on a new model."""

from __future__ import annotations

import sys
from pathlib import Path

from airflow.sdk import CronDataIntervalTimetable, chain, dag, task

if str(Path(__file__).parent) not in sys.path:   # `airflow dags list --local` parses without the folder on sys.path
    sys.path.append(str(Path(__file__).parent))

from nabd_dag_defaults import DEFAULT_ARGS, START_DATE, TAGS  # noqa: E402


@dag(
    dag_id="maintenance",
    schedule=CronDataIntervalTimetable("30 2 * * *", timezone="UTC"),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=[*TAGS, "maintenance", "privacy"],
    doc_md="Erases the authors named in `<data_dir>/erasure_requests/*.json`, deletes monthly indices and "
           "interval files past `privacy.retention_months` (counted back from the run's interval end), and "
           "re-classifies stored intervals whose model version differs from the configured model.",
)
def maintenance():
    @task(multiple_outputs=False)
    def erasure(data_interval_end=None) -> dict:
        from nabd.erasure import process_erasure_requests

        return process_erasure_requests(data_interval_end)

    @task(multiple_outputs=False)
    def retention(data_interval_end=None) -> dict:
        from nabd.maintenance import apply_retention

        return apply_retention(data_interval_end)

    @task(multiple_outputs=False)
    def reclassification() -> dict:
        from nabd.maintenance import reclassify_stale

        return reclassify_stale()

    chain(erasure(), retention(), reclassification())


maintenance()
