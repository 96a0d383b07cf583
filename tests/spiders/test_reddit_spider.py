"""The Reddit spider: subreddit listings, brand searches and comment trees, parsed and crawled for real through OAuth."""

from __future__ import annotations

import base64
import copy
import json

import pytest
from loopback import (LoopbackSite, Reply, built_response, config_with_source, crawl_source, feed_records,
                      fixture_json, json_reply, rate_limited, spider_for)

from spiders.sources.reddit import RedditSpider

START, END = "2026-11-16T00:00:00Z", "2026-11-23T00:00:00Z"


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
    """Two real crawls over OAuth: listing pages (one 429), searches (one truncated), comments; then an incremental one."""
    folder = tmp_path_factory.mktemp("reddit")
    page1 = fixture_json("reddit_new_page1.json")
    routes = {
        "/api/v1/access_token": json_reply({"access_token": "tok-123", "token_type": "bearer", "expires_in": 86400, "scope": "*"}),
        "/r/saudiarabia/new.json?limit=100&raw_json=1": [rate_limited(1), json_reply(page1)],
        "/r/saudiarabia/new.json?limit=100&raw_json=1&after=t3_1gx0003": json_reply(fixture_json("reddit_new_page2.json")),
        "/r/saudiarabia/search.json": json_reply(fixture_json("reddit_search.json")),
        "/r/saudiarabia/search.json?q=Sahm&restrict_sr=1&sort=new&t=month&limit=100&raw_json=1": Reply('{"kind": "Listing", "data": {"chil'),
        "/comments/1gx0001.json": json_reply(fixture_json("reddit_comments_1gx0001.json")),
        "/comments/1gx0003.json": json_reply(fixture_json("reddit_comments_1gx0003.json")),
    }
    with pytest.MonkeyPatch.context() as patch, LoopbackSite(routes) as site:
        patch.setenv("NABD_PSEUDONYM_KEY", "reddit-test-key")
        patch.setenv("NABD_REDDIT_CLIENT_ID", "client-id")
        patch.setenv("NABD_REDDIT_CLIENT_SECRET", "client-secret")
        source = {"name": "reddit", "kind": "reddit", "brands": ["sahm"],
                  "credentials_env": ["NABD_REDDIT_CLIENT_ID", "NABD_REDDIT_CLIENT_SECRET"],
                  "options": {"subreddits": ["saudiarabia"], "base_url": site.base_url, "oauth_url": site.base_url,
                              "token_url": site.base_url + "/api/v1/access_token"}}
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


def test_an_incremental_crawl_adds_the_new_post(crawled) -> None:
    first, _, second, records, _ = crawled
    assert first.watermark == "2026-11-21T16:00:00Z" and second.fetch_start == first.watermark
    assert second.collected == 1 and second.items == 8
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
