"""Item pipelines, one job each; every dropped item raises DropItem with a reason counted in the crawl stats."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from spiders.cleaning import TimestampError, format_utc, html_to_text, parse_timestamp, to_utc_iso
from spiders.items import MentionItem
from spiders.privacy import author_pseudonym, pseudonym_key
from spiders.sources.base import channel_starts

logger = logging.getLogger(__name__)

DROP_STATS_PREFIX = "nabd/dropped"
# Crawl stat per channel: the latest `@timestamp` collected from it (the runner advances the channel's watermark).
CHANNEL_LATEST_PREFIX = "nabd/channel_latest/"
REQUIRED_FIELDS: tuple[str, ...] = ("id", "source", "source_id", "url", "@timestamp", "author")
# Drops that happen in every normal crawl are logged quietly; the others are worth a look.
QUIET_DROP_REASONS = frozenset({"outside_interval", "duplicate"})


class MentionPipeline:
    """Base of the mention pipelines: access to the crawler and counted drops."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "MentionPipeline":
        return cls(crawler)

    def drop(self, reason: str, item: MentionItem, detail: str) -> DropItem:
        """A DropItem for `item`, counted under `nabd/dropped/<reason>`."""
        self.crawler.stats.inc_value(f"{DROP_STATS_PREFIX}/{reason}")
        level = "DEBUG" if reason in QUIET_DROP_REASONS else "WARNING"
        where = item.get("url") or item.get("source_id") or "?"
        return DropItem(f"{reason}: {detail} ({where})", log_level=level)


class ValidateMentionPipeline(MentionPipeline):
    """Drops items that lack a required field, or any text at all."""

    def process_item(self, item: MentionItem) -> MentionItem:
        for name in REQUIRED_FIELDS:
            if item.get(name) in (None, "", {}):
                raise self.drop(f"missing_{name.lstrip('@')}", item, f"no {name!r}")
        if not item["author"].get("handle"):
            raise self.drop("missing_author", item, "author has no handle")
        if not item.get("text") and not item.get("body_html"):
            raise self.drop("missing_text", item, "neither 'text' nor 'body_html'")
        return item


class HtmlToTextPipeline(MentionPipeline):
    """Turns `body_html` into plain `text`, keeping emoji and line breaks; drops items left empty."""

    def process_item(self, item: MentionItem) -> MentionItem:
        body_html = item.pop("body_html", None)
        if body_html is not None:
            item["text"] = html_to_text(body_html)
        if not item.get("text", "").strip():
            raise self.drop("empty_text", item, "no visible text")
        return item


class UtcTimestampPipeline(MentionPipeline):
    """Normalises `@timestamp` and `collected_at` to UTC ISO 8601 with `Z`; drops unreadable ones."""

    def process_item(self, item: MentionItem) -> MentionItem:
        try:
            item["@timestamp"] = to_utc_iso(item["@timestamp"])
        except TimestampError as error:
            raise self.drop("bad_timestamp", item, str(error)) from None
        collected = item.get("collected_at")
        try:
            item["collected_at"] = to_utc_iso(collected) if collected else _now_utc()
        except TimestampError:
            item["collected_at"] = _now_utc()
        return item


class DataIntervalPipeline(MentionPipeline):
    """Keeps only items published inside their channel's crawl window [start, end): the data interval with its
    lookback, or the channel's own start (a lagging channel's catch-up, an incremental crawl's watermark)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.start = _interval_bound(crawler, "NABD_INTERVAL_START")
        self.end = _interval_bound(crawler, "NABD_INTERVAL_END")
        self.channel_starts = {channel: parse_timestamp(moment) for channel, moment in channel_starts(crawler.settings).items()}

    def process_item(self, item: MentionItem) -> MentionItem:
        published = parse_timestamp(item["@timestamp"])
        start = self.channel_starts.get(item.get("channel") or _source_name(self.crawler), self.start)
        if (start and published < start) or (self.end and published >= self.end):
            raise self.drop("outside_interval", item, f"published {item['@timestamp']}")
        return item


class PseudonymizeAuthorPipeline(MentionPipeline):
    """Replaces the author's handle with a keyed pseudonym; keeps display names only where allowed."""

    def open_spider(self) -> None:
        settings = self.crawler.settings
        self.source = _source_name(self.crawler)
        self.key = pseudonym_key(settings.get("NABD_PSEUDONYM_KEY_ENV", "NABD_PSEUDONYM_KEY"), self.source)
        self.keep_names = settings.getbool("NABD_KEEP_AUTHOR_NAMES")

    def process_item(self, item: MentionItem) -> MentionItem:
        collected: dict[str, Any] = dict(item["author"])
        organisation = bool(collected.get("organisation"))
        item["author"] = {
            "id": author_pseudonym(self.key, self.source, str(collected["handle"])),
            "name": collected.get("name") if organisation or self.keep_names else None,
            "followers": collected.get("followers"),
            "verified": bool(collected.get("verified", False)),
        }
        return item


class QueryPipeline(MentionPipeline):
    """Records which configured query produced the item (a brand id, or the source name)."""

    def process_item(self, item: MentionItem) -> MentionItem:
        if not item.get("query"):
            item["query"] = self.crawler.settings.get("NABD_QUERY") or _source_name(self.crawler)
        return item


class DuplicatePipeline(MentionPipeline):
    """Drops a second item with an id already seen in this crawl.

    The set holds only ids of the run's interval (items outside it are dropped before this pipeline):
    about 190 bytes per item. A 128-bit digest per id would save only about 37 of them (the set's
    table dominates), so the ids are kept as they are and duplicates are decided exactly.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.seen: set[str] = set()

    def process_item(self, item: MentionItem) -> MentionItem:
        if item["id"] in self.seen:
            raise self.drop("duplicate", item, f"id {item['id']} already collected")
        self.seen.add(item["id"])
        return item


class ChannelWatermarkPipeline(MentionPipeline):
    """Counts the latest `@timestamp` of each channel's items (crawl stats) and removes the transient `channel` field.

    Items a spider did not tag belong to the source's one channel, named after the source.
    """

    def process_item(self, item: MentionItem) -> MentionItem:
        channel = item.pop("channel", None) or _source_name(self.crawler)
        self.crawler.stats.max_value(CHANNEL_LATEST_PREFIX + channel, item["@timestamp"])
        return item


def channel_latest(stats: dict[str, Any]) -> dict[str, str]:
    """Channel → latest `@timestamp` collected, from a finished crawl's stats."""
    return {key.removeprefix(CHANNEL_LATEST_PREFIX): value for key, value in stats.items() if key.startswith(CHANNEL_LATEST_PREFIX)}


def _interval_bound(crawler: Crawler, name: str) -> datetime | None:
    value = crawler.settings.get(name)
    return parse_timestamp(value) if value else None


def _source_name(crawler: Crawler) -> str:
    spider = crawler.spider
    return crawler.settings.get("NABD_SOURCE") or getattr(spider, "source", None) or spider.name


def _now_utc() -> str:
    return format_utc(datetime.now(timezone.utc))
