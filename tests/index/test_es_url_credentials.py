"""Credentials written inside NABD_ES_URL (https://user:password@host) are used, and never printed or logged."""

from __future__ import annotations

import base64
import logging
import socket
import traceback

import pytest

from config import ConfigError, load_config
from index import cluster
from nabd.cli import main
from tests.support.es_proxy import ElasticsearchProxy

USERNAME, PASSWORD = "nabd_writer", "Wr1ter-S3cret/كلمة"
USERINFO = "nabd_writer:Wr1ter-S3cret%2F%D9%83%D9%84%D9%85%D8%A9"
SECRETS = (PASSWORD, "Wr1ter-S3cret", "%D9%83%D9%84%D9%85%D8%A9", USERINFO)


def leaked(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def everything_logged(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


def test_config_check_shows_the_cluster_but_not_the_credentials_in_its_url(test_config_dir, monkeypatch, capsys, closed_port) -> None:
    monkeypatch.setenv("NABD_ES_URL", f"https://{USERINFO}@127.0.0.1:{closed_port}")
    assert main(["config", "check", "--dir", str(test_config_dir)]) == 0
    out = capsys.readouterr().out
    assert f"https://127.0.0.1:{closed_port}" in out
    assert leaked(out) == [] and USERNAME not in out


def test_an_unreachable_cluster_is_reported_without_the_credentials_in_its_url(test_config_dir, monkeypatch, capsys,
                                                                                everything_logged, closed_port) -> None:
    monkeypatch.setenv("NABD_CONFIG_DIR", str(test_config_dir))
    monkeypatch.setenv("NABD_ES_URL", f"http://{USERINFO}@127.0.0.1:{closed_port}")
    assert main(["index", "setup"]) == 1
    err = capsys.readouterr().err
    assert f"not reachable at http://127.0.0.1:{closed_port}" in err
    with pytest.raises(Exception) as failure:
        cluster.ensure_running(load_config(test_config_dir))
    told = "".join(traceback.format_exception(failure.value)) + err + everything_logged.text
    assert leaked(told) == [] and USERNAME not in told


def test_an_invalid_nabd_es_url_is_named_without_its_credentials(test_config_dir, monkeypatch) -> None:
    monkeypatch.setenv("NABD_ES_URL", f"htps://{USERINFO}@es.sahm.example:9243")
    with pytest.raises(ConfigError, match=r"NABD_ES_URL: expected an http\(s\) URL") as failure:
        load_config(test_config_dir).settings.elasticsearch_url()
    assert leaked(str(failure.value)) == [] and USERNAME not in str(failure.value)


def test_credentials_in_the_url_reach_the_real_node_as_basic_auth_and_nowhere_else(test_config_dir, monkeypatch, capsys, es_url,
                                                                                   everything_logged) -> None:
    with ElasticsearchProxy(es_url) as proxy:
        monkeypatch.setenv("NABD_CONFIG_DIR", str(test_config_dir))
        monkeypatch.setenv("NABD_ES_URL", f"http://{USERINFO}@127.0.0.1:{proxy.port}")
        assert main(["es", "start"]) == 0
        assert main(["index", "setup"]) == 0
    out, err = capsys.readouterr()
    assert f"at http://127.0.0.1:{proxy.port}" in out
    assert leaked(out + err + everything_logged.text) == []
    expected = "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
    sent = [{name.lower(): value for name, value in request.headers.items()}.get("authorization") for request in proxy.seen]
    assert sent and set(sent) == {expected}
