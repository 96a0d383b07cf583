"""enrich_and_index DAG: triggered by collected mentions; enriches and indexes each pending source file of each interval."""

from __future__ import annotations

import sys
from pathlib import Path

from airflow.sdk import Param, dag, task

if str(Path(__file__).parent) not in sys.path:   # `airflow dags list --local` parses without the folder on sys.path
    sys.path.append(str(Path(__file__).parent))

from nabd_dag_defaults import DEFAULT_ARGS, NLP_POOL, RAW_MENTIONS, START_DATE, TAGS  # noqa: E402


@dag(
    dag_id="enrich_and_index",
    schedule=RAW_MENTIONS,
    start_date=START_DATE,
    catchup=False,
    # One run at a time, each a batch: a run takes every interval pending when it plans, and events that arrive
    # meanwhile wait (Airflow defers asset-triggered runs at max_active_runs) for a run that finds them done.
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=[*TAGS, "enrich", "index"],
    params={
        "start": Param(None, type=["null", "string"], description="interval start (manual runs), ISO 8601 UTC"),
        "end": Param(None, type=["null", "string"], description="interval end, exclusive (manual runs)"),
    },
    doc_md="Runs for `nabd_raw_mentions` events (or a manual run with `start`/`end`), one run at a time: takes every "
           "collected interval not indexed yet (a manual run's interval even if it was), normalizes, masks PII, "
           "classifies (pool `nabd_nlp`) and indexes each source's raw file. The summary task returns counts and "
           "names every rejects and dead-letter file.",
)
def enrich_and_index():
    @task(multiple_outputs=False)
    def plan(triggering_asset_events=None, params=None) -> list[dict]:
        from nabd.pipeline import enrichment_plan

        extras = [event.extra for events in (triggering_asset_events or {}).values() for event in events]
        return enrichment_plan(extras, dict(params or {}))

    @task(multiple_outputs=False, pool=NLP_POOL, map_index_template="{{ task.op_kwargs['unit']['source'] }}")
    def enrich(unit: dict) -> dict:
        from nabd.pipeline import enrich_interval

        return enrich_interval(unit["source"], unit["start"], unit["end"])

    @task(multiple_outputs=False, map_index_template="{{ task.op_kwargs['enriched']['source'] }}")
    def index(enriched: dict) -> dict:
        from nabd.pipeline import index_interval

        return index_interval(enriched["source"], enriched["start"], enriched["end"],
                              raw_state=enriched.get("raw_state"))

    @task(multiple_outputs=False, trigger_rule="none_failed")
    def summary(enriched: list[dict], indexed: list[dict]) -> dict:
        from nabd.pipeline import summarize

        return summarize(enriched, indexed)

    enriched = enrich.expand(unit=plan())
    summary(enriched, index.expand(enriched=enriched))


enrich_and_index()
