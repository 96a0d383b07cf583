"""Maintenance: whole-month retention, erasure of an author everywhere, re-classification when the model changes."""

from __future__ import annotations

import json
import stat
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml

from config import ConfigError, load_config
from nabd import maintenance, pipeline, private_files
from spiders.items import mention_id

OLD = ("2024-09-10T00:00:00Z", "2024-09-11T00:00:00Z")
RECENT = ("2026-11-20T00:00:00Z", "2026-11-21T00:00:00Z")
AS_OF = "2026-11-23T00:00:00Z"
POSTS = (
    "التوصيل من رفيق تأخر ثلاث أيام والمندوب ما يرد 😡",
    "شبكة سهم طايحة من الصبح ولا فيه نت، وش السالفة؟",
    "باقة سهم بلس ممتازة والسعر معقول 👍",
    "طلبت من رفيق وجاني الطلب ناقص، وين خدمة العملاء؟",
)


def raw_mention(number: int, author: str, published: str, text: str) -> dict:
    return {"id": mention_id("demo", str(number)), "source": "demo", "source_id": str(number),
            "url": f"https://forum.nabd-demo.example/posts/{number}", "query": "demo", "@timestamp": published,
            "collected_at": "2026-11-23T01:00:00Z", "title": None, "text": text,
            "author": {"id": author, "name": None, "followers": 120, "verified": False},
            "engagement": {"likes": number, "replies": 0, "shares": 0}, "rating": None,
            "thread_id": None, "parent_id": None}


def write_raw(config, interval: tuple[str, str], mentions: list[dict]) -> Path:
    path = pipeline.raw_path(Path(config.settings.data_dir), "demo", *interval)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(mention, ensure_ascii=False) + "\n" for mention in mentions), encoding="utf-8")
    return path


def load_interval(config_dir: Path, interval: tuple[str, str], mentions: list[dict]) -> None:
    """Raw file → enriched → indexed, through the pipeline's own stages."""
    write_raw(load_config(config_dir), interval, mentions)
    pipeline.enrich_interval("demo", *interval, config_dir=str(config_dir))
    pipeline.index_interval("demo", *interval, config_dir=str(config_dir))


def set_model_dir(config_dir: Path, model_dir: Path) -> None:
    settings_path = config_dir / "settings.yaml"
    settings = yaml.safe_load(settings_path.read_text(encoding="utf-8"))
    settings["model"]["dir"] = str(model_dir)
    settings["model"]["backend"] = "torch"  # the tiny test models have no ONNX export
    settings_path.write_text(yaml.safe_dump(settings, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.fixture
def no_model(test_config_dir, tmp_path) -> Path:
    """The test configuration with no trained model (whatever the repository ships)."""
    set_model_dir(test_config_dir, tmp_path / "no-model-yet")
    return test_config_dir


# ---------------------------------------------------------------- retention


def test_months_are_counted_back_on_the_calendar_with_the_day_clamped():
    assert maintenance.months_before(datetime(2026, 3, 31, tzinfo=timezone.utc), 1) == datetime(2026, 2, 28, tzinfo=timezone.utc)
    assert maintenance.months_before(datetime(2026, 1, 15, 6, tzinfo=timezone.utc), 24) == datetime(2024, 1, 15, 6, tzinfo=timezone.utc)


def test_only_months_that_ended_before_the_horizon_expire():
    cutoff = maintenance.retention_cutoff(AS_OF, 24)
    names = ["nabd-mentions-2024.10", "nabd-mentions-2024.11", "nabd-mentions-2026.11", "nabd-alerts-v1"]
    assert cutoff == datetime(2024, 11, 23, tzinfo=timezone.utc)
    assert maintenance.expired_indices(names, cutoff) == ["nabd-mentions-2024.10"]


def test_interval_files_expire_with_their_rejects_and_dead_letters(tmp_path):
    old, recent = pipeline.interval_name(*OLD), pipeline.interval_name(*RECENT)
    names = [f"raw/demo/{old}.jsonl", f"enriched/demo/{old}.rejects.jsonl", f"enriched/demo/{old}.jsonl.dead.jsonl",
             f"raw/demo/{recent}.jsonl", "notes.jsonl"]
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("{}\n", encoding="utf-8")
    expired = maintenance.expired_files(tmp_path, maintenance.retention_cutoff(AS_OF, 24))
    assert sorted(path.relative_to(tmp_path).as_posix() for path in expired) == sorted(names[:3])


def test_retention_deletes_whole_old_months_and_their_files_and_keeps_the_rest(no_model, es_client, index_names):
    load_interval(no_model, OLD, [raw_mention(1, "a" * 32, "2024-09-10T08:00:00Z", POSTS[0])])
    load_interval(no_model, RECENT, [raw_mention(2, "b" * 32, "2026-11-20T09:30:00Z", POSTS[1])])

    result = maintenance.apply_retention(AS_OF, config_dir=str(no_model))
    es_client.indices.refresh(index=index_names.mentions_alias)
    assert result["deleted_indices"] == [f"{index_names.prefix}-mentions-2024.09"]
    assert not es_client.indices.exists(index=f"{index_names.prefix}-mentions-2024.09")
    assert es_client.count(index=index_names.mentions_alias)["count"] == 1
    assert [Path(path).name for path in result["deleted_files"]] == [f"{pipeline.interval_name(*OLD)}.jsonl"]
    assert [Path(path).parent.parent.name for path in result["deleted_raw_files"]] == ["raw", "raw"]
    assert maintenance.apply_retention(AS_OF, config_dir=str(no_model))["deleted_indices"] == []


def test_raw_files_expire_after_raw_retention_days_while_enriched_files_stay(tmp_path):
    old = pipeline.interval_name("2026-11-10T00:00:00Z", "2026-11-11T00:00:00Z")
    recent = pipeline.interval_name("2026-11-20T00:00:00Z", "2026-11-21T00:00:00Z")
    names = [f"raw/demo/{old}.jsonl", f"raw/demo/{old}.indexed.json", f"enriched/demo/{old}.rejects.jsonl",
             f"enriched/demo/{old}.jsonl", f"enriched/demo/{old}.jsonl.dead.jsonl", f"raw/demo/{recent}.jsonl"]
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("{}\n", encoding="utf-8")
    cutoff = maintenance.raw_retention_cutoff(AS_OF, 7)
    assert cutoff == datetime(2026, 11, 16, tzinfo=timezone.utc)
    expired = maintenance.expired_raw_files(tmp_path, cutoff)
    assert sorted(path.relative_to(tmp_path).as_posix() for path in expired) == sorted(names[:3])


def test_retention_deletes_raw_files_by_days_and_keeps_the_enriched_months(no_model, es_client, index_names):
    settings_path = no_model / "settings.yaml"
    settings = yaml.safe_load(settings_path.read_text(encoding="utf-8"))
    settings["privacy"]["raw_retention_days"] = 2
    settings_path.write_text(yaml.safe_dump(settings, allow_unicode=True, sort_keys=False), encoding="utf-8")
    load_interval(no_model, RECENT, [raw_mention(2, "b" * 32, "2026-11-20T09:30:00Z", POSTS[1])])
    config = load_config(no_model)

    result = maintenance.apply_retention(AS_OF, config_dir=str(no_model))

    assert not pipeline.raw_path(Path(config.settings.data_dir), "demo", *RECENT).exists()
    assert pipeline.enriched_path(Path(config.settings.data_dir), "demo", *RECENT).is_file()
    assert result["raw_cutoff"] == "2026-11-21T00:00:00Z" and len(result["deleted_raw_files"]) == 2
    assert es_client.count(index=index_names.mentions_alias)["count"] == 1


def test_raw_retention_is_days_by_default_and_may_not_outlast_enriched_retention(no_model):
    assert load_config(no_model).settings.privacy.raw_retention_days == 7
    settings_path = no_model / "settings.yaml"
    settings = yaml.safe_load(settings_path.read_text(encoding="utf-8"))
    settings["privacy"].update(retention_months=1, raw_retention_days=60)
    settings_path.write_text(yaml.safe_dump(settings, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"settings\.yaml: privacy\.raw_retention_days: .*at most .*retention_months"):
        load_config(no_model)


def test_a_rewritten_file_keeps_its_mode_and_a_new_one_is_private(tmp_path):
    raw = tmp_path / "raw.jsonl"
    raw.write_text(json.dumps(raw_mention(1, "e" * 32, RECENT[0], POSTS[0]), ensure_ascii=False) + "\n", encoding="utf-8")
    raw.chmod(0o600)
    shared = tmp_path / "notes.jsonl"
    shared.write_text("{}\n", encoding="utf-8")
    shared.chmod(0o640)

    private_files.write_atomically(raw, b"")
    private_files.write_atomically(shared, b"")
    private_files.write_atomically(tmp_path / "state" / "new.json", b"[]")

    modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in tmp_path.rglob("*") if path.is_file()}
    assert modes == {"raw.jsonl": 0o600, "notes.jsonl": 0o640, "new.json": 0o600}


# ---------------------------------------------------------------- re-classification


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    """A tiny, randomly initialised multi-task model in save_pretrained layout, built by nlp's own code."""
    import torch
    from transformers import AutoTokenizer

    from nlp.model.modeling import NabdMultiTaskConfig, NabdMultiTaskModel, heads_config
    from nlp.model.tokenizer_training import TokenizerArguments, train_tokenizer
    from nlp.normalize import normalize_for_model

    directory = tmp_path_factory.mktemp("tiny-model")
    train_tokenizer([normalize_for_model(text) for text in POSTS] * 10, directory,
                    TokenizerArguments(vocab_size=200, min_frequency=1, model_max_length=64))
    tokenizer = AutoTokenizer.from_pretrained(str(directory))
    config = NabdMultiTaskConfig(
        heads=heads_config(), model_name="nabd-test-tiny", model_version="0.0.2", vocab_size=len(tokenizer),
        hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64,
        max_position_embeddings=64, pad_token_id=tokenizer.pad_token_id)
    torch.manual_seed(0)
    NabdMultiTaskModel(config).save_pretrained(str(directory))
    return directory


def test_a_new_model_reclassifies_stored_intervals_once_from_raw_or_enriched_files(no_model, tiny_model, es_client,
                                                                                  index_names):
    mentions = [raw_mention(n, "k" * 32, f"2026-11-20T1{n}:00:00Z", text) for n, text in enumerate(POSTS)]
    load_interval(no_model, RECENT, mentions)
    load_interval(no_model, OLD, [raw_mention(9, "k" * 32, "2024-09-10T08:00:00Z", POSTS[0] + " [phone]")])
    data_dir = Path(load_config(no_model).settings.data_dir)
    pipeline.raw_path(data_dir, "demo", *OLD).unlink()  # raw retention took it: only the enriched file is left
    assert maintenance.reclassify_stale(config_dir=str(no_model))["model"] is None

    set_model_dir(no_model, tiny_model)
    result = maintenance.reclassify_stale(config_dir=str(no_model))
    es_client.indices.refresh(index=index_names.mentions_alias)
    enriched = pipeline.enriched_path(data_dir, "demo", *RECENT)
    old_enriched = pipeline.enriched_path(data_dir, "demo", *OLD)
    records = [json.loads(line) for line in (enriched.read_text(encoding="utf-8") + old_enriched.read_text(encoding="utf-8")).splitlines()]
    assert result["model"] == {"name": "nabd-test-tiny", "version": "0.0.2"}
    assert result["reclassified"] == [str(old_enriched), str(enriched)] and result["from_enriched"] == [str(old_enriched)]
    assert result["indexed"] == len(records) == 5
    assert all(record["nlp"]["model"] == result["model"] for record in records)
    assert records[-1]["text"] == POSTS[0] + " [phone]"
    classified = es_client.count(index=index_names.mentions_alias, query={"exists": {"field": "nlp.sentiment"}})
    assert classified["count"] == 5
    assert maintenance.reclassify_stale(config_dir=str(no_model))["reclassified"] == []
