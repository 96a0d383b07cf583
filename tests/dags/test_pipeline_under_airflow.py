"""Under real Airflow (`airflow dags test`): collect → enrich_and_index on the demo source leaves searchable,
PII-masked mentions in the real Elasticsearch, and running both again duplicates nothing."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import yaml

from config import load_config
from nabd import pipeline
from tests.dags.airflow_commands import airflow_environment, run_airflow

# A daily collect run at this logical date covers [2026-11-20, 2026-11-21) — a day of the demo forum.
LOGICAL_DATE = "2026-11-21T00:00:00+00:00"
DAY = ("2026-11-20T00:00:00Z", "2026-11-21T00:00:00Z")
SAUDI_MOBILE = re.compile(r"(?:\+?966|0)5\d(?:[\s-]?\d){7}")


def collect_daily(config_dir: Path) -> None:
    """The test deployment collects the demo source once a day (the shipped one does it hourly)."""
    sources_path = config_dir / "sources.yaml"
    sources = yaml.safe_load(sources_path.read_text(encoding="utf-8"))
    for source in sources["sources"]:
        if source["name"] == "demo":
            source["schedule_group"] = "daily"
    sources_path.write_text(yaml.safe_dump(sources, allow_unicode=True, sort_keys=False), encoding="utf-8")


def run_collect_then_enrich(environment: dict[str, str], database: Path) -> tuple[dict, dict]:
    """One collect_daily run, then the enrich_and_index run its asset event asks for; their event and summary."""
    run_airflow(environment, "dags", "test", "collect_daily", LOGICAL_DATE)
    event = latest(database, "select extra from asset_event order by id desc limit 1")
    conf = json.dumps({"start": event["start"], "end": event["end"]})
    run_airflow(environment, "dags", "test", "enrich_and_index", LOGICAL_DATE, "--conf", conf)
    summary = latest(database, "select value from xcom where dag_id = 'enrich_and_index' and task_id = 'summary' "
                               "and key = 'return_value' order by timestamp desc limit 1")
    return event, summary


def latest(database: Path, query: str) -> dict:
    with sqlite3.connect(database) as connection:
        row = connection.execute(query).fetchone()
    assert row is not None, query
    return json.loads(row[0])


def all_mentions(es_client, alias: str) -> dict[str, dict]:
    hits = es_client.search(index=alias, size=1000, query={"match_all": {}})["hits"]["hits"]
    return {hit["_id"]: hit["_source"] for hit in hits}


def test_collect_then_enrich_and_index_under_airflow_is_searchable_and_a_rerun_duplicates_nothing(
        test_config_dir, es_client, index_names, tmp_path):
    collect_daily(test_config_dir)
    config = load_config(test_config_dir)
    home = tmp_path / "airflow"
    environment = airflow_environment(home, test_config_dir)
    run_airflow(environment, "db", "migrate")
    run_airflow(environment, "dags", "reserialize")

    event, summary = run_collect_then_enrich(environment, home / "airflow.db")
    alias = index_names.mentions_alias
    es_client.indices.refresh(index=alias)
    mentions = all_mentions(es_client, alias)
    data_dir = Path(config.settings.data_dir)
    raw, enriched = pipeline.raw_path(data_dir, "demo", *DAY), pipeline.enriched_path(data_dir, "demo", *DAY)

    assert event == {"start": DAY[0], "end": DAY[1], "sources": ["demo"], "items": len(raw.read_text().splitlines())}
    assert event["items"] > 50
    assert summary["read"] == event["items"] == summary["written"] + sum(summary["dropped"].values())
    assert summary["indexed"] == summary["written"] == len(mentions) == es_client.count(index=alias)["count"]
    assert summary["dead_letters"] == [] and summary["rejected_by_server"] == 0
    assert all(DAY[0] <= mention["@timestamp"] < DAY[1] and mention["source"] == "demo" for mention in mentions.values())
    assert all(mention["brands"] and mention["lang"] and mention["author"]["id"] for mention in mentions.values())
    assert not [mention["text"] for mention in mentions.values() if SAUDI_MOBILE.search(mention["text"])]
    by_brand = {brand.id: es_client.count(index=alias, query={"term": {"brands.id": brand.id}})["count"]
                for brand in config.brands}
    assert sum(by_brand.values()) >= len(mentions) and by_brand["sahm"] > 0 and by_brand["rafeeq"] > 0
    classified = es_client.count(index=alias, query={"exists": {"field": "nlp.sentiment"}})["count"]
    assert classified == (len(mentions) if Path(config.settings.model.dir).exists() else 0)

    files_before = raw.read_bytes(), enriched.read_bytes()
    _, second = run_collect_then_enrich(environment, home / "airflow.db")
    es_client.indices.refresh(index=alias)
    assert all_mentions(es_client, alias) == mentions
    assert (raw.read_bytes(), enriched.read_bytes()) == files_before
    assert second["indexed"] == summary["indexed"]
