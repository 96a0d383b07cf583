"""Evaluation metrics: hand-checked F1-PN, macro-F1, sarcasm F1, dialect breakdown, confusions."""

import json

import pytest

from nlp.model.evaluate import (
    LabeledFileError,
    confusion_matrix,
    dialect_metrics,
    evaluate_predictions,
    read_labeled_file,
    sarcasm_metrics,
    sentiment_metrics,
    summary_lines,
)


def test_f1_pn_is_the_mean_of_positive_and_negative_f1():
    gold = ["positive", "positive", "negative", "negative", "neutral", "neutral"]
    predicted = ["positive", "negative", "negative", "negative", "neutral", "positive"]
    metrics = sentiment_metrics(gold, predicted)
    # positive: tp 1, predicted 2, gold 2 -> 0.5; negative: tp 2, predicted 3, gold 2 -> 0.8
    assert metrics["f1"]["positive"] == pytest.approx(0.5)
    assert metrics["f1"]["negative"] == pytest.approx(0.8)
    assert metrics["f1_pn"] == pytest.approx(0.65)
    assert metrics["macro_f1"] == pytest.approx((0.5 + 0.8 + 2 / 3) / 3)
    assert metrics["accuracy"] == pytest.approx(4 / 6)


def test_confusion_rows_are_gold_and_columns_are_predictions():
    matrix = confusion_matrix(["negative", "negative", "positive"], ["negative", "positive", "positive"],
                              ["negative", "neutral", "positive"])
    assert matrix["matrix"] == [[1, 0, 1], [0, 0, 0], [0, 0, 1]]


def test_sarcasm_f1_scores_the_sarcastic_class():
    metrics = sarcasm_metrics([True, True, False, False], [True, False, True, False])
    assert metrics["f1"] == pytest.approx(0.5)
    assert metrics["precision"] == pytest.approx(0.5) and metrics["recall"] == pytest.approx(0.5)


def test_dialect_macro_f1_covers_only_dialects_present_in_gold():
    metrics = dialect_metrics(["gulf", "gulf", "egypt"], ["gulf", "gulf", "egypt"])
    assert metrics["macro_f1"] == pytest.approx(1.0)
    assert set(metrics["f1"]) == {"gulf", "egypt"}


def test_a_report_breaks_sentiment_down_by_gold_dialect_and_skips_missing_labels():
    gold = [
        {"text": "a", "sentiment": "positive", "sarcasm": False, "dialect": "gulf"},
        {"text": "b", "sentiment": "negative", "sarcasm": True, "dialect": "egypt"},
        {"text": "c", "sentiment": None, "sarcasm": None, "dialect": None},
    ]
    predicted = [
        {"sentiment": "positive", "sarcasm": False, "dialect": "gulf"},
        {"sentiment": "positive", "sarcasm": True, "dialect": "gulf"},
        {"sentiment": "neutral", "sarcasm": False, "dialect": "msa"},
    ]
    report = evaluate_predictions(gold, predicted)
    assert report["sentiment"]["count"] == 2
    assert report["sentiment_by_dialect"]["gulf"]["accuracy"] == 1.0
    assert report["sentiment_by_dialect"]["egypt"]["accuracy"] == 0.0
    assert report["sarcasm"]["f1"] == 1.0
    assert report["dialect"]["accuracy"] == 0.5


def test_a_labeled_file_with_an_unknown_label_names_the_line_and_key(tmp_path):
    path = tmp_path / "labeled.jsonl"
    lines = [{"text": "الخدمة ممتازة", "sentiment": "positive"}, {"text": "سيء", "sentiment": "bad"}]
    path.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines), encoding="utf-8")
    with pytest.raises(LabeledFileError, match=r"labeled.jsonl:2: key 'sentiment' has unexpected value 'bad'"):
        read_labeled_file(path)


def test_a_labeled_file_with_broken_json_names_the_line(tmp_path):
    path = tmp_path / "labeled.jsonl"
    path.write_text('{"text": "تمام", "sentiment": "positive"}\n{"text": \n', encoding="utf-8")
    with pytest.raises(LabeledFileError, match=r"labeled.jsonl:2: invalid JSON"):
        read_labeled_file(path)


def test_topic_metrics_give_per_topic_scores_and_micro_and_macro_f1():
    from nlp.model.evaluate import topic_metrics

    gold = [["delivery"], ["delivery", "pricing"], [], ["technical"]]
    predicted = [["delivery"], ["pricing"], ["pricing"], []]
    report = topic_metrics(gold, predicted, labels=("delivery", "pricing", "technical", "refund_return"))
    assert report["per_topic"]["delivery"] == {"count": 4, "positives": 2, "precision": 1.0, "recall": 0.5,
                                               "f1": pytest.approx(2 / 3)}
    assert report["per_topic"]["pricing"]["f1"] == pytest.approx(2 / 3)
    assert report["per_topic"]["technical"]["f1"] == 0.0
    assert report["micro_f1"] == pytest.approx(2 * 2 / (3 + 4))
    assert report["macro_f1"] == pytest.approx((2 / 3 + 2 / 3 + 0.0) / 3)  # refund_return has no gold: left out


def test_a_report_scores_complaints_on_all_posts_on_seed_free_posts_and_for_the_matcher_alone():
    from nlp.complaints.matcher import TopicMatcher
    from nlp.model.evaluate import evaluate_predictions

    matcher = TopicMatcher([("delivery", "الطلب ما وصل")])
    gold = [
        {"text": "الطلب ما وصل", "complaint": True, "topics": ["delivery"]},
        {"text": "المندوب تأخر ساعتين", "complaint": True, "topics": ["delivery"]},
        {"text": "خدمة رائعة", "complaint": False, "topics": []},
    ]
    predicted = [
        {"complaint": True, "topics": ["delivery"]},
        {"complaint": False, "topics": []},
        {"complaint": False, "topics": []},
    ]
    report = evaluate_predictions(gold, predicted, matcher=matcher)
    assert report["complaint"]["f1"] == pytest.approx(2 / 3)
    assert report["seed_free"]["count"] == 2
    assert report["seed_free"]["complaint"]["recall"] == 0.0
    assert report["matcher"]["topics"]["per_topic"]["delivery"]["recall"] == 0.5
    lines = "\n".join(summary_lines(report))
    assert "complaint: F1 0.6667" in lines and "on posts with no seed phrase (n=2)" in lines


def test_a_labeled_file_with_topics_that_are_not_a_list_names_the_line(tmp_path):
    path = tmp_path / "labeled.jsonl"
    path.write_text('{"text": "النت زفت", "complaint": true, "topics": "network_coverage"}\n', encoding="utf-8")
    with pytest.raises(LabeledFileError, match=r"labeled.jsonl:1: key 'topics'"):
        read_labeled_file(path)
