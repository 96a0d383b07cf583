"""What every nabd spider shares: its configuration, the crawl window (the data interval, its lookback and each channel's
catch-up), and skipping a bad page with a logged, counted reason."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from typing import Any

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from spiders.cleaning import TimestampError, format_utc, parse_timestamp

SKIPPED_PAGES_STAT = "nabd/skipped_pages"
FAILED_REQUESTS_STAT = "nabd/failed_requests"
# HTTP answers that refuse the crawler (credentials refused, access forbidden): the source failed, whatever else came in.
REFUSED_STATUSES = frozenset({401, 403})
# HTTP answers that close one item page (a deleted post, a private thread): the page is skipped, the crawl goes on.
CLOSED_PAGE_STATUSES = frozenset({401, 403, 404, 410})
# Request meta for API endpoints: their use is governed by the API's terms, not by robots.txt.
API_META = {"dont_obey_robotstxt": True}
ERROR_BODY_CHARS = 300


class MentionSpider(scrapy.Spider):
    """Base spider: knows the crawl window and skips malformed pages without dying.

    The window is [interval_start, interval_end): the run's data interval with its lookback before it
    (`NABD_INTERVAL_START` is already the interval's start minus the lookback). A channel whose watermark
    lags starts earlier (`NABD_CHANNEL_STARTS`, channel → time): spiders ask `window_start(channel)`,
    and tag each item with its channel (`in_channel`) so its watermark moves on.
    """

    source: str = ""
    interval_start: datetime | None = None
    interval_end: datetime | None = None
    channel_starts: dict[str, datetime] = {}
    # Whether authors may be named (settings.yaml privacy.show_author_names, per source): when not, a
    # spider stores nothing that names the author but the handle the pseudonymizing pipeline replaces.
    keep_author_names: bool = False

    def __init__(
        self,
        *args: Any,
        options: dict[str, Any] | None = None,
        brands: dict[str, list[str]] | None = None,
        credentials_env: list[str] | None = None,
        base_url: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.options: dict[str, Any] = dict(options or {})
        self.brands: dict[str, list[str]] = {brand: list(names) for brand, names in (brands or {}).items()}
        self.credentials_env: list[str] = list(credentials_env or [])
        self.base_url: str | None = base_url.rstrip("/") if base_url else None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> "MentionSpider":
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.source = crawler.settings.get("NABD_SOURCE") or cls.source
        for attribute, setting in (("interval_start", "NABD_INTERVAL_START"), ("interval_end", "NABD_INTERVAL_END")):
            value = crawler.settings.get(setting)
            if value:
                setattr(spider, attribute, parse_timestamp(value))
        spider.keep_author_names = crawler.settings.getbool("NABD_KEEP_AUTHOR_NAMES")
        spider.channel_starts = {channel: parse_timestamp(moment) for channel, moment in channel_starts(crawler.settings).items()}
        return spider

    def window_start(self, channel: str | None = None) -> datetime | None:
        """Where the crawl window of `channel` (default: the source's one channel) begins: its own start when it
        has one (it lags, or an incremental crawl resumes it), else the interval's start less the lookback."""
        return self.channel_starts.get(channel or self.source, self.interval_start)

    def in_window(self, moment: datetime, channel: str | None = None) -> bool:
        """Whether a publication time falls inside the crawl window of `channel`."""
        start = self.window_start(channel)
        return (start is None or moment >= start) and (self.interval_end is None or moment < self.interval_end)

    def older_than_window(self, moments: list[datetime], channel: str | None = None) -> bool:
        """Whether a page's posts reach back before the window of `channel` (so its older pages are not wanted)."""
        start = self.window_start(channel)
        return bool(moments) and start is not None and min(moments) < start

    def in_channel(self, item: Any, channel: str) -> Any:
        """Tags an item with the channel it was read from (spiders/pipelines.py keeps each channel's watermark)."""
        item["channel"] = channel
        return item

    def in_interval(self, moment: datetime) -> bool:
        """Whether a publication time falls inside the source's window (the data interval and its lookback)."""
        return self.in_window(moment)

    def before_interval(self, moment: datetime) -> bool:
        """Whether a publication time is older than the source's window (nothing older is wanted)."""
        start = self.window_start()
        return start is not None and moment < start

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

    def endpoint(self, option: str) -> str:
        """The base address of an endpoint: the run's --base-url, else the option's value, without a trailing /."""
        return (self.base_url or str(self.options[option])).rstrip("/")

    def credential(self, position: int = 0) -> str:
        """The secret held by the source's `position`-th credentials variable, read now."""
        if position >= len(self.credentials_env):
            raise ValueError(f"source {self.source!r} needs credentials_env with at least {position + 1} variable name(s)")
        name = self.credentials_env[position]
        value = os.environ.get(name, "")
        if not value:
            raise ValueError(f"environment variable {name} is not set (credentials of source {self.source!r})")
        return value

    def read_json(self, response: Response, what: str) -> Any | None:
        """The JSON document of a response, or None (the page skipped with the reason) when it is not JSON."""
        if not isinstance(response, TextResponse) or not response.body.strip():
            self.skip_page(response, f"{what}: empty or not a text response")
            return None
        try:
            return json.loads(response.text)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            self.skip_page(response, f"{what}: malformed JSON ({error})")
            return None

    def request_failed(self, failure: Failure) -> None:
        """Errback: logs a request that failed for good (refused credentials, server error, network), with the reason."""
        request = failure.request
        crawler = getattr(self, "crawler", None)
        if crawler is not None:
            crawler.stats.inc_value(FAILED_REQUESTS_STAT)
        if failure.check(HttpError):
            response = failure.value.response
            if crawler is not None:
                crawler.stats.inc_value(f"{FAILED_REQUESTS_STAT}/{response.status}")
            detail = response.text[:ERROR_BODY_CHARS] if isinstance(response, TextResponse) else ""
            self.logger.error("%s answered HTTP %s: %s", _without_query(request.url), response.status, detail.strip())
        else:
            self.logger.error("request to %s failed: %s", _without_query(request.url), failure.getErrorMessage())

    def item_page_closed(self, failure: Failure) -> bool:
        """Errback part for one item's page (a post, its comments): a closed or gone page is skipped, not failed.

        Returns True when the failure was such a page (counted under `gone: HTTP <status>`); otherwise
        it is logged and counted as a failed request, like `request_failed`, and False is returned.
        """
        if failure.check(HttpError) and failure.value.response.status in CLOSED_PAGE_STATUSES:
            self.skip_page(failure.value.response, f"gone: HTTP {failure.value.response.status}")
            return True
        self.request_failed(failure)
        return False

    @staticmethod
    def collected_now() -> str:
        """The collection time of an item, UTC."""
        return format_utc(datetime.now(timezone.utc))

    def older_than_interval(self, moments: list[datetime]) -> bool:
        """Whether a page's posts reach back before the source's window (so older pages are not wanted)."""
        return self.older_than_window(moments)


def _without_query(url: str) -> str:
    """A URL for logs: the query string may carry tokens, so it is cut off."""
    return url.split("?", 1)[0]


def channel_starts(settings: Any) -> dict[str, str]:
    """`NABD_CHANNEL_STARTS` (a JSON object, or a dict) as channel → ISO time."""
    value = settings.get("NABD_CHANNEL_STARTS") or {}
    starts = json.loads(value) if isinstance(value, str) else dict(value)
    if not isinstance(starts, dict):
        raise ValueError(f"NABD_CHANNEL_STARTS: expected an object of channel → ISO time, got {value!r}")
    return starts
