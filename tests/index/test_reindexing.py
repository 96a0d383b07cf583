"""Re-indexing a mention: one document whatever its corrected time, and never a raw record over an enriched one."""

from __future__ import annotations

import json

import pytest

from index.bulk import RawMentionRefused, index_file
from index.templates import setup
from nabd.cli import main

RAFEEQ = [{"id": "rafeeq", "alias": "رفيق", "role": "brand"}]
ENRICHED = {"id": "c0ffee" * 5 + "01", "source": "demo", "source_id": "77",
            "url": "https://forum.nabd-demo.example/posts/77", "@timestamp": "2026-10-31T23:30:00Z",
            "text": "اتصلت على خدمة عملاء رفيق من رقمي [phone] وما أحد رد علي", "lang": "ar", "brands": RAFEEQ,
            "engagement": {"likes": 3}}
RAW = {key: value for key, value in ENRICHED.items() if key not in ("lang", "brands")}
RAW["text"] = "اتصلت على خدمة عملاء رفيق من رقمي 0551234567 وما أحد رد علي"


def write_jsonl(path, records):
    path.write_text("".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records), encoding="utf-8")
    return path


def copies(es_client, names, mention_id: str) -> dict[str, dict]:
    es_client.indices.refresh(index=names.mentions_pattern, allow_no_indices=True)
    hits = es_client.search(index=names.mentions_pattern, query={"ids": {"values": [mention_id]}},
                            allow_no_indices=True)["hits"]["hits"]
    return {hit["_index"]: hit["_source"] for hit in hits}


@pytest.fixture
def ready(es_client, index_names):
    setup(es_client, index_names, ["رفيق"])
    return index_names


def test_a_mention_whose_time_moves_to_another_month_is_stored_once_in_the_new_month(es_client, ready, tmp_path):
    index_file(es_client, write_jsonl(tmp_path / "first.jsonl", [ENRICHED]), ready)
    corrected = {**ENRICHED, "@timestamp": "2026-11-01T00:30:00Z"}  # the source fixed its time zone
    moved = write_jsonl(tmp_path / "corrected.jsonl", [corrected])

    summaries = [index_file(es_client, moved, ready) for _ in range(2)]

    assert list(copies(es_client, ready, ENRICHED["id"])) == [f"{ready.prefix}-mentions-2026.11"]
    assert es_client.count(index=ready.mentions_alias)["count"] == 1
    assert [summary.indexed for summary in summaries] == [1, 1] and summaries[0].dead_letters is None
    index_file(es_client, write_jsonl(tmp_path / "back.jsonl", [ENRICHED]), ready)
    assert list(copies(es_client, ready, ENRICHED["id"])) == [f"{ready.prefix}-mentions-2026.10"]


def test_a_raw_record_is_refused_with_its_file_and_line_and_sends_nothing(es_client, ready, tmp_path):
    path = write_jsonl(tmp_path / "raw.jsonl", [RAW])

    with pytest.raises(RawMentionRefused, match=rf"{path}:1: .*not enriched.*nabd enrich"):
        index_file(es_client, path, ready)

    assert copies(es_client, ready, RAW["id"]) == {}
    assert not path.with_name("raw.jsonl.dead.jsonl").exists()


def test_index_load_of_a_raw_file_leaves_the_enriched_document_as_it_was(test_config_dir, es_client, index_names,
                                                                          monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("NABD_CONFIG_DIR", str(test_config_dir))
    assert main(["index", "load", str(write_jsonl(tmp_path / "enriched.jsonl", [ENRICHED]))]) == 0
    raw = write_jsonl(tmp_path / "raw.jsonl", [ENRICHED, RAW])

    assert main(["index", "load", str(raw)]) == 1

    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("nabd index: error:") and f"{raw}:2" in error
    stored = copies(es_client, index_names, ENRICHED["id"])
    assert [document["text"] for document in stored.values()] == [ENRICHED["text"]]
