"""Sentiment per brand: comparisons, clauses, the enrichment fields, the labelled set and its measurement."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nabd.cli import main as nabd_main
from nlp.brand_sentiment.evaluate import LABELED_FILE, LABELS, agreement, read_labels
from nlp.brand_sentiment.segments import BrandSentiment, brand_sentiments
from nlp.brands import BrandMatcher, BrandRule
from nlp.enrich import enrich_file

SAHM = BrandRule(id="sahm", aliases=("سهم", "Sahm"), handles=("@SahmCare",))
NAJM = BrandRule(id="najm", role="competitor", aliases=("نجم موبايل", "Najm Mobile"))
MATCHER = BrandMatcher([SAHM, NAJM], sense=None)


@pytest.fixture(scope="module")
def classifier():
    from nlp.model.predict import Classifier

    return Classifier.load(backend="onnx")


@pytest.fixture(scope="module")
def judge(classifier):
    def sentiments(texts: list[str]) -> list[str]:
        return [record["sentiment"] for record in classifier.classify(texts)]

    return sentiments


def read(text: str, judge, post_sentiment: str = "neutral"):
    return brand_sentiments(text, MATCHER.occurrence_spans(text), post_sentiment, judge)


def test_occurrence_spans_point_at_each_brand_name_and_handle() -> None:
    text = "سهم أسرع من نجم موبايل @SahmCare"
    spans = MATCHER.occurrence_spans(text)
    assert [text[a:b] for a, b in spans["sahm"]] == ["سهم", "@SahmCare"]
    assert [text[a:b] for a, b in spans["najm"]] == ["نجم موبايل"]


def test_the_brand_that_wins_a_comparison_is_positive_and_the_other_negative(judge) -> None:
    result = read("والله سهم أسرع بكثير من نجم موبايل في الرياض", judge, post_sentiment="negative")
    assert result["sahm"].sentiment == "positive"
    assert result["najm"].sentiment == "negative"
    assert "أسرع" in result["sahm"].evidence and result["sahm"].evidence == result["najm"].evidence


def test_a_worse_comparison_and_a_negated_one_swap_the_sides(judge) -> None:
    worse = read("نجم موبايل أسوأ من سهم", judge)
    assert (worse["najm"].sentiment, worse["sahm"].sentiment) == ("negative", "positive")
    negated = read("نجم موبايل مو أحسن من سهم", judge)
    assert (negated["najm"].sentiment, negated["sahm"].sentiment) == ("negative", "positive")


def test_nothing_worse_than_a_brand_makes_it_negative(judge) -> None:
    result = read("عندي خط سهم من سنتين، ما في أسوأ من نجم موبايل", judge)
    assert result["najm"].sentiment == "negative"


def test_each_brand_is_judged_on_its_own_clause(judge) -> None:
    text = "خدمة سهم ممتازة والنت سريع جدا، بس نجم موبايل زفت وما يشتغل ولا يردون"
    result = read(text, judge)
    assert "ممتازة" in result["sahm"].evidence and "زفت" not in result["sahm"].evidence
    assert "زفت" in result["najm"].evidence and "ممتازة" not in result["najm"].evidence
    for brand in ("sahm", "najm"):
        assert result[brand].sentiment == judge([result[brand].evidence])[0]


def test_a_verb_before_the_second_name_goes_with_it(judge) -> None:
    text = "الحمد لله اني تركت سهم وانضميت لنجم موبايل وحصلت اروع العروض"
    result = read(text, judge)
    assert result["najm"].evidence.startswith("وانضميت")
    assert "وانضميت" not in result["sahm"].evidence


def test_one_brand_or_a_post_without_parts_keeps_the_post_sentiment(judge) -> None:
    assert read("شبكة سهم طايحة", judge, post_sentiment="negative") == {"sahm": BrandSentiment("negative", None)}
    only = read("سهم ونجم موبايل", judge, post_sentiment="positive")
    assert {brand: (value.sentiment, value.evidence) for brand, value in only.items()} == {
        "sahm": ("positive", None), "najm": ("positive", None)}


def test_the_judge_is_asked_once_for_all_parts() -> None:
    calls = []

    def counting(texts: list[str]) -> list[str]:
        calls.append(list(texts))
        return ["neutral"] * len(texts)

    read("خدمة سهم ممتازة والنت سريع، بس نجم موبايل زفت وما يشتغل", counting)
    assert len(calls) == 1 and len(calls[0]) == 2


def test_enrichment_writes_each_brand_s_sentiment_and_the_keyword_list(tmp_path: Path, classifier) -> None:
    raw = tmp_path / "raw.jsonl"
    posts = [
        {"id": "c1", "text": "سهم أسرع بكثير من نجم موبايل والله"},
        {"id": "c2", "text": "شبكة سهم طايحة من الصبح"},
    ]
    raw.write_text("".join(json.dumps({**post, "source": "demo", "@timestamp": "2026-12-01T10:00:00Z"},
                                      ensure_ascii=False) + "\n" for post in posts), encoding="utf-8")
    enrich_file(raw, tmp_path / "out.jsonl", brands=MATCHER, classifier=classifier)
    first, second = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(b["id"], b["sentiment"]) for b in first["brands"]] == [("sahm", "positive"), ("najm", "negative")]
    assert first["nlp"]["brand_sentiment"] == ["sahm:positive", "najm:negative"]
    assert "أسرع" in first["brands"][0]["sentiment_evidence"]
    assert second["brands"][0]["sentiment"] == second["nlp"]["sentiment"]
    assert "sentiment_evidence" not in second["brands"][0]
    assert second["nlp"]["brand_sentiment"] == [f"sahm:{second['nlp']['sentiment']}"]


def test_without_a_classifier_no_brand_sentiment_is_invented(tmp_path: Path) -> None:
    raw = tmp_path / "raw.jsonl"
    raw.write_text(json.dumps({"id": "c1", "text": "سهم أسرع من نجم موبايل", "source": "demo"},
                              ensure_ascii=False) + "\n", encoding="utf-8")
    enrich_file(raw, tmp_path / "out.jsonl", brands=MATCHER)
    record = json.loads((tmp_path / "out.jsonl").read_text(encoding="utf-8"))
    assert "sentiment" not in record["brands"][0] and "nlp" not in record


def test_the_labelled_comparison_posts_are_valid_and_were_double_labelled() -> None:
    posts = read_labels()
    assert len(posts) >= 200
    assert sum(bool(post.get("comparison")) for post in posts) >= 50
    for post in posts:
        assert set(post["sentiment"]) == set(post["brands"])
        assert set(post["sentiment"].values()) <= set(LABELS)
        for brand, span in post.get("evidence", {}).items():
            assert span in post["text"], (post["source_id"], brand)
    report = agreement(posts)
    assert report["posts"] >= 50 and report["agreement"] >= 0.85


def test_a_bad_label_is_named_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "labels.jsonl"
    path.write_text('{"text": "سهم", "sentiment": {"sahm": "great"}}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"labels\.jsonl:1: labels must be one of"):
        read_labels(path)


def test_the_eval_command_compares_with_the_copied_post_sentiment(tmp_path: Path, capsys) -> None:
    lines = LABELED_FILE.read_text(encoding="utf-8").splitlines()[:12]
    labels = tmp_path / "labels.jsonl"
    labels.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert nabd_main(["brand-sentiment", "eval", "--labels", str(labels), "--backend", "onnx"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["posts"] == 12
    assert report["all"]["n"] + report["not_brand"] + report["not_matched"] == report["brand_labels"]
    assert set(report["all"]) == {"n", "per_brand", "post_copied"}


def test_classify_gives_mentions_naming_brands_their_own_sentiment_again(tmp_path: Path, capsys) -> None:
    mentions = tmp_path / "enriched.jsonl"
    stale = {"id": "c1", "text": "Sahm أسرع بكثير من نجم موبايل والله",
             "brands": [{"id": "sahm", "alias": "Sahm", "role": "brand", "sentiment": "negative"},
                        {"id": "najm", "alias": "نجم موبايل", "role": "competitor", "sentiment": "negative"}],
             "nlp": {"sentiment": "negative", "brand_sentiment": ["sahm:negative", "najm:negative"]}}
    plain = {"id": "c2", "text": "الجو جميل اليوم"}
    mentions.write_text("".join(json.dumps(m, ensure_ascii=False) + "\n" for m in (stale, plain)), encoding="utf-8")
    out = tmp_path / "classified.jsonl"
    assert nabd_main(["classify", "--input", str(mentions), "--output", str(out), "--backend", "onnx"]) == 0
    first, second = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert first["nlp"]["brand_sentiment"] == ["sahm:positive", "najm:negative"]
    assert [brand["sentiment"] for brand in first["brands"]] == ["positive", "negative"]
    assert "brands" not in second and "brand_sentiment" not in second["nlp"]


def test_the_sentiment_only_path_agrees_with_classify(classifier) -> None:
    texts = ["سهم أسرع بكثير من نجم موبايل", "الشبكة زفت من الصبح", "شكرا على الخدمة الممتازة", "الجو حار اليوم"]
    assert classifier.sentiments(texts) == [record["sentiment"] for record in classifier.classify(texts)]
    assert classifier.sentiments([]) == []
