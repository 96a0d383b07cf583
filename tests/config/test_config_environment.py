"""Environment variables pick the directory, override the connection and hold secrets, read at call time."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import ConfigError, load_config, require_secret, secret
from config.loader import DEFAULT_CONFIG_DIR


@pytest.fixture(scope="module")
def settings():
    return load_config(DEFAULT_CONFIG_DIR).settings


def test_config_directory_comes_from_the_environment_when_set_after_import(config_dir, monkeypatch, replace_in):
    replace_in(config_dir / "brands.yaml", "name_en: Rafeeq\n", "name_en: Rafeeq Express\n")
    monkeypatch.setenv("NABD_CONFIG_DIR", str(config_dir))
    config = load_config()
    assert config.config_dir == config_dir.resolve()
    assert config.brand("rafeeq").name_en == "Rafeeq Express"


def test_without_the_environment_variable_the_repository_config_is_loaded(monkeypatch):
    monkeypatch.delenv("NABD_CONFIG_DIR", raising=False)
    assert load_config().config_dir == DEFAULT_CONFIG_DIR.resolve()


def test_a_missing_config_directory_names_where_it_came_from(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("NABD_CONFIG_DIR", str(tmp_path / "absent"))
    with pytest.raises(ConfigError, match=r"absent: configuration directory not found \(from \$NABD_CONFIG_DIR\)"):
        load_config()


def test_elasticsearch_url_override_is_read_at_call_time(settings, monkeypatch):
    monkeypatch.delenv("NABD_ES_URL", raising=False)
    assert settings.elasticsearch_url() is None
    monkeypatch.setenv("NABD_ES_URL", "https://es.sahm.example:9243")
    assert settings.elasticsearch_url() == "https://es.sahm.example:9243"


def test_an_invalid_elasticsearch_url_override_names_the_variable(settings, monkeypatch):
    monkeypatch.setenv("NABD_ES_URL", "es.sahm.example")
    with pytest.raises(ConfigError, match=r"NABD_ES_URL: expected an http\(s\) URL .*, got 'es.sahm.example'"):
        settings.elasticsearch_url()


def test_username_and_ca_certificates_overrides_are_read_at_call_time(settings, monkeypatch):
    monkeypatch.delenv("NABD_ES_USERNAME", raising=False)
    monkeypatch.delenv("NABD_ES_CA_CERTS", raising=False)
    assert settings.elasticsearch_username() is None
    assert settings.elasticsearch_ca_certs() is None
    monkeypatch.setenv("NABD_ES_USERNAME", "nabd_writer")
    monkeypatch.setenv("NABD_ES_CA_CERTS", "/etc/nabd/http_ca.crt")
    assert settings.elasticsearch_username() == "nabd_writer"
    assert settings.elasticsearch_ca_certs() == "/etc/nabd/http_ca.crt"


def test_secrets_are_read_from_the_named_variable_and_empty_means_unset(settings, monkeypatch):
    monkeypatch.setenv("NABD_ES_PASSWORD", "")
    assert settings.elasticsearch_password() is None
    monkeypatch.setenv("NABD_ES_PASSWORD", "s3cret-from-vault")
    assert settings.elasticsearch_password() == "s3cret-from-vault"
    assert secret("NABD_ES_PASSWORD") == "s3cret-from-vault"


def test_a_required_secret_that_is_unset_says_who_needs_it(monkeypatch):
    monkeypatch.delenv("NABD_X_BEARER_TOKEN", raising=False)
    with pytest.raises(ConfigError, match="NABD_X_BEARER_TOKEN is not set; source 'x' needs it"):
        require_secret("NABD_X_BEARER_TOKEN", "source 'x'")
