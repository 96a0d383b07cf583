"""The X spider: API v2 recent search per brand, next_token paging and rate-limit headers, parsed and crawled for real."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from loopback import (LoopbackSite, Reply, built_response, config_with_source, crawl_source, feed_records,
                      fixture_json, json_reply, rate_limited, spider_for)

from spiders.sources.x import XSpider, brand_query

START, END = "2026-11-16T00:00:00Z", "2026-11-23T00:00:00Z"
SEARCH_PATH = "/2/tweets/search/recent"


def test_a_brand_query_names_every_alias_and_handle_in_the_configured_languages_without_retweets() -> None:
    query = brand_query(["سهم", "سهم موبايل", "Sahm", "@SahmCare"], {"languages": ["ar", "en"], "exclude_retweets": True})
    assert query == '(سهم OR "سهم موبايل" OR Sahm OR @SahmCare) (lang:ar OR lang:en) -is:retweet'


def parsed_page(spider: XSpider, fixture: str) -> list:
    response = built_response("https://api.x.com" + SEARCH_PATH, json.dumps(fixture_json(fixture), ensure_ascii=False))

    async def collect() -> list:
        return [result async for result in spider.parse_search(response, brand="sahm", query="سهم", page=1)]

    return asyncio.run(collect())


def test_a_search_page_yields_posts_with_their_authors_replies_and_metrics() -> None:
    (post,) = parsed_page(spider_for(XSpider, "x", {}, brands={"sahm": ["سهم"]}), "x_recent_search_page2.json")
    assert post["text"].startswith("باقة سهم بلس ممتازة بصراحة، السرعة في دبي") and "👌" in post["text"], "the long form of a post"
    assert post["url"] == "https://x.com/i/web/status/1858470033445566778", "authors are not named by default"
    assert post["author"] == {"handle": "hessa_dxb", "name": "Hessa 🌸", "followers": 1290, "verified": False}
    assert post["engagement"] == {"likes": 40, "replies": 1, "shares": 7, "views": 5100}
    assert post["query"] == "sahm" and post["@timestamp"] == "2026-11-17T19:02:11.000Z"


def test_a_post_s_link_names_its_author_only_when_author_names_are_on() -> None:
    spider = spider_for(XSpider, "x", {}, brands={"sahm": ["سهم"]})
    spider.keep_author_names = True
    (post,) = parsed_page(spider, "x_recent_search_page2.json")
    assert post["url"] == "https://x.com/hessa_dxb/status/1858470033445566778"


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory):
    """Two real crawls: sahm over two pages (a 429, then a used-up rate limit) while rafeeq's page is broken; then incremental."""
    folder = tmp_path_factory.mktemp("x")
    first_page_asked = []

    def search(params: dict[str, str]) -> Reply:
        if "رفيق" in params["query"]:
            return Reply('{"data": [{"id": "18599", "text": "رفيق')
        if params.get("next_token") == "b26v89c19zqg8o3fo7gesq314yb9l2l4ptqy":
            return json_reply(fixture_json("x_recent_search_page2.json"))
        first_page_asked.append(params)
        if len(first_page_asked) == 1:
            return rate_limited(1)
        reset = str(int(time.time()) + 2)
        return json_reply(fixture_json("x_recent_search_page1.json"), headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": reset})

    with pytest.MonkeyPatch.context() as patch, LoopbackSite({SEARCH_PATH: search}) as site:
        patch.setenv("NABD_PSEUDONYM_KEY", "x-test-key")
        patch.setenv("NABD_X_BEARER_TOKEN", "AAAA-test-bearer")
        source = {"name": "x", "kind": "x", "brands": ["sahm", "rafeeq"], "credentials_env": ["NABD_X_BEARER_TOKEN"],
                  "options": {"api_url": site.base_url + SEARCH_PATH, "max_results": 10}}
        config = config_with_source(folder / "config", source)
        out, state = folder / "week.jsonl", folder / "state"
        first = crawl_source(config, "x", START, END, out, state)
        first_records = feed_records(out)
        second = crawl_source(config, "x", START, END, out, state, since_watermark=True)
        yield first, first_records, second, first_page_asked, site


def test_a_crawl_pages_by_next_token_after_a_429_and_skips_the_broken_page(crawled) -> None:
    first, records, _, _, site = crawled
    assert first.ok and first.items == 3 and first.retries == 1 and first.skipped_pages == 1
    reply = next(record for record in records if record["source_id"] == "1859921899001122334")
    assert reply["parent_id"] == reply["thread_id"] == "1859920011223344556"
    assert reply["author"]["verified"] is True and reply["author"]["name"] is None
    assert all(headers["Authorization"] == "Bearer AAAA-test-bearer" for _, _, headers in site.requests)


def test_no_crawled_post_holds_its_author_s_handle_when_author_names_are_off(crawled) -> None:
    _, records, _, _, _ = crawled
    handles = {user["id"]: user["username"] for page in ("x_recent_search_page1.json", "x_recent_search_page2.json")
               for user in fixture_json(page)["includes"]["users"]}
    authors = {tweet["id"]: handles[tweet["author_id"]] for page in ("x_recent_search_page1.json", "x_recent_search_page2.json")
               for tweet in fixture_json(page)["data"]}
    assert {record["source_id"] for record in records} == set(authors)
    for record in records:
        assert record["url"] == f"https://x.com/i/web/status/{record['source_id']}"
        assert authors[record["source_id"]].casefold() not in json.dumps(record, ensure_ascii=False).casefold()


def test_the_next_page_waits_for_the_rate_limit_reset_when_no_request_is_left(crawled) -> None:
    _, _, _, _, site = crawled
    events = [(target, moment) for (_, target, _), moment in zip(site.requests, site.request_times)]
    next_page = min(moment for target, moment in events if "next_token" in target)
    first_page = max(moment for target, moment in events if "next_token" not in target and moment < next_page)
    assert next_page - first_page >= 0.9


def test_the_search_window_is_the_interval_and_an_incremental_crawl_starts_at_the_watermark(crawled) -> None:
    first, _, second, first_page_asked, _ = crawled
    assert first_page_asked[0]["start_time"] == START and first_page_asked[0]["end_time"] == END
    assert first.watermark == "2026-11-21T10:31:05Z"
    assert first_page_asked[-1]["start_time"] == first.watermark == second.fetch_start
    assert second.ok and second.items == 3
