"""HTML to text and timestamp normalisation."""

from __future__ import annotations

import pytest

from spiders.cleaning import TimestampError, html_to_text, to_utc_iso


@pytest.mark.parametrize(
    ("fragment", "text"),
    [
        ("النت فاصل 😡😡<br>والله حرام", "النت فاصل 😡😡\nوالله حرام"),
        ("<p>الطلب ما وصل 💔</p><p>ثاني مرة!</p>", "الطلب ما وصل 💔\n\nثاني مرة!"),
        ("سهم &amp; نجم &lt;3 &quot;شبكة&quot;", 'سهم & نجم <3 "شبكة"'),
        ('رد <a class="mention" href="/users/SahmCare">@SahmCare</a>   بسرعة', "رد @SahmCare بسرعة"),
        ('شكرا <img class="emoji" alt="👨‍👩‍👧" src="e.png"> رفيق', "شكرا 👨\u200d👩\u200d👧 رفيق"),
        ("<div>mesh 3agebny<br/>\n  <br/>\n  <br/><br/>khales</div>", "mesh 3agebny\n\nkhales"),
        ("<style>p{}</style><script>alert(1)</script>نص ظاهر", "نص ظاهر"),
    ],
)
def test_html_becomes_text_keeping_emoji_and_line_breaks(fragment: str, text: str) -> None:
    assert html_to_text(fragment) == text


def test_the_demo_post_body_keeps_its_line_break_and_link() -> None:
    body = ('<div class="post-body"><a class="mention" href="/users/SahmCare">@SahmCare</a> النت فاصل 😡<br>\n'
            'والله حرام &amp; عيب <a href="https://t.co/x1Yz">https://t.co/x1Yz</a></div>')
    assert html_to_text(body) == "@SahmCare النت فاصل 😡\nوالله حرام & عيب https://t.co/x1Yz"


@pytest.mark.parametrize(
    ("value", "utc"),
    [
        ("2026-11-21T21:12:09+03:00", "2026-11-21T18:12:09Z"),
        ("2026-11-21T18:12:09Z", "2026-11-21T18:12:09Z"),
        ("2026-11-21T18:12:09.734+00:00", "2026-11-21T18:12:09Z"),
        ("2026-11-22T01:30:00+05:30", "2026-11-21T20:00:00Z"),
        ("2026-11-20T23:00:00-05:00", "2026-11-21T04:00:00Z"),
        ("Sat, 21 Nov 2026 21:12:09 +0300", "2026-11-21T18:12:09Z"),
        (1795284729, "2026-11-21T18:12:09Z"),
    ],
)
def test_timestamps_with_offsets_become_utc_with_z(value: object, utc: str) -> None:
    assert to_utc_iso(value) == utc


@pytest.mark.parametrize("value", ["2026-11-21T18:12:09", "أمس الساعة ٩", "", None, "2026-13-40T00:00:00Z"])
def test_timestamps_without_offset_or_unreadable_are_refused(value: object) -> None:
    with pytest.raises(TimestampError):
        to_utc_iso(value)
