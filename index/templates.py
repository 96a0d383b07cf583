"""The versioned mapping files and `nabd index setup`: templates, monthly indices, aliases."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from elasticsearch import BadRequestError, Elasticsearch

log = logging.getLogger(__name__)

MAPPINGS_DIR = Path(__file__).resolve().parent / "mappings"
MAPPING_VERSION = 1


def load_mapping_file(name: str) -> dict:
    """One of the canonical JSON files in index/mappings (e.g. `mentions`)."""
    return json.loads((MAPPINGS_DIR / f"{name}.v{MAPPING_VERSION}.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class IndexNames:
    """Every name nabd uses in a cluster, derived from one prefix (tests use their own)."""

    prefix: str = "nabd"

    @property
    def mentions_alias(self) -> str:
        return f"{self.prefix}-mentions"

    @property
    def mentions_template(self) -> str:
        return f"{self.prefix}-mentions"

    @property
    def mentions_pattern(self) -> str:
        """Every monthly mention index, whether or not the alias holds it."""
        return f"{self.prefix}-mentions-*"

    def mentions_index(self, timestamp: datetime) -> str:
        """The monthly index a mention published at `timestamp` (UTC) lives in."""
        return f"{self.prefix}-mentions-{timestamp:%Y.%m}"

    @property
    def alerts_alias(self) -> str:
        return f"{self.prefix}-alerts"

    @property
    def brand_health_alias(self) -> str:
        return f"{self.prefix}-brand-health"

    @property
    def collection_health_alias(self) -> str:
        """One record per crawl: source, interval, status, counts (index/collection_health.py)."""
        return f"{self.prefix}-collection-health"


def analysis_settings(brand_keywords: list[str]) -> dict:
    """The shared analysis block, with brand names protected from stemming."""
    analysis = load_mapping_file("analysis")
    analysis["filter"]["nabd_brand_keywords"]["keywords"] = sorted(set(brand_keywords))
    return analysis


def mentions_template(names: IndexNames, brand_keywords: list[str]) -> dict:
    """The composable index template for the monthly mention indices."""
    template = load_mapping_file("mentions")
    rendered = json.loads(json.dumps(template).replace("{prefix}", names.prefix))
    rendered["template"]["settings"]["analysis"] = analysis_settings(brand_keywords)
    return rendered


def single_index_body(name: str, brand_keywords: list[str]) -> dict:
    """Settings and mappings for the alerts, brand-health and collection-health indices."""
    body = load_mapping_file(name)
    body["settings"]["analysis"] = analysis_settings(brand_keywords)
    body["mappings"]["_meta"] = body.pop("_meta")
    return body


def brand_keywords(brands) -> list[str]:
    """Single-word brand names and spellings: they must never be stemmed."""
    words: set[str] = set()
    for brand in brands:
        for spelling in [brand.name_ar, brand.name_en, *brand.aliases, *brand.arabizi]:
            words.update(part for part in spelling.split() if len(part) > 1)
    return sorted(words)


@dataclass
class SetupReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def setup(client: Elasticsearch, names: IndexNames, keywords: list[str]) -> SetupReport:
    """Creates or updates the template and indices; safe to run any number of times."""
    report = SetupReport()
    _put_mentions_template(client, names, keywords, report)
    _sync_existing_mention_indices(client, names, report)
    for mapping, alias in (("alerts", names.alerts_alias), ("brand_health", names.brand_health_alias),
                           ("collection_health", names.collection_health_alias)):
        _ensure_single_index(client, alias, mapping, keywords, report)
    return report


def _put_mentions_template(client, names: IndexNames, keywords: list[str], report: SetupReport) -> None:
    body = mentions_template(names, keywords)
    current = []
    if client.indices.exists_index_template(name=names.mentions_template):
        existing = client.indices.get_index_template(name=names.mentions_template)
        current = [t["index_template"] for t in existing["index_templates"]]
    if current and _same_template(current[0], body):
        report.unchanged.append(f"template {names.mentions_template}")
        return
    client.indices.put_index_template(
        name=names.mentions_template,
        index_patterns=body["index_patterns"],
        template=body["template"],
        priority=body["priority"],
        version=body["version"],
        meta=body["_meta"],
    )
    (report.updated if current else report.created).append(f"template {names.mentions_template}")


def _same_template(current: dict, wanted: dict) -> bool:
    keywords_now = (current.get("template", {}).get("settings", {}).get("index", {})
                    .get("analysis", {}).get("filter", {}).get("nabd_brand_keywords", {}).get("keywords"))
    keywords_wanted = wanted["template"]["settings"]["analysis"]["filter"]["nabd_brand_keywords"]["keywords"]
    return (current.get("version") == wanted["version"]
            and current.get("_meta") == wanted["_meta"]
            and sorted(keywords_now or []) == keywords_wanted
            and current.get("template", {}).get("mappings") == wanted["template"]["mappings"])


def _sync_existing_mention_indices(client, names: IndexNames, report: SetupReport) -> None:
    """Adds new fields to months already created (analysis settings of old months stay as they were)."""
    template = load_mapping_file("mentions")
    properties = template["template"]["mappings"]["properties"]
    existing = client.indices.get(index=f"{names.prefix}-mentions-*", allow_no_indices=True,
                                  expand_wildcards="open")
    for index_name in sorted(existing):
        client.indices.put_mapping(index=index_name, properties=properties)
        report.unchanged.append(f"index {index_name} (mapping checked)")


def _ensure_single_index(client, alias: str, mapping: str, keywords: list[str], report: SetupReport) -> None:
    body = single_index_body(mapping, keywords)
    if client.indices.exists_alias(name=alias):
        client.indices.put_mapping(index=alias, properties=body["mappings"]["properties"])
        report.unchanged.append(f"index {alias}")
        return
    concrete = f"{alias}-v{MAPPING_VERSION}"
    try:
        client.indices.create(index=concrete, settings=body["settings"], mappings=body["mappings"],
                              aliases={alias: {"is_write_index": True}})
    except BadRequestError as error:
        if error.error != "resource_already_exists_exception":
            raise
        # Another worker set up the same indices at the same moment (mapped tasks do): theirs is ours.
        report.unchanged.append(f"index {concrete} (alias {alias}, created concurrently)")
        return
    report.created.append(f"index {concrete} (alias {alias})")


def mapping_paths(properties: dict | None = None, prefix: str = "") -> set[str]:
    """Every dotted field path the mentions mapping defines (objects and leaves)."""
    if properties is None:
        properties = load_mapping_file("mentions")["template"]["mappings"]["properties"]
    paths: set[str] = set()
    for name, spec in properties.items():
        path = f"{prefix}{name}"
        paths.add(path)
        if "properties" in spec:
            paths |= mapping_paths(spec["properties"], prefix=f"{path}.")
    return paths


def remove_everything(client: Elasticsearch, names: IndexNames) -> None:
    """Deletes every index and the mentions template under `names.prefix` (throw-away test and benchmark data)."""
    created = client.indices.get(index=f"{names.prefix}-*", expand_wildcards="all", allow_no_indices=True)
    if created:
        client.indices.delete(index=",".join(sorted(created)))
    if client.indices.exists_index_template(name=names.mentions_template):
        client.indices.delete_index_template(name=names.mentions_template)
