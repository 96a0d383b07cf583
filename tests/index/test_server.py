"""The local Elasticsearch node that nabd runs itself: real, healthy, idempotent, with our plugin."""

from __future__ import annotations

from pathlib import Path

import pytest

from index import java, server


def test_the_test_node_runs_the_configured_version_with_the_nabd_analysis_plugin(local_node):
    status = server.status(local_node)
    assert status.running and status.url == local_node.url
    assert status.version == local_node.version
    assert "nabd-analysis" in status.plugins
    assert status.cluster_status in ("green", "yellow")


def test_starting_a_running_node_again_changes_nothing(local_node):
    before = server.status(local_node)
    again = server.start(local_node)
    assert again.running and again.pid == before.pid


def test_the_node_runs_as_an_unprivileged_user(local_node):
    pid = server.status(local_node).pid
    uid = int(next(line.split()[1] for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                   if line.startswith("Uid:")))
    assert uid != 0


def test_the_plugin_fingerprint_follows_the_server_version():
    assert server.plugin_fingerprint("9.5.3") != server.plugin_fingerprint("9.5.2")
    assert server.plugin_fingerprint("9.5.3") == server.plugin_fingerprint("9.5.3")


def test_a_missing_java_is_reported_with_every_place_looked(monkeypatch, tmp_path):
    monkeypatch.setattr(java, "SEARCH_GLOBS", (str(tmp_path / "jvm" / "*"),))
    for name in java.ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NABD_JAVA_HOME", str(tmp_path / "old-jdk"))
    with pytest.raises(java.JavaNotFound, match=r"version 21 or newer.*old-jdk \(not a Java home\).*NABD_JAVA_HOME"):
        java.find_java_home(21, need_compiler=True)


def test_status_of_a_node_that_is_not_running_says_so(tmp_path):
    absent = server.LocalServer(version="9.5.3", port=9, heap="512m", cache_dir=tmp_path)
    assert server.status(absent).running is False
    assert server.stop(absent) is False
