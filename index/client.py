"""Connects to Elasticsearch from settings: the configured cluster, or nabd's local node."""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass, field
from pathlib import Path

from elasticsearch import Elasticsearch

from config.values import redacted_url, url_credentials
from index.server import LocalServer

log = logging.getLogger(__name__)

RETRY_ON_STATUS = (429, 502, 503, 504)


class ElasticsearchUnavailable(RuntimeError):
    """Elasticsearch did not answer; the message says where nabd looked and what to do."""


@dataclass(frozen=True)
class Connection:
    """Everything needed to reach a cluster; secrets are read from the environment by the caller.

    A `user:password@` inside `url` is moved into `username`/`password` (unless they are given), so
    `url` can be printed and logged; neither secret appears in the connection's repr.
    """

    url: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    api_key: str | None = field(default=None, repr=False)
    ca_certs: str | None = None
    verify_certs: bool = True
    request_timeout_s: float = 30.0
    max_retries: int = 5
    managed_locally: bool = False

    def __post_init__(self) -> None:
        bare, username, password = url_credentials(self.url)
        if bare != self.url:
            object.__setattr__(self, "url", bare)
            object.__setattr__(self, "username", self.username or username)
            object.__setattr__(self, "password", self.password or password)


def local_server(settings) -> LocalServer:
    """The local node described by `settings.elasticsearch.local`."""
    local = settings.elasticsearch.local
    return LocalServer(version=local.version, port=local.port, heap=local.heap, cache_dir=Path(local.cache_dir))


def connection_from_settings(settings) -> Connection:
    """Reads url, auth and TLS from settings and the environment (now, not at import)."""
    es = settings.elasticsearch
    url = settings.elasticsearch_url()
    if url is None:
        return Connection(url=local_server(settings).url, request_timeout_s=es.request_timeout_s,
                          max_retries=es.max_retries, managed_locally=True)
    return Connection(
        url=url,
        username=settings.elasticsearch_username(),
        password=settings.elasticsearch_password(),
        api_key=settings.elasticsearch_api_key(),
        ca_certs=settings.elasticsearch_ca_certs(),
        verify_certs=es.verify_certs,
        request_timeout_s=es.request_timeout_s,
        max_retries=es.max_retries,
    )


def make_client(connection: Connection) -> Elasticsearch:
    """A client that retries timeouts and overload (429/5xx) with the transport's backoff."""
    options: dict = {
        "request_timeout": connection.request_timeout_s,
        "max_retries": connection.max_retries,
        "retry_on_timeout": True,
        "retry_on_status": RETRY_ON_STATUS,
    }
    if connection.api_key:
        options["api_key"] = connection.api_key
    elif connection.username:
        # Encoded here as UTF-8 (RFC 7617, as Elasticsearch decodes it): the client would refuse a non-ASCII password.
        options["basic_auth"] = base64.b64encode(f"{connection.username}:{connection.password or ''}".encode()).decode("ascii")
    if connection.url.startswith("https"):
        options["verify_certs"] = connection.verify_certs
        if connection.ca_certs:
            options["ca_certs"] = connection.ca_certs
    return Elasticsearch(connection.url, **options)


def check_reachable(client: Elasticsearch, connection: Connection) -> None:
    """Raises ElasticsearchUnavailable with a plain explanation when the cluster does not answer."""
    from elasticsearch import ApiError, TransportError

    try:
        client.options(request_timeout=10, max_retries=0).cluster.health()
    except (TransportError, ApiError) as error:
        hint = ("start it with `nabd es start`" if connection.managed_locally
                else "check NABD_ES_URL / settings.yaml and the credentials")
        raise ElasticsearchUnavailable(
            f"Elasticsearch is not reachable at {redacted_url(connection.url)} ({type(error).__name__}: "
            f"{redacted_url(str(error))}); {hint}"
        ) from error
