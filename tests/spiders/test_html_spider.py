"""The configurable HTML spider: CSS or XPath selectors, Arabic dates, list or item pages, all from config; parsed and crawled for real."""

from __future__ import annotations

import pytest
from loopback import (LoopbackSite, Reply, built_response, config_with_source, crawl_source, feed_records,
                      fixture_text, rate_limited, spider_for)

from spiders.cleaning import to_utc_iso
from spiders.sources.html import HtmlSpider, site_time

START, END = "2026-11-16T00:00:00Z", "2026-11-23T00:00:00Z"
HTML = "text/html; charset=utf-8"
BOARD_OPTIONS = {
    "list_url": "https://forum.souq-reviews.example/board/telecom",
    "item_selector": "article.post",
    "id_selector": "::attr(data-id)",
    "text_selector": "div.post-body",
    "title_selector": "h2.post-title::text",
    "url_selector": "a.permalink::attr(href)",
    "time_selector": "span.date::text",
    "time_format": "%d %B %Y - %I:%M %p",
    "timezone": "Asia/Riyadh",
    "author_selector": "span.author::text",
    "next_page_selector": "a.next::attr(href)",
}
REVIEW_OPTIONS = {
    "selector_type": "xpath",
    "item_link_selector": "//td[@class='subject']/a/@href",
    "item_selector": "//div[@class='review']",
    "id_selector": "./@data-review-id",
    "text_selector": ".//p[@class='review-text']/text()",
    "title_selector": ".//h1",
    "author_selector": ".//span[@class='reviewer']/text()",
    "time_selector": ".//span[@class='date']/text()",
    "time_format": "%d/%m/%Y %H:%M",
    "timezone": "Africa/Cairo",
    "next_page_selector": "//a[@rel='next']/@href",
}
THREADS = [  # (id, title, author, date as the site shows it, text)
    ("5501", "خدمة عملاء سهم", "hany_eg", "٢٢/١١/٢٠٢٦ ١١:٢٠", "الخط اتقطع ٣ مرات في المكالمة مع خدمة العملاء 🤦‍♂️"),
    ("5498", "نجم موبايل في الساحل", "Mona", "21/11/2026 18:45", "الشبكة في الساحل الشمالي ممتازة الصيف ده 👌"),
    ("5490", "رفيق والتوصيل", "كريم", "19/11/2026 09:00", "الطلب وصل في معاده بالظبط، برافو رفيق"),
    ("5472", "فاتورة غلط", "nour.a", "17/11/2026 14:10", "الفاتورة جاية فيها رسوم مش مفهومة"),
    ("5401", "باقة قديمة", "sameh", "10/11/2026 10:00", "الباقة القديمة كانت أحسن"),
]


def test_arabic_site_dates_are_read_in_the_sites_time_zone() -> None:
    assert to_utc_iso(site_time("٢١ نوفمبر ٢٠٢٦ - ٩:٣٠ م", "%d %B %Y - %I:%M %p", "Asia/Riyadh")) == "2026-11-21T18:30:00Z"
    assert to_utc_iso(site_time("3 تشرين الثاني 2026 10:05", "%d %B %Y %H:%M", "Asia/Amman")) == "2026-11-03T07:05:00Z"
    assert to_utc_iso(site_time("2026-11-19T10:05:00+03:00", None, None)) == "2026-11-19T07:05:00Z"
    assert site_time("أمس", "%d %B %Y", "Asia/Riyadh") == "أمس", "an unreadable date is left for the timestamp pipeline to count"


def test_a_list_page_yields_its_posts_by_css_and_the_next_page() -> None:
    spider = spider_for(HtmlSpider, "html", BOARD_OPTIONS)
    response = built_response(BOARD_OPTIONS["list_url"], fixture_text("forum_board_page1.html"), HTML)
    *posts, next_page = list(spider.parse_list(response, page=1))
    assert [post["source_id"] for post in posts] == ["88121", "88107", "88055"]
    assert posts[0]["url"] == "https://forum.souq-reviews.example/board/telecom/88121"
    assert posts[0]["title"] == "سهم موبايل: تجربة سيئة مع خدمة العملاء"
    assert posts[0]["author"] == {"handle": "أبو ريان", "name": "أبو ريان"}
    assert "😡" in posts[0]["body_html"] and to_utc_iso(posts[1]["@timestamp"]) == "2026-11-19T07:05:00Z"
    assert next_page.url == "https://forum.souq-reviews.example/board/telecom?page=2"


def test_paging_stops_once_a_whole_list_page_is_older_than_the_interval() -> None:
    spider = spider_for(HtmlSpider, "html", BOARD_OPTIONS)
    spider.interval_start = spider.read_time("2026-11-25T00:00:00Z")
    response = built_response(BOARD_OPTIONS["list_url"], fixture_text("forum_board_page1.html"), HTML)
    assert all(hasattr(result, "fields") for result in spider.parse_list(response, page=1))


OLDER_THREADS = [("5390", "شحن الرصيد", "walid", "08/11/2026 20:15", "الشحن من التطبيق بياخد وقت طويل")]


def list_page(threads: list[tuple], page: int, next_page: int | None) -> Reply:
    rows = "\n".join(f'<tr><td class="subject"><a href="/reviews/{t[0]}">{t[1]}</a></td><td>{t[2]}</td></tr>' for t in threads)
    link = f'<a rel="next" href="/reviews?page={next_page}">التالي</a>' if next_page else ""
    return Reply(fixture_text("forum_thread_list.html").format(page=page, rows=rows, next=link), content_type=HTML)


def thread_page(thread: tuple) -> Reply:
    number, title, author, date, text = thread
    return Reply(fixture_text("forum_thread.html").format(id=number, title=title, author=author, date=date, text=text), content_type=HTML)


def test_an_item_page_found_by_xpath_is_one_mention_at_its_own_url() -> None:
    spider = spider_for(HtmlSpider, "html", {"list_url": "https://reviews.telecom-eg.example/reviews", **REVIEW_OPTIONS})
    page = thread_page(THREADS[0])
    (post,) = list(spider.parse_item_page(built_response("https://reviews.telecom-eg.example/reviews/5501", page.payload(), HTML)))
    assert post["source_id"] == "5501" and post["url"] == "https://reviews.telecom-eg.example/reviews/5501"
    assert post["text"] == "الخط اتقطع ٣ مرات في المكالمة مع خدمة العملاء 🤦‍♂️" and post["title"] == "خدمة عملاء سهم"
    assert to_utc_iso(post["@timestamp"]) == "2026-11-22T09:20:00Z"


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory):
    """Two real crawls of a review site by XPath: list pages (one 429), each thread on its own page, one truncated; the
    third list page's threads are all older than the interval, so its next page is never asked for."""
    folder = tmp_path_factory.mktemp("html")
    routes: dict = {
        "/reviews": list_page(THREADS[:3], 1, 2),
        "/reviews?page=2": [rate_limited(1), list_page(THREADS[3:4], 2, 3)],
        "/reviews?page=3": list_page(THREADS[4:], 3, 4),
        "/reviews?page=4": list_page(OLDER_THREADS, 4, None),
        "/reviews/5498": Reply('<!DOCTYPE html><html><body><div class="review" data-review-id="5498"><h1>نجم', content_type=HTML),
    }
    routes.update({f"/reviews/{thread[0]}": thread_page(thread) for thread in THREADS if thread[0] != "5498"})
    with pytest.MonkeyPatch.context() as patch, LoopbackSite(routes) as site:
        patch.setenv("NABD_PSEUDONYM_KEY", "html-test-key")
        source = {"name": "forum:telecom_eg", "kind": "html", "options": {"list_url": site.base_url + "/reviews", **REVIEW_OPTIONS}}
        config = config_with_source(folder / "config", source)
        out, state = folder / "week.jsonl", folder / "state"
        first = crawl_source(config, "forum:telecom_eg", START, END, out, state)
        first_records = feed_records(out)
        site.routes["/reviews/5498"] = [thread_page(THREADS[1])]
        second = crawl_source(config, "forum:telecom_eg", START, END, out, state, since_watermark=True)
        yield first, first_records, second, feed_records(out), site


def test_a_crawl_follows_list_pages_to_each_thread_and_skips_the_truncated_one(crawled) -> None:
    first, records, _, _, _ = crawled
    assert first.ok and first.items == 3 and first.retries == 1 and first.skipped_pages == 1
    assert first.dropped == {"outside_interval": 1}
    assert [record["source_id"] for record in records] == ["5472", "5490", "5501"]
    assert {record["source"] for record in records} == {"forum:telecom_eg"}
    assert records[-1]["@timestamp"] == "2026-11-22T09:20:00Z" and records[-1]["query"] == "forum:telecom_eg"


def test_an_incremental_crawl_adds_the_page_that_is_whole_again(crawled) -> None:
    first, _, second, records, _ = crawled
    assert first.watermark == "2026-11-22T09:20:00Z" and second.fetch_start == first.watermark
    assert second.items == 3, "the repaired thread (21 Nov) is older than the watermark: an incremental crawl does not go back"
    assert [record["source_id"] for record in records] == ["5472", "5490", "5501"]


def test_paging_through_linked_posts_stops_once_a_list_pages_posts_are_all_older_than_the_interval(crawled) -> None:
    first, _, second, _, site = crawled
    assert site.requested("/reviews?page=3") and site.requested("/reviews/5401")
    assert not site.requested("/reviews?page=4") and not site.requested("/reviews/5390")
    assert len(site.requested("/reviews?page=2")) == 3, "first crawl: a 429 then the page; the incremental crawl stops after page 2"
