"""The mapping files are canonical, and every field nabd writes exists in them."""

from __future__ import annotations

import json

import pytest

from index.bulk import mention_action
from index.templates import MAPPINGS_DIR, IndexNames, brand_keywords, mapping_paths, mentions_template

FULL_MENTION = {
    "id": "3f9a0c1d2e4b5a6978867564534231ab",
    "source": "demo", "source_id": "1042", "url": "https://forum.nabd-demo.example/posts/1042",
    "query": "sahm", "@timestamp": "2026-11-21T18:04:05Z", "collected_at": "2026-11-22T00:00:03Z",
    "title": None, "text": "النت عند سهم صاير زفت من يومين 😡 اتصلت على [phone] وما حد رد",
    "lang": "ar",
    "author": {"id": "a1b2c3", "name": None, "followers": 312, "verified": False},
    "brands": [{"id": "sahm", "alias": "سهم", "role": "brand", "sentiment": "negative",
                "sentiment_evidence": "صاير زفت"}],
    "engagement": {"likes": 14, "replies": 3, "shares": 2, "views": 900},
    "rating": None, "thread_id": "1040", "parent_id": "1040",
    "nlp": {
        "model": {"name": "nabd-arabic-mini", "version": "2026.11.23"},
        "sentiment": "negative", "scores": {"positive": 0.04, "negative": 0.91, "neutral": 0.05},
        "sarcasm": False, "sarcasm_score": 0.08, "dialect": "gulf",
        "dialect_scores": {"msa": 0.1, "gulf": 0.7, "egypt": 0.1, "levant": 0.05, "maghreb": 0.05},
        "complaint": True, "complaint_score": 0.93, "topics": ["network_coverage", "customer_service"],
        "churn_intent": False, "advocacy": False, "spam": False, "spam_score": 0.01,
        "brand_sentiment": ["sahm:negative"],
        "evidence": [{"label": "topic:network_coverage", "text": "النت", "start": 0, "end": 4}],
    },
}


def leaf_paths(document: dict, prefix: str = "") -> set[str]:
    paths = set()
    for key, value in document.items():
        path = f"{prefix}{key}"
        items = value if isinstance(value, list) else [value]
        nested = [item for item in items if isinstance(item, dict)]
        if nested:
            for item in nested:
                paths |= leaf_paths(item, f"{path}.")
        else:
            paths.add(path)
    return paths


@pytest.mark.parametrize("path", sorted(MAPPINGS_DIR.glob("*.json")), ids=lambda p: p.name)
def test_mapping_files_are_canonical_json(path):
    text = path.read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def test_every_field_the_indexer_writes_exists_in_the_mapping():
    document = mention_action(FULL_MENTION, IndexNames())["_source"]
    missing = leaf_paths(document) - mapping_paths()
    assert missing == set()


def test_the_mention_record_doc_lists_every_top_level_mapping_field():
    documented = (MAPPINGS_DIR.parent.parent / "docs" / "mention-record.md").read_text(encoding="utf-8")
    top_level = {path for path in mapping_paths() if "." not in path}
    assert {field for field in top_level if f"`{field}`" not in documented} == set()


def test_the_template_carries_the_prefix_alias_and_brand_keywords():
    template = mentions_template(IndexNames(prefix="acme"), ["موبايلي", "سهم"])
    assert template["index_patterns"] == ["acme-mentions-*"]
    assert list(template["template"]["aliases"]) == ["acme-mentions"]
    keywords = template["template"]["settings"]["analysis"]["filter"]["nabd_brand_keywords"]["keywords"]
    assert keywords == ["سهم", "موبايلي"]


def test_brand_keywords_take_every_word_of_every_spelling():
    class Brand:
        name_ar, name_en = "سهم للاتصالات", "Sahm Telecom"
        aliases, arabizi = ["سهم موبايل"], ["sa7m"]

    assert brand_keywords([Brand()]) == sorted({"سهم", "للاتصالات", "Sahm", "Telecom", "موبايل", "sa7m"})
