"""Putting fixture mentions into the real test node the way bulk indexing would (same index, same `_id`)."""

from __future__ import annotations

from index.bulk import mention_action
from index.templates import IndexNames


def index_mentions(es_client, names: IndexNames, records: list[dict]) -> None:
    """Indexes `records` into their monthly indices under `names`, refreshed; fails on any rejected document."""
    operations = []
    for record in records:
        action = mention_action(record, names)
        operations += [{"index": {"_index": action["_index"], "_id": action["_id"]}}, action["_source"]]
    response = es_client.bulk(operations=operations, refresh=True)
    assert not response["errors"], [item for item in response["items"] if "error" in item["index"]][:3]
