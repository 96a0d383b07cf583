"""Deployment settings (Elasticsearch, paths, model, privacy, SMTP, reports) and environment secrets."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, Strict, ValidationInfo, field_validator

from config.errors import ConfigError
from config.values import ConfigModel, Email, EnvVarName, HttpUrl, Slug, Text, http_url, redacted_url, url_credentials

# Relative paths in settings.yaml resolve against the repository root, not the working directory.
REPO_ROOT = Path(__file__).resolve().parent.parent


def repo_path(path: Path) -> Path:
    """`path` made absolute against the repository root."""
    return path if path.is_absolute() else REPO_ROOT / path


def secret(env_name: str) -> str | None:
    """The secret held by environment variable `env_name`, read now; None when unset or empty."""
    value = os.environ.get(env_name)
    return value or None


def require_secret(env_name: str, needed_by: str) -> str:
    """The secret held by `env_name`, or a ConfigError saying who needs it."""
    value = secret(env_name)
    if value is None:
        raise ConfigError(f"environment variable {env_name} is not set; {needed_by} needs it")
    return value


def _heap(value: str) -> str:
    if not value[:-1].isdigit() or value[-1] not in "mg":
        raise ValueError("expected a JVM heap size such as '1g' or '512m'")
    return value


def _version(value: str) -> str:
    parts = value.split(".")
    if len(parts) != 3 or not all(part.isdigit() for part in parts):
        raise ValueError("expected an Elasticsearch version such as '9.5.3'")
    return value


RepoPath = Annotated[Path, Strict(False), AfterValidator(repo_path)]  # a path is written as text
Port = Annotated[int, Field(ge=1, le=65535)]


class LocalElasticsearch(ConfigModel):
    """The single-node server nabd runs itself when no url is configured."""

    version: Annotated[str, AfterValidator(_version)] = "9.5.3"
    port: Port = 9200
    heap: Annotated[str, AfterValidator(_heap)] = "1g"
    cache_dir: RepoPath = Path(".cache/nabd")


class ElasticsearchSettings(ConfigModel):
    """How to reach Elasticsearch; passwords and API keys come from the named environment variables."""

    url: HttpUrl | None = None
    username: Text | None = None
    password_env: EnvVarName = "NABD_ES_PASSWORD"
    api_key_env: EnvVarName = "NABD_ES_API_KEY"
    ca_certs: Text | None = None
    verify_certs: bool = True
    request_timeout_s: float = Field(default=30, gt=0)
    max_retries: int = Field(default=5, ge=0)
    index_prefix: Slug = "nabd"
    local: LocalElasticsearch = LocalElasticsearch()


class ModelSettings(ConfigModel):
    """The classifier checkpoint and how to run it."""

    dir: RepoPath = Path("nlp/models/nabd-arabic-mini")
    backend: Literal["torch", "onnx"] = "onnx"
    batch_size: int = Field(default=64, ge=1, le=4096)
    max_length: int = Field(default=128, ge=8, le=512)


class PrivacySettings(ConfigModel):
    """Pseudonymisation, retention and author display (PDPL)."""

    pseudonym_key_env: EnvVarName = "NABD_PSEUDONYM_KEY"
    retention_months: int = Field(default=24, ge=1, le=120)
    # Raw files hold the unmasked text: they live days, not months (enrichment and re-indexing need them briefly).
    raw_retention_days: int = Field(default=7, ge=1, le=3660)
    show_author_names: bool = False

    @field_validator("raw_retention_days")
    @classmethod
    def _raw_goes_first(cls, days: int, info: ValidationInfo) -> int:
        months = info.data.get("retention_months")
        if months is not None and days > months * 28:
            raise ValueError(f"expected at most {months * 28} days (raw files, which hold unmasked text, may not "
                             f"outlast the enriched data: retention_months is {months}), got {days}")
        return days


class SmtpSettings(ConfigModel):
    """The mail server for reports and e-mail alerts."""

    host: Text | None = None
    port: Port = 587
    starttls: bool = True
    username: Text | None = None
    password_env: EnvVarName = "NABD_SMTP_PASSWORD"
    sender: Email | None = None


class ReportSettings(ConfigModel):
    """Defaults of the daily brand-health report."""

    default_language: Literal["ar", "en"] = "ar"
    digits: Literal["arabic", "western"] = "arabic"
    send_hour: int = Field(default=7, ge=0, le=23)  # local hour (brand's time zone) the daily report goes out


class Settings(ConfigModel):
    """settings.yaml: everything about the deployment that is not a brand, source, topic or rule."""

    elasticsearch: ElasticsearchSettings = ElasticsearchSettings()
    data_dir: RepoPath = Path("var")
    model: ModelSettings = ModelSettings()
    privacy: PrivacySettings = PrivacySettings()
    smtp: SmtpSettings = SmtpSettings()
    report: ReportSettings = ReportSettings()

    def elasticsearch_url(self) -> str | None:
        """$NABD_ES_URL when set (read now), else the file's url; None means nabd runs a local server.

        A `user:password@` inside $NABD_ES_URL is taken off (see `elasticsearch_username`/`_password`),
        so the URL this returns can be printed and logged.
        """
        override = self._url_override()
        return url_credentials(override)[0] if override else self.elasticsearch.url

    def elasticsearch_username(self) -> str | None:
        """$NABD_ES_USERNAME when set (read now), else the user inside $NABD_ES_URL, else the file's username."""
        override = self._url_override()
        from_url = url_credentials(override)[1] if override else None
        return os.environ.get("NABD_ES_USERNAME") or from_url or self.elasticsearch.username

    def _url_override(self) -> str | None:
        override = os.environ.get("NABD_ES_URL")
        if not override:
            return None
        try:
            return http_url(override.strip())
        except ValueError as error:
            raise ConfigError(f"environment variable NABD_ES_URL: {error}, got {redacted_url(override)!r}") from None

    def elasticsearch_ca_certs(self) -> str | None:
        """$NABD_ES_CA_CERTS when set (read now), else the file's ca_certs; relative to the repo root."""
        path = os.environ.get("NABD_ES_CA_CERTS") or self.elasticsearch.ca_certs
        return str(repo_path(Path(path))) if path else None

    def elasticsearch_password(self) -> str | None:
        """The Elasticsearch password from the environment variable named by password_env, else from $NABD_ES_URL."""
        override = self._url_override()
        return secret(self.elasticsearch.password_env) or (url_credentials(override)[2] if override else None)

    def elasticsearch_api_key(self) -> str | None:
        """The Elasticsearch API key from the environment variable named by api_key_env."""
        return secret(self.elasticsearch.api_key_env)
