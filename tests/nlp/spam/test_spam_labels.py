"""The team-labelled mention-quality set: its size, its fixed hold-out, and clear errors on bad lines."""

import json
from collections import Counter

import pytest

from nlp.model.data import post_key
from nlp.spam.data import GUIDELINES_FILE, LABELED_FILE, SPAM_REASONS, SpamLabelsError, holdout_split, read_spam_labels


def test_the_shipped_set_holds_at_least_2000_posts_half_of_the_first_draw_flagged_by_the_old_head():
    labels = read_spam_labels()
    assert len(labels) >= 2000
    drawn = Counter(label.drawn for label in labels)
    assert drawn["flagged"] == drawn["unflagged"] >= 1000
    assert len({post_key(label.text) for label in labels}) == len(labels)  # each post once


def test_the_hold_out_is_a_fixed_quarter_with_spam_and_genuine_posts_of_every_common_kind():
    labels = read_spam_labels()
    holdout = [label for label in labels if label.split == "holdout"]
    assert 0.2 < len(holdout) / len(labels) < 0.3
    assert sum(label.spam for label in holdout) >= 100 and sum(not label.spam for label in holdout) >= 500
    assert {"ad_promotion", "scam_phishing", "follower_train"} <= {label.spam_reason for label in holdout}


def test_double_labelled_posts_record_both_annotators():
    records = [json.loads(line) for line in LABELED_FILE.read_text(encoding="utf-8").splitlines()]
    double = [record for record in records if "second_label" in record]
    assert len(double) >= 400
    assert all(record["second_label"]["labeller"] != record["labeller"] for record in double)
    agreement = sum(record["second_label"]["spam"] == record["spam"] for record in double) / len(double)
    assert agreement > 0.9  # the figure docs/model.md reports


def test_every_spam_kind_is_defined_in_the_guidelines():
    guidelines = GUIDELINES_FILE.read_text(encoding="utf-8")
    assert all(f"`{reason}`" in guidelines for reason in SPAM_REASONS)


def write(tmp_path, record: dict):
    path = tmp_path / "labels.jsonl"
    path.write_text('{"text": "مساء الخير", "spam": false, "spam_reason": null, "split": "%s"}\n'
                    % holdout_split("مساء الخير") + json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(("record", "message"), [
    ({"text": "", "spam": False}, "key 'text'"),
    ({"text": "للطلب واتساب", "spam": "yes"}, "key 'spam'"),
    ({"text": "للطلب واتساب", "spam": True, "spam_reason": "advert"}, "key 'spam_reason'"),
    ({"text": "صباح الخير", "spam": False, "spam_reason": "ad_promotion"}, "key 'spam_reason'"),
])
def test_a_bad_line_names_the_file_line_and_key(tmp_path, record, message):
    record.setdefault("split", holdout_split(record["text"] or "x"))
    path = write(tmp_path, record)
    with pytest.raises(SpamLabelsError, match=f"{path}:2: {message}"):
        read_spam_labels(path)


def test_a_post_moved_into_the_other_split_is_refused(tmp_path):
    text = "عروض نارية على العطور للطلب واتساب"
    moved = "train" if holdout_split(text) == "holdout" else "holdout"
    path = write(tmp_path, {"text": text, "spam": True, "spam_reason": "ad_promotion", "split": moved})
    with pytest.raises(SpamLabelsError, match="hold-out is fixed"):
        read_spam_labels(path)


def test_invalid_json_is_named_with_its_line(tmp_path):
    path = tmp_path / "labels.jsonl"
    path.write_text('{"text": "x", "spam": fals\n', encoding="utf-8")
    with pytest.raises(SpamLabelsError, match=f"{path}:1: invalid JSON"):
        read_spam_labels(path)
