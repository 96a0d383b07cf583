"""enrich_and_index DAG: triggered by collected mentions; enriches and indexes each source's file of each interval."""

from __future__ import annotations

from airflow.sdk import Param, dag, task

from nabd_dag_defaults import DEFAULT_ARGS, RAW_MENTIONS, START_DATE, TAGS


@dag(
    dag_id="enrich_and_index",
    schedule=RAW_MENTIONS,
    start_date=START_DATE,
    catchup=False,
    default_args=DEFAULT_ARGS,
    tags=[*TAGS, "enrich", "index"],
    params={
        "start": Param(None, type=["null", "string"], description="interval start (manual runs), ISO 8601 UTC"),
        "end": Param(None, type=["null", "string"], description="interval end, exclusive (manual runs)"),
    },
    doc_md="Runs for every `nabd_raw_mentions` event (or a manual run with `start`/`end`): normalizes, masks "
           "PII, classifies and indexes each source's raw file of the interval. The summary task returns counts "
           "and names every rejects and dead-letter file.",
)
def enrich_and_index():
    @task
    def plan(triggering_asset_events=None, params=None) -> list[dict]:
        from nabd.pipeline import enrichment_plan

        extras = [event.extra for events in (triggering_asset_events or {}).values() for event in events]
        return enrichment_plan(extras, dict(params or {}))

    @task(map_index_template="{{ task.op_kwargs['unit']['source'] }}")
    def enrich(unit: dict) -> dict:
        from nabd.pipeline import enrich_interval

        return enrich_interval(unit["source"], unit["start"], unit["end"])

    @task(map_index_template="{{ task.op_kwargs['enriched']['source'] }}")
    def index(enriched: dict) -> dict:
        from nabd.pipeline import index_interval

        return index_interval(enriched["source"], enriched["start"], enriched["end"])

    @task
    def summary(enriched: list[dict], indexed: list[dict]) -> dict:
        from nabd.pipeline import summarize

        return summarize(enriched, indexed)

    enriched = enrich.expand(unit=plan())
    summary(enriched, index.expand(enriched=enriched))


enrich_and_index()
