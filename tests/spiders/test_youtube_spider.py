"""The YouTube spider: comments and replies on a channel's recent videos through the Data API v3, parsed and crawled for real."""

from __future__ import annotations

import json

import pytest
from loopback import (LoopbackSite, Reply, built_response, config_with_source, crawl_source, feed_records,
                      fixture_json, json_reply, rate_limited, spider_for)

from spiders.sources.youtube import YoutubeSpider

START, END = "2026-11-16T00:00:00Z", "2026-11-23T00:00:00Z"
CHANNEL = "UCs4hMq2vK8dN0pXb3cYwTeA"
VIDEO, BROKEN_VIDEO, CLOSED_VIDEO = "dQw4w9WgXcQ", "k8R2qVc_XyA", "Tp7kLm2Qa9E"
REPLIES_PAGE_TOKEN = "Z2V0X25ld2VzdF9maXJzdC0tQ2dnSWdBUVZGN2ZST1JJ"


def youtube_spider() -> YoutubeSpider:
    return spider_for(YoutubeSpider, "youtube", {"channels": [CHANNEL]}, credentials_env=["NABD_YOUTUBE_API_KEY"])


def test_a_thread_page_yields_comments_with_replies_and_asks_for_long_reply_lists_and_the_next_page(monkeypatch) -> None:
    monkeypatch.setenv("NABD_YOUTUBE_API_KEY", "AIza-test")
    spider = youtube_spider()
    body = json.dumps(fixture_json("youtube_comment_threads_page1.json"), ensure_ascii=False)
    results = list(spider.parse_threads(built_response("https://www.googleapis.com/youtube/v3/commentThreads", body), video_id=VIDEO, page=1))
    comments = [result for result in results if hasattr(result, "fields")]
    requests = [result for result in results if not hasattr(result, "fields")]
    assert [comment["text"] for comment in comments] == [
        "الإعلان حلو بس الشبكة عندي في الدمام زفت 😂", "صادق والله، حتى المكالمات تقطع", "أخيراً عرض يستاهل 👏 اشتركت في الباقة الجديدة"]
    top, reply, _ = comments
    assert top["parent_id"] is None and reply["parent_id"] == top["source_id"] and reply["thread_id"] == VIDEO
    assert top["url"] == f"https://www.youtube.com/watch?v={VIDEO}&lc=UgzT3kqLm8fVb1xYc2d4AaABAg"
    assert top["author"] == {"handle": "UCq1w2e3r4t5y6u7i8o9p0aB", "name": "@fahad.dmm"} and top["engagement"] == {"likes": 31}
    assert [request.url.split("?")[0].rsplit("/", 1)[-1] for request in requests] == ["comments", "commentThreads"]
    assert "pageToken=QURTSl9pM0F4dUp5" in requests[1].url
    assert all(request.headers["X-Goog-Api-Key"] == b"AIza-test" and "key=" not in request.url for request in requests)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory):
    """Two real crawls: one video's threads over two pages after a 429 with a reply list over two pages, another video's
    page truncated, a third video's comments disabled (403); then incremental."""
    folder = tmp_path_factory.mktemp("youtube")
    first_threads_page: list[Reply] = [rate_limited(1), json_reply(fixture_json("youtube_comment_threads_page1.json"))]

    def threads(params: dict[str, str]) -> Reply:
        if params["videoId"] == CLOSED_VIDEO:
            return json_reply(fixture_json("youtube_comments_disabled.json"), status=403)
        if params["videoId"] == BROKEN_VIDEO:
            return Reply('{"kind": "youtube#commentThreadListResponse", "items": [{"kind": "yout')
        if params.get("pageToken") == "QURTSl9pM0F4dUp5":
            return json_reply(fixture_json("youtube_comment_threads_page2.json"))
        return first_threads_page.pop(0) if len(first_threads_page) > 1 else first_threads_page[0]

    def replies(params: dict[str, str]) -> Reply:
        page = "youtube_comments_replies_page2.json" if params.get("pageToken") == REPLIES_PAGE_TOKEN else "youtube_comments_replies.json"
        return json_reply(fixture_json(page))

    routes = {
        "/youtube/v3/channels": json_reply(fixture_json("youtube_channels.json")),
        "/youtube/v3/playlistItems": json_reply(fixture_json("youtube_playlist_items.json")),
        "/youtube/v3/commentThreads": threads,
        "/youtube/v3/comments": replies,
    }
    with pytest.MonkeyPatch.context() as patch, LoopbackSite(routes) as site:
        patch.setenv("NABD_PSEUDONYM_KEY", "youtube-test-key")
        patch.setenv("NABD_YOUTUBE_API_KEY", "AIza-test-key")
        source = {"name": "youtube", "kind": "youtube", "credentials_env": ["NABD_YOUTUBE_API_KEY"],
                  "options": {"api_url": site.base_url + "/youtube/v3", "channels": [CHANNEL], "recent_videos": 3}}
        config = config_with_source(folder / "config", source)
        out, state = folder / "week.jsonl", folder / "state"
        first = crawl_source(config, "youtube", START, END, out, state)
        first_records = feed_records(out)
        second = crawl_source(config, "youtube", START, END, out, state, since_watermark=True)
        yield first, first_records, second, site


def test_a_crawl_collects_the_comments_of_the_interval_across_videos_pages_and_reply_lists(crawled) -> None:
    first, records, _, site = crawled
    assert first.ok and first.items == 6 and first.retries == 1 and first.skipped_pages == 2
    assert first.dropped == {"duplicate": 1, "outside_interval": 1}
    assert {record["thread_id"] for record in records} == {VIDEO}
    assert sum(1 for record in records if record["parent_id"]) == 3
    assert all(headers["X-Goog-Api-Key"] == "AIza-test-key" and "key=" not in target for _, target, headers in site.requests)
    playlist_request = site.requested("/youtube/v3/playlistItems")[0][1]
    assert "playlistId=UUs4hMq2vK8dN0pXb3cYwTeA" in playlist_request and "maxResults=3" in playlist_request


def test_replies_beyond_the_first_page_are_paged_with_comments_list(crawled) -> None:
    _, records, _, site = crawled
    reply_pages = [target for _, target, _ in site.requested("/youtube/v3/comments?")]
    assert len(reply_pages) == 4, "two reply pages in each of the two crawls"
    assert all("parentId=UgzT3kqLm8fVb1xYc2d4AaABAg" in target for target in reply_pages)
    assert [f"pageToken={REPLIES_PAGE_TOKEN}" in target for target in reply_pages[:2]] == [False, True]
    late = next(record for record in records if record["source_id"] == "UgzT3kqLm8fVb1xYc2d4AaABAg.9xK3")
    assert late["parent_id"] == "UgzT3kqLm8fVb1xYc2d4AaABAg" and late["text"] == "في جدة نفس المشكلة من يومين، والدعم يقولون عطل مؤقت"


def test_a_video_with_comments_disabled_is_a_skipped_page_not_a_failed_crawl(tmp_path, monkeypatch) -> None:
    closed = json_reply(fixture_json("youtube_comments_disabled.json"), status=403)
    playlist = {"kind": "youtube#playlistItemListResponse", "items": [{"kind": "youtube#playlistItem", "contentDetails": {"videoId": CLOSED_VIDEO}}]}
    routes = {"/youtube/v3/channels": json_reply(fixture_json("youtube_channels.json")),
              "/youtube/v3/playlistItems": json_reply(playlist), "/youtube/v3/commentThreads": closed}
    with LoopbackSite(routes) as site:
        monkeypatch.setenv("NABD_PSEUDONYM_KEY", "youtube-test-key")
        monkeypatch.setenv("NABD_YOUTUBE_API_KEY", "AIza-test-key")
        source = {"name": "youtube", "kind": "youtube", "credentials_env": ["NABD_YOUTUBE_API_KEY"],
                  "options": {"api_url": site.base_url + "/youtube/v3", "channels": [CHANNEL]}}
        summary = crawl_source(config_with_source(tmp_path / "config", source), "youtube", START, END, tmp_path / "out.jsonl", tmp_path / "state")
    assert summary.ok and summary.items == 0 and summary.skipped_pages == 1 and summary.errors == 0


def test_an_incremental_crawl_keeps_the_week_and_collects_from_the_watermark(crawled) -> None:
    first, _, second, _ = crawled
    assert first.watermark == "2026-11-22T07:45:00Z" and second.fetch_start == first.watermark
    assert second.collected == 1 and second.items == 6
