"""The report day's figures: the day against the day before and the 7-day average, from the trend queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from elasticsearch import Elasticsearch

from index import collection_health, trends
from index.templates import IndexNames

WEEK = 7
CHART_DAYS = 14       # the sentiment line chart: the day and the 13 before
ALL_TOPICS = 50
COUNTS = ("volume", "positive", "neutral", "negative", "complaints", "churn_intent", "advocacy")
RATES = ("net_sentiment", "complaint_rate")
METRICS = ("volume", "positive", "neutral", "negative", "net_sentiment", "complaints", "complaint_rate",
           "churn_intent", "advocacy")


@dataclass(frozen=True)
class ReportDay:
    """One brand's calendar day in its own time zone, and the competitors it is compared with."""

    brand: str
    day: date
    timezone: str
    competitors: tuple[str, ...] = ()
    top: int = 5

    def window(self, first: date, days: int, top: int | None = None) -> trends.TrendWindow:
        """The trend window over `days` whole local days from `first`."""
        zone = ZoneInfo(self.timezone)
        start = datetime.combine(first, time(), zone)
        end = datetime.combine(first + timedelta(days=days), time(), zone)
        return trends.TrendWindow(self.brand, start, end, self.timezone, "day", self.competitors, top or self.top)

    @property
    def today(self) -> trends.TrendWindow:
        return self.window(self.day, 1)

    @property
    def day_before(self) -> trends.TrendWindow:
        return self.window(self.day - timedelta(days=1), 1, top=ALL_TOPICS)

    @property
    def week_before(self) -> trends.TrendWindow:
        return self.window(self.day - timedelta(days=WEEK), WEEK, top=ALL_TOPICS)

    @property
    def chart_days(self) -> trends.TrendWindow:
        """The 13 days before and the day itself, for the sentiment line chart (the volume bars show the last 8)."""
        return self.window(self.day - timedelta(days=CHART_DAYS - 1), CHART_DAYS)


def headline(summary: dict) -> dict:
    """The compared figures of one parsed summary, flat."""
    return {"volume": summary["volume"], **summary["sentiment"], "net_sentiment": summary["net_sentiment"],
            "complaints": summary["complaints"], "complaint_rate": summary["complaint_rate"],
            "churn_intent": summary["churn_intent"], "advocacy": summary["advocacy"]}


def week_average(summary: dict) -> dict:
    """Counts per day over the week; rates pooled over the week's mentions (not a mean of daily rates)."""
    figures = headline(summary)
    return {key: (figures[key] / WEEK if key in COUNTS else figures[key]) for key in METRICS}


def _difference(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else now - before


def compare(day: dict, previous: dict, average: dict) -> dict[str, dict]:
    """Each metric with its day-over-day change and its change against the 7-day average."""
    return {key: {"value": day[key], "previous": previous[key], "day_change": _difference(day[key], previous[key]),
                  "week_average": average[key], "week_change": _difference(day[key], average[key])}
            for key in METRICS}


def topics_with_examples(today: dict, previous: dict, week: dict, examples: dict[str, list[dict]]) -> list[dict]:
    """The day's top complaint topics, each with yesterday's count, the 7-day average and example posts."""
    before = {t["id"]: t["count"] for t in previous["top_topics"]}
    in_week = {t["id"]: t["count"] for t in week["top_topics"]}
    return [{"id": t["id"], "count": t["count"], "previous": before.get(t["id"], 0),
             "day_change": t["count"] - before.get(t["id"], 0), "week_average": in_week.get(t["id"], 0) / WEEK,
             "examples": examples.get(t["id"], [])} for t in today["top_topics"]]


def gather(client: Elasticsearch, names: IndexNames, report_day: ReportDay) -> dict:
    """Every figure of DESIGN.md §6 for the brand's day (spam never counts)."""

    def run(body: dict) -> dict:
        return client.search(index=names.mentions_alias, ignore_unavailable=True, allow_no_indices=True, **body)

    today = report_day.today
    day = trends.parse_summary(run(trends.summary_query(today)))
    previous = trends.parse_summary(run(trends.summary_query(report_day.day_before)))
    week = trends.parse_summary(run(trends.summary_query(report_day.week_before)))
    examples = trends.parse_complaint_examples(run(trends.complaint_examples_query(today)))
    engagement = trends.parse_top_sources_and_posts(run(trends.top_sources_and_posts_query(today)))
    rising = trends.parse_rising_terms(run(trends.rising_terms_query(today)))
    return {
        "brand": report_day.brand, "date": report_day.day.isoformat(), "timezone": report_day.timezone,
        "start": today.start.isoformat(), "end": today.end.isoformat(),
        "metrics": compare(headline(day), headline(previous), week_average(week)),
        "sentiment": day["sentiment"], "dialects": day["dialects"], "sarcasm_share": day["sarcasm_share"],
        "topics": topics_with_examples(day, previous, week, examples),
        "over_time": trends.parse_volume_by_sentiment(run(trends.volume_by_sentiment_query(report_day.chart_days))),
        "share_of_voice": trends.parse_share_of_voice(run(trends.share_of_voice_query(today)), today),
        "sources": engagement["sources"], "posts": engagement["posts"],
        "rising_terms": rising_with_examples(run, today, rising),
        "spam": trends.parse_spam(run(trends.spam_query(today))),
        "source_health": collection_health.latest(client, names, today.start, today.end),
    }


def rising_with_examples(run, window: trends.TrendWindow, rising: list[dict]) -> list[dict]:
    """Each rising term with the most engaged negative posts that use it (one query for all the terms)."""
    if not rising:
        return []
    examples = trends.parse_rising_term_examples(run(trends.rising_term_examples_query(
        window, [term["term"] for term in rising])))
    return [{**term, "examples": examples.get(term["term"], [])} for term in rising]
