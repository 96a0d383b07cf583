"""Rising negative terms on the real server: exact terms, counts and background counts, and a bounded sample."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from index.templates import setup
from index.trends import TrendWindow, parse_rising_terms, rising_terms_query
from tests.support.indexing import index_mentions

RIYADH = ZoneInfo("Asia/Riyadh")

# The brand's usual talk over the week before, then an outage evening on 2026-11-21 (Riyadh).
USUAL = ["سهم عندهم عرض حلو على الباقات", "الباقة الجديدة من سهم ممتازة", "سهم التغطية عندي ممتازة",
         "خدمة العملاء في سهم ردوا بسرعة", "سعر الباقة غالي شوي بس الخدمة كويسة", "سهم الشبكة زينة اليوم",
         "عندي سؤال عن فاتورة سهم", "شريحة سهم وصلتني اليوم"]
OUTAGE = ["الشبكة طايحة في الرياض من العصر", "النت فاصل والشبكة طايحة", "طايحة الشبكة عندي في الرياض",
          "من العصر والنت فاصل ما في شبكة", "الرياض كلها الشبكة طايحة", "فاصل النت في الرياض يا سهم"]


def mention(n: int, when: str, text: str, sentiment: str, spam: bool = False) -> dict:
    return {"id": f"r{n}", "source": "x", "@timestamp": when, "text": text,
            "brands": [{"id": "sahm", "alias": "سهم", "role": "brand"}],
            "nlp": {"sentiment": sentiment, "spam": spam, "complaint": sentiment == "negative"}}


FIXTURES = (
    [mention(n, f"2026-11-{14 + n % 7:02d}T{8 + n % 10:02d}:00:00Z", USUAL[n % len(USUAL)],
             ("positive", "neutral")[n % 2]) for n in range(24)]
    + [mention(100 + n, f"2026-11-21T{13 + n:02d}:15:00Z", text, "negative") for n, text in enumerate(OUTAGE)]
    + [mention(200, "2026-11-21T14:00:00Z", "الشبكة طايحة طايحة طايحة اشترك الآن", "negative", spam=True)]
)


@pytest.fixture
def outage_day(es_client, index_names):
    setup(es_client, index_names, ["سهم"])
    index_mentions(es_client, index_names, FIXTURES)
    return TrendWindow(brand="sahm", start=datetime(2026, 11, 21, tzinfo=RIYADH),
                       end=datetime(2026, 11, 22, tzinfo=RIYADH), timezone="Asia/Riyadh")


def test_rising_terms_are_the_outage_words_with_exact_counts(es_client, index_names, outage_day):
    response = es_client.search(index=index_names.mentions_alias, **rising_terms_query(outage_day))
    assert [(t["term"], t["count"], t["background"]) for t in parse_rising_terms(response)] == [
        ("الرياض", 4, 4), ("طايحه", 4, 4), ("فاصل", 3, 3), ("العصر", 2, 2), ("النت", 2, 2)]


def test_the_analysed_sample_is_bounded_per_shard(es_client, index_names, outage_day):
    response = es_client.search(index=index_names.mentions_alias, **rising_terms_query(outage_day, sample_size=3))
    assert response["hits"]["total"]["value"] == 6
    assert response["aggregations"]["sample"]["doc_count"] == 3
    assert all(t["count"] <= 3 for t in parse_rising_terms(response))
