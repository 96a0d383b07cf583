"""Connects to Elasticsearch from settings: the configured cluster, or nabd's local node."""

from __future__ import annotations

import base64
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from elastic_transport import Transport
from elasticsearch import Elasticsearch

from config.values import redacted_url, url_credentials
from index.server import LocalServer

log = logging.getLogger(__name__)

# Answers retried at once (a proxy's hiccup), and overload answers retried after waiting (Retry-After, else backoff).
RETRY_ON_STATUS = (502, 504)
OVERLOAD_STATUS = (429, 503)
BACKOFF_START_S, BACKOFF_CAP_S, RETRY_AFTER_CAP_S = 0.5, 30.0, 120.0


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


class PatientTransport(Transport):
    """The client's transport, which waits before sending again a request the cluster refused as overloaded.

    elastic-transport retries 429 and 503 at once; an overloaded cluster is then asked again within
    milliseconds. Here each such answer is followed by a wait: the server's `Retry-After` (seconds,
    capped) when it sent one, else an exponential backoff (0.5 s, 1 s, 2 s, … up to 30 s), for at most
    `overload_retries` more tries; the last refusal is returned (the client raises it as an ApiError).
    """

    overload_retries = 5

    def perform_request(self, method: str, target: str, **kwargs: Any) -> Any:  # type: ignore[override]
        for attempt in range(self.overload_retries + 1):
            response = super().perform_request(method, target, **kwargs)
            if response.meta.status not in OVERLOAD_STATUS or attempt == self.overload_retries:
                return response
            wait_s = overload_wait_s(response.meta.headers.get("retry-after"), attempt)
            log.warning("Elasticsearch answered %d to %s %s; waiting %.1f s before try %d of %d",
                        response.meta.status, method, target.split("?")[0], wait_s, attempt + 2, self.overload_retries + 1)
            time.sleep(wait_s)
        raise AssertionError("unreachable")


def overload_wait_s(retry_after: str | None, attempt: int) -> float:
    """How long to wait after the `attempt`-th refusal (0-based): Retry-After in seconds when given, else backoff."""
    if retry_after and retry_after.strip().isdigit():
        return min(float(retry_after.strip()), RETRY_AFTER_CAP_S)
    return min(BACKOFF_START_S * 2**attempt, BACKOFF_CAP_S)


def make_client(connection: Connection) -> Elasticsearch:
    """A client that retries timeouts and bad gateways at once and overload (429/503) after waiting."""
    options: dict = {
        "request_timeout": connection.request_timeout_s,
        "max_retries": connection.max_retries,
        "retry_on_timeout": True,
        "retry_on_status": RETRY_ON_STATUS,
        "transport_class": type("PatientTransport", (PatientTransport,), {"overload_retries": connection.max_retries}),
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
