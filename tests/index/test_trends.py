"""Trend queries on the real server against indexed fixtures, with exact expected numbers."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from index.templates import setup
from index.trend_report import brand_trends
from index.trends import (TrendWindow, complaint_examples_query, net_sentiment, parse_complaint_examples,
                          volume_by_sentiment_query)
from tests.support.indexing import index_mentions

RIYADH = ZoneInfo("Asia/Riyadh")


def mention(n, when, sentiment, brands=("sahm",), complaint=False, topics=(), spam=False, likes=0,
            dialect="gulf", text="الشبكة ضعيفة", source="demo", sarcasm=False, churn=False):
    return {"id": f"t{n}", "source": source, "@timestamp": when, "text": text,
            "brands": [{"id": b, "alias": b, "role": "brand"} for b in brands],
            "engagement": {"likes": likes},
            "nlp": {"sentiment": sentiment, "complaint": complaint, "topics": list(topics), "spam": spam,
                    "dialect": dialect, "sarcasm": sarcasm, "churn_intent": churn, "advocacy": False}}


# Two Riyadh days (2026-11-20, 2026-11-21 local = 21:00Z the day before) and the day before them.
FIXTURES = [
    # previous window: 2026-11-18T21:00Z .. 2026-11-19T21:00Z... (the two days before the window)
    mention(1, "2026-11-18T10:00:00Z", "negative", complaint=True, topics=["network_coverage"]),
    mention(2, "2026-11-18T11:00:00Z", "positive"),
    # window day 1 (2026-11-20 Riyadh)
    mention(3, "2026-11-19T21:30:00Z", "negative", complaint=True, topics=["network_coverage", "customer_service"],
            likes=50, text="الشبكة طايحة وخدمة العملاء ما ترد", churn=True),
    mention(4, "2026-11-20T08:00:00Z", "positive", likes=3, dialect="egypt"),
    mention(5, "2026-11-20T09:00:00Z", "neutral", brands=("sahm", "najm")),
    mention(6, "2026-11-20T10:00:00Z", "negative", spam=True, likes=999),          # spam: never counts
    # window day 2 (2026-11-21 Riyadh)
    mention(7, "2026-11-21T18:00:00Z", "negative", complaint=True, topics=["network_coverage"], likes=20,
            text="الشبكة طايحة من العصر", source="x", sarcasm=True),
    mention(8, "2026-11-21T19:00:00Z", "negative", complaint=True, topics=["billing_payment"], likes=5,
            text="الفاتورة غلط والشبكة طايحة"),
    mention(9, "2026-11-21T20:00:00Z", "positive", brands=("najm",)),               # competitor only
    mention(10, "2026-11-21T20:59:59Z", "negative", brands=("najm",)),
    mention(11, "2026-11-21T21:00:00Z", "negative"),                                 # next Riyadh day: outside
]


@pytest.fixture
def window(es_client, index_names):
    setup(es_client, index_names, ["سهم"])
    index_mentions(es_client, index_names, FIXTURES)
    return TrendWindow(brand="sahm", start=datetime(2026, 11, 20, tzinfo=RIYADH),
                       end=datetime(2026, 11, 22, tzinfo=RIYADH), timezone="Asia/Riyadh",
                       interval="day", competitors=("najm",))


@pytest.fixture
def figures(es_client, index_names, window):
    return brand_trends(es_client, index_names, window)


def test_volume_by_sentiment_is_bucketed_by_riyadh_days_without_spam(figures):
    assert figures["over_time"] == [
        {"start": "2026-11-20T00:00:00.000+03:00", "total": 3, "positive": 1, "negative": 1, "neutral": 1},
        {"start": "2026-11-21T00:00:00.000+03:00", "total": 2, "positive": 0, "negative": 2, "neutral": 0},
    ]


def test_empty_buckets_are_filled_across_the_window(es_client, index_names, window):
    hourly = TrendWindow(brand="sahm", start=datetime(2026, 11, 21, 21, tzinfo=RIYADH),
                         end=datetime(2026, 11, 22, tzinfo=RIYADH), timezone="Asia/Riyadh", interval="hour")
    response = es_client.search(index=index_names.mentions_alias, **volume_by_sentiment_query(hourly))
    assert [b["doc_count"] for b in response["aggregations"]["over_time"]["buckets"]] == [1, 1, 0]


def test_summary_figures_and_change_against_the_previous_window(figures):
    summary = figures["summary"]
    assert summary["volume"] == 5
    assert summary["sentiment"] == {"positive": 1, "negative": 3, "neutral": 1}
    assert summary["net_sentiment"] == pytest.approx(-0.5)
    assert (summary["complaints"], summary["complaint_rate"]) == (3, pytest.approx(0.6))
    assert summary["top_topics"][0] == {"id": "network_coverage", "count": 2, "previous": 1, "change": 1}
    assert {t["id"] for t in summary["top_topics"]} == {"network_coverage", "customer_service", "billing_payment"}
    assert summary["churn_intent"] == 1 and summary["sarcasm_share"] == pytest.approx(0.2)
    assert summary["dialects"] == {"msa": 0, "gulf": 4, "egypt": 1, "levant": 0, "maghreb": 0, "unknown": 0}
    assert summary["change"]["volume"] == 3 and summary["change"]["complaints"] == 2


def test_share_of_voice_against_competitors(figures):
    assert figures["share_of_voice"] == {
        "sahm": {"count": 5, "share": pytest.approx(5 / 8), "sentiment": {"positive": 1, "negative": 3, "neutral": 1},
                 "net_sentiment": pytest.approx(-0.5)},
        "najm": {"count": 3, "share": pytest.approx(3 / 8), "sentiment": {"positive": 1, "negative": 1, "neutral": 1},
                 "net_sentiment": pytest.approx(0.0)}}


def test_top_sources_and_most_engaged_mentions(figures):
    assert figures["engagement"]["sources"] == [{"source": "demo", "count": 4}, {"source": "x", "count": 1}]
    assert [post["id"] for post in figures["engagement"]["posts"]][:3] == ["t3", "t7", "t8"]
    assert [post["id"] for post in figures["most_engaged_negative"]] == ["t3", "t7", "t8"]


def test_rising_terms_in_negative_mentions_come_from_their_text(figures):
    terms = {item["term"] for item in figures["rising_negative_terms"]}
    assert "طايحه" in terms


def test_complaint_examples_are_each_top_topics_most_engaged_complaints(es_client, index_names, window):
    response = es_client.search(index=index_names.mentions_alias, **complaint_examples_query(window, per_topic=2))
    examples = {topic: [post["id"] for post in posts] for topic, posts in parse_complaint_examples(response).items()}
    assert examples == {"network_coverage": ["t3", "t7"], "billing_payment": ["t8"], "customer_service": ["t3"]}
    assert list(examples) == ["network_coverage", "billing_payment", "customer_service"]


def test_net_sentiment_is_undefined_without_positive_or_negative():
    assert net_sentiment(0, 0) is None and net_sentiment(3, 1) == 0.5


def test_a_window_must_be_aware_and_forward():
    with pytest.raises(ValueError, match="before it starts"):
        TrendWindow(brand="sahm", start=datetime(2026, 11, 22, tzinfo=RIYADH), end=datetime(2026, 11, 20, tzinfo=RIYADH))
    with pytest.raises(ValueError, match="time-zone-aware"):
        TrendWindow(brand="sahm", start=datetime(2026, 11, 20), end=datetime(2026, 11, 22))
