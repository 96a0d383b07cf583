"""The shipped demo configuration loads into typed models that the other stages use."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import TOPIC_IDS, ConfigError, load_config
from config.loader import DEFAULT_CONFIG_DIR
from config.settings import REPO_ROOT


@pytest.fixture(scope="module")
def shipped():
    return load_config(DEFAULT_CONFIG_DIR)


def test_shipped_configuration_holds_the_demo_brands(shipped):
    assert [brand.id for brand in shipped.brands] == ["sahm", "najm", "rafeeq"]
    sahm = shipped.brand("sahm")
    assert sahm.name_ar == "سهم للاتصالات"
    assert sahm.competitors == ["najm"]
    assert "sa7m" in sahm.arabizi
    assert "@SahmCare" in sahm.handles
    assert "سوق الأسهم" in sahm.exclude_terms
    assert shipped.brand("najm").role == "competitor"
    assert "رفيق دربي" in shipped.brand("rafeeq").exclude_terms


def test_looking_up_an_unknown_brand_names_the_id_and_the_known_ones(shipped):
    with pytest.raises(ConfigError, match=r"no brand with id 'zain'; expected one of: sahm, najm, rafeeq"):
        shipped.brand("zain")


def test_every_fixed_topic_is_present_with_descriptions_and_ten_seeds(shipped):
    assert [topic.id for topic in shipped.topics] == list(TOPIC_IDS)
    for topic in shipped.topics:
        assert topic.description_ar and topic.description_en
        assert len(topic.seeds) >= 10, topic.id


def test_signals_hold_churn_intent_and_advocacy_seeds(shipped):
    assert [signal.id for signal in shipped.signals] == ["churn_intent", "advocacy"]
    assert "آخر شهر معكم" in shipped.signal("churn_intent").seeds


def test_only_the_demo_source_is_enabled(shipped):
    assert [source.name for source in shipped.enabled_sources()] == ["demo"]
    assert {source.kind for source in shipped.sources} == {
        "demo", "rss", "app_store", "reddit", "x", "youtube", "telegram", "mastodon", "html",
    }


def test_source_options_are_completed_with_the_defaults_of_their_kind(shipped):
    assert shipped.source("x").options["api_url"] == "https://api.x.com/2/tweets/search/recent"
    assert shipped.source("forum:souq_reviews").options["time_format"] is None
    assert shipped.source("x").credentials_env == ["NABD_X_BEARER_TOKEN"]


def test_author_names_are_dropped_unless_a_source_or_the_settings_keep_them(shipped, config_dir, replace_in):
    assert shipped.source("news_rss").options["keep_author_names"] is True
    assert shipped.source("demo").options["keep_author_names"] is False
    replace_in(config_dir / "settings.yaml", "show_author_names: false", "show_author_names: true")
    assert load_config(config_dir).source("demo").options["keep_author_names"] is True


def test_a_source_without_brands_collects_for_every_brand(shipped):
    assert [brand.id for brand in shipped.source_brands("demo")] == ["sahm", "najm", "rafeeq"]
    assert [brand.id for brand in shipped.source_brands("app_store")] == ["sahm", "rafeeq"]


def test_a_brand_without_report_language_takes_the_settings_default(config_dir: Path, replace_in):
    replace_in(config_dir / "settings.yaml", "default_language: ar", "default_language: en")
    config = load_config(config_dir)
    assert config.brand("najm").report_language == "en"
    assert config.brand("sahm").report_language == "ar"


def test_relative_paths_resolve_against_the_repository_root(shipped):
    settings = shipped.settings
    assert settings.data_dir == REPO_ROOT / "var"
    assert settings.model.dir == REPO_ROOT / "nlp/models/nabd-arabic-mini"
    assert settings.elasticsearch.local.cache_dir == REPO_ROOT / ".cache/nabd"


def test_alert_rules_keep_their_thresholds_and_channel_variable_names(shipped):
    rule = shipped.alert_rule("rafeeq_negative_spike")
    assert (rule.brand, rule.min_negative, rule.sensitivity, rule.baseline_weeks) == ("rafeeq", 8, 3.0, 4)
    assert [channel.url_env for channel in rule.channels] == [
        "NABD_SLACK_WEBHOOK_RAFEEQ_SUPPORT",
        "NABD_RAFEEQ_TICKETS_WEBHOOK_URL",
    ]


def test_an_analyst_can_add_a_topic(config_dir: Path, replace_in):
    added = """
  - id: store_experience
    name_ar: تجربة الفرع
    name_en: Store experience
    description_ar: الزحام وسوء التعامل في الفروع.
    description_en: Crowding and poor treatment in branches.
    seeds: [الفرع زحمة, الموظف في الفرع ما ساعدني]

signals:"""
    replace_in(config_dir / "topics.yaml", "\nsignals:", added)
    assert load_config(config_dir).topic("store_experience").seeds[0] == "الفرع زحمة"


def test_the_configuration_is_immutable_once_loaded(shipped):
    with pytest.raises(ValueError):
        shipped.brand("sahm").timezone = "Africa/Cairo"
