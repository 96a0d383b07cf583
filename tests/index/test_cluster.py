"""Choosing the cluster from configuration: a configured URL means nothing is downloaded or started."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import yaml

from config import load_config
from index import cluster


def test_a_configured_cluster_is_used_as_is_and_nothing_is_downloaded(test_config_dir, tmp_path):
    settings_path = test_config_dir / "settings.yaml"
    settings = yaml.safe_load(settings_path.read_text(encoding="utf-8"))
    settings["elasticsearch"]["local"]["cache_dir"] = str(tmp_path / "never-used-cache")
    settings_path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    config = load_config(test_config_dir)

    status = cluster.ensure_running(config)

    assert status.running and status.url == config.settings.elasticsearch_url()
    assert not (tmp_path / "never-used-cache").exists()


def test_nabd_es_url_overrides_the_file_at_call_time(test_config_dir, monkeypatch, es_url):
    config = load_config(test_config_dir)
    monkeypatch.setenv("NABD_ES_URL", "http://127.0.0.1:9")
    connection = cluster.connection_from_settings(config.settings)
    assert connection.url == "http://127.0.0.1:9" and not connection.managed_locally
    monkeypatch.delenv("NABD_ES_URL")
    assert cluster.connection_from_settings(config.settings).url == es_url


def test_index_setup_is_idempotent(test_config_dir, es_client):
    config = load_config(test_config_dir)
    first = cluster.setup_indices(config)
    second = cluster.setup_indices(config)
    assert any(line.startswith("template") for line in first.created)
    assert second.created == [] and second.updated == []
    names = cluster.index_names(config)
    assert es_client.indices.exists_alias(name=names.alerts_alias)
    assert es_client.indices.exists_alias(name=names.brand_health_alias)


def test_workers_setting_up_the_same_indices_at_once_all_succeed(test_config_dir, es_client, index_names):
    # Mapped Airflow tasks each set up the indices before indexing; they often start together.
    config = load_config(test_config_dir)
    start = threading.Barrier(4)

    def set_up() -> None:
        start.wait()
        cluster.setup_indices(config)

    with ThreadPoolExecutor(max_workers=4) as pool:
        for future in [pool.submit(set_up) for _ in range(4)]:
            future.result()
    assert es_client.indices.exists_alias(name=index_names.alerts_alias)
    assert len(es_client.indices.get_alias(name=index_names.alerts_alias)) == 1
