"""The report's charts: plain HTML table bars (e-mail clients show no SVG or scripts), rows of widths in
percent; and one line chart drawn as a PNG (lines need pixels), its words left to the HTML around it."""

from __future__ import annotations

import base64
import math

from nabd.report.png import Canvas

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


LINE_WIDTH, LINE_HEIGHT, SCALE = 632, 160, 2     # CSS pixels; drawn at 2× so print and high-density screens stay sharp
GRID_LINES = 4
GRID_COLOUR, BASE_COLOUR = "#e0e0e0", "#9e9e9e"


def nice_top(largest: float) -> int:
    """The top of the scale: GRID_LINES whole steps of 1, 2, 2.5 (from 25 up) or 5 × 10^k, reaching `largest`."""
    needed = max(largest, 1) / GRID_LINES
    magnitude = 10 ** max(0, math.floor(math.log10(needed)))
    for factor in (1, 2, 2.5, 5, 10):
        step = factor * magnitude
        if step >= needed and float(step).is_integer():
            return int(step * GRID_LINES)
    return int(10 * magnitude * GRID_LINES)


def sentiment_lines(buckets: list[dict]) -> dict:
    """A line per sentiment over the buckets (one point per day), in the fixed sentiment colours, as a PNG.

    Time runs left to right in both languages (as on the dashboards); the caller prints the scale and days."""
    width, height = LINE_WIDTH * SCALE, LINE_HEIGHT * SCALE
    top = nice_top(max((bucket.get(s, 0) for bucket in buckets for s in SENTIMENT_COLOURS), default=0))
    margin = 6 * SCALE
    canvas = Canvas(width, height)
    for line in range(GRID_LINES + 1):
        y = margin + (height - 2 * margin) * line / GRID_LINES
        canvas.hline(y, BASE_COLOUR if line == GRID_LINES else GRID_COLOUR, thickness=SCALE)
    steps = max(len(buckets) - 1, 1)
    for sentiment in ("neutral", "positive", "negative"):      # negative drawn last: on top where lines cross
        points = [(margin + (width - 2 * margin) * i / steps,
                   height - margin - (height - 2 * margin) * bucket.get(sentiment, 0) / top)
                  for i, bucket in enumerate(buckets)]
        canvas.polyline(points, SENTIMENT_COLOURS[sentiment], width=2.5 * SCALE, dot_radius=3 * SCALE)
    png = canvas.png()
    return {"png": png, "src": "data:image/png;base64," + base64.b64encode(png).decode("ascii"),
            "width": LINE_WIDTH, "height": LINE_HEIGHT, "top": top, "grid_step": top / GRID_LINES,
            "days": [bucket["start"] for bucket in buckets]}
