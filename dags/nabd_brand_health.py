"""brand_health_daily DAG, hourly: the daily brand-health report of each brand whose send hour just passed."""

from __future__ import annotations

import sys
from pathlib import Path

from airflow.sdk import CronDataIntervalTimetable, dag, task

if str(Path(__file__).parent) not in sys.path:   # `airflow dags list --local` parses without the folder on sys.path
    sys.path.append(str(Path(__file__).parent))

from nabd_dag_defaults import DEFAULT_ARGS, START_DATE, TAGS  # noqa: E402


@dag(
    dag_id="brand_health_daily",
    schedule=CronDataIntervalTimetable("0 * * * *", timezone="UTC"),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=[*TAGS, "report"],
    doc_md="Runs every hour so that each brand gets its report at `report.send_hour` of its own time zone "
           "(`config/settings.yaml`, `config/brands.yaml timezone`): `plan` lists the brands due in the run's "
           "hour, `report` builds each one's previous local day — figures stored in `nabd-brand-health`, HTML "
           "and PDF saved under `<data_dir>/reports/`, e-mailed to the brand's `report_to`. A retry or re-run "
           "rebuilds the same day into the same document and files.",
)
def brand_health_daily():
    @task(multiple_outputs=False)
    def plan(data_interval_end=None) -> list[dict]:
        from nabd.report.schedule import plan_reports

        return plan_reports(data_interval_end)

    @task(multiple_outputs=False, map_index_template="{{ task.op_kwargs['due']['brand'] }}")
    def report(due: dict) -> dict:
        from nabd.report.build import build_and_send_report

        result = build_and_send_report(None, due["brand"], due["day"], recipients=due["recipients"])
        return {key: result[key] for key in ("brand", "date", "document_id", "html", "pdf", "emailed_to")}

    report.expand(due=plan())


brand_health_daily()
