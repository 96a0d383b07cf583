"""What every nabd DAG shares: the collected-mentions asset, pools, retry policy, failure callback, start date and tags."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from airflow.sdk import Asset

# One event per collected data interval; its `extra` names the interval and the sources crawled.
RAW_MENTIONS = Asset(name="nabd_raw_mentions", uri="nabd://raw-mentions", group="nabd")

# Schedules start here; catchup is off, so older intervals run only when backfilled on purpose.
START_DATE = datetime(2026, 11, 1, tzinfo=timezone.utc)

# Pools (slots in dags/pools.json; create them with `airflow pools import dags/pools.json`). A task whose pool
# does not exist is never scheduled, so the pools are created before the DAGs are unpaused.
CRAWL_POOL = "nabd_crawl"        # crawls at once, across both collect DAGs, their runs and backfills
NLP_POOL = "nabd_nlp"            # enrichment: each task loads the classifier (CPU and memory)


def tell_the_operator(context) -> None:
    """on_failure_callback of every task (its retries spent): an error log line, and the failure webhook if set."""
    from nabd.pipeline import report_task_failure

    ti = context["ti"]
    report_task_failure(ti.dag_id, ti.task_id, ti.run_id, map_index=getattr(ti, "map_index", -1),
                        try_number=getattr(ti, "try_number", None), error=context.get("exception"),
                        log_url=getattr(ti, "log_url", None))


# Every task: retried with exponential backoff (2, 4, 8 minutes …, at most an hour), never left hanging, and the
# operator told when it fails for good.
DEFAULT_ARGS = {
    "owner": "nabd",
    "retries": 3,
    "retry_delay": timedelta(minutes=2),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": timedelta(hours=1),
    "execution_timeout": timedelta(hours=2),
    "on_failure_callback": tell_the_operator,
}

TAGS = ["nabd"]
