"""topics.yaml: the shipped seeds cover every dialect group, and a broken file is named precisely."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from config import ConfigError, load_topics
from config.loader import DEFAULT_CONFIG_DIR
from config.models import SIGNAL_IDS, TOPIC_IDS

SHIPPED = DEFAULT_CONFIG_DIR / "topics.yaml"
DIALECT_GROUPS = ("MSA", "Gulf", "Egyptian", "Levantine", "Maghrebi", "Arabizi", "English")


def test_every_shipped_topic_and_signal_has_at_least_25_seeds():
    topics = load_topics(SHIPPED)
    assert [topic.id for topic in topics.topics] == list(TOPIC_IDS)
    assert [signal.id for signal in topics.signals] == list(SIGNAL_IDS)
    for entry in [*topics.topics, *topics.signals]:
        assert len(entry.seeds) >= 25, entry.id


def test_every_shipped_entry_has_seeds_in_arabic_script_and_in_latin_script():
    for entry in [*load_topics(SHIPPED).topics, *load_topics(SHIPPED).signals]:
        assert any(re.search("[\u0600-\u06ff]", seed) for seed in entry.seeds), entry.id
        assert any(re.fullmatch(r"[A-Za-z0-9' ]+", seed) for seed in entry.seeds), entry.id


def test_every_shipped_entry_lists_seeds_under_each_dialect_group():
    blocks = re.split(r"\n  - id: ", SHIPPED.read_text(encoding="utf-8"))[1:]
    assert len(blocks) == len(TOPIC_IDS) + len(SIGNAL_IDS)
    for block in blocks:
        for group in DIALECT_GROUPS:
            assert re.search(rf"# {group}\n      - ", block), (block.split()[0], group)


def test_an_analyst_can_add_a_topic_by_adding_an_entry(tmp_path: Path):
    path = tmp_path / "topics.yaml"
    path.write_text(SHIPPED.read_text(encoding="utf-8").replace("\nsignals:\n", """
  - id: parking
    name_ar: المواقف
    name_en: Parking
    description_ar: لا توجد مواقف عند الفرع.
    description_en: No parking at the branch.
    seeds:
      - ما فيه مواقف
      - no parking

signals:
"""), encoding="utf-8")
    assert [topic.id for topic in load_topics(path).topics][-1] == "parking"


def test_a_topic_without_seeds_is_named_with_file_and_key(tmp_path: Path):
    path = tmp_path / "topics.yaml"
    text = SHIPPED.read_text(encoding="utf-8")
    start = text.index("  - id: pricing")
    seeds = text.index("    seeds:\n", start)
    end = text.index("\n\n", seeds)
    path.write_text(text[:seeds] + "    seeds: []" + text[end:], encoding="utf-8")
    with pytest.raises(ConfigError, match=r"topics\.yaml.*topics\[2\]\.seeds"):
        load_topics(path)


def test_a_missing_fixed_topic_and_a_duplicate_id_are_both_reported(tmp_path: Path):
    path = tmp_path / "topics.yaml"
    path.write_text(SHIPPED.read_text(encoding="utf-8").replace("  - id: technical\n", "  - id: delivery\n"),
                    encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_topics(path)
    assert "technical" in str(raised.value) and "delivery" in str(raised.value)


def test_a_missing_topics_file_is_named(tmp_path: Path):
    with pytest.raises(ConfigError, match="nowhere.yaml"):
        load_topics(tmp_path / "nowhere.yaml")
