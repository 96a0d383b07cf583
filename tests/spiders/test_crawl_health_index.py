"""`nabd crawl` records each crawl's health in the real collection-health index; with Elasticsearch away, the crawl
still succeeds and its record waits next to the raw file for the next crawl; a record it refuses is set aside."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import yaml

from config import load_config
from index.collection_health import configured_sink, latest
from nabd.cli import main
from nabd.pipeline import collect_source
from spiders.demo.site import DemoSite, load_posts
from spiders.health import deliver_pending, pending_health_files, write_health

START, END = "2026-11-16T00:00:00Z", "2026-11-23T00:00:00Z"


@pytest.fixture(scope="module")
def newest_posts() -> list[dict]:
    return load_posts()[:30]


def nabd_crawl(config_dir: Path, out: Path, base_url: str, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setenv("NABD_CONFIG_DIR", str(config_dir))
    return main(["crawl", "--source", "demo", "--start", START, "--end", END, "--out", str(out), "--base-url", base_url])


def elasticsearch_away(config_dir: Path, folder: Path) -> Path:
    """A copy of `config_dir` whose Elasticsearch URL is a closed loopback port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    away = folder / "config-es-away"
    away.mkdir()
    for path in config_dir.iterdir():
        if path.is_file():
            (away / path.name).write_bytes(path.read_bytes())
    settings = yaml.safe_load((away / "settings.yaml").read_text(encoding="utf-8"))
    settings["elasticsearch"]["url"] = f"http://127.0.0.1:{port}"
    (away / "settings.yaml").write_text(yaml.safe_dump(settings, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return away


def test_nabd_crawl_records_its_health_in_the_collection_health_index(
        test_config_dir, es_client, index_names, newest_posts, pseudonym_key, tmp_path, monkeypatch, capsys) -> None:
    out = tmp_path / "var" / "raw" / "demo" / "week.jsonl"
    with DemoSite(posts=newest_posts) as site:
        assert nabd_crawl(test_config_dir, out, site.base_url, monkeypatch) == 0
    assert "health: " in capsys.readouterr().out
    es_client.indices.refresh(index=index_names.collection_health_alias)
    (demo,) = latest(es_client, index_names, START, END)
    assert (demo["source"], demo["source_kind"], demo["status"], demo["items"], demo["runs"]) == ("demo", "demo", "ok", 30, 1)
    (hit,) = es_client.search(index=index_names.collection_health_alias)["hits"]["hits"]
    assert hit["_source"]["http_status"]["2xx"] >= 30 and hit["_source"]["interval_start"] == START
    assert pending_health_files(out.parent) == []


def test_with_elasticsearch_away_the_crawl_succeeds_and_the_next_crawl_records_both(
        test_config_dir, es_client, index_names, newest_posts, pseudonym_key, tmp_path, monkeypatch) -> None:
    out = tmp_path / "var" / "raw" / "demo" / "week.jsonl"
    with DemoSite(posts=newest_posts) as site:
        assert nabd_crawl(elasticsearch_away(test_config_dir, tmp_path), out, site.base_url, monkeypatch) == 0
        assert out.is_file() and len(pending_health_files(out.parent)) == 1
        assert nabd_crawl(test_config_dir, out, site.base_url, monkeypatch) == 0
    assert pending_health_files(out.parent) == []
    es_client.indices.refresh(index=index_names.collection_health_alias)
    hits = es_client.search(index=index_names.collection_health_alias)["hits"]["hits"]
    assert len(hits) == 2 and {hit["_source"]["status"] for hit in hits} == {"ok"}
    (demo,) = latest(es_client, index_names, START, END)
    assert demo["runs"] == 1, "two crawls of one interval are one run: the latest stands for it"


def test_a_record_elasticsearch_refuses_is_set_aside_and_holds_up_no_other(test_config_dir, es_client, index_names, tmp_path) -> None:
    folder = tmp_path / "var" / "raw" / "news_rss"
    good = {"@timestamp": "2026-11-21T10:02:00Z", "source": "news_rss", "source_kind": "rss", "status": "empty", "items": 0,
            "interval_start": "2026-11-21T09:00:00Z", "interval_end": "2026-11-21T10:00:00Z", "crawl_id": "b" * 32}
    write_health(folder / "a.jsonl", {**good, "interval_start": "yesterday", "crawl_id": "a" * 32})
    write_health(folder / "b.jsonl", good)
    (folder / f"c.health-{'c' * 32}.pending.json").write_text("{not json", encoding="utf-8")

    assert deliver_pending(folder, configured_sink(load_config(test_config_dir))) == (1, 2)

    assert sorted(path.name for path in folder.iterdir()) == [
        f"a.health-{'a' * 32}.rejected.json", f"b.health-{'b' * 32}.json", f"c.health-{'c' * 32}.rejected.json"]
    es_client.indices.refresh(index=index_names.collection_health_alias)
    assert es_client.count(index=index_names.collection_health_alias)["count"] == 1


def test_the_collect_task_records_each_crawls_health_in_the_index(test_config_dir, es_client, index_names, pseudonym_key) -> None:
    collected = collect_source("demo", START, END, config_dir=str(test_config_dir))
    es_client.indices.refresh(index=index_names.collection_health_alias)
    (demo,) = latest(es_client, index_names, START, END)
    assert (demo["status"], demo["items"], demo["runs"]) == ("ok", collected["items"], 1) and collected["items"] > 0
    assert pending_health_files(Path(collected["raw_file"]).parent) == []
