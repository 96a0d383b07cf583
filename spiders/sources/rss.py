"""Spider for news and blog feeds (RSS 2.0 and Atom), including news-search feeds built from each brand's names."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import quote_plus, urlsplit

import scrapy
from parsel import Selector
from scrapy.http import Response, TextResponse

from spiders.items import MentionItem, new_mention
from spiders.sources.base import MentionSpider

# After namespaces are removed, RSS 2.0 items and Atom entries are read with these XPaths.
FEED_ROOT = "/rss | /feed | /RDF"
FEED_TITLE = "/rss/channel/title/text() | /feed/title/text() | /RDF/channel/title/text()"
ENTRIES = "/rss/channel/item | /feed/entry | /RDF/item"
ENTRY_ID = "string((guid | id)[1])"
ENTRY_LINK = "string((link[@rel='alternate']/@href | link[not(@rel)]/@href | link[not(@href)]/text())[1])"
ENTRY_TITLE = "string(title[1])"
ENTRY_TIME = "string((pubDate | published | updated | date)[1])"
ENTRY_BODY = "string((encoded | content | description | summary)[1])"
ENTRY_BYLINE = "string((creator | author/name | author)[1])"
ENTRY_OUTLET = "string(source[1])"
NEXT_PAGE = "string(/feed/link[@rel='next']/@href)"
# News searches take brand names, not account handles.
QUERY_PLACEHOLDER = "{query}"


class RssSpider(MentionSpider):
    """Collects feed entries published inside the interval, one search feed per brand name where templated."""

    name = "rss"
    source = "news_rss"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for template in self.options["feeds"]:
            for url, query in self.feed_urls(template):
                yield scrapy.Request(url, callback=self.parse_feed, errback=self.request_failed,
                                     cb_kwargs={"query": query, "page": 1, "channel": url})

    def feed_urls(self, template: str) -> Iterator[tuple[str, str | None]]:
        """The feed's URL, or one URL per brand name with the name URL-encoded into {query}."""
        if QUERY_PLACEHOLDER not in template:
            yield template, None
            return
        for brand, names in self.brands.items():
            for name in names:
                if not name.startswith("@"):
                    yield template.replace(QUERY_PLACEHOLDER, quote_plus(name)), brand

    def parse_feed(self, response: Response, query: str | None, page: int, channel: str | None = None) -> Iterator[MentionItem | scrapy.Request]:
        """Every entry of a feed page; the next page (Atom paging) while entries are not yet too old (the channel
        is the feed's first URL)."""
        feed = feed_selector(response)
        if feed is None or not feed.xpath(FEED_ROOT):
            self.skip_page(response, "feed: not RSS or Atom")
            return
        outlet = feed.xpath(FEED_TITLE).get() or urlsplit(response.url).hostname or ""
        published: list[datetime] = []
        for entry in feed.xpath(ENTRIES):
            item = self.mention(entry, response, outlet.strip(), query)
            if channel:
                self.in_channel(item, channel)
            moment = self.read_time(item.get("@timestamp"))
            if moment is not None:
                published.append(moment)
            yield item
        next_page = feed.xpath(NEXT_PAGE).get()
        if next_page and page < self.options.get("max_pages", 5) and not self.older_than_window(published, channel):
            yield response.follow(next_page, callback=self.parse_feed, errback=self.request_failed,
                                  cb_kwargs={"query": query, "page": page + 1, "channel": channel})

    def mention(self, entry: Selector, response: Response, outlet: str, query: str | None) -> MentionItem:
        link = entry.xpath(ENTRY_LINK).get("").strip()
        title = entry.xpath(ENTRY_TITLE).get("").strip() or None
        body = entry.xpath(ENTRY_BODY).get("").strip()
        byline = entry.xpath(ENTRY_BYLINE).get("").strip()
        publisher = entry.xpath(ENTRY_OUTLET).get("").strip() or outlet
        fields: dict[str, Any] = {
            "url": response.urljoin(link) if link else None,
            "title": title,
            # A byline is a person; without one, the outlet publishes the item as an organisation.
            "author": {"handle": byline or publisher, "name": byline or publisher, "organisation": not byline},
            "engagement": {},
            "collected_at": self.collected_now(),
            "@timestamp": entry.xpath(ENTRY_TIME).get("").strip() or None,
        }
        if body:
            fields["body_html"] = body
        else:
            fields["text"] = title or ""
        if query:
            fields["query"] = query
        return new_mention(self.source, entry.xpath(ENTRY_ID).get("").strip() or link, **fields)


def feed_selector(response: Response) -> Selector | None:
    """The response as an XML document without namespaces, or None when it has no text."""
    if not isinstance(response, TextResponse) or not response.body.strip():
        return None
    selector = Selector(text=response.text, type="xml")
    selector.remove_namespaces()
    return selector
