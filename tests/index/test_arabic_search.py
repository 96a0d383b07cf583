"""Arabic search behaviour on the real server, through nabd's template and analysis plugin."""

from __future__ import annotations

import pytest

from index.bulk import mention_action
from index.search import MentionQuery, build_search, search_mentions
from index.templates import setup

# (id, text): the spellings an analyst's query must reach.
POSTS = [
    ("tawseel-bare", "توصيل الطلب تأخر يومين"),
    ("tawseel-wa", "والتوصيل عندهم ممتاز"),
    ("tawseel-bi", "مشكلتي بالتوصيل ما انحلت"),
    ("tawseel-diacritics", "التَّوْصِيل سريع"),
    ("tawseel-tatweel", "التوصـــــيل خربان"),
    ("asaar-hamza", "أسعار الباقات نار"),
    ("khidma-teh", "خدمة العملاء ما ترد"),
    ("mustashfa-yeh", "المستشفي قريب من الفرع"),
    ("digits-eastern", "دفعت ٥٠٠ ريال زيادة"),
    ("elongated", "جمييييييل مرة"),
    ("brand-mobily", "موبايلي أحسن شبكة"),
    ("not-brand", "موبايل جديد وصلني"),
    ("hashtag", "#خدمة_العملاء_سيئة"),
    ("bidi", "الفاتورة\u200f غلط\u200b"),
]
BRAND_KEYWORDS = ["موبايلي", "سهم", "رفيق"]


@pytest.fixture
def indexed(es_client, index_names):
    setup(es_client, index_names, BRAND_KEYWORDS)
    operations = []
    for post_id, text in POSTS:
        action = mention_action({"id": post_id, "@timestamp": "2026-11-21T18:00:00Z", "text": text}, index_names)
        operations += [{"index": {"_index": action["_index"], "_id": post_id}}, action["_source"]]
    es_client.bulk(operations=operations, refresh=True)
    return index_names


def found(es_client, names, text: str, exact: bool = False) -> set[str]:
    result = search_mentions(es_client, names, MentionQuery(text=text, exact=exact, size=50))
    return {mention["id"] for mention in result.mentions}


def test_altawseel_finds_bare_wa_and_bi_forms(es_client, indexed):
    assert {"tawseel-bare", "tawseel-wa", "tawseel-bi"} <= found(es_client, indexed, "التوصيل")


def test_asaar_without_hamza_finds_asaar_with_hamza(es_client, indexed):
    assert "asaar-hamza" in found(es_client, indexed, "اسعار")


def test_diacritics_and_tatweel_fold_away(es_client, indexed):
    assert {"tawseel-diacritics", "tawseel-tatweel"} <= found(es_client, indexed, "التوصيل")


def test_teh_marbuta_and_heh_match_each_other(es_client, indexed):
    assert "khidma-teh" in found(es_client, indexed, "خدمه")


def test_alef_maqsura_and_yeh_match_each_other(es_client, indexed):
    assert "mustashfa-yeh" in found(es_client, indexed, "المستشفى")


def test_eastern_arabic_digits_match_western_digits(es_client, indexed):
    assert "digits-eastern" in found(es_client, indexed, "500")


def test_elongated_words_match_their_plain_spelling(es_client, indexed):
    assert "elongated" in found(es_client, indexed, "جميل")


def test_hashtag_words_are_searchable_one_by_one(es_client, indexed):
    assert "hashtag" in found(es_client, indexed, "العملاء")


def test_bidi_and_zero_width_controls_do_not_hide_words(es_client, indexed):
    assert "bidi" in found(es_client, indexed, "الفاتورة غلط")


def test_brand_names_are_not_stemmed(es_client, indexed):
    tokens = es_client.indices.analyze(index=f"{indexed.prefix}-mentions-2026.11", analyzer="nabd_arabic",
                                       text="موبايلي والموبايلات")["tokens"]
    assert [token["token"] for token in tokens] == ["موبايلي", "موبايل"]
    assert found(es_client, indexed, "موبايلي") == {"brand-mobily"}


def test_the_exact_subfield_does_not_strip_clitics(es_client, indexed):
    assert found(es_client, indexed, "توصيل", exact=True) == {"tawseel-bare"}


def test_brand_filter_and_time_range_go_into_the_filter_context():
    body = build_search(MentionQuery(text="التوصيل", brand="rafeeq", start="2026-11-20T00:00:00Z"))
    assert {"term": {"brands.id": "rafeeq"}} in body["query"]["bool"]["filter"]
    assert {"range": {"@timestamp": {"gte": "2026-11-20T00:00:00Z"}}} in body["query"]["bool"]["filter"]


def test_keyword_normalizer_folds_aggregated_values(es_client, indexed):
    tokens = es_client.indices.analyze(index=f"{indexed.prefix}-mentions-2026.11", normalizer="nabd_keyword",
                                       text="أسعار ٢٠٢٦ SAHM")["tokens"]
    assert tokens[0]["token"] == "اسعار 2026 sahm"
