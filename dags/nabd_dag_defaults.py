"""What every nabd DAG shares: the collected-mentions asset, retry policy, start date and tags (no DAG here)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from airflow.sdk import Asset

# One event per collected data interval; its `extra` names the interval and the sources crawled.
RAW_MENTIONS = Asset(name="nabd_raw_mentions", uri="nabd://raw-mentions", group="nabd")

# Schedules start here; catchup is off, so older intervals run only when backfilled on purpose.
START_DATE = datetime(2026, 11, 1, tzinfo=timezone.utc)

# Every task: retried with exponential backoff (2, 4, 8 minutes …, at most an hour), never left hanging.
DEFAULT_ARGS = {
    "owner": "nabd",
    "retries": 3,
    "retry_delay": timedelta(minutes=2),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": timedelta(hours=1),
    "execution_timeout": timedelta(hours=2),
}

TAGS = ["nabd"]
