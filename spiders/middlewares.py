"""Downloader middleware: retries that wait as long as a 429/503 response's Retry-After (or rate-limit reset) asks."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Request, Response
from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

RETRY_AFTER_STATUSES = frozenset({429, 503})


def retry_after_seconds(header: str | bytes | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After value (delta-seconds or HTTP-date); None when absent or unreadable."""
    if header is None:
        return None
    text = header.decode("latin-1") if isinstance(header, bytes) else header
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


def rate_limit_reset_seconds(header: str | bytes | None, now: datetime | None = None) -> float | None:
    """Seconds until an `x-rate-limit-reset` epoch time (X's API); None when absent or unreadable."""
    if header is None:
        return None
    text = (header.decode("latin-1") if isinstance(header, bytes) else header).strip()
    if not text.isdigit():
        return None
    return max(0.0, int(text) - (now or datetime.now(timezone.utc)).timestamp())


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's retry middleware, but 429/503 responses wait for their Retry-After before the retry.

    A Retry-After longer than RETRY_AFTER_MAX seconds is not waited for: the request is given up
    and the response passed on, so one throttled endpoint cannot stall a crawl for hours.
    """

    def __init__(self, settings: BaseSettings):
        super().__init__(settings)
        self.retry_after_max = settings.getfloat("RETRY_AFTER_MAX", 120.0)
        self.retry_after_default = settings.getfloat("RETRY_AFTER_DEFAULT", 5.0)

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in RETRY_AFTER_STATUSES:
            return super().process_response(request, response)
        delay = retry_after_seconds(response.headers.get(b"Retry-After"))
        if delay is None:  # APIs such as X's say when the rate-limit window resets instead
            delay = rate_limit_reset_seconds(response.headers.get(b"x-rate-limit-reset"))
        if delay is None:
            delay = self.retry_after_default
        if delay > self.retry_after_max:
            logger.warning(
                "%s asked to retry after %.0f s (more than RETRY_AFTER_MAX=%.0f): giving up on %s",
                response.status, delay, self.retry_after_max, request.url,
            )
            self.crawler.stats.inc_value("nabd/retry_after/too_long")
            return response
        retry = self._retry(request, f"{response.status} Retry-After {delay:g}s")
        if retry is None:
            return response
        self.crawler.stats.inc_value("nabd/retry_after/waits")
        logger.info("%s on %s: waiting %.1f s before retrying", response.status, request.url, delay)
        await asyncio.sleep(delay)
        return retry
