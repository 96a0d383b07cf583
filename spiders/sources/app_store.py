"""Spider for Apple App Store reviews: the public customer-reviews JSON feed per app and storefront country."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any

import scrapy
from scrapy.http import Response

from spiders.items import MentionItem, new_mention
from spiders.sources.base import MentionSpider

# Apple's feed: newest reviews first, 50 per page, at most 10 pages.
REVIEWS_PATH = "/{country}/rss/customerreviews/page={page}/id={app_id}/sortby=mostrecent/json"
REVIEW_URL = "https://apps.apple.com/{country}/app/id{app_id}?see-all=reviews#review-{review_id}"
APPLE_STORE = "apple"


class AppStoreSpider(MentionSpider):
    """Collects the reviews of each configured Apple app in each storefront country, newest first."""

    name = "app_store"
    source = "app_store"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for app in self.options["apps"]:
            if app["store"] != APPLE_STORE:
                self.logger.warning("app %s (%s) is not collected: %s has no public reviews feed", app["id"], app["brand"], app["store"])
                continue
            for country in self.options["countries"]:
                yield self.reviews_request(app, country, page=1)

    def reviews_request(self, app: dict[str, str], country: str, page: int) -> scrapy.Request:
        url = self.endpoint("apple_url") + REVIEWS_PATH.format(country=country, page=page, app_id=app["id"])
        return scrapy.Request(url, callback=self.parse_reviews, errback=self.request_failed,
                              cb_kwargs={"app": app, "country": country, "page": page})

    def parse_reviews(self, response: Response, app: dict[str, str], country: str, page: int) -> Iterator[MentionItem | scrapy.Request]:
        """The reviews of one feed page, and the next page while reviews are not yet older than the interval."""
        document = self.read_json(response, "reviews feed")
        if document is None:
            return
        if not isinstance(document, dict) or not isinstance(document.get("feed"), dict):
            self.skip_page(response, "reviews feed: no 'feed' object")
            return
        published: list[datetime] = []
        for entry in review_entries(document["feed"]):
            review = read_review(entry)
            if review is None:
                continue
            moment = self.read_time(review["updated"])
            if moment is not None:
                published.append(moment)
            yield self.mention(review, app, country)
        if published and page < self.options.get("max_pages", 10) and not self.older_than_window(published, app_channel(app, country)):
            yield self.reviews_request(app, country, page + 1)

    def mention(self, review: dict[str, Any], app: dict[str, str], country: str) -> MentionItem:
        return new_mention(
            self.source,
            review["id"],
            url=REVIEW_URL.format(country=country, app_id=app["id"], review_id=review["id"]),
            query=app["brand"],
            channel=app_channel(app, country),
            title=review["title"],
            text=review["text"],
            rating=review["rating"],
            author={"handle": review["author_uri"] or review["author"], "name": review["author"]},
            engagement={"likes": review["votes_up"]} if review["votes_up"] is not None else {},
            collected_at=self.collected_now(),
            **{"@timestamp": review["updated"]},
        )


def app_channel(app: dict[str, str], country: str) -> str:
    """The channel (watermark key) of one app's reviews in one store country."""
    return f"{app['store']}:{app['id']}:{country}"


def review_entries(feed: dict[str, Any]) -> list[dict[str, Any]]:
    """The feed's entries: Apple writes a single entry as an object, several as a list."""
    entries = feed.get("entry", [])
    entries = [entries] if isinstance(entries, dict) else entries
    return [entry for entry in entries if isinstance(entry, dict)] if isinstance(entries, list) else []


def read_review(entry: dict[str, Any]) -> dict[str, Any] | None:
    """A review's fields from one feed entry (labels unwrapped), or None for an entry that is not a review."""
    rating = _integer(_label(entry, "im:rating"))
    if rating is None:
        return None  # the app's own description entry, which older feeds put first
    author = entry.get("author") if isinstance(entry.get("author"), dict) else {}
    return {
        "id": _label(entry, "id"),
        "title": _label(entry, "title"),
        "text": _label(entry, "content"),
        "rating": rating,
        "version": _label(entry, "im:version"),
        "updated": _label(entry, "updated"),
        "author": _label(author, "name"),
        "author_uri": _label(author, "uri"),
        "votes_up": _integer(_label(entry, "im:voteSum")),
    }


def _label(node: dict[str, Any], key: str) -> str | None:
    value = node.get(key)
    label = value.get("label") if isinstance(value, dict) else None
    return label.strip() if isinstance(label, str) and label.strip() else None


def _integer(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None
