"""The report's HTML: hostile post text escaped, Arabic right-to-left with Arabic digits, English as an option."""

from __future__ import annotations

from datetime import date
from html.parser import HTMLParser

import pytest

from nabd.report.figures import ReportDay, gather
from nabd.report.labels import Labels
from nabd.report.numbers import NumberStyle
from nabd.report.posts import clean_text, safe_url
from nabd.report.render import render_html, render_text
from nabd.report.view import report_view

BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


class Elements(HTMLParser):
    """Every start tag and every link target of a document."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        if tag == "img":
            self.images = getattr(self, "images", []) + [dict(attrs)]
            return
        self.links += [value for name, value in attrs if name in ("href", "src")]


@pytest.fixture
def figures(es_client, index_names, indexed_mentions):
    return gather(es_client, index_names, ReportDay("sahm", date(2026, 11, 21), "Asia/Riyadh", ("najm",)))


def html_for(figures, report_config, language="ar", arabic_digits=True) -> str:
    style = NumberStyle(Labels(language), arabic_digits)
    return render_html(report_view(figures, style, {b.id: style.labels.name(b) for b in report_config.brands},
                                   {t.id: style.labels.name(t) for t in report_config.topics}))


def test_hostile_post_text_is_shown_as_text_never_as_markup(figures, report_config):
    html = html_for(figures, report_config)
    elements = Elements()
    elements.feed(html)
    assert "&lt;script&gt;alert(&#34;نبض&#34;)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt;" in html
    assert elements.tags.isdisjoint({"script", "iframe", "object", "embed", "form"})
    [chart] = elements.images                      # the one image is nabd's own chart, never a post's
    assert chart["id"] == "sentiment-chart" and chart["src"].startswith("data:image/png;base64,")
    assert all(link.startswith("https://forum.nabd-demo.example/posts/") for link in elements.links)
    assert "javascript:" not in html


def test_bidi_controls_from_posts_never_reach_the_report(figures, report_config):
    html = html_for(figures, report_config)
    assert not set(BIDI_CONTROLS) & set(html)
    assert "الفاتورة غلط مرتين واحد وخصموا من رصيدي" in html


def test_the_arabic_report_is_right_to_left_with_arabic_digits(figures, report_config):
    html = html_for(figures, report_config)
    assert '<html lang="ar" dir="rtl">' in html and 'dir="rtl" style="width:680px' in html
    assert "السبت ٢١ نوفمبر ٢٠٢٦" in html and "سهم للاتصالات" in html
    assert ">٥٦٪<" in html and ">٨٢٪<" in html          # complaint rate 5/9, share of voice 9/11
    assert "▲ <span dir=\"ltr\">+٣١</span> نقطة" in html  # complaint rate +31 points on the day before


def test_western_digits_when_settings_say_so(figures, report_config):
    html = html_for(figures, report_config, arabic_digits=False)
    assert ">56%<" in html and "السبت 21 نوفمبر 2026" in html and "٥٦٪" not in html


def test_the_english_report_is_left_to_right_with_english_names(figures, report_config):
    html = html_for(figures, report_config, language="en", arabic_digits=False)
    assert '<html lang="en" dir="ltr">' in html and "Sahm Telecom" in html and "Najm Mobile" in html
    assert "Saturday 21 November 2026" in html and "Complaint rate" in html and ">56%<" in html


def test_the_text_part_lists_the_headline_figures(figures, report_config):
    style = NumberStyle(Labels("en"), False)
    text = render_text(report_view(figures, style, {"sahm": "Sahm Telecom", "najm": "Najm Mobile"}, {}))
    assert "Complaint rate: 56% | vs. day before: +31 pt | vs. 7-day average: +27 pt" in text
    assert "- network_coverage: 3 (+2)" in text


@pytest.mark.parametrize("raw, shown", [
    ("\u202eمرحبا\u202c بكم", "مرحبا بكم"),
    ("سطر\nوسطر\t\x00آخر", "سطر وسطر آخر"),
    ("أ" * 300, "أ" * 279 + "…"),
    (None, ""),
])
def test_post_text_loses_controls_and_is_bounded(raw, shown):
    assert clean_text(raw) == shown


@pytest.mark.parametrize("url, kept", [
    ("https://x.com/i/status/1", True), ("http://forum.example/t/5", True), ("javascript:alert(1)", False),
    ("data:text/html,<script>", False), ("/relative/path", False), ("https://evil.example/\u202eexe", False),
    (None, False),
])
def test_only_absolute_http_links_are_kept(url, kept):
    assert safe_url(url) == (url if kept else None)
