"""What every nabd spider shares: the run's data interval and skipping a bad page with a logged, counted reason."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response

from spiders.cleaning import TimestampError, parse_timestamp

SKIPPED_PAGES_STAT = "nabd/skipped_pages"


class MentionSpider(scrapy.Spider):
    """Base spider: knows the data interval [start, end) and skips malformed pages without dying."""

    source: str = ""
    interval_start: datetime | None = None
    interval_end: datetime | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> "MentionSpider":
        spider = super().from_crawler(crawler, *args, **kwargs)
        for attribute, setting in (("interval_start", "NABD_INTERVAL_START"), ("interval_end", "NABD_INTERVAL_END")):
            value = crawler.settings.get(setting)
            if value:
                setattr(spider, attribute, parse_timestamp(value))
        return spider

    def in_interval(self, moment: datetime) -> bool:
        """Whether a publication time falls inside the run's data interval."""
        after_start = self.interval_start is None or moment >= self.interval_start
        before_end = self.interval_end is None or moment < self.interval_end
        return after_start and before_end

    def before_interval(self, moment: datetime) -> bool:
        """Whether a publication time is older than the interval start (nothing older is wanted)."""
        return self.interval_start is not None and moment < self.interval_start

    def read_time(self, value: str | None) -> datetime | None:
        """A page's timestamp as aware UTC, or None when absent or unreadable."""
        try:
            return parse_timestamp(value) if value else None
        except TimestampError:
            return None

    def skip_page(self, response: Response, reason: str) -> None:
        """Logs and counts a page that cannot be read; the crawl goes on."""
        self.logger.warning("skipping page %s: %s", response.url, reason)
        crawler = getattr(self, "crawler", None)
        if crawler is not None:
            crawler.stats.inc_value(SKIPPED_PAGES_STAT)
            crawler.stats.inc_value(f"{SKIPPED_PAGES_STAT}/{reason.split(':')[0]}")

