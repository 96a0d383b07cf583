"""alerts DAG, every 15 minutes: judges the negative-spike rules for the window ending at the interval's end."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

from airflow.sdk import CronDataIntervalTimetable, dag, task

if str(Path(__file__).parent) not in sys.path:   # `airflow dags list --local` parses without the folder on sys.path
    sys.path.append(str(Path(__file__).parent))

from nabd_dag_defaults import DEFAULT_ARGS, START_DATE, TAGS  # noqa: E402

# A check is only useful while it is fresh: short retries, and never two checks running at once.
ALERT_ARGS = {**DEFAULT_ARGS, "retry_delay": timedelta(minutes=1), "max_retry_delay": timedelta(minutes=5),
              "execution_timeout": timedelta(minutes=10)}


@dag(
    dag_id="alerts",
    schedule=CronDataIntervalTimetable("*/15 * * * *", timezone="UTC"),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=ALERT_ARGS,
    tags=[*TAGS, "alerts"],
    doc_md="Runs `nabd alerts check --at <interval end>`: every rule in config/alerts.yaml due at that time is "
           "judged against its brand's own baseline; alerts are recorded in `nabd-alerts` with their evidence and "
           "delivered (Slack-compatible webhook, e-mail, generic webhook). A retry of the same interval records "
           "nothing twice and re-sends only deliveries that failed.",
)
def alerts():
    @task(multiple_outputs=False)
    def check(data_interval_end=None) -> dict:
        from nabd.alerts.runner import run_alert_checks

        return run_alert_checks(data_interval_end, fail_on_undelivered=True)

    check()


alerts()
