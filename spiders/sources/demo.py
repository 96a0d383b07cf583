"""Spider for the bundled demo forum: listing pages newest first, then one page per post."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timezone
from typing import Any

import scrapy
from scrapy.http import Response, TextResponse

from spiders.cleaning import format_utc
from spiders.items import MentionItem, new_mention
from spiders.sources.base import MentionSpider

LISTING_PATH = "/posts?page=1"
LISTING_ENTRY = "ol.posts > li.post-summary"
ENTRY_LINK = "a.post-link::attr(href)"
ENTRY_TIME = "time::attr(datetime)"
NEXT_PAGE = "a[rel=next]::attr(href)"

POST = "article.post"
POST_ID = "article.post::attr(data-post-id)"
CANONICAL_URL = "link[rel=canonical]::attr(href)"
POST_TIME = "article.post > header time::attr(datetime)"
POST_BODY = "article.post > div.post-body"
AUTHOR_LINK = "article.post > header a.author"
AUTHOR_HANDLE = "::attr(data-handle)"
AUTHOR_NAME = "::text"
AUTHOR_FOLLOWERS = "::attr(data-followers)"
AUTHOR_VERIFIED = "::attr(data-verified)"
ENGAGEMENT_COUNT = "article.post > footer.engagement span.{name}::attr(data-count)"
ENGAGEMENT_NAMES = ("likes", "replies", "shares")
PARENT_ID = "article.post > a.in-reply-to::attr(data-post-id)"
THREAD_ID = "article.post > a.thread::attr(data-thread-id)"


class DemoSpider(MentionSpider):
    """Collects every demo post published inside the run's data interval."""

    name = "demo"
    source = "demo"
    # The demo forum is our own server on loopback: no need to space requests out.
    custom_settings = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_START_DELAY": 0.05, "CONCURRENT_REQUESTS_PER_DOMAIN": 8}

    def __init__(self, base_url: str | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not base_url:
            raise ValueError("the demo spider needs base_url (start the site with `nabd demo-site`)")
        self.base_url = base_url.rstrip("/")

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(self.base_url + LISTING_PATH, callback=self.parse_listing)

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        """Follows each post inside the interval, and the next page while posts are not yet too old."""
        if not isinstance(response, TextResponse) or not response.css(LISTING_ENTRY):
            self.skip_page(response, "listing: no post entries")
            return
        oldest: datetime | None = None
        for entry in response.css(LISTING_ENTRY):
            link, published = entry.css(ENTRY_LINK).get(), self.read_time(entry.css(ENTRY_TIME).get())
            if not link or published is None:
                self.skip_page(response, "listing: an entry without link or time")
                continue
            oldest = published if oldest is None else min(oldest, published)
            if self.in_interval(published):
                yield response.follow(link, callback=self.parse_post)
        next_page = response.css(NEXT_PAGE).get()
        if next_page and not (oldest and self.before_interval(oldest)):
            yield response.follow(next_page, callback=self.parse_listing)

    def parse_post(self, response: Response) -> Iterator[MentionItem]:
        """One mention from a post page; a page missing its essentials is skipped."""
        if not isinstance(response, TextResponse):
            self.skip_page(response, "post: not a text page")
            return
        missing = [name for name, query in (("id", POST_ID), ("time", POST_TIME), ("author", AUTHOR_LINK), ("body", POST_BODY))
                   if not response.css(query)]
        if missing:
            self.skip_page(response, f"post: missing {', '.join(missing)}")
            return
        yield self.mention(response)

    def mention(self, response: TextResponse) -> MentionItem:
        author = response.css(AUTHOR_LINK)
        return new_mention(
            self.source,
            response.css(POST_ID).get(),
            url=response.css(CANONICAL_URL).get() or response.url,
            title=None,
            body_html=response.css(POST_BODY).get(),
            author={
                "handle": author.css(AUTHOR_HANDLE).get(),
                "name": author.css(AUTHOR_NAME).get(),
                "followers": _integer(author.css(AUTHOR_FOLLOWERS).get()),
                "verified": author.css(AUTHOR_VERIFIED).get() == "true",
            },
            engagement={name: _integer(response.css(ENGAGEMENT_COUNT.format(name=name)).get()) or 0 for name in ENGAGEMENT_NAMES},
            thread_id=response.css(THREAD_ID).get(),
            parent_id=response.css(PARENT_ID).get(),
            rating=None,
            collected_at=format_utc(datetime.now(timezone.utc)),
            **{"@timestamp": response.css(POST_TIME).get()},
        )


def _integer(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None
