"""Rising negative terms on the real server: exact terms, counts and background counts, and a bounded sample."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from index.stop_terms import EXCLUDED_TERMS, FUNCTION_WORDS
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


# A complaint storm written in everyday Gulf and Egyptian Arabic: the function words rise with it.
CHATTY_USUAL = ["سهم الباقة حلوة", "سهم التغطية ممتازة", "عرض سهم الجديد حلو", "سهم الشبكة زينة"]
CHATTY_STORM = ["والله النت فاصل من الصبح يا سهم ليش كذا", "يعني النت فاصل من الصبح وانا في الدوام",
                "ليه النت فاصل من امبارح يا سهم ده مش معقول", "والله النت فاصل ما في شبكة يعني",
                "من الصبح النت فاصل وانا اتصل عليهم", "ليش النت فاصل كذا يا سهم من الصبح"]


@pytest.fixture
def chatty_day(es_client, index_names):
    setup(es_client, index_names, ["سهم"])
    index_mentions(es_client, index_names,
                   [mention(300 + n, f"2026-11-{14 + n % 7:02d}T09:00:00Z", CHATTY_USUAL[n % len(CHATTY_USUAL)],
                            "positive") for n in range(12)]
                   + [mention(400 + n, f"2026-11-21T{10 + n:02d}:00:00Z", text, "negative")
                      for n, text in enumerate(CHATTY_STORM)])
    return TrendWindow(brand="sahm", start=datetime(2026, 11, 21, tzinfo=RIYADH),
                       end=datetime(2026, 11, 22, tzinfo=RIYADH), timezone="Asia/Riyadh", top=10)


def test_function_words_never_rise_but_what_the_storm_is_about_does(es_client, index_names, chatty_day):
    response = es_client.search(index=index_names.mentions_alias, **rising_terms_query(chatty_day))
    terms = [t["term"] for t in parse_rising_terms(response)]
    assert {"النت", "فاصل", "الصبح"} <= set(terms)
    assert not set(terms) & {"من", "يا", "والله", "يعني", "ليش", "كذا", "في", "وانا"}
    without = rising_terms_query(chatty_day)
    del without["aggs"]["sample"]["aggs"]["rising"]["significant_text"]["exclude"]
    before = [t["term"] for t in parse_rising_terms(es_client.search(index=index_names.mentions_alias, **without))]
    assert set(before) & {"من", "يا", "والله", "يعني", "ليش", "كذا"}  # what the exclusion removes


def test_every_function_word_is_excluded_in_the_form_the_index_holds(es_client, index_names):
    setup(es_client, index_names, ["سهم"])
    index_mentions(es_client, index_names, [mention(500, "2026-11-21T09:00:00Z", "سهم", "neutral")])
    tokens = es_client.indices.analyze(index=index_names.mentions_index(datetime(2026, 11, 21, tzinfo=RIYADH)),
                                       analyzer="nabd_arabic_exact", text=" ".join(FUNCTION_WORDS))["tokens"]
    assert tokens and {token["token"] for token in tokens} <= set(EXCLUDED_TERMS)
