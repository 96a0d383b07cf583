"""Searching mentions the way an analyst would: Arabic-aware full text, filtered by brand and time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from elasticsearch import Elasticsearch

from index.templates import IndexNames
from index.trends import brand_sentiment_filter

SOURCE_FIELDS = ["id", "@timestamp", "source", "url", "text", "title", "brands", "lang", "nlp.sentiment",
                 "nlp.dialect", "nlp.complaint", "nlp.topics", "engagement"]


@dataclass(frozen=True)
class MentionQuery:
    """What to look for. `exact` searches the unstemmed sub-field (no clitic/suffix folding); with a brand,
    `sentiment` is the sentiment toward that brand, without one the post's."""

    text: str | None = None
    brand: str | None = None
    start: str | None = None
    end: str | None = None
    sentiment: str | None = None
    exact: bool = False
    size: int = 10


def build_search(query: MentionQuery) -> dict[str, Any]:
    """The search request body for `query` (pure; tested without a server)."""
    must: list[dict] = []
    if query.text:
        fields = ["text.exact", "title.exact"] if query.exact else ["text", "title"]
        must.append({"multi_match": {"query": query.text, "fields": fields, "operator": "and"}})
    filters: list[dict] = []
    if query.brand:
        filters.append({"term": {"brands.id": query.brand}})
    if query.sentiment and query.brand:
        filters.append(brand_sentiment_filter(query.brand, query.sentiment))
    elif query.sentiment:
        filters.append({"term": {"nlp.sentiment": query.sentiment}})
    if query.start or query.end:
        bounds = {key: value for key, value in (("gte", query.start), ("lt", query.end)) if value}
        filters.append({"range": {"@timestamp": bounds}})
    return {
        "query": {"bool": {"must": must or [{"match_all": {}}], "filter": filters}},
        "sort": ["_score", {"@timestamp": "desc"}] if query.text else [{"@timestamp": "desc"}],
        "size": query.size,
        "_source": SOURCE_FIELDS,
        "highlight": {"fields": {"text": {}, "text.exact": {}}, "pre_tags": ["«"], "post_tags": ["»"],
                      "fragment_size": 160, "number_of_fragments": 1},
        "track_total_hits": True,
    }


@dataclass(frozen=True)
class SearchResult:
    total: int
    mentions: list[dict]


def search_mentions(client: Elasticsearch, names: IndexNames, query: MentionQuery) -> SearchResult:
    """Runs the search on the mentions alias; each mention carries its `highlight` when it has one."""
    response = client.search(index=names.mentions_alias, ignore_unavailable=True, **build_search(query))
    mentions = []
    for hit in response["hits"]["hits"]:
        mention = dict(hit["_source"])
        fragments = hit.get("highlight", {})
        mention["highlight"] = (fragments.get("text") or fragments.get("text.exact") or [None])[0]
        mentions.append(mention)
    return SearchResult(total=response["hits"]["total"]["value"], mentions=mentions)


def format_mention(mention: dict) -> str:
    """One mention as two readable lines for a terminal."""
    brands = ",".join(b.get("id", "") + (f":{b['sentiment']}" if b.get("sentiment") else "")
                      for b in mention.get("brands", []))
    nlp = mention.get("nlp", {})
    labels = " ".join(filter(None, [nlp.get("sentiment"), nlp.get("dialect"),
                                    "complaint:" + "+".join(nlp.get("topics") or []) if nlp.get("complaint") else None]))
    text = (mention.get("highlight") or mention.get("text") or "").replace("\n", " ")
    return f"{mention.get('@timestamp', '')}  [{mention.get('source', '')}] [{brands}] {labels}\n    {text}"
