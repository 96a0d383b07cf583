"""The brand-health document: one per brand and day, re-runs overwrite it, every field in the mapping; the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.templates import load_mapping_file, mapping_paths
from nabd.cli import main
from nabd.report.build import build_and_send_report
from report_mentions import DAY


def test_rerunning_a_day_overwrites_the_same_brand_health_document(test_config_dir, indexed_mentions, es_client,
                                                                    index_names):
    first = build_and_send_report(str(test_config_dir), "sahm", DAY)
    second = build_and_send_report(str(test_config_dir), "sahm", DAY, language="en")
    assert first["document_id"] == second["document_id"] == "sahm-2026-11-21"
    es_client.indices.refresh(index=index_names.brand_health_alias)
    assert es_client.count(index=index_names.brand_health_alias)["count"] == 1
    stored = es_client.get(index=index_names.brand_health_alias, id="sahm-2026-11-21")["_source"]
    assert (stored["brand"], stored["date"], stored["volume"], stored["complaints"]) == ("sahm", DAY, 9, 5)
    assert stored["sentiment"] == {"positive": 2, "negative": 5, "neutral": 2}
    assert stored["complaint_rate"] == pytest.approx(5 / 9) and stored["net_sentiment"] == pytest.approx(-3 / 7)
    assert stored["share_of_voice"] == pytest.approx(9 / 11)
    assert stored["top_topics"][0] == {"id": "network_coverage", "count": 3}


def test_every_field_the_report_stores_is_in_the_brand_health_mapping(test_config_dir, indexed_mentions,
                                                                       es_client, index_names):
    build_and_send_report(str(test_config_dir), "sahm", DAY)
    stored = es_client.get(index=index_names.brand_health_alias, id="sahm-2026-11-21")["_source"]
    mapping = mapping_paths(load_mapping_file("brand_health")["mappings"]["properties"])
    written = {f"{key}.{inner}" if isinstance(value, dict) else key
               for key, value in stored.items() for inner in (value if isinstance(value, dict) else [None])}
    written |= {f"top_topics.{key}" for topic in stored["top_topics"] for key in topic}
    assert written - mapping == set()


def test_nabd_report_saves_the_files_and_prints_where(test_config_dir, indexed_mentions, capsys):
    assert main(["report", "--brand", "sahm", "--date", DAY, "--config-dir", str(test_config_dir)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["language"], result["emailed_to"]) == ("ar", [])
    assert Path(result["pdf"]).read_bytes()[:5] == b"%PDF-"
    assert json.loads(Path(result["figures"]).read_text(encoding="utf-8"))["metrics"]["volume"]["value"] == 9


def test_a_competitor_or_a_bad_date_is_one_plain_error_line(test_config_dir, capsys):
    assert main(["report", "--brand", "najm", "--date", DAY, "--config-dir", str(test_config_dir)]) == 1
    assert "najm is a competitor" in capsys.readouterr().err
    assert main(["report", "--brand", "sahm", "--date", "21/11/2026", "--config-dir", str(test_config_dir)]) == 1
    assert "expected the report day as a date such as 2026-11-21, got '21/11/2026'" in capsys.readouterr().err
