"""Complaint-head examples from the human aspect labels of the ABSA hotel reviews."""

import gzip
import json
import logging

from nlp.complaints.data import ASPECT_FILE, aspect_examples, aspect_topic
from nlp.model.data import post_key

TOPICS = ["delivery", "product_quality", "pricing", "billing_payment", "refund_return", "customer_service",
          "technical", "network_coverage"]


def _sentence(text, *opinions):
    return {"id": f"absa_hotels_ar:{text}", "text": text,
            "extra": {"opinions": [{"category": category, "polarity": polarity} for category, polarity in opinions]}}


def _write(directory, records):
    with gzip.open(directory / ASPECT_FILE, "wt", encoding="utf-8") as stream:
        for record in records:
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")
    return directory


def test_categories_map_to_the_topics_they_name():
    assert aspect_topic("SERVICE#GENERAL") == "customer_service"
    assert aspect_topic("HOTEL#PRICES") == "pricing"
    assert aspect_topic("FOOD_DRINKS#PRICES") == "pricing"
    assert aspect_topic("ROOMS#CLEANLINESS") == "product_quality"
    assert aspect_topic("FOOD_DRINKS#QUALITY") == "product_quality"
    assert aspect_topic("HOTEL#GENERAL") is None
    assert aspect_topic("LOCATION#GENERAL") is None


def test_negative_opinions_make_complaints_about_their_topics_and_praise_makes_non_complaints(tmp_path):
    data_dir = _write(tmp_path, [
        _sentence("الموظفون لم يردوا على اتصالاتنا", ("SERVICE#GENERAL", "negative")),
        _sentence("الفندق سيء والموظف وقح", ("HOTEL#GENERAL", "negative"), ("SERVICE#GENERAL", "negative")),
        _sentence("الغرفة نظيفة والإفطار لذيذ", ("ROOMS#CLEANLINESS", "positive"), ("FOOD_DRINKS#QUALITY", "positive")),
        _sentence("الموقع بعيد عن كل شيء", ("LOCATION#GENERAL", "negative")),
        _sentence("الإفطار عادي", ("FOOD_DRINKS#QUALITY", "neutral")),
        _sentence("جملة بلا آراء"),
    ])
    examples = {example.text: example for example in aspect_examples(data_dir, TOPICS, excluded_keys=set(), weight=0.5)}

    assert set(examples) == {"الموظفون لم يردوا على اتصالاتنا", "الفندق سيء والموظف وقح", "الغرفة نظيفة والإفطار لذيذ"}
    staff = examples["الموظفون لم يردوا على اتصالاتنا"]
    assert staff.targets == {"complaint": {"complaint": 1},
                             "topics": {"customer_service": 1, "pricing": 0, "product_quality": 0}}
    assert (staff.weight, staff.gold, staff.source) == (0.5, False, "aspect")
    # "the hotel is bad" may be about anything: only the named topic is known
    assert examples["الفندق سيء والموظف وقح"].targets["topics"] == {"customer_service": 1}
    praise = examples["الغرفة نظيفة والإفطار لذيذ"]
    assert praise.targets == {"complaint": {"complaint": 0}, "topics": dict.fromkeys(TOPICS, 0)}


def test_silver_posts_and_repeated_sentences_are_left_out_and_praise_is_capped(tmp_path):
    praise = [_sentence(f"الخدمة رائعة {i}", ("SERVICE#GENERAL", "positive")) for i in range(20)]
    data_dir = _write(tmp_path, [
        _sentence("الأسعار مبالغ فيها", ("HOTEL#PRICES", "negative")),
        _sentence("الأسعار مبالغ فيها", ("HOTEL#PRICES", "negative")),
        _sentence("المكيف خربان", ("ROOMS_AMENITIES#QUALITY", "negative")),
        *praise,
    ])
    examples = aspect_examples(data_dir, TOPICS, excluded_keys={post_key("المكيف خربان")}, positive_cap=5)
    complaints = [example for example in examples if example.targets["complaint"]["complaint"]]
    assert [example.text for example in complaints] == ["الأسعار مبالغ فيها"]
    assert len(examples) - len(complaints) == 5


def test_a_missing_aspect_file_is_named_and_gives_no_examples(tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        assert aspect_examples(tmp_path, TOPICS, excluded_keys=set()) == []
    assert str(tmp_path / ASPECT_FILE) in caplog.text
