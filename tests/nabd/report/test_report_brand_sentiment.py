"""The report counts, stores and shows each brand's own sentiment: a comparison is positive for Sahm and
negative for Najm, and mentions indexed before per-brand sentiment count with the post's sentiment."""

from __future__ import annotations

from datetime import date

import pytest

from index.templates import brand_keywords, setup
from nabd.report import store
from nabd.report.figures import ReportDay, gather
from nabd.report.labels import Labels
from nabd.report.numbers import NumberStyle
from nabd.report.render import render_html
from nabd.report.view import report_view
from tests.support import brand_sentiment as fixture
from tests.support.indexing import index_mentions


@pytest.fixture
def config(es_client, index_names, test_config_dir):
    from config import load_config

    loaded = load_config(test_config_dir)
    setup(es_client, index_names, brand_keywords(loaded.brands))
    index_mentions(es_client, index_names, fixture.MENTIONS)
    return loaded


def figures_for(es_client, index_names, brand: str, competitor: str) -> dict:
    return gather(es_client, index_names, ReportDay(brand, date.fromisoformat(fixture.DAY), "Asia/Riyadh",
                                                    (competitor,)))


@pytest.fixture
def sahm(es_client, index_names, config):
    return figures_for(es_client, index_names, "sahm", "najm")


def view_for(figures, config, language="en") -> dict:
    style = NumberStyle(Labels(language), arabic_digits=False)
    return report_view(figures, style, {b.id: style.labels.name(b) for b in config.brands},
                       {t.id: style.labels.name(t) for t in config.topics})


def test_the_days_sentiment_mix_and_net_sentiment_are_the_brands_own(es_client, index_names, config, sahm):
    najm = figures_for(es_client, index_names, "najm", "sahm")
    for figures, expected in ((sahm, fixture.SAHM), (najm, fixture.NAJM)):
        assert figures["sentiment"] == expected["sentiment"]
        metrics = figures["metrics"]
        assert metrics["volume"]["value"] == expected["volume"]
        assert [metrics[s]["value"] for s in ("positive", "negative", "neutral")] == [
            expected["sentiment"][s] for s in ("positive", "negative", "neutral")]
        assert metrics["net_sentiment"]["value"] == pytest.approx(expected["net_sentiment"])
        assert figures["over_time"][-1]["negative"] == expected["sentiment"]["negative"]


def test_share_of_voice_shows_each_competitors_own_net_sentiment(config, sahm):
    assert sahm["share_of_voice"]["najm"]["sentiment"] == fixture.NAJM["sentiment"]
    rows = {row["key"]: row for row in view_for(sahm, config)["share_of_voice"]}
    assert (rows["sahm"]["share"], rows["sahm"]["net_sentiment"]) == ("60%", "-20%")
    assert (rows["najm"]["share"], rows["najm"]["net_sentiment"]) == ("40%", "33%")


def test_the_stored_brand_health_document_holds_the_brands_own_sentiment(es_client, index_names, sahm):
    document_id = store.store(es_client, index_names, store.health_document(sahm, "2026-11-22T06:00:00+03:00"))
    stored = es_client.get(index=index_names.brand_health_alias, id=document_id)["_source"]
    assert stored["sentiment"] == fixture.SAHM["sentiment"]
    assert stored["net_sentiment"] == pytest.approx(fixture.SAHM["net_sentiment"])


def test_example_posts_show_the_sentiment_toward_the_brand_and_its_evidence(config, sahm):
    view = view_for(sahm, config)
    posts = {row["url"].rsplit("/", 1)[1]: row for row in view["posts"]}
    assert list(posts) == ["bs-compare", "bs-switch", "bs-sahm-negative", "bs-old-positive", "bs-old-negative"]
    assert (posts["bs-compare"]["sentiment"], posts["bs-compare"]["evidence"]) == ("Positive", "سهم أسرع بكثير")
    assert (posts["bs-switch"]["sentiment"], posts["bs-switch"]["evidence"]) == ("Negative", "سهم خذلني")
    assert (posts["bs-old-positive"]["sentiment"], posts["bs-old-positive"]["evidence"]) == ("Positive", None)
    [coverage] = [topic for topic in view["topics"] if topic["key"] == "network_coverage"]
    assert [(post["sentiment"], post["evidence"]) for post in coverage["examples"]] == [
        ("Negative", "سهم خذلني"), ("Negative", None)]


def test_the_arabic_report_prints_the_brands_sentiment_with_its_evidence(config, sahm):
    style = NumberStyle(Labels("ar"), arabic_digits=True)
    html = render_html(report_view(sahm, style, {b.id: style.labels.name(b) for b in config.brands},
                                   {t.id: style.labels.name(t) for t in config.topics}))
    assert 'إيجابية «<span dir="auto">سهم أسرع بكثير</span>»' in html
    assert 'سلبية «<span dir="auto">سهم خذلني</span>»' in html
    assert "نجم طايحة طول اليوم" not in html.replace("سهم أسرع بكثير من نجم، نجم طايحة طول اليوم", "")
