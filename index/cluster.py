"""The index package's entry points from configuration: which cluster, which names, one call each."""

from __future__ import annotations

import logging
from pathlib import Path

from elasticsearch import Elasticsearch

from index import server
from index.bulk import IndexSummary, index_file
from index.client import check_reachable, connection_from_settings, local_server, make_client
from index.search import MentionQuery, SearchResult, search_mentions
from index.templates import IndexNames, SetupReport, brand_keywords, setup
from index.trend_report import brand_trends
from index.trends import TrendWindow

log = logging.getLogger(__name__)


def settings():
    """The deployment's configuration (config/ or $NABD_CONFIG_DIR), loaded now."""
    from config import load_config

    return load_config()


def local_node(config) -> server.LocalServer:
    return local_server(config.settings)


def index_names(config) -> IndexNames:
    return IndexNames(prefix=config.settings.elasticsearch.index_prefix)


def ensure_running(config) -> server.ServerStatus:
    """Starts the local node when nabd manages it; checks a configured cluster answers otherwise."""
    connection = connection_from_settings(config.settings)
    if connection.managed_locally:
        return server.start(local_node(config))
    client = make_client(connection)
    check_reachable(client, connection)
    health = client.cluster.health()
    return server.ServerStatus(running=True, url=connection.url, cluster_status=health["status"])


def connect(config) -> Elasticsearch:
    """A client for the configured cluster, after checking that it answers."""
    connection = connection_from_settings(config.settings)
    client = make_client(connection)
    check_reachable(client, connection)
    return client


def setup_indices(config) -> SetupReport:
    return setup(connect(config), index_names(config), brand_keywords(config.brands))


def load_file(config, path: Path, dead_letters: Path | None = None) -> IndexSummary:
    """Indexes one mention file into the configured cluster (set up first, so the template exists)."""
    client = connect(config)
    setup(client, index_names(config), brand_keywords(config.brands))
    summary = index_file(client, Path(path), index_names(config), dead_letters)
    client.indices.refresh(index=index_names(config).mentions_alias, ignore_unavailable=True)
    log.info("indexed %s: %d documents, %d malformed lines, %d rejected by the server",
             path, summary.indexed, summary.malformed, summary.rejected_by_server)
    return summary


def search(config, query: MentionQuery) -> SearchResult:
    return search_mentions(connect(config), index_names(config), query)


def trends(config, brand_id: str, start: str, end: str, interval: str = "day") -> dict:
    """The brand's trend figures over [start, end); dates alone mean midnight in the brand's time zone."""
    brand = config.brand(brand_id)
    window = TrendWindow(brand=brand.id, start=_moment(start, brand.timezone), end=_moment(end, brand.timezone),
                         timezone=brand.timezone, interval=interval, competitors=tuple(brand.competitors))
    return brand_trends(connect(config), index_names(config), window)


def _moment(text: str, timezone: str):
    """`2026-11-20` (midnight in `timezone`) or a full ISO 8601 time with its offset."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as error:
        raise ValueError(f"expected a date (2026-11-20) or an ISO 8601 time, got {text!r}") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(timezone))
