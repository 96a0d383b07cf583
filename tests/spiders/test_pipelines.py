"""Each item pipeline does one job; every drop has a reason counted in the crawl stats."""

from __future__ import annotations

import hashlib

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from spiders.items import mention_id, new_mention
from spiders.pipelines import (
    DataIntervalPipeline,
    DuplicatePipeline,
    HtmlToTextPipeline,
    PseudonymizeAuthorPipeline,
    QueryPipeline,
    UtcTimestampPipeline,
    ValidateMentionPipeline,
)
from spiders.privacy import DEMO_PSEUDONYM_KEY, MissingPseudonymKey, author_pseudonym
from spiders.sources.demo import DemoSpider

INTERVAL = {"NABD_INTERVAL_START": "2026-11-21T00:00:00Z", "NABD_INTERVAL_END": "2026-11-22T00:00:00Z"}


def crawler_for(source: str = "demo", **settings: object):
    return get_crawler(DemoSpider, {"NABD_SOURCE": source, **INTERVAL, **settings})


def complaint(**overrides: object):
    fields = {
        "url": "http://127.0.0.1/posts/7312650",
        "@timestamp": "2026-11-21T21:12:09+03:00",
        "body_html": "@SahmCare النت فاصل من العصر 😡<br>ثلاث ساعات بدون شبكة",
        "author": {"handle": "abu_fahad_88", "name": "أبو فهد", "followers": 1520, "verified": False},
    }
    fields.update(overrides)
    return new_mention("demo", "7312650", **{k: v for k, v in fields.items() if v is not None})


def dropped_reason(pipeline, item) -> str:
    with pytest.raises(DropItem) as raised:
        pipeline.process_item(item)
    return str(raised.value).split(":")[0]


def test_mention_id_is_the_truncated_sha256_of_source_and_native_id() -> None:
    assert mention_id("demo", "7312650") == hashlib.sha256("demo\x1f7312650".encode()).hexdigest()[:32]
    assert mention_id("demo", "7312650") != mention_id("forum:haraj", "7312650")


@pytest.mark.parametrize(("missing", "reason"), [("url", "missing_url"), ("@timestamp", "missing_timestamp"), ("author", "missing_author")])
def test_an_item_without_a_required_field_is_dropped_and_counted(missing: str, reason: str) -> None:
    crawler = crawler_for()
    item = complaint()
    del item[missing]
    assert dropped_reason(ValidateMentionPipeline(crawler), item) == reason
    assert crawler.stats.get_value(f"nabd/dropped/{reason}") == 1


def test_an_item_with_neither_text_nor_html_is_dropped_as_missing_text() -> None:
    crawler = crawler_for()
    item = complaint()
    del item["body_html"]
    assert dropped_reason(ValidateMentionPipeline(crawler), item) == "missing_text"


def test_html_body_becomes_text_with_emoji_and_line_break() -> None:
    item = HtmlToTextPipeline(crawler_for()).process_item(complaint())
    assert item["text"] == "@SahmCare النت فاصل من العصر 😡\nثلاث ساعات بدون شبكة"
    assert "body_html" not in item


def test_a_body_with_no_visible_text_is_dropped_as_empty() -> None:
    crawler = crawler_for()
    assert dropped_reason(HtmlToTextPipeline(crawler), complaint(body_html="<p> <br> </p>")) == "empty_text"
    assert crawler.stats.get_value("nabd/dropped/empty_text") == 1


def test_timestamps_are_stored_in_utc_with_z() -> None:
    item = UtcTimestampPipeline(crawler_for()).process_item(complaint(collected_at="2026-11-21T21:30:00+03:00"))
    assert item["@timestamp"] == "2026-11-21T18:12:09Z"
    assert item["collected_at"] == "2026-11-21T18:30:00Z"


def test_an_unreadable_timestamp_is_dropped_and_counted() -> None:
    crawler = crawler_for()
    assert dropped_reason(UtcTimestampPipeline(crawler), complaint(**{"@timestamp": "قبل ساعتين"})) == "bad_timestamp"
    assert crawler.stats.get_value("nabd/dropped/bad_timestamp") == 1


@pytest.mark.parametrize(
    ("published", "kept"),
    [("2026-11-21T00:00:00Z", True), ("2026-11-21T23:59:59Z", True), ("2026-11-22T00:00:00Z", False), ("2026-11-20T23:59:59Z", False)],
)
def test_only_items_inside_the_data_interval_are_kept(published: str, kept: bool) -> None:
    crawler = crawler_for()
    pipeline = DataIntervalPipeline(crawler)
    item = complaint(**{"@timestamp": published})
    if kept:
        assert pipeline.process_item(item) is item
    else:
        assert dropped_reason(pipeline, item) == "outside_interval"
        assert crawler.stats.get_value("nabd/dropped/outside_interval") == 1


def test_author_handle_is_replaced_by_a_keyed_pseudonym_and_the_name_dropped(pseudonym_key: str) -> None:
    pipeline = PseudonymizeAuthorPipeline(crawler_for())
    pipeline.open_spider()
    author = pipeline.process_item(complaint())["author"]
    assert author == {"id": author_pseudonym(pseudonym_key.encode(), "demo", "abu_fahad_88"), "name": None, "followers": 1520, "verified": False}
    assert "abu_fahad_88" not in str(author)
    assert author["id"] != author_pseudonym(b"another key", "demo", "abu_fahad_88")


def test_an_organisations_display_name_is_kept(pseudonym_key: str) -> None:
    pipeline = PseudonymizeAuthorPipeline(crawler_for())
    pipeline.open_spider()
    item = complaint(author={"handle": "RafeeqApp", "name": "رفيق", "followers": 88000, "verified": True, "organisation": True})
    assert pipeline.process_item(item)["author"]["name"] == "رفيق"


def test_the_demo_source_falls_back_to_the_documented_demo_key(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.delenv("NABD_PSEUDONYM_KEY", raising=False)
    pipeline = PseudonymizeAuthorPipeline(crawler_for())
    pipeline.open_spider()
    assert pipeline.process_item(complaint())["author"]["id"] == author_pseudonym(DEMO_PSEUDONYM_KEY.encode(), "demo", "abu_fahad_88")
    assert "NABD_PSEUDONYM_KEY is not set" in caplog.text


def test_a_real_source_without_a_key_refuses_to_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NABD_PSEUDONYM_KEY", raising=False)
    pipeline = PseudonymizeAuthorPipeline(crawler_for(source="reddit"))
    with pytest.raises(MissingPseudonymKey, match="NABD_PSEUDONYM_KEY"):
        pipeline.open_spider()


def test_the_query_defaults_to_the_source_and_a_spiders_query_is_kept() -> None:
    pipeline = QueryPipeline(crawler_for())
    assert pipeline.process_item(complaint())["query"] == "demo"
    assert pipeline.process_item(complaint(query="sahm"))["query"] == "sahm"


def test_a_second_item_with_the_same_id_is_dropped_as_duplicate() -> None:
    crawler = crawler_for()
    pipeline = DuplicatePipeline(crawler)
    pipeline.process_item(complaint())
    assert dropped_reason(pipeline, complaint()) == "duplicate"
    assert crawler.stats.get_value("nabd/dropped/duplicate") == 1
