"""Charts as plain HTML table bars (e-mail clients show no SVG or scripts): rows of widths in percent."""

from __future__ import annotations

SENTIMENT_COLOURS = {"positive": "#2e7d32", "neutral": "#9e9e9e", "negative": "#c62828"}
BAR_COLOUR = "#1565c0"


def _width(value: float, largest: float) -> int:
    """Percent of the full bar; a non-zero value always shows at least 1%."""
    if largest <= 0 or value <= 0:
        return 0
    return max(1, round(100 * value / largest))


def bars(items: list[tuple[str, str, float]], colour: str = BAR_COLOUR) -> list[dict]:
    """One bar per (key, label, value), scaled to the largest value."""
    largest = max((value for _, _, value in items), default=0)
    return [{"key": key, "label": label, "value": value, "width": _width(value, largest), "colour": colour}
            for key, label, value in items]


def sentiment_segments(counts: dict, total: int) -> list[dict]:
    """The non-empty sentiment parts of one stacked bar, in percent of `total`."""
    segments = []
    for sentiment, colour in SENTIMENT_COLOURS.items():
        width = _width(counts.get(sentiment, 0), total)
        if width:
            segments.append({"sentiment": sentiment, "count": counts[sentiment], "width": width, "colour": colour})
    return segments


def stacked_by_sentiment(buckets: list[dict]) -> list[dict]:
    """A row per time bucket: its total bar (scaled to the busiest bucket) split by sentiment."""
    largest = max((bucket["total"] for bucket in buckets), default=0)
    return [{"start": bucket["start"], "total": bucket["total"], "width": _width(bucket["total"], largest),
             "segments": sentiment_segments(bucket, bucket["total"])} for bucket in buckets]
