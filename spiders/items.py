"""The mention item that spiders yield (docs/mention-record.md) and its stable id."""

from __future__ import annotations

import hashlib

import scrapy

# Fields of the mention record that spiders fill, in the order they are written to JSONL.
MENTION_FIELDS: tuple[str, ...] = (
    "id",
    "source",
    "source_id",
    "url",
    "query",
    "@timestamp",
    "collected_at",
    "updated_at",
    "title",
    "text",
    "author",
    "engagement",
    "rating",
    "thread_id",
    "parent_id",
)

# Transport fields: set by a spider, consumed and removed by a pipeline, never written.
TRANSIENT_FIELDS: tuple[str, ...] = ("body_html", "channel")

# Keys of `author` a spider may set; `handle` is replaced by the pseudonymous `id`.
AUTHOR_KEYS: tuple[str, ...] = ("handle", "name", "followers", "verified", "organisation")


class MentionItem(scrapy.Item):
    """One post as collected: the spider-owned fields of the mention record."""

    # `@timestamp` is not a Python identifier, so the field table is declared as a mapping.
    fields = {name: scrapy.Field() for name in MENTION_FIELDS + TRANSIENT_FIELDS}


def mention_id(source: str, source_id: str) -> str:
    """The stable mention id: sha256 of source and native id joined by a unit separator, 32 hex chars."""
    return hashlib.sha256(f"{source}\x1f{source_id}".encode("utf-8")).hexdigest()[:32]


def new_mention(source: str, source_id: str, **fields: object) -> MentionItem:
    """A mention item with its id derived from source and native id."""
    item = MentionItem(id=mention_id(source, source_id), source=source, source_id=source_id)
    for name, value in fields.items():
        item[name] = value
    return item
