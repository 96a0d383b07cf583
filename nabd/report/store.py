"""The day's figures as one `nabd-brand-health` document: one per brand and day, a re-run overwrites it."""

from __future__ import annotations

from elasticsearch import Elasticsearch

from index.templates import IndexNames


def document_id(brand: str, day: str) -> str:
    return f"{brand}-{day}"


def health_document(figures: dict, generated_at: str) -> dict:
    """The brand-health record of the report's figures (fields of index/mappings/brand_health.v1.json)."""
    metrics = {key: figures["metrics"][key]["value"] for key in
               ("volume", "net_sentiment", "complaints", "complaint_rate", "churn_intent", "advocacy")}
    return {
        "id": document_id(figures["brand"], figures["date"]), "brand": figures["brand"], "date": figures["date"],
        "timezone": figures["timezone"], **metrics,
        "sentiment": dict(figures["sentiment"]), "dialects": dict(figures["dialects"]),
        "share_of_voice": figures["share_of_voice"][figures["brand"]]["share"],
        "top_topics": [{"id": t["id"], "count": t["count"]} for t in figures["topics"]],
        "generated_at": generated_at,
    }


def store(client: Elasticsearch, names: IndexNames, document: dict) -> str:
    """Writes (creates or replaces) the document under its id; visible to searches on return."""
    client.index(index=names.brand_health_alias, id=document["id"], document=document, refresh="wait_for")
    return document["id"]
