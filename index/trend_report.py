"""Runs the trend queries for one brand and window against a cluster and gathers the figures."""

from __future__ import annotations

from elasticsearch import Elasticsearch

from index import trends
from index.templates import IndexNames


def brand_trends(client: Elasticsearch, names: IndexNames, window: trends.TrendWindow) -> dict:
    """Every trend figure of DESIGN.md §6 for `window`, with the change against the previous window."""
    index = names.mentions_alias

    def run(body: dict) -> dict:
        return client.search(index=index, ignore_unavailable=True, allow_no_indices=True, **body)

    current = trends.parse_summary(run(trends.summary_query(window)))
    previous = trends.parse_summary(run(trends.summary_query(window.previous())))
    return {
        "brand": window.brand,
        "start": window.start.isoformat(),
        "end": window.end.isoformat(),
        "timezone": window.timezone,
        "summary": trends.with_change(current, previous),
        "over_time": trends.parse_volume_by_sentiment(run(trends.volume_by_sentiment_query(window))),
        "share_of_voice": trends.parse_share_of_voice(run(trends.share_of_voice_query(window)), window),
        "engagement": trends.parse_top_sources_and_posts(run(trends.top_sources_and_posts_query(window))),
        "most_engaged_negative": trends.parse_top_sources_and_posts(
            run(trends.top_sources_and_posts_query(window, sentiment="negative")))["posts"],
        "rising_negative_terms": trends.parse_rising_terms(run(trends.rising_terms_query(window))),
    }
