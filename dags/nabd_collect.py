"""Collect DAGs, one per schedule group: every enabled source × brand group crawled in its own process, then announced."""

from __future__ import annotations

from airflow.sdk import CronDataIntervalTimetable, dag, task

from nabd_dag_defaults import DEFAULT_ARGS, RAW_MENTIONS, START_DATE, TAGS

# sources.yaml `schedule_group` -> the cron of its data intervals (UTC).
SCHEDULE_GROUPS = {"hourly": "0 * * * *", "daily": "0 0 * * *"}


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
        doc_md=f"Crawls every enabled source of schedule group `{group}` over the run's data interval, "
               "one crawl process per source and brand group, then emits a `nabd_raw_mentions` asset event "
               "naming the interval (which triggers `enrich_and_index`).",
    )
    def collect():
        @task
        def plan() -> list[dict]:
            from nabd.pipeline import collection_plan

            return collection_plan(group)

        @task(map_index_template="{{ task.op_kwargs['unit']['source'] }}")
        def crawl(unit: dict, data_interval_start=None, data_interval_end=None) -> dict:
            from nabd.pipeline import collect_source

            return collect_source(unit["source"], data_interval_start, data_interval_end)

        @task(outlets=[RAW_MENTIONS])
        def announce(collected: list[dict], data_interval_start=None, data_interval_end=None, outlet_events=None) -> dict:
            from nabd.pipeline import collection_announcement

            extra = collection_announcement(collected, data_interval_start, data_interval_end)
            outlet_events[RAW_MENTIONS].extra = extra
            return extra

        announce(crawl.expand(unit=plan()))

    return collect()


for _group, _cron in SCHEDULE_GROUPS.items():
    collect_dag(_group, _cron)
