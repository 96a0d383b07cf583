"""The App Store spider: Apple's customer-reviews JSON feed per app and country, parsed and crawled for real."""

from __future__ import annotations

import copy
import json

import pytest
from loopback import (LoopbackSite, Reply, built_response, config_with_source, crawl_source, feed_records,
                      fixture_json, json_reply, rate_limited, spider_for)

from spiders.sources.app_store import AppStoreSpider, read_review, review_entries

START, END = "2026-11-16T00:00:00Z", "2026-11-23T00:00:00Z"
FEED_PATH = "/{country}/rss/customerreviews/page={page}/id=1500000002/sortby=mostrecent/json"
APPS = [{"brand": "rafeeq", "store": "apple", "id": "1500000002"}, {"brand": "rafeeq", "store": "google_play", "id": "app.rafeeq.shopping"}]


def reviews_spider() -> AppStoreSpider:
    return spider_for(AppStoreSpider, "app_store", {"apps": APPS, "countries": ["sa"]})


def test_a_review_entry_gives_its_rating_version_author_and_text() -> None:
    entry = review_entries(fixture_json("apple_reviews_page1.json")["feed"])[0]
    review = read_review(entry)
    assert review["rating"] == 1 and review["version"] == "4.18.0"
    assert review["title"] == "الطلب ما وصل" and "😤" in review["text"]
    assert review["author"] == "أبو فيصل" and review["author_uri"] == "https://itunes.apple.com/sa/reviews/id98124410"
    assert review["updated"] == "2026-11-22T01:20:44-07:00" and review["votes_up"] == 3


def test_a_single_entry_object_and_the_apps_own_entry_are_understood() -> None:
    entry = review_entries(fixture_json("apple_reviews_page1.json")["feed"])[1]
    assert review_entries({"entry": entry}) == [entry]
    assert read_review({"im:name": {"label": "رفيق"}, "id": {"label": "1500000002"}}) is None


def test_a_feed_page_yields_rated_mentions_for_the_apps_brand_and_asks_for_the_next_page() -> None:
    spider = reviews_spider()
    app, url = APPS[0], "https://itunes.apple.com" + FEED_PATH.format(country="sa", page=1)
    response = built_response(url, json.dumps(fixture_json("apple_reviews_page1.json"), ensure_ascii=False))
    *items, next_page = list(spider.parse_reviews(response, app=app, country="sa", page=1))
    assert [item["rating"] for item in items] == [1, 5, 2]
    assert {item["query"] for item in items} == {"rafeeq"}
    assert items[0]["url"] == "https://apps.apple.com/sa/app/id1500000002?see-all=reviews#review-11283749501"
    assert items[1]["engagement"] == {"likes": 1}
    assert next_page.url == "https://itunes.apple.com" + FEED_PATH.format(country="sa", page=2)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory):
    """Two real crawls: sa over two pages after a 429 while eg's page is truncated JSON, then an incremental one."""
    folder = tmp_path_factory.mktemp("app_store")
    page1 = fixture_json("apple_reviews_page1.json")
    routes = {
        FEED_PATH.format(country="sa", page=1): [rate_limited(1), json_reply(page1)],
        FEED_PATH.format(country="sa", page=2): json_reply(fixture_json("apple_reviews_page2.json")),
        FEED_PATH.format(country="eg", page=1): Reply('{"feed": {"entry": [{"author": {"uri": '),
    }
    with pytest.MonkeyPatch.context() as patch, LoopbackSite(routes) as site:
        patch.setenv("NABD_PSEUDONYM_KEY", "app-store-test-key")
        source = {"name": "app_store", "kind": "app_store", "brands": ["rafeeq"],
                  "options": {"apps": APPS, "countries": ["sa", "eg"], "apple_url": site.base_url}}
        config = config_with_source(folder / "config", source)
        out, state = folder / "week.jsonl", folder / "state"
        first = crawl_source(config, "app_store", START, END, out, state)
        first_records = feed_records(out)
        newer = copy.deepcopy(page1)
        newest = copy.deepcopy(newer["feed"]["entry"][1])
        newest["id"]["label"], newest["updated"]["label"] = "11284000000", "2026-11-22T12:00:00-07:00"
        newer["feed"]["entry"].insert(0, newest)
        site.routes[FEED_PATH.format(country="sa", page=1)] = [json_reply(newer)]
        second = crawl_source(config, "app_store", START, END, out, state, since_watermark=True)
        yield first, first_records, second, feed_records(out), site


def test_a_crawl_reads_both_pages_waits_out_the_429_and_skips_the_truncated_country(crawled) -> None:
    first, records, _, _, site = crawled
    assert first.ok and first.items == 4 and first.retries == 1 and first.skipped_pages == 1
    assert first.dropped == {"outside_interval": 1}
    assert not site.requested(FEED_PATH.format(country="sa", page=3))
    assert sorted(record["rating"] for record in records) == [1, 2, 3, 5]
    assert all(record["query"] == "rafeeq" and record["author"]["name"] is None for record in records)
    assert records[0]["@timestamp"] == "2026-11-16T16:30:00Z"


def test_an_incremental_crawl_adds_only_the_newer_review(crawled) -> None:
    first, _, second, records, _ = crawled
    assert first.watermark == "2026-11-22T08:20:44Z" and second.fetch_start == first.watermark
    assert second.collected == 2 and second.items == 5
    assert records[-1]["source_id"] == "11284000000"
