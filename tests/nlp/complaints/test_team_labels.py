"""The team-labelled posts shipped in nlp/complaints/labeled_posts.jsonl and how a refit reads them."""

import json
import math
import random
from collections import Counter

import pytest

from config.loader import load_topics
from config.models import TOPIC_IDS
from nlp.complaints.data import (
    TEAM_LABELS_FILE,
    LabeledExamplesError,
    read_labeled_examples,
    team_examples,
    team_holdout,
    team_split,
)
from nlp.model.data import post_key


def _records():
    return [json.loads(line) for line in TEAM_LABELS_FILE.read_text(encoding="utf-8").splitlines()]


def test_every_shipped_post_is_valid_unique_and_names_the_source_row_it_came_from():
    records = read_labeled_examples(TEAM_LABELS_FILE, TOPIC_IDS)
    assert len(records) == len(_records()) >= 690
    assert all(isinstance(r["source_id"], str) and ":" in r["source_id"] for r in records)
    assert len({r["source_id"] for r in records}) == len(records)
    assert len({post_key(r["text"]) for r in records}) == len(records)
    assert all(isinstance(r["churn_intent"], bool) and isinstance(r["advocacy"], bool) for r in records)


def test_no_two_shipped_posts_are_near_copies():
    # Retweets and reposts differ by a word or two; a copy in both halves of a measurement leaks.
    words = [set(post_key(record["text"]).split()) for record in _records()]
    assert _near_copies(words, 0.75) == []


def _near_copies(words: list[set[str]], threshold: float) -> list[tuple[int, int]]:
    """Pairs whose word sets have a Jaccard similarity of at least `threshold`. Prefix filtering: with each
    set's words in one global order (rarest first), two such sets share a word among the first
    `len - ceil(threshold * len) + 1` of each, so only pairs sharing a prefix word are compared."""
    frequency = Counter(word for item in words for word in item)
    candidates: dict[str, list[int]] = {}
    pairs: set[tuple[int, int]] = set()
    for i, item in enumerate(words):
        ordered = sorted(item, key=lambda word: (frequency[word], word))
        for word in ordered[: len(ordered) - math.ceil(threshold * len(ordered)) + 1]:
            pairs.update((j, i) for j in candidates.get(word, ()))
            candidates.setdefault(word, []).append(i)
    return sorted((i, j) for i, j in pairs if len(words[i] & words[j]) >= threshold * len(words[i] | words[j]))


def test_the_near_copy_check_finds_what_comparing_every_pair_finds():
    rng = random.Random(7)
    vocabulary = [f"w{n}" for n in range(40)]
    words = [set(rng.sample(vocabulary, rng.randint(1, 8))) for _ in range(400)]
    every_pair = [(i, j) for i in range(len(words)) for j in range(i + 1, len(words))
                  if len(words[i] & words[j]) >= 0.75 * len(words[i] | words[j])]
    assert every_pair and _near_copies(words, 0.75) == every_pair


def test_the_shipped_posts_carry_the_rare_topics_and_use_only_topics_of_the_shipped_topics_file():
    topics = Counter(topic for record in _records() for topic in record["topics"])
    assert topics["delivery"] >= 40 and topics["billing_payment"] >= 40 and topics["refund_return"] >= 20
    assert set(topics) <= {topic.id for topic in load_topics("config/topics.yaml").topics}
    complaints = sum(record["complaint"] for record in _records())
    assert 0.3 < complaints / len(_records()) < 0.6  # keyword-chosen posts: many are not complaints


def _write(path, *records):
    path.write_text("".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records), encoding="utf-8")
    return path


def test_silver_texts_are_left_out_and_the_rest_become_fully_labelled_gold_examples(tmp_path):
    path = _write(tmp_path / "team.jsonl",
                  {"source_id": "marsa:1", "text": "الطلب ما وصل من أسبوع", "complaint": True, "topics": ["delivery"],
                   "churn_intent": False, "advocacy": False},
                  {"source_id": "marsa:2", "text": "النت عندكم زفت", "complaint": True, "topics": ["network_coverage"]},
                  {"source_id": "masc:3", "text": "الطلب  ما وصل من أسبوع!", "complaint": True, "topics": ["delivery"]})
    examples = team_examples(path, ["delivery", "network_coverage", "parking"], {post_key("النت عندكم زفت")}, weight=1.5)

    assert [example.text for example in examples] == ["الطلب ما وصل من أسبوع"]  # the near-copy counts once
    example = examples[0]
    assert example.gold and example.source == "team" and example.weight == 1.5
    assert example.targets["complaint"] == {"complaint": 1}
    # A topic the analysts added since the labelling is a negative, as for the silver set.
    assert example.targets["topics"] == {"delivery": 1, "network_coverage": 0, "parking": 0}
    assert example.targets["churn_intent"] == {"churn_intent": 0}


def test_a_topic_removed_from_the_topics_file_is_dropped_from_the_posts(tmp_path):
    path = _write(tmp_path / "team.jsonl",
                  {"source_id": "masc:1", "text": "دفعت مرتين والمنتج خربان", "complaint": True,
                   "topics": ["billing_payment", "product_quality"]})
    (example,) = team_examples(path, ["product_quality"], set())
    assert example.targets["topics"] == {"product_quality": 1}


def test_a_team_label_outside_the_label_set_names_the_line(tmp_path):
    path = _write(tmp_path / "team.jsonl",
                  {"source_id": "masc:1", "text": "المكان ما فيه مواقف", "complaint": True, "topics": ["parking"]})
    with pytest.raises(LabeledExamplesError, match=r"team.jsonl:1: key 'topics' has unknown ids \['parking'\]"):
        team_examples(path, ["parking"], set())


def test_a_fixed_quarter_is_held_out_from_every_refit(tmp_path):
    assert (team_split("تأخر الطلب"), team_split("الطلب ما وصل من أسبوع")) == ("holdout", "train")
    path = _write(tmp_path / "team.jsonl",
                  {"source_id": "a:1", "text": "تأخر الطلب", "complaint": True, "topics": ["delivery"]},
                  {"source_id": "a:2", "text": "الطلب ما وصل من أسبوع", "complaint": True, "topics": ["delivery"]})
    assert [example.text for example in team_examples(path, TOPIC_IDS, set())] == ["الطلب ما وصل من أسبوع"]
    assert [record["text"] for record in team_holdout(path)] == ["تأخر الطلب"]


def test_the_shipped_hold_out_holds_every_rare_topic_and_signal():
    records = _records()
    held = team_holdout()
    assert 0.2 < len(held) / len(records) < 0.3
    counts = Counter(topic for record in held for topic in record["topics"])
    counts.update(signal for record in held for signal in ("churn_intent", "advocacy") if record.get(signal))
    assert min(counts[name] for name in ("delivery", "billing_payment", "refund_return", "churn_intent", "advocacy")) >= 10
