"""The report's morning read (issue 20): a 14-day sentiment line chart as an image, rising terms with example
posts, source health from the collection-health index, and the mentions excluded as spam — on the real node."""

from __future__ import annotations

import io
from datetime import date

import pytest
from PIL import Image

from index import collection_health
from nabd.report.charts import SENTIMENT_COLOURS, nice_top, sentiment_lines
from nabd.report.figures import ReportDay, gather
from nabd.report.labels import Labels
from nabd.report.mail import inline_images, report_message
from nabd.report.numbers import NumberStyle
from nabd.report.render import render_html, render_text
from nabd.report.view import report_view

CRAWLS = [
    {"@timestamp": "2026-11-21T05:10:00Z", "source": "x", "source_kind": "x", "status": "ok", "items": 40,
     "interval_start": "2026-11-21T04:00:00Z", "interval_end": "2026-11-21T05:00:00Z", "crawl_id": "x-1"},
    {"@timestamp": "2026-11-21T06:10:00Z", "source": "x", "source_kind": "x", "status": "ok", "items": 35,
     "interval_start": "2026-11-21T05:00:00Z", "interval_end": "2026-11-21T06:00:00Z", "crawl_id": "x-2"},
    {"@timestamp": "2026-11-21T05:12:00Z", "source": "forum:hawamer", "source_kind": "html", "status": "failed",
     "items": 0, "error": "HTTP 503 من المنتدى بعد ٣ محاولات", "interval_start": "2026-11-21T04:00:00Z",
     "interval_end": "2026-11-21T05:00:00Z", "crawl_id": "h-1"},
    {"@timestamp": "2026-11-21T06:12:00Z", "source": "forum:hawamer", "source_kind": "html", "status": "failed",
     "items": 0, "error": "HTTP 503 من المنتدى بعد ٣ محاولات", "interval_start": "2026-11-21T05:00:00Z",
     "interval_end": "2026-11-21T06:00:00Z", "crawl_id": "h-2"},
    # the day before in Riyadh: not this report's
    {"@timestamp": "2026-11-20T20:10:00Z", "source": "app_store", "source_kind": "app_store", "status": "empty",
     "items": 0, "interval_start": "2026-11-20T19:00:00Z", "interval_end": "2026-11-20T20:00:00Z", "crawl_id": "a-1"},
]


@pytest.fixture
def figures(es_client, index_names, indexed_mentions):
    for crawl in CRAWLS:
        collection_health.record(es_client, index_names, crawl, refresh=True)
    return gather(es_client, index_names, ReportDay("sahm", date(2026, 11, 21), "Asia/Riyadh", ("najm",)))


def view_for(figures, report_config, language="ar", arabic_digits=True) -> dict:
    style = NumberStyle(Labels(language), arabic_digits)
    return report_view(figures, style, {b.id: style.labels.name(b) for b in report_config.brands},
                       {t.id: style.labels.name(t) for t in report_config.topics})


def test_spam_is_counted_apart_from_every_figure(figures):
    assert figures["spam"] == {"count": 1, "reasons": []}
    assert figures["metrics"]["volume"]["value"] == 9        # the spam post is not in the volume


def test_each_rising_term_carries_the_most_engaged_negative_posts_that_use_it(figures):
    by_term = {term["term"]: term for term in figures["rising_terms"]}
    assert "طايحه" in by_term
    examples = by_term["طايحه"]["examples"]
    assert [post["id"] for post in examples] == ["r1", "r2"]          # likes 120, then 40 (r11 has 8)
    negative_ids = {"r1", "r2", "r3", "r4", "r11"}
    assert all(post["id"] in negative_ids for term in figures["rising_terms"] for post in term["examples"])


def test_source_health_is_each_sources_collection_on_the_report_day(figures):
    health = {source["source"]: source for source in figures["source_health"]}
    assert set(health) == {"x", "forum:hawamer"}                      # the app store ran the day before
    assert (health["x"]["status"], health["x"]["items_total"], health["x"]["runs"]) == ("ok", 75, 2)
    assert (health["forum:hawamer"]["status"], health["forum:hawamer"]["failed_runs"],
            health["forum:hawamer"]["consecutive_failed_or_empty"]) == ("failed", 2, 2)


def test_the_html_shows_the_chart_the_terms_examples_source_health_and_spam(figures, report_config):
    view = view_for(figures, report_config)
    html = render_html(view)
    assert '<img id="sentiment-chart" src="data:image/png;base64,' in html
    assert view["sentiment_chart"]["first_day"] == "٨ نوفمبر" and view["sentiment_chart"]["last_day"] == "٢١ نوفمبر"
    assert "في اليوم الأخير ٥ سلبية و٢ إيجابية و٢ محايدة" in view["sentiment_chart"]["alt"]
    assert "أعلى يوم للسلبية ٢١ نوفمبر (٥)" in view["sentiment_chart"]["alt"]
    assert "منشورات فيها الكلمة" in html and "الشبكة طايحة من الصبح في الرياض" in html
    assert "forum:hawamer" in html and ">متعطل<" in html and "HTTP 503 من المنتدى" in html
    assert '<span dir="ltr">x</span></td><td style="text-align:right;color:#2e7d32;font-weight:bold">يعمل</td>' \
           '<td style="text-align:right"><span dir="ltr">٧٥</span></td>' in html          # 40 + 35 posts
    assert "built-in method" not in html
    assert "مستبعدة كسبام: <span dir=\"ltr\">١</span>" in html
    text = render_text(view_for(figures, report_config, "en", False))
    assert "1 mentions of the brand were excluded as spam and counted nowhere" in text
    assert "Source health (collection on this day): forum:hawamer failed · x ok" in text


def test_the_chart_is_a_png_with_one_line_per_sentiment_in_the_fixed_colours(figures):
    chart = sentiment_lines(figures["over_time"])
    image = Image.open(io.BytesIO(chart["png"])).convert("RGB")
    assert image.size == (2 * chart["width"], 2 * chart["height"])
    colours = {image.getpixel((x, y)) for x in range(0, image.size[0], 2) for y in range(image.size[1])}
    for colour in SENTIMENT_COLOURS.values():
        assert tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5)) in colours
    assert chart["top"] == 8 and chart["grid_step"] == 2           # the busiest day has 5 negatives
    # the last day's negative point (5 of 8) sits 5/8 up the plot (12 px margins at 2×), at the right edge
    width, height = image.size
    red = [(x, y) for x in range(width - 20, width) for y in range(height) if image.getpixel((x, y)) == (198, 40, 40)]
    assert red and abs(sum(y for _, y in red) / len(red) - (height - 12 - (height - 24) * 5 / 8)) < 8


@pytest.mark.parametrize("largest, top", [(0, 4), (3, 4), (5, 8), (8, 8), (11, 20), (24, 40), (90, 100), (260, 400)])
def test_the_scale_ends_at_a_round_number(largest, top):
    assert nice_top(largest) == top


def test_the_email_carries_the_chart_as_an_inline_part_its_body_points_at(figures, report_config, tmp_path):
    html = render_html(view_for(figures, report_config))
    body, images = inline_images(html)
    [(content_id, png)] = images
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and f'src="cid:{content_id[1:-1]}"' in body and "data:image" not in body
    saved = tmp_path / "report.html"
    saved.write_text(html, encoding="utf-8")
    message = report_message("s", "from@example.com", ["to@example.com"], "text", html, [saved])
    related = next(part for part in message.walk() if part.get_content_type() == "multipart/related")
    [image] = [part for part in related.iter_parts() if part.get_content_type() == "image/png"]
    assert image.get_content() == png and image["Content-ID"].endswith('@nabd.report>')
    sent = message.get_body(preferencelist=("html",)).get_content()
    assert sent == body.replace(content_id[1:-1], image["Content-ID"][1:-1])


def test_an_erased_post_leaves_the_rising_terms_examples_of_a_saved_report(figures, report_config):
    from nabd.erasure import redacted_figures

    redacted = redacted_figures(figures, {"r1"})
    assert redacted is not None
    assert all(post["id"] != "r1" for term in redacted["rising_terms"] for post in term["examples"])
    assert "الشبكة طايحة من الصبح في الرياض" not in render_html(view_for(redacted, report_config))


def test_figures_saved_before_the_morning_read_still_render(figures, report_config):
    older = {key: value for key, value in figures.items() if key not in ("spam", "source_health")}
    older["rising_terms"] = [{k: v for k, v in term.items() if k != "examples"} for term in figures["rising_terms"]]
    html = render_html(view_for(older, report_config))
    assert "لا سجلات جمع لهذا اليوم." in html
