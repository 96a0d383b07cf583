"""The report's figures on the real server against the fixture mentions, with exact expected numbers."""

from __future__ import annotations

from datetime import date

import pytest

from nabd.report.figures import ReportDay, gather


@pytest.fixture
def figures(es_client, index_names, indexed_mentions):
    return gather(es_client, index_names, ReportDay("sahm", date(2026, 11, 21), "Asia/Riyadh", ("najm",)))


def test_the_day_is_counted_in_the_brands_time_zone_without_spam(figures):
    metrics = figures["metrics"]
    assert (figures["start"], figures["end"]) == ("2026-11-21T00:00:00+03:00", "2026-11-22T00:00:00+03:00")
    assert metrics["volume"]["value"] == 9
    assert figures["sentiment"] == {"positive": 2, "negative": 5, "neutral": 2}
    assert metrics["net_sentiment"]["value"] == pytest.approx(-3 / 7)
    assert (metrics["complaints"]["value"], metrics["complaint_rate"]["value"]) == (5, pytest.approx(5 / 9))
    assert (metrics["churn_intent"]["value"], metrics["advocacy"]["value"]) == (1, 1)


def test_each_figure_changes_against_the_day_before(figures):
    metrics = figures["metrics"]
    assert (metrics["volume"]["previous"], metrics["volume"]["day_change"]) == (4, 5)
    assert metrics["net_sentiment"]["day_change"] == pytest.approx(-3 / 7 - 1 / 3)
    assert metrics["complaint_rate"]["day_change"] == pytest.approx(5 / 9 - 1 / 4)
    assert metrics["negative"]["day_change"] == 4 and metrics["advocacy"]["day_change"] == 1


def test_the_seven_day_average_counts_per_day_and_pools_the_rates(figures):
    metrics = figures["metrics"]
    assert metrics["volume"]["week_average"] == pytest.approx(7 / 7)
    assert metrics["volume"]["week_change"] == pytest.approx(8)
    assert metrics["positive"]["week_average"] == pytest.approx(4 / 7)
    assert metrics["complaint_rate"]["week_average"] == pytest.approx(2 / 7)
    assert metrics["net_sentiment"]["week_average"] == pytest.approx((4 - 2) / (4 + 2))
    assert metrics["advocacy"]["week_change"] == pytest.approx(1 - 1 / 7)


def test_top_complaint_topics_carry_their_change_and_most_engaged_examples(figures):
    topics = [(t["id"], t["count"], t["previous"], t["day_change"]) for t in figures["topics"]]
    assert topics == [("network_coverage", 3, 1, 2), ("billing_payment", 2, 0, 2), ("customer_service", 1, 0, 1)]
    examples = {t["id"]: [post["id"] for post in t["examples"]] for t in figures["topics"]}
    assert examples == {"network_coverage": ["r1", "r2"], "billing_payment": ["r4", "r3"], "customer_service": ["r2"]}
    assert figures["topics"][0]["week_average"] == pytest.approx(1 / 7)


def test_share_of_voice_counts_the_competitor_on_the_same_day(figures):
    assert figures["share_of_voice"] == {
        "sahm": {"count": 9, "share": pytest.approx(9 / 11), "sentiment": {"positive": 2, "negative": 5, "neutral": 2},
                 "net_sentiment": pytest.approx(-3 / 7)},
        "najm": {"count": 2, "share": pytest.approx(2 / 11), "sentiment": {"positive": 0, "negative": 0, "neutral": 2},
                 "net_sentiment": None}}


def test_sources_most_engaged_posts_and_dialects(figures):
    assert figures["sources"] == [{"source": "demo", "count": 6}, {"source": "x", "count": 2},
                                  {"source": "app_store", "count": 1}]
    assert [post["id"] for post in figures["posts"]] == ["r1", "r4", "r2", "r5", "r3"]
    assert figures["dialects"] == {"msa": 1, "gulf": 6, "egypt": 1, "levant": 1, "maghreb": 0, "unknown": 0}


def test_the_sentiment_chart_covers_the_13_days_before_and_the_day(figures):
    assert len(figures["over_time"]) == 14
    assert [(b["start"][:10], b["total"]) for b in figures["over_time"][:6]] == [
        ("2026-11-08", 0), ("2026-11-09", 0), ("2026-11-10", 0), ("2026-11-11", 0), ("2026-11-12", 0),
        ("2026-11-13", 1)]          # mention 41: 23:59 on the 13th in Riyadh, outside the week, inside the chart
    assert [(b["start"][:10], b["total"], b["negative"]) for b in figures["over_time"][6:]] == [
        ("2026-11-14", 0, 0), ("2026-11-15", 1, 1), ("2026-11-16", 0, 0), ("2026-11-17", 2, 0),
        ("2026-11-18", 0, 0), ("2026-11-19", 0, 0), ("2026-11-20", 4, 1), ("2026-11-21", 9, 5)]


def test_rising_terms_come_from_the_days_negative_posts(figures):
    assert "طايحه" in {term["term"] for term in figures["rising_terms"]}
