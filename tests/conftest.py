"""Session-wide test services: a real Elasticsearch node that the project's own code starts."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
TEST_ES_PORT = int(os.environ.get("NABD_TEST_ES_PORT", "9250"))


@pytest.fixture(scope="session")
def local_node():
    """nabd's own local node on the test port, started by the project's code (stopped afterwards
    unless it was already running or NABD_TEST_KEEP_ES is set). Never skips: no server, failed tests."""
    from index import server

    node = server.LocalServer(version=_configured_es_version(), port=TEST_ES_PORT, heap="512m",
                              cache_dir=REPO_ROOT / ".cache" / "nabd")
    was_running = server.status(node).running
    server.start(node)
    yield node
    if not was_running and not os.environ.get("NABD_TEST_KEEP_ES"):
        server.stop(node)


@pytest.fixture(scope="session")
def es_url(request) -> str:
    """A running Elasticsearch: $NABD_ES_URL when set, else the local test node."""
    if os.environ.get("NABD_ES_URL"):
        return os.environ["NABD_ES_URL"]
    return request.getfixturevalue("local_node").url


def _configured_es_version() -> str:
    settings = yaml.safe_load((REPO_ROOT / "config" / "settings.yaml").read_text(encoding="utf-8"))
    return str(settings["elasticsearch"]["local"]["version"])


@pytest.fixture(scope="session")
def es_client(es_url):
    from index.client import Connection, make_client

    client = make_client(Connection(url=es_url, request_timeout_s=60))
    yield client
    client.close()


@pytest.fixture
def index_names(es_client):
    """Index names no other test (or the demo) uses; removed afterwards."""
    from index.templates import IndexNames, remove_everything

    names = IndexNames(prefix=f"nabdtest-{uuid.uuid4().hex[:8]}")
    yield names
    remove_everything(es_client, names)


@pytest.fixture
def test_config_dir(tmp_path, es_url, index_names) -> Path:
    """A copy of the shipped configuration pointed at the test node, a private prefix and tmp data."""
    config_dir = tmp_path / "config"
    shutil.copytree(REPO_ROOT / "config", config_dir, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    settings_path = config_dir / "settings.yaml"
    settings = yaml.safe_load(settings_path.read_text(encoding="utf-8"))
    settings["elasticsearch"]["index_prefix"] = index_names.prefix
    settings["elasticsearch"]["url"] = es_url
    settings["data_dir"] = str(tmp_path / "var")
    settings_path.write_text(yaml.safe_dump(settings, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return config_dir


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI a skipped test is a failed test: services are started, never assumed missing."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") == "true" and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, which must run every test: {report.longrepr}"
