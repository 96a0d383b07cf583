"""The Mastodon spider: public hashtag timelines and token-authorised search on an instance, parsed and crawled for real."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from loopback import (LoopbackSite, Reply, built_response, config_with_source, crawl_source, feed_records,
                      fixture_json, json_reply, rate_limited, spider_for)

from spiders.sources.mastodon import MastodonSpider, full_account

START, END = "2026-11-16T00:00:00Z", "2026-11-23T00:00:00Z"
TAG_PATH = "/api/v1/timelines/tag/" + quote("اتصالات", safe="")
BROKEN_TAG_PATH = "/api/v1/timelines/tag/" + quote("توصيل", safe="")


def test_local_accounts_get_their_instances_domain() -> None:
    assert full_account("layla", "mastodon.social") == "layla@mastodon.social"
    assert full_account("omar_dev@masto.ai", "mastodon.social") == "omar_dev@masto.ai"
    assert full_account(None, "mastodon.social") is None


def test_a_timeline_page_yields_statuses_without_boosts_and_asks_for_older_ones() -> None:
    spider = spider_for(MastodonSpider, "mastodon", {"instances": ["https://mastodon.social"], "hashtags": ["اتصالات"]})
    body = json.dumps(fixture_json("mastodon_tag_page1.json"), ensure_ascii=False)
    response = built_response("https://mastodon.social" + TAG_PATH + "?limit=40", body)
    *statuses, older = list(spider.parse_statuses(response, instance="https://mastodon.social", path=TAG_PATH, params={}, query=None, page=1))
    assert [status["source_id"] for status in statuses] == [
        "https://mastodon.social/users/layla/statuses/113520000000000003", "https://masto.ai/users/omar_dev/statuses/113518000000000001"]
    first, reply = statuses
    assert first["url"] == "https://mastodon.social/@layla/113520000000000003" and "😤" in first["body_html"]
    assert first["author"] == {"handle": "layla@mastodon.social", "name": "ليلى | Layla", "followers": 342}
    assert first["engagement"] == {"likes": 9, "replies": 4, "shares": 1}
    assert reply["parent_id"] == "mastodon.social:113520000000000003"
    assert older.url == "https://mastodon.social" + TAG_PATH + "?limit=40&max_id=113518000000000001"


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory):
    """Two real crawls: a hashtag over two pages after a 429, another hashtag's page truncated, brand search; then incremental."""
    folder = tmp_path_factory.mktemp("mastodon")
    first_page = [rate_limited(1), json_reply(fixture_json("mastodon_tag_page1.json"))]

    def timeline(params: dict[str, str]) -> Reply:
        if params.get("max_id") == "113518000000000001":
            return json_reply(fixture_json("mastodon_tag_page2.json"))
        if params.get("max_id"):
            return json_reply([])
        return first_page.pop(0) if len(first_page) > 1 else first_page[0]

    def search(params: dict[str, str]) -> Reply:
        found = [] if params.get("max_id") else fixture_json("mastodon_tag_page1.json")[:1]
        return json_reply({"accounts": [], "statuses": found, "hashtags": []})

    routes = {TAG_PATH: timeline, BROKEN_TAG_PATH: Reply('[{"id": "1135", "created_at": "2026-11-2'), "/api/v2/search": search}
    with pytest.MonkeyPatch.context() as patch, LoopbackSite(routes) as site:
        patch.setenv("NABD_PSEUDONYM_KEY", "mastodon-test-key")
        patch.setenv("NABD_MASTODON_TOKEN", "masto-token")
        source = {"name": "mastodon", "kind": "mastodon", "brands": ["najm"], "credentials_env": ["NABD_MASTODON_TOKEN"],
                  "options": {"instances": [site.base_url], "hashtags": ["اتصالات", "توصيل"], "search_brands": True}}
        config = config_with_source(folder / "config", source)
        out, state = folder / "week.jsonl", folder / "state"
        first = crawl_source(config, "mastodon", START, END, out, state)
        first_records = feed_records(out)
        second = crawl_source(config, "mastodon", START, END, out, state, since_watermark=True)
        yield first, first_records, second, site


def test_a_crawl_collects_the_hashtag_and_search_statuses_of_the_interval(crawled) -> None:
    first, records, _, site = crawled
    assert first.ok and first.items == 3 and first.retries == 1 and first.skipped_pages == 1
    assert first.dropped["outside_interval"] == 1 and first.dropped["duplicate"] >= 1
    assert not site.requested(TAG_PATH + "?limit=40&max_id=113500000000000001")
    assert [record["@timestamp"] for record in records] == ["2026-11-19T07:00:00Z", "2026-11-21T20:30:00Z", "2026-11-22T09:15:00Z"]
    assert records[0]["title"] == "تقرير طويل" and records[0]["text"].endswith("📊")
    searches = site.requested("/api/v2/search")
    assert {dict(headers)["Authorization"] for _, _, headers in searches} == {"Bearer masto-token"}
    assert len(searches) == 2 * 2 * 2, "najm's two aliases (not its X handle), a result page and an empty next page, per crawl"
    assert all("max_id=113520000000000003" in target for _, target, _ in searches if "max_id" in target)


def test_an_incremental_crawl_keeps_the_week(crawled) -> None:
    first, _, second, _ = crawled
    assert first.watermark == "2026-11-22T09:15:00Z"
    assert START < second.fetch_start < first.watermark, "each timeline resumes at its own watermark"
    assert second.collected == 2 and second.items == 3, "each timeline re-reads the status at its watermark"
