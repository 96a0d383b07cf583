"""What the report shows, as display strings: the figures formatted in the report's language and digits."""

from __future__ import annotations

from datetime import date

from nabd.report import charts
from nabd.report.figures import METRICS, RATES
from nabd.report.labels import Labels
from nabd.report.numbers import NumberStyle
from nabd.report.posts import clean_text, post_view
from index.trends import DIALECTS

GOOD_WHEN_UP = {"positive", "net_sentiment", "advocacy"}
BAD_WHEN_UP = {"negative", "complaints", "complaint_rate", "churn_intent"}
TONE_COLOURS = {"good": "#2e7d32", "bad": "#c62828", "flat": "#616161"}
HEADLINE_CARDS = ("volume", "net_sentiment", "complaint_rate", "churn_intent")
BAR_DAYS = 8          # the stacked volume bars: the week before and the day
STATUS_COLOURS = {"ok": "#2e7d32", "empty": "#9e9e9e", "failed": "#c62828"}


def tone(metric: str, change: float | None) -> str:
    """Whether a change is good news, bad news, or neither, for this metric."""
    if not change or metric not in GOOD_WHEN_UP | BAD_WHEN_UP:
        return "flat"
    return "good" if (change > 0) == (metric in GOOD_WHEN_UP) else "bad"


def _change(style: NumberStyle, metric: str, change: float | None) -> dict:
    text = style.signed_points(change) if metric in RATES else style.signed_count(change)
    arrow = "" if not change else ("▲" if change > 0 else "▼")
    unit = style.labels["points"] if metric in RATES and change is not None else ""
    return {"number": text, "unit": unit, "text": f"{text} {unit}".strip(), "arrow": arrow,
            "colour": TONE_COLOURS[tone(metric, change)]}


def post_row(style: NumberStyle, post: dict, brand: str) -> dict:
    """One example post, its sentiment (and evidence span) the one toward `brand`."""
    view = post_view(post, brand)
    return {**view, "engagement": style.count(view["engagement"]),
            "sentiment": style.labels[view["sentiment"]] if view["sentiment"] in charts.SENTIMENT_COLOURS else "",
            "colour": charts.SENTIMENT_COLOURS.get(view["sentiment"], TONE_COLOURS["flat"])}


def metric_row(style: NumberStyle, metric: str, figures: dict) -> dict:
    value = style.percent if metric in RATES else style.count
    return {"key": metric, "label": style.labels[metric], "value": value(figures["value"]),
            "week_average": value(figures["week_average"]),
            "day_change": _change(style, metric, figures["day_change"]),
            "week_change": _change(style, metric, figures["week_change"])}


def topic_rows(style: NumberStyle, topics: list[dict], topic_names: dict[str, str], brand: str) -> list[dict]:
    names = [(t["id"], topic_names.get(t["id"], clean_text(t["id"], 60)), t["count"]) for t in topics]
    return [{**bar, "count": style.count(topic["count"]),
             "day_change": _change(style, "complaints", topic["day_change"]),
             "examples": [post_row(style, post, brand) for post in topic["examples"]]}
            for bar, topic in zip(charts.bars(names, colour=TONE_COLOURS["bad"]), topics)]


def share_of_voice_rows(style: NumberStyle, share: dict, brand_names: dict[str, str]) -> list[dict]:
    """Each brand's mentions and share, with the net sentiment toward that brand (its own, not the post's)."""
    items = [(brand, brand_names.get(brand, brand), figures["count"]) for brand, figures in share.items()]
    return [{**bar, "count": style.count(share[bar["key"]]["count"]),
             "share": style.percent(share[bar["key"]]["share"]),
             "net_sentiment": style.percent(share[bar["key"]].get("net_sentiment"))}
            for bar in charts.bars(items)]


def volume_rows(style: NumberStyle, over_time: list[dict]) -> list[dict]:
    return [{**row, "day": style.short_day(date.fromisoformat(row["start"][:10])), "total": style.count(row["total"])}
            for row in charts.stacked_by_sentiment(over_time)]


def sentiment_chart(style: NumberStyle, over_time: list[dict]) -> dict:
    """The 14-day sentiment line chart: the PNG (a data URI; the e-mail carries it as an inline part), its
    scale and days as text, and an alternative text for readers whose client blocks images."""
    chart = charts.sentiment_lines(over_time)
    labels = style.labels
    last = over_time[-1] if over_time else {}
    peak = max(over_time, key=lambda bucket: bucket.get("negative", 0), default={})
    days = [style.short_day(date.fromisoformat(day[:10])) for day in chart["days"]]
    alt = labels["chart_alt"].format(
        negative=style.count(last.get("negative", 0)), positive=style.count(last.get("positive", 0)),
        neutral=style.count(last.get("neutral", 0)),
        peak_day=style.short_day(date.fromisoformat(peak["start"][:10])) if peak else "—",
        peak=style.count(peak.get("negative", 0)))
    return {"src": chart["src"], "width": chart["width"], "height": chart["height"], "alt": alt,
            "scale": labels["chart_scale"].format(top=style.count(chart["top"]), step=style.count(chart["grid_step"])),
            "first_day": days[0] if days else "", "middle_day": days[len(days) // 2] if days else "",
            "last_day": days[-1] if days else "",
            "legend": [{"label": labels[s], "colour": colour} for s, colour in charts.SENTIMENT_COLOURS.items()]}


def rising_term_rows(style: NumberStyle, rising: list[dict], brand: str) -> list[dict]:
    return [{"term": clean_text(t["term"], 40), "count": style.count(t["count"]),
             "examples": [post_row(style, post, brand) for post in t.get("examples", [])]} for t in rising]


def source_health_rows(style: NumberStyle, sources: list[dict]) -> list[dict]:
    """Each source's collection on the day: status (coloured), posts collected, runs, failed runs, and how many
    runs in a row found nothing or failed."""
    labels = style.labels
    return [{"source": clean_text(s["source"], 40), "status": labels[f"status_{s['status']}"],
             "colour": STATUS_COLOURS[s["status"]], "collected": style.count(s["items_total"]),
             "runs": style.count(s["runs"]), "failed": style.count(s["failed_runs"]),
             "streak": style.count(s["consecutive_failed_or_empty"]),
             "error": clean_text(s["error"], 120) if s.get("error") else None} for s in sources]


def spam_view(style: NumberStyle, spam: dict) -> dict:
    return {"count": style.count(spam["count"]), "note": style.labels["spam_note"].format(count=style.count(spam["count"])),
            "reasons": [{"reason": clean_text(r["reason"], 40), "count": style.count(r["count"])}
                        for r in spam["reasons"]]}


def counted_bars(style: NumberStyle, items: list[tuple[str, str, float]]) -> list[dict]:
    return [{**bar, "count": style.count(bar["value"])} for bar in charts.bars(items)]


def report_view(figures: dict, style: NumberStyle, brand_names: dict[str, str], topic_names: dict[str, str]) -> dict:
    """Everything the templates print, already formatted; post fields cleaned (escaping is the template's)."""
    labels: Labels = style.labels
    metrics = {key: metric_row(style, key, figures["metrics"][key]) for key in METRICS}
    sentiment_total = sum(figures["sentiment"].values())
    return {
        "language": labels.language, "w": labels, "brand": brand_names[figures["brand"]],
        "day": style.day(date.fromisoformat(figures["date"])), "timezone": figures["timezone"],
        "cards": [metrics[key] for key in HEADLINE_CARDS], "metrics": list(metrics.values()),
        "volume_rows": volume_rows(style, figures["over_time"][-BAR_DAYS:]),
        "sentiment_chart": sentiment_chart(style, figures["over_time"]),
        "sentiment_mix": [{**segment, "label": labels[segment["sentiment"]], "share": style.percent(
            segment["count"] / sentiment_total)} for segment in charts.sentiment_segments(figures["sentiment"],
                                                                                           sentiment_total)],
        "topics": topic_rows(style, figures["topics"], topic_names, figures["brand"]),
        "share_of_voice": share_of_voice_rows(style, figures["share_of_voice"], brand_names),
        "sources": counted_bars(style, [(s["source"], clean_text(s["source"], 40), s["count"])
                                        for s in figures["sources"]]),
        "posts": [post_row(style, post, figures["brand"]) for post in figures["posts"]],
        "rising_terms": rising_term_rows(style, figures["rising_terms"], figures["brand"]),
        # figures saved before issue 20 (re-rendered on erasure) have no source health or spam count
        "source_health": source_health_rows(style, figures.get("source_health", [])),
        "spam": spam_view(style, figures.get("spam", {"count": 0, "reasons": []})),
        "dialects": counted_bars(style, [(d, labels[d], figures["dialects"].get(d, 0)) for d in DIALECTS]),
        "sarcasm_share": style.percent(figures["sarcasm_share"]),
        "footer": labels["footer"].format(timezone=figures["timezone"]),
    }
