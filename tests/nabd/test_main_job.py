"""The main job end to end: demo forum → crawl → enrich → index, searchable, and idempotent."""

from __future__ import annotations

import re
from pathlib import Path

from config import load_config
from index.search import MentionQuery, search_mentions
from nabd.main_job import run_demo

SAUDI_MOBILE = re.compile(r"(?:\+?966|0)5\d(?:[\s-]?\d){7}")


def test_the_demo_leaves_classified_searchable_mentions_and_a_rerun_duplicates_nothing(
        test_config_dir, es_client, index_names):
    config = load_config(test_config_dir)
    first = run_demo(config)
    alias = index_names.mentions_alias
    es_client.indices.refresh(index=alias)

    assert first.crawled == 600
    assert first.indexed == first.enriched == es_client.count(index=alias)["count"]
    assert first.enriched + sum(first.dropped.values()) == first.crawled
    assert first.classified
    unclassified = es_client.count(index=alias, query={"bool": {"must_not": {"exists": {"field": "nlp.sentiment"}}}})
    assert unclassified["count"] == 0
    assert search_mentions(es_client, index_names, MentionQuery(text="التوصيل", brand="rafeeq")).total > 0
    texts = [hit["_source"]["text"] for hit in es_client.search(index=alias, size=1000)["hits"]["hits"]]
    assert not [text for text in texts if SAUDI_MOBILE.search(text)]
    assert [(r["brand"], r["date"]) for r in first.reports] == [("sahm", "2026-11-22"), ("rafeeq", "2026-11-22")]
    assert all(Path(r["pdf"]).read_bytes()[:5] == b"%PDF-" and r["emailed_to"] == [] for r in first.reports)
    es_client.indices.refresh(index=index_names.brand_health_alias)
    assert es_client.get(index=index_names.brand_health_alias, id="sahm-2026-11-22")["_source"]["volume"] > 0

    enriched_before = first.enriched_file.read_bytes()
    second = run_demo(config)
    es_client.indices.refresh(index=alias)
    assert es_client.count(index=alias)["count"] == first.indexed
    assert second.enriched_file.read_bytes() == enriched_before
