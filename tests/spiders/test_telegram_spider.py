"""The Telegram spider: public channel previews (t.me/s/<channel>) paged backwards, parsed and crawled for real."""

from __future__ import annotations

import pytest
from loopback import (LoopbackSite, Reply, built_response, config_with_source, crawl_source, feed_records,
                      fixture_text, rate_limited, spider_for)

from spiders.sources.telegram import TelegramSpider, count

START, END = "2026-11-16T00:00:00Z", "2026-11-23T00:00:00Z"
HTML = "text/html; charset=utf-8"
NEW_MESSAGE = '<div class="tgme_widget_message_wrap js-widget_message_wrap"><div class="tgme_widget_message js-widget_message" data-post="sahm_offers_sa/1208"><div class="tgme_widget_message_text js-message_text" dir="auto">وصل التعويض؟ عندي لسه ما وصل 🙄</div><a class="tgme_widget_message_date" href="https://t.me/sahm_offers_sa/1208"><time datetime="2026-11-22T20:00:00+00:00" class="time">20:00</time></a></div></div>\n      </section>'


def test_telegram_counts_read_their_abbreviations() -> None:
    assert [count(text) for text in ("950", "1,870", "3.4K", "2M", "", None, "views")] == [950, 1870, 3400, 2_000_000, None, None, None]


def test_a_preview_page_yields_its_posts_and_the_link_to_older_ones() -> None:
    spider = spider_for(TelegramSpider, "telegram", {"channels": ["sahm_offers_sa"]})
    response = built_response("https://t.me/s/sahm_offers_sa", fixture_text("telegram_channel_latest.html"), HTML)
    *posts, older = list(spider.parse_channel(response, channel="sahm_offers_sa", page=1))
    assert [post["source_id"] for post in posts] == ["sahm_offers_sa/1205", "sahm_offers_sa/1206", "sahm_offers_sa/1207"]
    assert posts[0]["url"] == "https://t.me/sahm_offers_sa/1205" and "<br>" in posts[0]["body_html"]
    assert posts[0]["author"] == {"handle": "sahm_offers_sa", "name": "عروض سهم السعودية", "followers": 12400, "organisation": True}
    assert posts[1]["engagement"] == {"views": 5100} and posts[2]["parent_id"] == "sahm_offers_sa/1206"
    assert posts[2]["@timestamp"] == "2026-11-22T13:30:00+00:00"
    assert "عودة الخدمة" in posts[2]["body_html"] and "تنبيه" not in posts[2]["body_html"], "a reply is its own text, not the quoted parent's"
    assert older.url == "https://t.me/s/sahm_offers_sa?before=1205"


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory):
    """Two real crawls: one channel over two pages after a 429, another channel's page broken; then an incremental one."""
    folder = tmp_path_factory.mktemp("telegram")
    latest = fixture_text("telegram_channel_latest.html")
    routes = {
        "/s/sahm_offers_sa": [rate_limited(1), Reply(latest, content_type=HTML)],
        "/s/sahm_offers_sa?before=1205": Reply(fixture_text("telegram_channel_before_1205.html"), content_type=HTML),
        "/s/techsaudi_news": Reply('<!DOCTYPE html><html><head><meta charset="utf-8"><title>تقنية', content_type=HTML),
    }
    with pytest.MonkeyPatch.context() as patch, LoopbackSite(routes) as site:
        patch.setenv("NABD_PSEUDONYM_KEY", "telegram-test-key")
        source = {"name": "telegram", "kind": "telegram",
                  "options": {"channels": ["sahm_offers_sa", "techsaudi_news"], "base_url": site.base_url, "keep_author_names": True}}
        config = config_with_source(folder / "config", source)
        out, state = folder / "week.jsonl", folder / "state"
        first = crawl_source(config, "telegram", START, END, out, state)
        first_records = feed_records(out)
        site.routes["/s/sahm_offers_sa"] = [Reply(latest.replace("\n      </section>", NEW_MESSAGE, 1), content_type=HTML)]
        second = crawl_source(config, "telegram", START, END, out, state, since_watermark=True)
        yield first, first_records, second, feed_records(out), site


def test_a_crawl_goes_back_page_by_page_until_posts_are_older_than_the_interval(crawled) -> None:
    first, records, _, _, site = crawled
    assert first.ok and first.items == 5 and first.retries == 1 and first.skipped_pages == 1
    assert first.dropped == {"outside_interval": 1}
    assert not site.requested("/s/sahm_offers_sa?before=1202")
    assert [record["source_id"] for record in records] == [f"sahm_offers_sa/{n}" for n in (1203, 1204, 1205, 1206, 1207)]
    assert records[2]["text"].startswith("🔥 عرض نهاية الأسبوع: باقة سهم بلس ٥٠ جيجا بـ ٩٩ ريال فقط\nالاشتراك عبر التطبيق")
    assert records[0]["author"]["name"] == "عروض سهم السعودية"


def test_a_reply_is_collected_with_its_own_text_and_its_parent(crawled) -> None:
    _, records, _, _, _ = crawled
    reply = records[4]
    assert reply["source_id"] == "sahm_offers_sa/1207" and reply["parent_id"] == "sahm_offers_sa/1206"
    assert reply["text"] == "الشركة أعلنت عودة الخدمة وتعويض المتأثرين بـ ٥ جيجا 🎁"


def test_an_incremental_crawl_adds_the_new_post_only(crawled) -> None:
    first, _, second, records, _ = crawled
    assert first.watermark == "2026-11-22T13:30:00Z" and second.fetch_start == first.watermark
    assert second.collected == 2 and second.items == 6
    assert records[-1]["text"] == "وصل التعويض؟ عندي لسه ما وصل 🙄" and records[-1]["engagement"] == {}
