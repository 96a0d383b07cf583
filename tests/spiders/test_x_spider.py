"""The X spider: API v2 recent search per brand, next_token paging and rate-limit headers, parsed and crawled for real."""

from __future__ import annotations

import asyncio
import copy
import json
import time
from datetime import datetime, timedelta, timezone

import pytest
from loopback import (LoopbackSite, Reply, built_response, config_with_source, crawl_source, feed_records,
                      fixture_json, json_reply, rate_limited, spider_for)

from spiders.cleaning import format_utc
from spiders.sources.x import XSpider, brand_query, split_brand_query

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


SAHM_NAMES = ["سهم", "سهم موبايل", "سهم للاتصالات", "Sahm", "Sahm Telecom", "Sahm Mobile", "sahm", "sa7m", "@SahmTelecom", "@SahmCare"]


def test_a_brand_query_longer_than_the_limit_is_split_into_queries_that_each_fit_and_together_name_every_alias() -> None:
    options = {"languages": ["ar", "en"], "exclude_retweets": True}
    assert split_brand_query(SAHM_NAMES, options, 512) == [brand_query(SAHM_NAMES, options)], "a short query stays one"
    queries = split_brand_query(SAHM_NAMES, options, 100)
    assert len(queries) > 1 and all(len(query) <= 100 for query in queries)
    assert all(query.endswith(" (lang:ar OR lang:en) -is:retweet") for query in queries)
    terms = [term.strip('"') for query in queries for term in query.split(") (")[0].lstrip("(").split(" OR ")]
    assert terms == SAHM_NAMES


def windowed_spider(start: str, end: str, **options: object) -> XSpider:
    spider = spider_for(XSpider, "x", dict(options), brands={"sahm": ["سهم"]})
    spider.interval_start, spider.interval_end = (datetime.fromisoformat(moment.replace("Z", "+00:00")) for moment in (start, end))
    return spider


def test_a_backfill_older_than_seven_days_starts_inside_the_recent_search_window() -> None:
    now = datetime(2026, 11, 30, 12, 0, 0, tzinfo=timezone.utc)
    window = windowed_spider("2026-11-20T00:00:00Z", "2026-11-24T00:00:00Z").time_window(now)
    assert window == {"start_time": "2026-11-23T12:10:00Z", "end_time": "2026-11-24T00:00:00Z"}, "now - 7 days + a margin"
    inside = windowed_spider("2026-11-29T00:00:00Z", "2026-11-29T01:00:00Z").time_window(now)
    assert inside == {"start_time": "2026-11-29T00:00:00Z", "end_time": "2026-11-29T01:00:00Z"}
    archive = windowed_spider("2026-11-20T00:00:00Z", "2026-11-24T00:00:00Z", search_window_days=None).time_window(now)
    assert archive == {"start_time": "2026-11-20T00:00:00Z", "end_time": "2026-11-24T00:00:00Z"}, "full-archive search: no window"


def test_an_interval_wholly_older_than_the_window_is_not_searched() -> None:
    now = datetime(2026, 11, 30, 12, 0, 0, tzinfo=timezone.utc)
    assert windowed_spider("2026-11-16T00:00:00Z", "2026-11-23T00:00:00Z").time_window(now) is None


def test_a_post_found_again_by_another_query_of_its_brand_is_yielded_once() -> None:
    spider = spider_for(XSpider, "x", {"max_pages": 1}, brands={"sahm": ["سهم"]})
    first = [result for result in parsed_page(spider, "x_recent_search_page1.json") if hasattr(result, "fields")]
    again = [result for result in parsed_page(spider, "x_recent_search_page1.json") if hasattr(result, "fields")]
    assert len(first) == 2 and again == []


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
                  "options": {"api_url": site.base_url + SEARCH_PATH, "max_results": 10, "search_window_days": None}}
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


def recent_page(fixture: str, published: datetime) -> dict:
    """A recent-search page of the fixture, its posts published at `published` (and a minute apart), with no next page."""
    document = copy.deepcopy(fixture_json(fixture))
    for position, tweet in enumerate(document["data"]):
        tweet["created_at"] = (published + timedelta(minutes=position)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    document["meta"].pop("next_token", None)
    return document


def test_a_backfill_crawl_clamps_start_time_splits_the_long_query_and_keeps_each_post_once(tmp_path, monkeypatch, capfd) -> None:
    """A 10-day backfill with a 100-character query limit: sahm's names in two queries, which both find the same posts."""
    now = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    start, end = now - timedelta(days=10), now - timedelta(hours=1)
    asked = []

    def search(params: dict[str, str]) -> Reply:
        asked.append(params)
        if "سهم" in params["query"] or "@SahmCare" in params["query"]:
            return json_reply(recent_page("x_recent_search_page1.json", now - timedelta(days=2)))
        return json_reply({"meta": {"result_count": 0}})

    monkeypatch.setenv("NABD_PSEUDONYM_KEY", "x-test-key")
    monkeypatch.setenv("NABD_X_BEARER_TOKEN", "AAAA-test-bearer")
    with LoopbackSite({SEARCH_PATH: search}) as site:
        source = {"name": "x", "kind": "x", "brands": ["sahm"], "credentials_env": ["NABD_X_BEARER_TOKEN"],
                  "options": {"api_url": site.base_url + SEARCH_PATH, "max_query_length": 100}}
        config = config_with_source(tmp_path / "config", source)
        summary = crawl_source(config, "x", format_utc(start), format_utc(end), tmp_path / "backfill.jsonl", tmp_path / "state")
    assert len(asked) == 2 and all(len(params["query"]) <= 100 for params in asked)
    for name in ("سهم للاتصالات", "Sahm Telecom", "Sahm Mobile", "@SahmCare"):
        assert sum(name in params["query"] for params in asked) == 1, f"{name} is searched once"
    earliest = datetime.now(timezone.utc) - timedelta(days=7)
    for params in asked:
        sent = datetime.fromisoformat(params["start_time"].replace("Z", "+00:00"))
        assert earliest < sent < earliest + timedelta(minutes=15), "start_time inside the 7-day window, not the interval start"
        assert params["end_time"] == format_utc(end)
    records = feed_records(tmp_path / "backfill.jsonl")
    assert summary.ok and summary.items == 2 == len({record["source_id"] for record in records}) == len(records)
    assert "duplicate" not in summary.dropped, "the spider keeps each post once; the pipeline has nothing to drop"
    assert "posts published before it (from " + format_utc(start) + ") cannot be fetched" in capfd.readouterr().err
