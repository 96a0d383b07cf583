"""Each brand's figures count its own sentiment, on the real server: a comparison is positive for one brand
and negative for the other, and mentions indexed before per-brand sentiment fall back to the post's."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from index.search import MentionQuery, search_mentions
from index.templates import mentions_template, setup
from index.trend_report import brand_trends
from index.trends import (TrendWindow, brand_sentiment_filter, mention_sentiment, parse_window_counts,
                          window_counts_query)
from tests.support import brand_sentiment as fixture
from tests.support.indexing import index_mentions

RIYADH = ZoneInfo("Asia/Riyadh")
DAY_START = datetime(2026, 11, 21, tzinfo=RIYADH)


def window(brand: str, competitors: tuple[str, ...]) -> TrendWindow:
    return TrendWindow(brand=brand, start=DAY_START, end=DAY_START + timedelta(days=1), timezone="Asia/Riyadh",
                       interval="day", competitors=competitors)


@pytest.fixture
def indexed(es_client, index_names):
    setup(es_client, index_names, ["سهم", "نجم"])
    index_mentions(es_client, index_names, fixture.MENTIONS)
    return index_names


@pytest.fixture
def sahm(es_client, indexed):
    return brand_trends(es_client, indexed, window("sahm", ("najm",)))


@pytest.fixture
def najm(es_client, indexed):
    return brand_trends(es_client, indexed, window("najm", ("sahm",)))


def test_the_summary_counts_the_brands_own_sentiment_and_the_posts_for_old_mentions(sahm, najm):
    for figures, expected in ((sahm, fixture.SAHM), (najm, fixture.NAJM)):
        summary = figures["summary"]
        assert summary["volume"] == expected["volume"]
        assert summary["sentiment"] == expected["sentiment"]
        assert summary["net_sentiment"] == pytest.approx(expected["net_sentiment"])


def test_volume_by_sentiment_splits_each_brand_by_its_own_sentiment(sahm, najm):
    assert sahm["over_time"] == [{"start": "2026-11-21T00:00:00.000+03:00", "total": 6, **fixture.SAHM["sentiment"]}]
    assert najm["over_time"] == [{"start": "2026-11-21T00:00:00.000+03:00", "total": 4, **fixture.NAJM["sentiment"]}]


def test_share_of_voice_gives_each_competitor_its_own_net_sentiment(sahm, najm):
    expected = {"sahm": {"count": 6, "share": pytest.approx(0.6), "sentiment": fixture.SAHM["sentiment"],
                         "net_sentiment": pytest.approx(fixture.SAHM["net_sentiment"])},
                "najm": {"count": 4, "share": pytest.approx(0.4), "sentiment": fixture.NAJM["sentiment"],
                         "net_sentiment": pytest.approx(fixture.NAJM["net_sentiment"])}}
    assert sahm["share_of_voice"] == expected
    assert najm["share_of_voice"] == expected


def test_the_most_engaged_negative_posts_are_negative_toward_the_brand(sahm, najm):
    assert [post["id"] for post in sahm["most_engaged_negative"]] == fixture.SAHM_NEGATIVE
    assert [post["id"] for post in najm["most_engaged_negative"]] == fixture.NAJM_NEGATIVE
    [comparison] = najm["most_engaged_negative"]
    assert mention_sentiment(comparison, "najm") == ("negative", "نجم طايحة طول اليوم")
    assert mention_sentiment(comparison, "sahm") == ("positive", "سهم أسرع بكثير")


def test_an_old_mention_takes_the_posts_sentiment_for_every_brand_it_names():
    old = next(m for m in fixture.MENTIONS if m["id"] == "bs-old-both")
    assert mention_sentiment(old, "sahm") == ("neutral", None) == mention_sentiment(old, "najm")


def test_alert_window_counts_are_each_brands_own_negatives(es_client, indexed):
    end = datetime(2026, 11, 21, 21, 0, tzinfo=timezone.utc)   # one window of 12 hours: 09:00Z .. 21:00Z
    counts = {}
    for brand in ("sahm", "najm"):
        response = es_client.search(index=indexed.mentions_alias, **window_counts_query(brand, end, 1, 12 * 60))
        counts[brand] = parse_window_counts(response, end, 1, 12 * 60)
    assert counts == {"sahm": ([3], [6]), "najm": ([1], [4])}


def test_searching_a_brands_negative_mentions_uses_its_own_sentiment(es_client, indexed):
    def ids(brand, sentiment):
        result = search_mentions(es_client, indexed, MentionQuery(brand=brand, sentiment=sentiment, size=20))
        return sorted(mention["id"] for mention in result.mentions)

    assert ids("najm", "negative") == ["bs-compare"]
    assert ids("sahm", "positive") == ["bs-compare", "bs-old-positive"]
    assert ids("sahm", "negative") == ["bs-old-negative", "bs-sahm-negative", "bs-spam", "bs-switch"]


def test_the_filter_never_counts_a_brand_the_mention_does_not_name(es_client, indexed):
    for sentiment in ("positive", "negative", "neutral"):
        query = brand_sentiment_filter("rafeeq", sentiment)
        assert es_client.count(index=indexed.mentions_alias, query=query)["count"] == 0


def test_setup_adds_the_per_brand_sentiment_fields_to_a_month_created_before_them(es_client, index_names):
    """A monthly index made from the mapping before per-brand sentiment takes the new fields on `setup`."""
    old_month = f"{index_names.prefix}-mentions-2026.11"
    template = mentions_template(index_names, ["سهم", "نجم"])["template"]
    mappings = template["mappings"]
    del mappings["properties"]["nlp"]["properties"]["brand_sentiment"]
    for field in ("sentiment", "sentiment_evidence"):
        del mappings["properties"]["brands"]["properties"][field]
    es_client.indices.create(index=old_month, settings={"analysis": template["settings"]["analysis"]},
                             mappings=mappings)
    with pytest.raises(AssertionError, match="strict_dynamic_mapping_exception"):
        index_mentions(es_client, index_names, [fixture.COMPARISON])

    setup(es_client, index_names, ["سهم", "نجم"])

    index_mentions(es_client, index_names, [fixture.COMPARISON])
    fields = es_client.indices.get_mapping(index=old_month)[old_month]["mappings"]["properties"]
    assert fields["nlp"]["properties"]["brand_sentiment"] == {"type": "keyword"}
    assert fields["brands"]["properties"]["sentiment"] == {"type": "keyword"}
    assert es_client.count(index=old_month, query=brand_sentiment_filter("najm", "negative"))["count"] == 1
