"""The explainable topic matcher: clitics, spelling variants, gaps, negation, evidence spans."""

import pytest

from nlp.complaints.matcher import TopicMatcher, word_core, word_forms
from tests.support.budget import run_within

SEEDS = [
    ("delivery", "الطلب ما وصل"),
    ("delivery", "تأخر التوصيل"),
    ("delivery", "el order mawsalsh"),
    ("network_coverage", "الشبكة طايحة"),
    ("customer_service", "خدمة العملاء سيئة"),
    ("technical", "app keeps crashing"),
    ("advocacy", "أنصحكم فيه"),
]


@pytest.fixture(scope="module")
def matcher():
    return TopicMatcher(SEEDS)


def test_a_seed_is_found_with_its_span_in_the_original_text(matcher):
    text = "والله الطلب ما وصل لين الحين 😡"
    [evidence] = matcher.match(text)
    assert (evidence.label, evidence.seed) == ("delivery", "الطلب ما وصل")
    assert text[evidence.start:evidence.end] == evidence.text == "الطلب ما وصل"
    assert evidence.record() == {"label": "delivery", "text": "الطلب ما وصل", "start": 6, "end": 18}


def test_conjunction_preposition_and_article_clitics_do_not_hide_a_seed(matcher):
    assert matcher.labels_of("تأخر بالتوصيل مرة") == {"delivery"}
    assert matcher.labels_of("تأخر والتوصيل كله زفت") == {"delivery"}
    assert matcher.labels_of("صراحة والشبكة طايحة من الصبح") == {"network_coverage"}


def test_spelling_variants_elongation_and_hashtags_still_match(matcher):
    assert matcher.labels_of("#خدمه_العملاء_سيئه") == {"customer_service"}
    assert matcher.labels_of("الشبكــــة طاااايحة") == {"network_coverage"}
    assert matcher.labels_of("تاخر التوصيل") == {"delivery"}


def test_a_seed_matches_across_a_small_gap_but_not_a_long_one(matcher):
    assert matcher.labels_of("الطلب للأسف ما وصل") == {"delivery"}
    assert matcher.labels_of("الطلب اللي دفعت عليه من أسبوع كامل ما وصل") == set()


def test_a_negated_seed_is_not_evidence_but_a_seed_that_carries_its_negation_is(matcher):
    assert matcher.labels_of("ما في تأخر التوصيل أبداً") == set()
    assert matcher.labels_of("الطلب وصل بسرعة") == set()
    assert matcher.labels_of("الطلب ما وصل") == {"delivery"}


def test_arabizi_and_english_seeds_match_whatever_the_case(matcher):
    assert matcher.labels_of("El ORDER mawsalsh lel2an") == {"delivery"}
    assert matcher.labels_of("The App keeps CRASHING!!") == {"technical"}


def test_each_label_and_span_is_reported_once_in_text_order(matcher):
    text = "أنصحكم فيه بس الشبكة طايحة"
    assert [(e.label, e.text) for e in matcher.match(text)] == [
        ("advocacy", "أنصحكم فيه"), ("network_coverage", "الشبكة طايحة")]


def test_word_cores_drop_clitics_but_keep_three_letters():
    assert word_core("والتوصيل") == "توصيل"
    assert word_core("بالطلب") == "طلب"
    assert word_core("وصل") == "وصل"


def test_an_attached_pronoun_on_either_side_does_not_hide_a_seed():
    matcher = TopicMatcher([("refund_return", "ما رجعوا فلوسي"), ("refund_return", "أريد استرجاع")])
    assert [e.text for e in matcher.match("للأسف ما رجعوا فلوسنا")] == ["ما رجعوا فلوسنا"]
    assert [e.text for e in matcher.match("الساعة مقلدة اريد استرجاعها")] == ["اريد استرجاعها"]
    assert matcher.match("ما رجعوا فلوس") != []
    assert matcher.match("أريد استراحة") == []


def test_a_conjunction_on_a_short_negator_does_not_hide_a_seed_nor_its_negation():
    matcher = TopicMatcher([("refund_return", "ما رجعوا فلوسي"), ("delivery", "تأخر التوصيل")])
    assert [e.text for e in matcher.match("الطلب ناقص وما رجعوا فلوسي")] == ["وما رجعوا فلوسي"]
    assert matcher.match("وما في تأخر التوصيل") == []
    assert word_core("وما") == "ما" and word_core("ولا") == "لا"


def test_word_forms_drop_one_attached_pronoun_but_keep_three_letters():
    assert word_forms("حسابكم") == ("حسابكم", "حساب")
    assert word_forms("رصيدي") == ("رصيدي", "رصيد")
    assert word_forms("مني") == ("مني",)
    assert word_forms("توصيل") == ("توصيل",)


def test_a_seed_without_words_is_refused_with_its_label():
    with pytest.raises(ValueError, match="'delivery'"):
        TopicMatcher([("delivery", "!!! 😡")])


def test_the_shipped_topics_file_builds_a_matcher_with_every_topic_and_signal():
    matcher = TopicMatcher.from_file("config/topics.yaml")
    assert {"delivery", "network_coverage", "churn_intent", "advocacy"} <= set(matcher.labels)
    assert matcher.labels_of("النت عندكم زفت والشبكة طايحة") == {"network_coverage"}


@pytest.fixture(scope="module")
def proximity_matcher():
    return TopicMatcher([("delivery", "الطلب ما وصل")],
                        aspects=[("delivery", "التوصيل"), ("network_coverage", "النت")],
                        cues=["متأخر", "زفت", "تأخر"])


def test_an_aspect_word_near_a_complaint_cue_is_evidence_with_both_in_the_span(proximity_matcher):
    [evidence] = proximity_matcher.match("والتوصيل كان متأخر جدا")
    assert (evidence.label, evidence.text, evidence.seed) == ("delivery", "والتوصيل كان متأخر", "التوصيل ~ متأخر")
    assert proximity_matcher.labels_of("زفت والله النت عندكم") == {"network_coverage"}


def test_an_aspect_word_alone_far_from_a_cue_or_with_a_negated_cue_is_no_evidence(proximity_matcher):
    assert proximity_matcher.labels_of("التوصيل كان سريع") == set()
    assert proximity_matcher.labels_of("التوصيل اليوم من المحل القريب عند البيت متأخر") == set()
    assert proximity_matcher.labels_of("التوصيل ما تأخر أبداً") == set()


def test_a_complaint_repeated_ten_thousand_times_is_matched_in_linear_time(proximity_matcher):
    post = "التوصيل متأخر و الطلب ما وصل " * 10_000

    evidence, _ = run_within(5, proximity_matcher.match, post)

    assert len(evidence) == 20_000
    assert {item.text for item in evidence} == {"التوصيل متأخر", "الطلب ما وصل"}


def test_a_span_inside_a_longer_span_of_the_same_label_is_dropped_but_not_one_of_another_label():
    matcher = TopicMatcher([("delivery", "الطلب ما وصل"), ("delivery", "ما وصل"), ("refund_return", "ما وصل")])
    found = [(item.label, item.text) for item in matcher.match("الطلب ما وصل للحين")]
    assert found == [("delivery", "الطلب ما وصل"), ("refund_return", "ما وصل")]
