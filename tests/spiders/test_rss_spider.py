"""The RSS/Atom spider: Google News search feeds per brand name and paged Atom blogs, parsed and crawled for real."""

from __future__ import annotations

import pytest
from loopback import (LoopbackSite, Reply, built_response, config_with_source, crawl_source, feed_records,
                      fixture_text, rate_limited, spider_for)

from spiders.items import mention_id
from spiders.sources.rss import RssSpider

START, END = "2026-11-16T00:00:00Z", "2026-11-23T00:00:00Z"
XML = "application/rss+xml; charset=utf-8"
NEW_ENTRY = """  <entry>
    <id>tag:techblog.sa,2026:post-9050</id>
    <title>سهم ترد على شكاوى الانقطاع</title>
    <link rel="alternate" href="https://techblog.sa/2026/11/sahm-reply"/>
    <published>2026-11-22T12:00:00+03:00</published>
    <author><name>نورة العتيبي</name></author>
    <content type="html">&lt;p&gt;وعدت الشركة بتعويض المشتركين 🙏&lt;/p&gt;</content>
  </entry>
  <entry>"""


def news_spider(feeds: list[str]) -> RssSpider:
    return spider_for(RssSpider, "rss", {"feeds": feeds}, brands={"rafeeq": ["رفيق", "Rafeeq app", "@RafeeqApp"]})


def test_a_search_feed_template_is_filled_with_each_brand_name_but_not_handles() -> None:
    spider = news_spider(["https://news.google.com/rss/search?q={query}&hl=ar&gl=SA&ceid=SA:ar"])
    urls = list(spider.feed_urls(spider.options["feeds"][0]))
    assert urls == [
        ("https://news.google.com/rss/search?q=%D8%B1%D9%81%D9%8A%D9%82&hl=ar&gl=SA&ceid=SA:ar", "rafeeq"),
        ("https://news.google.com/rss/search?q=Rafeeq+app&hl=ar&gl=SA&ceid=SA:ar", "rafeeq"),
    ]


def test_google_news_items_become_mentions_published_by_their_outlet() -> None:
    spider = news_spider(["https://news.google.com/rss/search?q={query}"])
    response = built_response("https://news.google.com/rss/search?q=x", fixture_text("google_news_search.xml"), XML)
    items = list(spider.parse_feed(response, query="rafeeq", page=1))
    assert len(items) == 3
    first = items[0]
    assert first["source_id"] == "CBMiX2h0dHBzOi8vc2FicS5vcmcvc2F1ZGlhL3JhZmVlcS1vbmUtaG91ci1kZWxpdmVyeQ"
    assert first["id"] == mention_id("news_rss", first["source_id"])
    assert first["title"].startswith("تطبيق رفيق يطلق خدمة التوصيل")
    assert first["@timestamp"] == "Fri, 20 Nov 2026 18:30:00 GMT"
    assert first["author"] == {"handle": "صحيفة سبق الإلكترونية", "name": "صحيفة سبق الإلكترونية", "organisation": True}
    assert first["query"] == "rafeeq"
    assert "🛒" in items[1]["body_html"] and "<br>" in items[1]["body_html"]


def test_atom_entries_keep_their_byline_and_link_and_the_next_page_is_followed() -> None:
    spider = news_spider(["https://techblog.sa/atom/tech"])
    response = built_response("https://techblog.sa/atom/tech", fixture_text("blog_atom_page1.xml"), "application/atom+xml")
    *items, next_page = list(spider.parse_feed(response, query=None, page=1))
    assert [item["url"] for item in items] == ["https://techblog.sa/2026/11/sahm-plus-review", "https://techblog.sa/2026/11/sahm-outage-jeddah"]
    assert items[0]["author"] == {"handle": "نورة العتيبي", "name": "نورة العتيبي", "organisation": False}
    assert "👌" in items[0]["body_html"] and items[1]["body_html"].endswith("😡")
    assert "query" not in items[0]
    assert next_page.url == "https://techblog.sa/atom/tech?page=2"


def test_a_page_that_is_not_a_feed_is_skipped_without_items() -> None:
    spider = news_spider(["https://techblog.sa/atom/tech"])
    response = built_response("https://techblog.sa/atom/tech", "<html><body>502 Bad Gateway</body></html>", "text/html")
    assert list(spider.parse_feed(response, query=None, page=1)) == []


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory):
    """Two real crawls: the week (a 429, a broken search page, Atom paging), then an incremental one."""
    folder = tmp_path_factory.mktemp("rss")
    page1 = fixture_text("blog_atom_page1.xml")
    routes = {
        "/rss/search": Reply(fixture_text("google_news_search.xml"), content_type=XML),
        "/rss/search?q=Rafeeq&hl=ar": Reply("<html><body>خطأ في الخادم</body></html>", content_type="text/html; charset=utf-8"),
        "/atom/tech": [rate_limited(1), Reply(page1, content_type=XML)],
        "/atom/tech?page=2": Reply(fixture_text("blog_atom_page2.xml"), content_type=XML),
    }
    with pytest.MonkeyPatch.context() as patch, LoopbackSite(routes) as site:
        patch.setenv("NABD_PSEUDONYM_KEY", "rss-test-key")
        source = {"name": "news_rss", "kind": "rss", "brands": ["rafeeq"],
                  "options": {"keep_author_names": True, "feeds": [site.base_url + "/rss/search?q={query}&hl=ar", site.base_url + "/atom/tech"]}}
        config = config_with_source(folder / "config", source)
        out, state = folder / "week.jsonl", folder / "state"
        first = crawl_source(config, "news_rss", START, END, out, state)
        first_records = feed_records(out)
        site.routes["/atom/tech"] = [Reply(page1.replace("  <entry>", NEW_ENTRY, 1), content_type=XML)]
        second = crawl_source(config, "news_rss", START, END, out, state, since_watermark=True)
        yield first, first_records, second, feed_records(out), site


def test_a_crawl_collects_the_interval_across_feeds_and_pages_despite_a_429_and_a_broken_page(crawled) -> None:
    first, records, _, _, site = crawled
    assert first.ok and first.items == 5 and first.retries == 1 and first.skipped_pages == 1
    assert first.dropped["outside_interval"] >= 2
    assert not site.requested("/atom/tech?page=3"), "paging stops once entries are older than the interval"
    by_url = {record["url"]: record for record in records}
    outage = by_url["https://techblog.sa/2026/11/sahm-outage-jeddah"]
    assert outage["@timestamp"] == "2026-11-19T18:10:00Z" and outage["author"]["name"] == "فهد الشهري"
    news = [record for record in records if record["query"] == "rafeeq"]
    assert len(news) == 2 and all(record["author"]["name"] for record in news)
    assert {record["query"] for record in records} == {"rafeeq", "news_rss"}


def test_an_incremental_crawl_fetches_from_the_watermark_and_keeps_the_earlier_records(crawled) -> None:
    first, _, second, records, _ = crawled
    assert first.watermark == "2026-11-22T06:40:00Z"
    # Each feed resumes at its own watermark: the quieter search feed's is the earliest.
    assert START < second.fetch_start < first.watermark
    assert second.collected == 4, "the new entry and, in each feed, the entry at its own watermark"
    assert second.items == 6 and second.watermark == "2026-11-22T09:00:00Z"
    assert any(record["text"] == "وعدت الشركة بتعويض المشتركين 🙏" for record in records)
