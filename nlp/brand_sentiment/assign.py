"""Writing sentiment per brand into classified mentions (enrichment and `nabd classify` alike)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from nlp.brand_sentiment.segments import read_brands


def assign_brand_sentiments(records: Sequence[dict[str, Any]], texts: Sequence[str], matcher,
                            judge: Callable[[list[str]], list[str]]) -> None:
    """Set `brands[].sentiment` (and `sentiment_evidence` where a post names several brands and a part
    of it was judged) and `nlp.brand_sentiment` ("<brand>:<sentiment>") from each record's `nlp.sentiment`.

    `texts[i]` is the text the classifier read for `records[i]`; `matcher` finds where each brand is
    named in it; `judge` is the classifier's sentiment of a list of texts, called once for all the parts
    of all the records. A record without `nlp.sentiment` or without brands gets no per-brand sentiment
    (a stale one is removed)."""
    pending = []
    for record, text in zip(records, texts):
        nlp = record.get("nlp") or {}
        brands = [brand for brand in record.get("brands") or [] if isinstance(brand, dict) and brand.get("id")]
        for brand in brands:
            brand.pop("sentiment", None)
            brand.pop("sentiment_evidence", None)
        nlp.pop("brand_sentiment", None)
        if nlp.get("sentiment") is None or not brands:
            continue
        reading = read_brands(text, matcher.occurrence_spans(text)) if len(brands) > 1 else None
        pending.append((brands, nlp, reading))
    parts = sorted({part for _, _, reading in pending if reading for part in reading.texts()})
    judged = dict(zip(parts, judge(parts))) if parts else {}
    for brands, nlp, reading in pending:
        read = reading.resolve(judged, nlp["sentiment"]) if reading else {}
        for brand in brands:
            found = read.get(brand["id"])
            brand["sentiment"] = found.sentiment if found else nlp["sentiment"]
            if found and found.evidence:
                brand["sentiment_evidence"] = found.evidence
        nlp["brand_sentiment"] = [f"{brand['id']}:{brand['sentiment']}" for brand in brands]


def judge_sentiments(classifier, texts: list[str]) -> list[str]:
    """The classifier's sentiment of each text: its sentiment-only path where it has one."""
    if hasattr(classifier, "sentiments"):
        return classifier.sentiments(texts)
    return [result.get("sentiment", "neutral") for result in classifier.classify(texts)]
