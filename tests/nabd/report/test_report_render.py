"""The saved HTML rendered by real headless Chromium: right-to-left Arabic, shaped, no missing glyphs; a PNG."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from nabd.report.build import build_and_send_report
from nabd.report.chromium import dump_dom, screenshot
from report_mentions import DAY

PROBE = Path(__file__).with_name("render_probe.js")
CSP = re.compile(r'<meta http-equiv="Content-Security-Policy"[^>]*>')
HEADER_BLUE = (0x0D, 0x47, 0xA1)


@pytest.fixture
def reports(test_config_dir, indexed_mentions) -> dict[str, Path]:
    """The Arabic and the English report of the fixture day, saved by the real build."""
    return {language: Path(build_and_send_report(str(test_config_dir), "sahm", DAY, language=language)["html"])
            for language in ("ar", "en")}


def probe(html: Path) -> dict:
    """Chromium's computed view of a copy of the page with the probe script added (the report itself has none);
    the report's own Content-Security-Policy stays in force, only inline scripts are let in."""
    page = html.with_name(f"probe-{html.name}")
    script = f"<script>{PROBE.read_text(encoding='utf-8')}</script></body>"
    policy = CSP.search(html.read_text(encoding="utf-8")).group(0).replace("default-src 'none';",
                                                                           "default-src 'none'; script-src 'unsafe-inline';")
    page.write_text(CSP.sub(policy, html.read_text(encoding="utf-8")).replace("</body>", script), encoding="utf-8")
    found = re.search(r'data-probe="([^"]*)"', dump_dom(page))
    assert found, "the probe did not run"
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


def header_text_columns(png: Path) -> tuple[int, int, int]:
    """(leftmost, rightmost x of the white header text, band width), measured within the blue header band."""
    image = Image.open(png).convert("RGB")
    width, height = image.size
    pixels = image.load()
    rows = [y for y in range(min(height, 400)) if pixels[width // 2, y] == HEADER_BLUE]
    band = [x for x in range(width) if pixels[x, rows[0]] == HEADER_BLUE]
    xs = [x for y in rows[::2] for x in range(band[0], band[-1] + 1) if min(pixels[x, y]) > 200]
    return min(xs) - band[0], max(xs) - band[0], band[-1] - band[0]


def test_an_arabic_font_is_installed_for_fontconfig():
    fonts = subprocess.run(["fc-list", ":lang=ar", "family"], capture_output=True, text=True, check=True).stdout
    assert fonts.strip(), "no font with Arabic glyphs: run scripts/bootstrap.sh (fonts-noto-core)"


def test_the_arabic_report_renders_right_to_left_shaped_and_without_missing_glyphs(reports):
    seen = probe(reports["ar"])
    assert (seen["htmlDir"], seen["direction"], seen["title"]) == ("rtl", "rtl", "سهم للاتصالات")
    assert seen["titleRightGap"] < 40 < seen["titleLeftGap"]          # set against the right edge
    assert seen["controlDetected"], "the missing-glyph check must recognise a missing glyph"
    assert seen["checked"] > 40 and seen["missingGlyphs"] == []
    assert seen["joinedWidth"] < 0.95 * seen["isolatedWidth"]          # letters joined: shaped, not isolated
    # the sentiment line chart (a PNG data URI) loads under the report's own Content-Security-Policy
    assert seen["chart"] == {"complete": True, "naturalWidth": 1264, "naturalHeight": 320}


def test_the_png_shows_arabic_header_text_on_the_right_and_english_on_the_left(reports, tmp_path):
    arabic = header_text_columns(screenshot(reports["ar"], tmp_path / "report-ar.png", 760, 2400))
    english = header_text_columns(screenshot(reports["en"], tmp_path / "report-en.png", 760, 2400))
    assert arabic[0] > arabic[2] / 2 and english[1] < english[2] / 2
