"""Writing sentiment per brand into a classified mention (enrichment and `nabd classify` alike)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nlp.brand_sentiment.segments import brand_sentiments


def assign_brand_sentiments(record: dict[str, Any], text: str, matcher, judge: Callable[[list[str]], list[str]]) -> None:
    """Set `brands[].sentiment` (and `sentiment_evidence` where the post names several brands and a
    part of it was judged) and `nlp.brand_sentiment` ("<brand>:<sentiment>") from `nlp.sentiment`.

    `text` is the text the classifier read; `matcher` finds where each brand is named in it; `judge`
    is the classifier's sentiment of a list of texts. A record without `nlp.sentiment` or without
    brands is left without per-brand sentiment (a stale one is removed)."""
    nlp = record.get("nlp") or {}
    brands = [brand for brand in record.get("brands") or [] if isinstance(brand, dict) and brand.get("id")]
    for brand in brands:
        brand.pop("sentiment", None)
        brand.pop("sentiment_evidence", None)
    nlp.pop("brand_sentiment", None)
    post_sentiment = nlp.get("sentiment")
    if post_sentiment is None or not brands:
        return
    read = {}
    if len(brands) > 1:
        read = brand_sentiments(text, matcher.occurrence_spans(text), post_sentiment, judge)
    for brand in brands:
        reading = read.get(brand["id"])
        brand["sentiment"] = reading.sentiment if reading else post_sentiment
        if reading and reading.evidence:
            brand["sentiment_evidence"] = reading.evidence
    nlp["brand_sentiment"] = [f"{brand['id']}:{brand['sentiment']}" for brand in brands]
