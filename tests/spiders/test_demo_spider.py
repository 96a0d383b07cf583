"""Parsing the demo forum's pages, offline, from fixture HTML."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
import scrapy
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from spiders.sources.demo import DemoSpider

BASE = "http://127.0.0.1:8031"
FIXTURES = Path(__file__).parent / "fixtures"


def response(path: str, fixture: str) -> HtmlResponse:
    url = BASE + path
    return HtmlResponse(url=url, body=(FIXTURES / fixture).read_bytes(), encoding="utf-8", request=Request(url))


def spider(start: str | None = None, end: str | None = None) -> DemoSpider:
    settings = {"NABD_INTERVAL_START": start, "NABD_INTERVAL_END": end}
    crawler = get_crawler(DemoSpider, {k: v for k, v in settings.items() if v})
    return DemoSpider.from_crawler(crawler, base_url=BASE)


def test_listing_follows_posts_inside_the_interval_and_the_next_page() -> None:
    demo = spider("2026-11-20T00:00:00Z", "2026-11-21T18:00:00Z")
    requests = list(demo.parse_listing(response("/posts?page=2", "listing_page2.html")))
    urls = [request.url for request in requests]
    assert urls == [f"{BASE}/posts/7312644", f"{BASE}/posts/7312601", f"{BASE}/posts?page=3"]
    assert requests[-1].callback == demo.parse_listing


def test_listing_stops_paginating_once_posts_are_older_than_the_interval() -> None:
    demo = spider("2026-11-21T00:00:00Z", "2026-11-22T00:00:00Z")
    urls = [request.url for request in demo.parse_listing(response("/posts?page=2", "listing_page2.html"))]
    assert urls == [f"{BASE}/posts/7312650", f"{BASE}/posts/7312644"]


def test_a_post_page_yields_one_mention_with_author_engagement_and_thread() -> None:
    [item] = spider().parse_post(response("/posts/7312644", "post_reply.html"))
    assert item["source"] == "demo" and item["source_id"] == "7312644"
    assert item["url"] == f"{BASE}/posts/7312644"
    assert item["@timestamp"] == "2026-11-21T20:55:40+03:00"
    assert item["author"] == {"handle": "noura_q", "name": "نورة", "followers": 240, "verified": False}
    assert item["engagement"] == {"likes": 5, "replies": 0, "shares": 1}
    assert (item["thread_id"], item["parent_id"]) == ("7312601", "7312601")
    assert "مافي تغطية أبد 💔" in item["body_html"]
    assert datetime.fromisoformat(item["collected_at"].replace("Z", "+00:00")) <= datetime.now(timezone.utc)


def test_a_post_page_keeps_its_links_and_line_break_for_the_pipeline() -> None:
    [item] = spider().parse_post(response("/posts/7312650", "post_with_link.html"))
    assert "<br>" in item["body_html"] and 'href="https://t.co/x1Yz"' in item["body_html"]
    assert (item["thread_id"], item["parent_id"]) == ("7312650", None)


def test_a_truncated_post_page_is_skipped_and_counted(caplog) -> None:
    demo = spider()
    assert list(demo.parse_post(response("/posts/7312650", "post_truncated.html"))) == []
    assert demo.crawler.stats.get_value("nabd/skipped_pages") == 1
    assert f"{BASE}/posts/7312650" in caplog.text and "missing" in caplog.text


def test_a_listing_without_entries_is_skipped() -> None:
    demo = spider()
    page = HtmlResponse(url=BASE + "/posts?page=9", body="<html><body><p>خطأ مؤقت</p></body></html>".encode(), encoding="utf-8")
    assert list(demo.parse_listing(page)) == []
    assert demo.crawler.stats.get_value("nabd/skipped_pages/listing") == 1


def test_the_spider_needs_a_base_url() -> None:
    with pytest.raises(ValueError, match="base_url"):
        DemoSpider()


def test_the_first_request_is_the_newest_listing_page() -> None:
    import asyncio

    async def first() -> scrapy.Request:
        return await anext(spider().start())

    assert asyncio.run(first()).url == f"{BASE}/posts?page=1"
