"""The Reddit spider: subreddit listings, brand searches and comment trees, parsed and crawled for real through OAuth."""

from __future__ import annotations

import base64
import copy
import json

import pytest
from loopback import (LoopbackSite, Reply, built_response, config_with_source, crawl_source, feed_records,
                      fixture_json, json_reply, rate_limited, spider_for)

from spiders.run import CrawlFailed
from spiders.sources.reddit import RedditSpider

START, END = "2026-11-16T00:00:00Z", "2026-11-23T00:00:00Z"
USER_AGENT = "linux:sa.nabd.listening:v0.1.0 (by /u/nabd_listening)"
TOKEN = {"access_token": "tok-123", "token_type": "bearer", "expires_in": 86400, "scope": "*"}


def rate_limit_headers(remaining: str, reset: str, used: str = "1") -> dict[str, str]:
    """The headers Reddit's OAuth API sends with every answer (remaining and used as decimals, reset in seconds)."""
    return {"x-ratelimit-remaining": remaining, "x-ratelimit-used": used, "x-ratelimit-reset": reset}


def oauth_source(oauth_url: str, public_url: str, **options: object) -> dict:
    return {"name": "reddit", "kind": "reddit", "brands": ["sahm"],
            "credentials_env": ["NABD_REDDIT_CLIENT_ID", "NABD_REDDIT_CLIENT_SECRET"],
            "options": {"subreddits": ["saudiarabia"], "base_url": public_url, "oauth_url": oauth_url,
                        "token_url": oauth_url + "/api/v1/access_token", **options}}


def reddit_spider() -> RedditSpider:
    spider = spider_for(RedditSpider, "reddit", {"subreddits": ["saudiarabia"]}, brands={"sahm": ["سهم"]})
    spider.api_base = "https://www.reddit.com"
    return spider


def test_a_listing_page_yields_posts_their_comment_pages_and_the_next_page() -> None:
    spider = reddit_spider()
    url = "https://www.reddit.com/r/saudiarabia/new.json?limit=100&raw_json=1"
    response = built_response(url, json.dumps(fixture_json("reddit_new_page1.json"), ensure_ascii=False))
    results = list(spider.parse_listing(response, path="/r/saudiarabia/new.json", params={}, query=None, page=1))
    posts = [result for result in results if hasattr(result, "fields")]
    requests = [result.url for result in results if not hasattr(result, "fields")]
    assert [post["source_id"] for post in posts] == ["t3_1gx0001", "t3_1gx0002", "t3_1gx0003"]
    assert posts[0]["text"] == "النت يفصل كل ساعة تقريباً 😩\nأحد عنده نفس المشكلة؟"
    assert posts[1]["text"] == "أفضل باقة بيانات للطلاب؟", "a post without body text is its title"
    assert posts[0]["url"] == "https://www.reddit.com/r/saudiarabia/comments/1gx0001/تجربتي_مع_/"
    assert posts[0]["engagement"] == {"likes": 57, "replies": 2} and posts[0]["thread_id"] == "t3_1gx0001"
    assert requests == [
        "https://www.reddit.com/comments/1gx0001.json?sort=new&limit=500&raw_json=1",
        "https://www.reddit.com/comments/1gx0003.json?sort=new&limit=500&raw_json=1",
        "https://www.reddit.com/r/saudiarabia/new.json?limit=100&raw_json=1&after=t3_1gx0003",
    ]


def test_a_comment_page_yields_every_comment_with_its_parent_and_thread() -> None:
    spider = reddit_spider()
    url = "https://www.reddit.com/comments/1gx0001.json"
    response = built_response(url, json.dumps(fixture_json("reddit_comments_1gx0001.json"), ensure_ascii=False))
    comments = list(spider.parse_comments(response, query=None))
    assert [(c["source_id"], c["parent_id"], c["thread_id"]) for c in comments] == [
        ("t1_k1", "t3_1gx0001", "t3_1gx0001"), ("t1_k2", "t1_k1", "t3_1gx0001")]
    assert comments[0]["text"] == "نفس الشي عندي، فكرت أحول لنجم موبايل 🤷‍♂️"


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory):
    """Two real crawls over OAuth: listing pages (one 429, one using up the rate limit), searches (one truncated),
    comments; then an incremental one. The public host is a second site, which must see no request."""
    folder = tmp_path_factory.mktemp("reddit")
    page1 = fixture_json("reddit_new_page1.json")
    used_up = rate_limit_headers("0.0", "1", used="600")
    plenty = rate_limit_headers("598.0", "412")
    routes = {
        "/api/v1/access_token": json_reply(TOKEN),
        "/r/saudiarabia/new.json?limit=100&raw_json=1": [rate_limited(1), json_reply(page1, headers=used_up)],
        "/r/saudiarabia/new.json?limit=100&raw_json=1&after=t3_1gx0003": json_reply(fixture_json("reddit_new_page2.json"), headers=plenty),
        "/r/saudiarabia/search.json": json_reply(fixture_json("reddit_search.json"), headers=plenty),
        "/r/saudiarabia/search.json?q=Sahm&restrict_sr=1&sort=new&t=month&limit=100&raw_json=1": Reply('{"kind": "Listing", "data": {"chil'),
        "/comments/1gx0001.json": json_reply(fixture_json("reddit_comments_1gx0001.json")),
        "/comments/1gx0003.json": json_reply(fixture_json("reddit_comments_1gx0003.json")),
    }
    with pytest.MonkeyPatch.context() as patch, LoopbackSite(routes) as site, LoopbackSite({}) as public_site:
        patch.setenv("NABD_PSEUDONYM_KEY", "reddit-test-key")
        patch.setenv("NABD_REDDIT_CLIENT_ID", "client-id")
        patch.setenv("NABD_REDDIT_CLIENT_SECRET", "client-secret")
        source = oauth_source(site.base_url, public_site.base_url, user_agent=USER_AGENT)
        config = config_with_source(folder / "config", source)
        out, state = folder / "week.jsonl", folder / "state"
        first = crawl_source(config, "reddit", START, END, out, state)
        first_records = feed_records(out)
        newer = copy.deepcopy(page1)
        newest = copy.deepcopy(newer["data"]["children"][1])
        newest["data"].update(name="t3_1gx0020", id="1gx0020", created_utc=1795348800.0, title="سهم رفعت سعر الباقة بدون إشعار!")
        newer["data"]["children"].insert(0, newest)
        site.routes["/r/saudiarabia/new.json?limit=100&raw_json=1"] = [json_reply(newer)]
        second = crawl_source(config, "reddit", START, END, out, state, since_watermark=True)
        site.public = public_site
        yield first, first_records, second, feed_records(out), site


def test_a_crawl_collects_posts_searches_and_comments_through_oauth(crawled) -> None:
    first, records, _, _, site = crawled
    assert first.ok and first.items == 7 and first.retries == 1 and first.skipped_pages == 1
    assert sorted(record["source_id"] for record in records) == [
        "t1_k1", "t1_k2", "t1_k3", "t3_1gx0001", "t3_1gx0002", "t3_1gx0003", "t3_1gx0010"]
    assert {r["source_id"]: r["query"] for r in records}["t3_1gx0010"] == "sahm"
    token_request = site.requested("/api/v1/access_token")[0]
    assert token_request[0] == "POST"
    assert token_request[2]["Authorization"] == "Basic " + base64.b64encode(b"client-id:client-secret").decode()
    assert all(headers.get("Authorization") == "bearer tok-123" for _, _, headers in site.requested("/r/"))
    assert len(site.requested("/r/saudiarabia/new.json")) == 4, (
        "a 429, page 1, page 2 (whose post is too old for a page 3); the incremental crawl's page 1 only")


def test_with_credentials_every_request_after_the_token_goes_to_the_oauth_host_with_reddit_s_user_agent(crawled) -> None:
    _, _, _, _, site = crawled
    assert site.public.requests == [], "the public www host (the defaulted base_url) is never asked once a token is held"
    assert site.requested("/comments/") and site.requested("/r/saudiarabia/search.json")
    assert all(headers.get("User-Agent") == USER_AGENT for _, _, headers in site.requests)


def test_requests_wait_for_the_rate_limit_reset_when_none_is_left(crawled) -> None:
    _, _, _, _, site = crawled
    times = [(target, moment) for (_, target, _), moment in zip(site.requests, site.request_times)]
    used_up = [moment for target, moment in times if target.endswith("/new.json?limit=100&raw_json=1")][1]
    following = [moment for target, moment in times if "/comments/" in target or "after=t3_1gx0003" in target]
    assert following and min(following) - used_up >= 0.9, "page 1 said 0 requests left, resetting in 1 s"


def test_a_rate_limit_that_resets_beyond_the_longest_wait_stops_the_crawl_with_its_reason(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("NABD_PSEUDONYM_KEY", "reddit-test-key")
    monkeypatch.setenv("NABD_REDDIT_CLIENT_ID", "client-id")
    monkeypatch.setenv("NABD_REDDIT_CLIENT_SECRET", "client-secret")
    routes = {"/api/v1/access_token": json_reply(TOKEN),
              "/r/saudiarabia/new.json": json_reply(fixture_json("reddit_new_page1.json"), headers=rate_limit_headers("0.0", "540", used="600")),
              "/r/saudiarabia/search.json": json_reply(fixture_json("reddit_search.json"), headers=rate_limit_headers("0.0", "540", used="600"))}
    with LoopbackSite(routes) as site:
        source = oauth_source(site.base_url, "http://127.0.0.1:9", username="nabd_listening", search_brands=False)
        config = config_with_source(tmp_path / "config", source)
        with pytest.raises(CrawlFailed, match="failed with exit code 1: rate_limited") as failure:
            crawl_source(config, "reddit", START, END, tmp_path / "week.jsonl", tmp_path / "state")
    summary = failure.value.summary
    assert not summary.ok and summary.finish_reason == "rate_limited"
    assert not site.requested("/comments/"), "nothing more is asked once the limit is used up for longer than RETRY_AFTER_MAX"
    assert site.requests[-1][2]["User-Agent"] == "python:client-id:v0.1.0 (by /u/nabd_listening)", "the default user agent"
    assert summary.watermark is None and not (tmp_path / "week.jsonl").exists()


def test_an_incremental_crawl_adds_the_new_post(crawled) -> None:
    first, _, second, records, _ = crawled
    assert first.watermark == "2026-11-21T16:00:00Z"
    assert START < second.fetch_start < first.watermark, "each listing resumes at its own watermark"
    assert second.collected == 2 and second.items == 8, "each listing re-reads the post at its watermark"
    assert records[-1]["source_id"] == "t3_1gx0020" and records[-1]["@timestamp"] == "2026-11-22T12:00:00Z"


def test_a_source_whose_credentials_are_not_set_is_skipped_with_a_clear_reason(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("NABD_REDDIT_CLIENT_SECRET", raising=False)
    monkeypatch.setenv("NABD_REDDIT_CLIENT_ID", "client-id")
    source = {"name": "reddit", "kind": "reddit", "credentials_env": ["NABD_REDDIT_CLIENT_ID", "NABD_REDDIT_CLIENT_SECRET"],
              "options": {"subreddits": ["saudiarabia"], "base_url": "http://127.0.0.1:9"}}
    config = config_with_source(tmp_path / "config", source)
    summary = crawl_source(config, "reddit", START, END, tmp_path / "none.jsonl", tmp_path / "state")
    assert summary.ok and summary.items == 0
    assert summary.finish_reason == "skipped: environment variable NABD_REDDIT_CLIENT_SECRET not set (credentials of source 'reddit')"
    assert not (tmp_path / "none.jsonl").exists()
