"""Hourly crawls that re-read their lookback, through the DAGs' collect path into the real Elasticsearch node: the demo
forum publishes posts late and its counts keep changing; nothing published inside the lookback is lost, nothing is
indexed twice, a post seen again carries its latest engagement and keeps its first `collected_at`; a source whose
crawls stopped for hours fills the gap from its channel's watermark."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from config import load_config
from nabd.pipeline import collect_source, enriched_path, index_interval
from nlp.enrich import enrich_file
from spiders.cleaning import format_utc
from spiders.demo.site import EDIT_NOTE, DemoSite, SiteTimeline, load_posts

# Saturday's burst on the demo forum: the busiest hours of the week.
FIRST_HOUR = datetime(2026, 11, 21, 12, tzinfo=timezone.utc)
HOURS = 10
LOOKBACK = timedelta(hours=6)


@pytest.fixture(scope="module")
def posts() -> list[dict]:
    return load_posts()


def demo_config(config_dir: Path, base_url: str, lookback: str) -> Path:
    """The test configuration with only the demo source, at `base_url`, re-reading `lookback`."""
    sources = {"sources": [{"name": "demo", "kind": "demo", "enabled": True, "lookback": lookback,
                            "options": {"base_url": base_url}}]}
    (config_dir / "sources.yaml").write_text(yaml.safe_dump(sources, allow_unicode=True), encoding="utf-8")
    return config_dir


def hourly_run(config_dir: Path, site: DemoSite, start: datetime) -> dict:
    """One run of the collect DAG's path at the end of its hour, then enrichment (no model) and indexing."""
    end = start + timedelta(hours=1)
    site.timeline.now = end
    crawl = collect_source("demo", start, end, config_dir=str(config_dir))
    config = load_config(config_dir)
    enriched = enriched_path(Path(config.settings.data_dir), "demo", start, end)
    enrich_file(Path(crawl["raw_file"]), enriched, brands=config.brands, classifier=None)
    index_interval("demo", start, end, config_dir=str(config_dir))
    return crawl


def indexed(es_client, index_names) -> list[dict]:
    es_client.indices.refresh(index=index_names.mentions_alias)
    return es_client.search(index=index_names.mentions_alias, size=5000, query={"match_all": {}})["hits"]["hits"]


def brand_named(config_dir: Path, posts: list[dict]) -> set[str]:
    """The source ids of the posts enrichment keeps (they name a brand)."""
    config = load_config(config_dir)
    records = [{"id": post["id"], "text": post["text"]} for post in posts]
    folder = config_dir.parent / "brand-check"
    folder.mkdir(exist_ok=True)
    raw = folder / "raw.jsonl"
    raw.write_text("".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records), encoding="utf-8")
    enrich_file(raw, folder / "enriched.jsonl", brands=config.brands, classifier=None)
    return {json.loads(line)["id"] for line in (folder / "enriched.jsonl").read_text(encoding="utf-8").splitlines()}


def test_hourly_runs_with_lookback_collect_every_late_post_once_with_its_latest_engagement(
        test_config_dir, es_client, index_names, posts, pseudonym_key) -> None:
    last_end = FIRST_HOUR + timedelta(hours=HOURS)
    timeline = SiteTimeline(now=FIRST_HOUR)
    first_indexed: dict[str, dict] = {}  # source id → the document as first indexed
    with DemoSite(posts=posts, timeline=timeline) as site:
        config_dir = demo_config(test_config_dir, site.base_url, "6h")
        for hour in range(HOURS):
            hourly_run(config_dir, site, FIRST_HOUR + timedelta(hours=hour))
            for hit in indexed(es_client, index_names):
                first_indexed.setdefault(hit["_source"]["source_id"], hit["_source"])
    inside = [post for post in posts if FIRST_HOUR <= post["_published"] < last_end]
    late = [post for post in inside if timeline.delay(post) > timedelta(0)
            and (post["_published"] + timeline.delay(post)).replace(minute=0, second=0) != post["_published"].replace(minute=0, second=0)]
    assert len(late) >= 5, "the scenario has posts that appear after their publication hour has been crawled"
    expected = {post["id"] for post in inside if timeline.delay(post) <= LOOKBACK
                and post["_published"] + timeline.delay(post) <= last_end} & brand_named(test_config_dir, inside)

    hits = indexed(es_client, index_names)
    source_ids = [hit["_source"]["source_id"] for hit in hits]
    assert len(source_ids) == len(set(source_ids)), "no post is indexed twice"
    assert expected <= set(source_ids), f"lost: {sorted(expected - set(source_ids))}"
    assert {post["id"] for post in late} & expected <= set(source_ids)

    # Posts the last run re-read (published within its window) carry the forum's counts at its end.
    timeline.now = last_end
    reread = {post["id"]: post for post in inside if post["_published"] >= last_end - timedelta(hours=1) - LOOKBACK}
    by_id = {hit["_source"]["source_id"]: hit["_source"] for hit in hits}
    changed = edited = 0
    for source_id, post in reread.items():
        if source_id not in by_id:
            continue
        document, now = by_id[source_id], timeline.counts(post)
        assert {name: document["engagement"][name] for name in now} == now, source_id
        assert document["engagement"]["total"] == sum(now.values())
        assert document["text"].endswith(EDIT_NOTE.strip()) == timeline.edited(post), "the text is the post's latest edit"
        edited += timeline.edited(post)
        first = first_indexed[source_id]
        if first["engagement"] != document["engagement"]:
            changed += 1
            assert document["collected_at"] == first["collected_at"] < document["updated_at"], "a post seen again keeps its first collected_at"
    assert changed >= 10 and edited >= 3, "the scenario's counts change and posts are edited between sightings"


def test_re_indexing_an_older_interval_keeps_the_newer_sighting(test_config_dir, es_client, index_names, posts,
                                                               pseudonym_key) -> None:
    timeline = SiteTimeline(now=FIRST_HOUR)
    with DemoSite(posts=posts, timeline=timeline) as site:
        config_dir = demo_config(test_config_dir, site.base_url, "3h")
        for hour in range(3):
            hourly_run(config_dir, site, FIRST_HOUR + timedelta(hours=hour))
    before = {hit["_id"]: hit["_source"] for hit in indexed(es_client, index_names)}
    first = FIRST_HOUR
    summary = index_interval("demo", first, first + timedelta(hours=1), config_dir=str(config_dir))
    after = {hit["_id"]: hit["_source"] for hit in indexed(es_client, index_names)}
    assert after == before, "an old interval indexed again changes nothing newer"
    assert summary["results"].get("kept_newer_version", 0) >= 1


def test_a_source_whose_crawls_stopped_fills_the_gap_from_its_channel_watermark(
        test_config_dir, es_client, index_names, posts, pseudonym_key) -> None:
    timeline = SiteTimeline(now=FIRST_HOUR, late_percent=0)
    gap_end = FIRST_HOUR + timedelta(hours=7)
    with DemoSite(posts=posts, timeline=timeline) as site:
        config_dir = demo_config(test_config_dir, site.base_url, "1h")
        first = hourly_run(config_dir, site, FIRST_HOUR)
        # The DAG was paused for five hours: the next run is [17:00, 18:00), its lookback one hour.
        after_gap = hourly_run(config_dir, site, gap_end - timedelta(hours=1))
    state = json.loads((Path(load_config(config_dir).settings.data_dir) / "state" / "watermarks.json").read_text(encoding="utf-8"))
    assert set(state["demo"]["channels"]) == {"demo"}
    assert after_gap["items"] > first["items"]
    wanted = {post["id"] for post in posts if FIRST_HOUR <= post["_published"] < gap_end} & brand_named(test_config_dir, posts)
    got = {hit["_source"]["source_id"] for hit in indexed(es_client, index_names)}
    assert wanted <= got, f"lost in the gap: {sorted(wanted - got)}"
    assert state["demo"]["channels"]["demo"] == max(format_utc(post["_published"]) for post in posts
                                                    if post["_published"] < gap_end)
