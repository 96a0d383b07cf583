"""Trend queries over mentions: pure request builders and the parsers of their responses.

Every figure is for one brand over one window [start, end) in the brand's time zone; spam never
counts. A brand's sentiment is its own (`nlp.brand_sentiment`, "<brand>:<sentiment>"), so a post that
praises one brand against another counts positive for the first and negative for the second; mentions
indexed before per-brand sentiment fall back to the post's `nlp.sentiment`. `index.trend_report` runs
them against a cluster.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from index.stop_terms import EXCLUDED_TERMS

SENTIMENTS = ("positive", "negative", "neutral")
# `unknown`: the dialect head was not confident enough (nlp/model/dialect_calibration.py)
DIALECTS = ("msa", "gulf", "egypt", "levant", "maghreb", "unknown")
INTERVALS = {"hour": "1h", "day": "1d"}
LAST_MOMENT = timedelta(milliseconds=1)


@dataclass(frozen=True)
class TrendWindow:
    """What to measure: a brand over [start, end) (aware datetimes), bucketed in its time zone."""

    brand: str
    start: datetime
    end: datetime
    timezone: str = "UTC"
    interval: str = "day"
    competitors: tuple[str, ...] = field(default_factory=tuple)
    top: int = 5

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("trend windows need time-zone-aware start and end")
        if self.end <= self.start:
            raise ValueError(f"the window ends ({self.end.isoformat()}) before it starts ({self.start.isoformat()})")
        if self.interval not in INTERVALS:
            raise ValueError(f"interval must be one of {sorted(INTERVALS)}, got {self.interval!r}")

    def previous(self) -> "TrendWindow":
        """The window of the same length just before this one (for period-over-period change)."""
        length = self.end - self.start
        return TrendWindow(self.brand, self.start - length, self.start, self.timezone, self.interval,
                           self.competitors, self.top)


NOT_SPAM = {"bool": {"must_not": {"term": {"nlp.spam": True}}}}


def _time_range(window: TrendWindow) -> dict:
    return {"range": {"@timestamp": {"gte": window.start.isoformat(), "lt": window.end.isoformat()}}}


def brand_filter(window: TrendWindow, brand: str | None = None) -> list[dict]:
    """The filter every brand figure shares: the brand, the window, no spam."""
    return [{"term": {"brands.id": brand or window.brand}}, _time_range(window), NOT_SPAM]


def brand_sentiment_filter(brand: str, sentiment: str) -> dict:
    """Mentions of `brand` whose sentiment toward it is `sentiment`.

    The brand's own label (`nlp.brand_sentiment` holds "<brand>:<sentiment>" for every brand the post
    names); a mention indexed before per-brand sentiment has no `nlp.brand_sentiment`, and there the
    post's `nlp.sentiment` stands for every brand it names.
    """
    return {"bool": {"minimum_should_match": 1, "should": [
        {"term": {"nlp.brand_sentiment": f"{brand}:{sentiment}"}},
        {"bool": {"filter": [{"term": {"brands.id": brand}}, {"term": {"nlp.sentiment": sentiment}}],
                  "must_not": [{"exists": {"field": "nlp.brand_sentiment"}}]}},
    ]}}


def sentiment_aggregation(brand: str) -> dict:
    """A `filters` aggregation with one bucket per sentiment of `brand` (parsed by `sentiment_counts`)."""
    return {"filters": {"filters": {s: brand_sentiment_filter(brand, s) for s in SENTIMENTS}}}


def sentiment_counts(aggregation: dict) -> dict[str, int]:
    """{positive, negative, neutral} counts from a `sentiment_aggregation` response."""
    return {s: aggregation["buckets"][s]["doc_count"] for s in SENTIMENTS}


def mention_sentiment(mention: dict, brand: str) -> tuple[str | None, str | None]:
    """(sentiment, evidence span or None) of a mention toward `brand`: its `brands[]` entry's own, else the post's."""
    for entry in mention.get("brands") or []:
        if isinstance(entry, dict) and entry.get("id") == brand and entry.get("sentiment"):
            return entry["sentiment"], entry.get("sentiment_evidence")
    return (mention.get("nlp") or {}).get("sentiment"), None


def _search(filters: list[dict], aggs: dict, **extra: Any) -> dict:
    return {"size": 0, "track_total_hits": True, "query": {"bool": {"filter": filters}}, "aggs": aggs, **extra}


# --- volume over time by sentiment ------------------------------------------------------------------


def volume_by_sentiment_query(window: TrendWindow) -> dict:
    """Counts per time bucket and sentiment; empty buckets are filled across the whole window."""
    histogram = {
        "field": "@timestamp",
        "fixed_interval": INTERVALS[window.interval],
        "time_zone": window.timezone,
        "min_doc_count": 0,
        # Bounds are inclusive: the last bucket is the one holding the window's last millisecond.
        "extended_bounds": {"min": window.start.isoformat(), "max": (window.end - LAST_MOMENT).isoformat()},
    }
    if window.interval == "day":
        histogram.pop("fixed_interval")
        histogram["calendar_interval"] = "1d"
    return _search(brand_filter(window), {
        "over_time": {"date_histogram": histogram,
                      "aggs": {"sentiment": sentiment_aggregation(window.brand)}},
    })


def parse_volume_by_sentiment(response: dict) -> list[dict]:
    return [{"start": bucket["key_as_string"], "total": bucket["doc_count"], **sentiment_counts(bucket["sentiment"])}
            for bucket in response["aggregations"]["over_time"]["buckets"]]


# --- sentiment mix, net sentiment, complaints, signals --------------------------------------------


def summary_query(window: TrendWindow) -> dict:
    """Volume, sentiment mix, complaints and their topics, churn, advocacy, sarcasm and dialects."""
    return _search(brand_filter(window), {
        "sentiment": sentiment_aggregation(window.brand),
        "complaints": {"filter": {"term": {"nlp.complaint": True}},
                       "aggs": {"topics": {"terms": {"field": "nlp.topics", "size": window.top}}}},
        "churn_intent": {"filter": {"term": {"nlp.churn_intent": True}}},
        "advocacy": {"filter": {"term": {"nlp.advocacy": True}}},
        "sarcasm": {"filter": {"term": {"nlp.sarcasm": True}}},
        "dialects": {"terms": {"field": "nlp.dialect", "size": len(DIALECTS)}},
    })


def net_sentiment(positive: int, negative: int) -> float | None:
    """(pos − neg) / (pos + neg); None when there is neither."""
    return (positive - negative) / (positive + negative) if positive + negative else None


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def parse_summary(response: dict) -> dict:
    aggs = response["aggregations"]
    volume = response["hits"]["total"]["value"]
    sentiment = sentiment_counts(aggs["sentiment"])
    complaints = aggs["complaints"]["doc_count"]
    dialects = {d: 0 for d in DIALECTS}
    dialects.update({b["key"]: b["doc_count"] for b in aggs["dialects"]["buckets"]})
    return {
        "volume": volume,
        "sentiment": sentiment,
        "net_sentiment": net_sentiment(sentiment["positive"], sentiment["negative"]),
        "complaints": complaints,
        "complaint_rate": _share(complaints, volume),
        "top_topics": [{"id": b["key"], "count": b["doc_count"]} for b in aggs["complaints"]["topics"]["buckets"]],
        "churn_intent": aggs["churn_intent"]["doc_count"],
        "advocacy": aggs["advocacy"]["doc_count"],
        "sarcasm_share": _share(aggs["sarcasm"]["doc_count"], volume),
        "dialects": dialects,
    }


def with_change(current: dict, previous: dict) -> dict:
    """Adds the change against the previous window to the headline figures and each topic."""
    change = {}
    for key in ("volume", "complaints", "complaint_rate", "net_sentiment"):
        now, before = current[key], previous[key]
        change[key] = None if now is None or before is None else now - before
    before_topics = {t["id"]: t["count"] for t in previous["top_topics"]}
    topics = [{**t, "previous": before_topics.get(t["id"], 0), "change": t["count"] - before_topics.get(t["id"], 0)}
              for t in current["top_topics"]]
    return {**current, "top_topics": topics, "change": change, "previous": previous}


# --- share of voice ---------------------------------------------------------------------------------


def share_of_voice_query(window: TrendWindow) -> dict:
    """Mentions per brand among the brand and its competitors (a mention may name several), each brand
    with its own sentiment mix."""
    brands = [window.brand, *window.competitors]
    return _search([{"terms": {"brands.id": brands}}, _time_range(window), NOT_SPAM], {
        "brands": {"filters": {"filters": {brand: {"term": {"brands.id": brand}} for brand in brands}}},
        "sentiment": {"filters": {"filters": {f"{brand}:{s}": brand_sentiment_filter(brand, s)
                                              for brand in brands for s in SENTIMENTS}}},
    })


def parse_share_of_voice(response: dict, window: TrendWindow) -> dict[str, dict]:
    aggs = response["aggregations"]
    counts = {brand: aggs["brands"]["buckets"][brand]["doc_count"] for brand in (window.brand, *window.competitors)}
    total = sum(counts.values())
    figures = {}
    for brand, count in counts.items():
        sentiment = {s: aggs["sentiment"]["buckets"][f"{brand}:{s}"]["doc_count"] for s in SENTIMENTS}
        figures[brand] = {"count": count, "share": _share(count, total), "sentiment": sentiment,
                          "net_sentiment": net_sentiment(sentiment["positive"], sentiment["negative"])}
    return figures


# --- sources and the most engaged mentions ------------------------------------------------------------


POST_FIELDS = ["id", "url", "text", "source", "@timestamp", "engagement", "brands", "nlp.sentiment", "nlp.topics"]


def top_sources_and_posts_query(window: TrendWindow, sentiment: str | None = None) -> dict:
    """Top sources and the most engaged mentions; with `sentiment`, only those with that sentiment toward the brand."""
    filters = brand_filter(window)
    if sentiment:
        filters.append(brand_sentiment_filter(window.brand, sentiment))
    return _search(filters, {"sources": {"terms": {"field": "source", "size": window.top}}},
                   size=window.top, sort=[{"engagement.total": {"order": "desc", "missing": "_last"}},
                                          {"@timestamp": "desc"}, {"id": "asc"}],
                   _source=POST_FIELDS)


def parse_top_sources_and_posts(response: dict) -> dict:
    return {
        "sources": [{"source": b["key"], "count": b["doc_count"]} for b in response["aggregations"]["sources"]["buckets"]],
        "posts": [hit["_source"] for hit in response["hits"]["hits"]],
    }


# --- rising terms in negative mentions ------------------------------------------------------------------


# significant_text re-analyses the text of every foreground mention and looks up a background count for
# every candidate term; on a busy brand-day that is thousands of documents and tens of thousands of terms
# (about 0.8 s p95 over 1,000,000 mentions, docs/benchmarks.md). Two documented remedies keep it fast:
# a sampler (a seeded random sample of at most RISING_SAMPLE_SIZE negative mentions per shard; exact below
# that) and shard_min_doc_count equal to min_doc_count, so terms seen once get no background lookup.
RISING_SAMPLE_SIZE = 500
RISING_MIN_DOC_COUNT = 2


def rising_terms_query(window: TrendWindow, sample_size: int = RISING_SAMPLE_SIZE) -> dict:
    """Terms unusually frequent in the window's negative mentions (negative toward the brand) against the
    brand's own background."""
    filters = [*brand_filter(window), brand_sentiment_filter(window.brand, "negative")]
    body = _search(filters, {"sample": {
        "sampler": {"shard_size": sample_size},
        "aggs": {"rising": {"significant_text": {
            "field": "text.exact",
            "size": window.top,
            "min_doc_count": RISING_MIN_DOC_COUNT,
            "shard_min_doc_count": RISING_MIN_DOC_COUNT,
            "filter_duplicate_text": True,
            "exclude": list(EXCLUDED_TERMS),  # function words say nothing about the brand (index/stop_terms.py)
            "background_filter": {"bool": {"filter": [{"term": {"brands.id": window.brand}}, NOT_SPAM]}},
        }}},
    }})
    # Filters alone score every mention alike, and the sampler would keep the first indexed; a seeded
    # random score makes the sample an unbiased one, and the same on every run.
    body["query"] = {"function_score": {"query": body["query"], "boost_mode": "replace",
                                        "random_score": {"seed": 2026, "field": "_seq_no"}}}
    return body


def parse_rising_terms(response: dict) -> list[dict]:
    """Most significant first; equal scores by count, then term, so a report is the same on every run."""
    buckets = sorted(response["aggregations"]["sample"]["rising"]["buckets"],
                     key=lambda b: (-b["score"], -b["doc_count"], b["key"]))
    return [{"term": b["key"], "count": b["doc_count"], "background": b["bg_count"], "score": round(b["score"], 4)}
            for b in buckets]


# --- window counts for spike detection ------------------------------------------------------------


def window_counts_query(brand: str, end: datetime, windows: int, window_minutes: int) -> dict:
    """Negative (toward the brand) and total counts in `windows` consecutive windows of `window_minutes`
    ending at `end`."""
    start = end - timedelta(minutes=window_minutes * windows)
    offset_minutes = int(end.timestamp() // 60) % window_minutes
    return _search(
        [{"term": {"brands.id": brand}}, {"range": {"@timestamp": {"gte": start.isoformat(), "lt": end.isoformat()}}},
         NOT_SPAM],
        {"windows": {
            "date_histogram": {"field": "@timestamp", "fixed_interval": f"{window_minutes}m",
                               "offset": f"{offset_minutes}m", "min_doc_count": 1},
            "aggs": {"negative": {"filter": brand_sentiment_filter(brand, "negative")}},
        }},
    )


def parse_window_counts(response: dict, end: datetime, windows: int, window_minutes: int
                        ) -> tuple[list[int], list[int]]:
    """(negative, total) per window, oldest first, exactly `windows` long; empty windows count zero.

    Windows are matched by their start time rather than by position: Elasticsearch's bucket bounds
    ignore the offset when windows are not on the hour, so positions alone can be off by one.
    """
    by_start = {int(b["key"]): b for b in response["aggregations"]["windows"]["buckets"]}
    step_ms = window_minutes * 60_000
    first_ms = int(end.timestamp() * 1000) - windows * step_ms
    buckets = [by_start.get(first_ms + i * step_ms) for i in range(windows)]
    negative = [b["negative"]["doc_count"] if b else 0 for b in buckets]
    total = [b["doc_count"] if b else 0 for b in buckets]
    return negative, total


# --- example complaints per topic ---------------------------------------------------------------------


def complaint_examples_query(window: TrendWindow, per_topic: int = 2) -> dict:
    """The top complaint topics of the window, each with its most engaged complaints as examples."""
    examples = {"top_hits": {
        "size": per_topic,
        "sort": [{"engagement.total": {"order": "desc", "missing": "_last"}}, {"@timestamp": "desc"}, {"id": "asc"}],
        "_source": POST_FIELDS,
    }}
    filters = [*brand_filter(window), {"term": {"nlp.complaint": True}}]
    return _search(filters, {"topics": {"terms": {"field": "nlp.topics", "size": window.top},
                                        "aggs": {"examples": examples}}})


def parse_complaint_examples(response: dict) -> dict[str, list[dict]]:
    """Topic id → its example complaints, most engaged first (topics in descending count)."""
    return {b["key"]: [hit["_source"] for hit in b["examples"]["hits"]["hits"]]
            for b in response["aggregations"]["topics"]["buckets"]}


# --- the report's morning read: spam excluded, and example posts of the rising terms -------------------


def spam_query(window: TrendWindow) -> dict:
    """Mentions of the brand in the window that the spam head excluded from every figure, by kind."""
    filters = [{"term": {"brands.id": window.brand}}, _time_range(window), {"term": {"nlp.spam": True}}]
    return _search(filters, {"reasons": {"terms": {"field": "nlp.spam_reason", "size": 10}}})


def parse_spam(response: dict) -> dict:
    return {"count": response["hits"]["total"]["value"],
            "reasons": [{"reason": b["key"], "count": b["doc_count"]}
                        for b in response["aggregations"]["reasons"]["buckets"]]}


def rising_term_examples_query(window: TrendWindow, terms: list[str], per_term: int = 2) -> dict:
    """For each rising term (as `rising_terms_query` found it in `text.exact`), the most engaged mentions of the
    window negative toward the brand that contain it."""
    examples = {"top_hits": {
        "size": per_term,
        "sort": [{"engagement.total": {"order": "desc", "missing": "_last"}}, {"@timestamp": "desc"}, {"id": "asc"}],
        "_source": POST_FIELDS,
    }}
    filters = [*brand_filter(window), brand_sentiment_filter(window.brand, "negative")]
    return _search(filters, {"terms": {"filters": {"filters": {term: {"match_phrase": {"text.exact": term}}
                                                               for term in terms}},
                                       "aggs": {"examples": examples}}})


def parse_rising_term_examples(response: dict) -> dict[str, list[dict]]:
    """Term → its example mentions, most engaged first."""
    return {term: [hit["_source"] for hit in bucket["examples"]["hits"]["hits"]]
            for term, bucket in response["aggregations"]["terms"]["buckets"].items()}
