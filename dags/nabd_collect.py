"""Collect DAGs, one per schedule group: every enabled source crawled in its own process (pool nabd_crawl), then announced."""

from __future__ import annotations

import sys
from pathlib import Path

from airflow.sdk import CronDataIntervalTimetable, Param, dag, task

if str(Path(__file__).parent) not in sys.path:   # `airflow dags list --local` parses without the folder on sys.path
    sys.path.append(str(Path(__file__).parent))

from nabd_dag_defaults import CRAWL_POOL, DEFAULT_ARGS, RAW_MENTIONS, START_DATE, TAGS  # noqa: E402

# sources.yaml `schedule_group` -> the cron of its data intervals (UTC).
SCHEDULE_GROUPS = {"hourly": "0 * * * *", "daily": "0 0 * * *"}

INTERVAL_PARAMS = {
    "interval_start": Param(None, type=["null", "string"],
                            description="manual runs: crawl the interval starting here (ISO 8601 UTC) instead of the "
                                        "run's data interval"),
    "interval_end": Param(None, type=["null", "string"],
                          description="manual runs: its end, exclusive (default: one schedule period after the start)"),
}


def collect_dag(group: str, cron: str):
    """The collect DAG of one schedule group."""

    @dag(
        dag_id=f"collect_{group}",
        schedule=CronDataIntervalTimetable(cron, timezone="UTC"),
        start_date=START_DATE,
        catchup=False,
        max_active_runs=2,
        default_args=DEFAULT_ARGS,
        tags=[*TAGS, "collect", group],
        params=INTERVAL_PARAMS,
        doc_md=f"Crawls every enabled source of schedule group `{group}` over the run's data interval (a manual run: "
               "over its `interval_start`/`interval_end` params, or the period ending at its logical date), one "
               "crawl process per source (pool `nabd_crawl`), then emits a "
               "`nabd_raw_mentions` asset event naming the interval (which triggers `enrich_and_index`).",
    )
    def collect():
        @task(multiple_outputs=False)
        def plan(params=None, dag_run=None, logical_date=None, data_interval_start=None,
                 data_interval_end=None) -> list[dict]:
            from nabd.pipeline import collection_interval, collection_plan

            start, end = collection_interval(group, dict(params or {}), data_interval_start=data_interval_start,
                                             data_interval_end=data_interval_end, logical_date=logical_date,
                                             manual=getattr(dag_run, "run_type", None) == "manual")
            return collection_plan(group, start=start, end=end)

        @task(multiple_outputs=False, pool=CRAWL_POOL, map_index_template="{{ task.op_kwargs['unit']['source'] }}")
        def crawl(unit: dict) -> dict:
            from nabd.pipeline import collect_source

            return collect_source(unit["source"], unit["start"], unit["end"])

        @task(multiple_outputs=False, outlets=[RAW_MENTIONS])
        def announce(collected: list[dict], params=None, dag_run=None, logical_date=None, data_interval_start=None,
                     data_interval_end=None, outlet_events=None) -> dict:
            from nabd.pipeline import collection_announcement, collection_interval

            start, end = collection_interval(group, dict(params or {}), data_interval_start=data_interval_start,
                                             data_interval_end=data_interval_end, logical_date=logical_date,
                                             manual=getattr(dag_run, "run_type", None) == "manual")
            extra = collection_announcement(collected, start, end)
            outlet_events[RAW_MENTIONS].extra = extra
            return extra

        announce(crawl.expand(unit=plan()))

    return collect()


for _group, _cron in SCHEDULE_GROUPS.items():
    collect_dag(_group, _cron)
