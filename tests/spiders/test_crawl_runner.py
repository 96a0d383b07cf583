"""Real crawls of the demo site through the runner's subprocess: interval, pagination, idempotency, watermark, resilience."""

from __future__ import annotations

import json
import re
import socket
import time
from pathlib import Path

import pytest

from spiders.demo.site import DemoSite, SiteFaults, load_posts
from spiders.items import mention_id
from spiders.run import CrawlFailed, run_crawl

START, END = "2026-11-16T00:00:00Z", "2026-11-23T00:00:00Z"


@pytest.fixture(scope="module")
def newest_posts() -> list[dict]:
    """The 70 newest demo posts: four listing pages."""
    return load_posts()[:70]


def crawl(site: DemoSite, out: Path, state: Path, start: str = START, end: str = END, **options: object):
    return run_crawl("demo", start, end, out, site.base_url, state_dir=state, timeout_s=120, **options)


def ids_of(posts: list[dict]) -> set[str]:
    return {mention_id("demo", post["id"]) for post in posts}


def feed(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def full_crawl(newest_posts: list[dict], tmp_path_factory: pytest.TempPathFactory):
    """One crawl of the whole week over four pages, run twice on the same site."""
    folder = tmp_path_factory.mktemp("full")
    with pytest.MonkeyPatch.context() as patch:
        for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
            patch.delenv(name, raising=False)
        with DemoSite(posts=newest_posts) as site:
            first = crawl(site, folder / "first.jsonl", folder / "state")
            first_bytes = (folder / "first.jsonl").read_bytes()
            again = crawl(site, folder / "first.jsonl", folder / "state")
    return first, first_bytes, again, folder / "first.jsonl"


def test_a_full_crawl_collects_every_post_of_the_interval_across_pages(full_crawl, newest_posts) -> None:
    summary, _, _, out = full_crawl
    assert summary.ok and summary.items == summary.collected == len(newest_posts) == 70
    assert {record["id"] for record in feed(out)} == ids_of(newest_posts)
    assert summary.watermark == max(post["published"] for post in newest_posts)


def test_the_feed_is_sorted_and_follows_the_mention_record(full_crawl) -> None:
    records = feed(full_crawl[3])
    assert [(r["@timestamp"], r["id"]) for r in records] == sorted((r["@timestamp"], r["id"]) for r in records)
    for record in records:
        assert re.fullmatch(r"2026-11-2\dT\d\d:\d\d:\d\dZ", record["@timestamp"])
        assert record["source"] == "demo" and record["query"] == "demo"
        assert record["id"] == mention_id("demo", record["source_id"])
        assert re.fullmatch(r"[0-9a-f]{32}", record["author"]["id"])
        assert "<" not in record["text"] or "&lt;" not in record["text"]
        assert set(record["engagement"]) == {"likes", "replies", "shares"}
    assert any("\n" in record["text"] for record in records), "line breaks survive"
    assert any(record["parent_id"] for record in records), "replies keep their parent"


def test_re_running_an_interval_writes_a_byte_identical_file(full_crawl) -> None:
    _, first_bytes, again, out = full_crawl
    assert again.ok and again.items == 70
    assert out.read_bytes() == first_bytes


def test_only_posts_inside_the_interval_are_collected_and_older_pages_are_not_fetched(newest_posts, tmp_path) -> None:
    start, end = newest_posts[49]["published"], newest_posts[10]["published"]
    expected = [post for post in newest_posts if start <= post["published"] < end]
    with DemoSite(posts=newest_posts) as site:
        summary = crawl(site, tmp_path / "slice.jsonl", tmp_path / "state", start, end)
    assert {record["id"] for record in feed(tmp_path / "slice.jsonl")} == ids_of(expected)
    assert summary.dropped == {}, "the spider never fetched posts outside the interval"


def test_an_incremental_crawl_fetches_only_what_is_newer_than_the_watermark(newest_posts, tmp_path) -> None:
    older, out, state = newest_posts[25:], tmp_path / "week.jsonl", tmp_path / "state"
    with DemoSite(posts=older) as site:
        first = crawl(site, out, state)
    assert first.watermark == older[0]["published"]
    with DemoSite(posts=newest_posts) as site:
        second = crawl(site, out, state, since_watermark=True)
    assert second.fetch_start == first.watermark
    assert second.collected == 26, "the 25 new posts and the one at the watermark itself"
    assert second.items == 70 and {record["id"] for record in feed(out)} == ids_of(newest_posts)
    assert json.loads((state / "watermarks.json").read_text())["demo"]["latest"] == newest_posts[0]["published"]


def test_a_429_with_retry_after_is_waited_for_and_retried(newest_posts, tmp_path) -> None:
    faults = SiteFaults(rate_limited={"/posts?page=2": 1}, retry_after_s=2)
    with DemoSite(posts=newest_posts, faults=faults) as site:
        began = time.monotonic()
        summary = crawl(site, tmp_path / "throttled.jsonl", tmp_path / "state")
        took = time.monotonic() - began
    assert summary.ok and summary.items == 70
    assert summary.retries == 1 and took >= 2


def test_a_malformed_page_in_the_middle_is_skipped_and_the_rest_collected(newest_posts, tmp_path) -> None:
    broken = newest_posts[33]
    with DemoSite(posts=newest_posts, faults=SiteFaults(malformed=frozenset({broken["id"]}))) as site:
        summary = crawl(site, tmp_path / "partial.jsonl", tmp_path / "state")
    assert summary.ok and summary.skipped_pages == 1 and summary.items == 69
    assert mention_id("demo", broken["id"]) not in {record["id"] for record in feed(tmp_path / "partial.jsonl")}


def test_a_crawl_of_an_unreachable_site_fails_and_writes_nothing(tmp_path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    with pytest.raises(CrawlFailed, match="failed with exit code 1") as failure:
        run_crawl("demo", START, END, tmp_path / "none.jsonl", f"http://127.0.0.1:{closed_port}",
                  state_dir=tmp_path / "state", settings={"RETRY_TIMES": "1"}, timeout_s=120)
    assert failure.value.summary is not None and failure.value.summary.errors > 0
    assert not (tmp_path / "none.jsonl").exists() and not (tmp_path / "state" / "watermarks.json").exists()


def test_a_bad_interval_is_refused_with_a_clear_message(tmp_path) -> None:
    with pytest.raises(CrawlFailed, match="exit code 2"):
        run_crawl("demo", END, START, tmp_path / "x.jsonl", "http://127.0.0.1:9", state_dir=tmp_path, timeout_s=60)
