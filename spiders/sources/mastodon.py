"""Spider for Mastodon: public hashtag timelines and (with an access token) status search, on configured instances."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import quote, unquote, urlencode, urlsplit

import scrapy
from scrapy.http import Response

from spiders.items import MentionItem, new_mention
from spiders.sources.base import API_META, MentionSpider

TAG_TIMELINE_PATH = "/api/v1/timelines/tag/{hashtag}"
SEARCH_PATH = "/api/v2/search"
PAGE_SIZE = "40"


class MastodonSpider(MentionSpider):
    """Collects public statuses of the interval by hashtag, and by brand name where a token allows search."""

    name = "mastodon"
    source = "mastodon"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for instance in self.options["instances"]:
            instance = instance.rstrip("/")
            for hashtag in self.options.get("hashtags", []):
                yield self.page_request(instance, TAG_TIMELINE_PATH.format(hashtag=quote(hashtag, safe="")), {}, None)
            if self.options.get("search_brands"):
                for brand, names in self.brands.items():
                    for name in names:
                        if name.startswith("@"):
                            continue  # brand handles are X/Instagram accounts, not fediverse ones
                        yield self.page_request(instance, SEARCH_PATH, {"q": name, "type": "statuses"}, brand)

    def page_request(self, instance: str, path: str, params: dict[str, str], query: str | None,
                     max_id: str | None = None, page: int = 1) -> scrapy.Request:
        query_string = urlencode({**params, "limit": PAGE_SIZE, **({"max_id": max_id} if max_id else {})})
        headers = {"Authorization": f"Bearer {self.credential(0)}"} if self.credentials_env else {}
        return scrapy.Request(
            f"{instance}{path}?{query_string}", headers=headers, callback=self.parse_statuses, errback=self.request_failed,
            meta=API_META, cb_kwargs={"instance": instance, "path": path, "params": params, "query": query, "page": page},
        )

    def parse_statuses(self, response: Response, instance: str, path: str, params: dict[str, str],
                       query: str | None, page: int) -> Iterator[MentionItem | scrapy.Request]:
        """One page of statuses (a timeline's list, or a search's `statuses`), then older ones while recent enough."""
        document = self.read_json(response, "statuses")
        if document is None:
            return
        statuses = document.get("statuses") if isinstance(document, dict) else document
        if not isinstance(statuses, list):
            self.skip_page(response, "statuses: expected a list of statuses")
            return
        published: list[datetime] = []
        channel = timeline_channel(instance, path, query)
        for status in statuses:
            if not isinstance(status, dict) or status.get("reblog"):
                continue  # a boost repeats a status that is collected in its own right
            item = self.in_channel(self.mention(status, instance, query), channel)
            moment = self.read_time(item.get("@timestamp"))
            if moment is not None:
                published.append(moment)
            yield item
        oldest_id = statuses[-1].get("id") if statuses and isinstance(statuses[-1], dict) else None
        if oldest_id and page < self.options.get("max_pages", 5) and not self.older_than_window(published, channel):
            yield self.page_request(instance, path, params, query, str(oldest_id), page + 1)

    def mention(self, status: dict[str, Any], instance: str, query: str | None) -> MentionItem:
        account = status.get("account") if isinstance(status.get("account"), dict) else {}
        host = urlsplit(instance).netloc
        fields: dict[str, Any] = {
            "url": status.get("url") or status.get("uri"),
            "title": status.get("spoiler_text") or None,
            "body_html": status.get("content") or "",
            "author": {"handle": full_account(account.get("acct"), host), "name": account.get("display_name") or None,
                       "followers": account.get("followers_count") if isinstance(account.get("followers_count"), int) else None},
            "engagement": {name: status[key] for name, key in (("likes", "favourites_count"), ("replies", "replies_count"), ("shares", "reblogs_count"))
                           if isinstance(status.get(key), int)},
            # Reply ids are the instance's own; prefixed with its host they stay unambiguous.
            "parent_id": f"{host}:{status['in_reply_to_id']}" if status.get("in_reply_to_id") else None,
            "thread_id": None,
            "collected_at": self.collected_now(),
            "@timestamp": status.get("created_at"),
        }
        if query:
            fields["query"] = query
        # The status URI is the same on every instance, so a status seen on two is one mention.
        return new_mention(self.source, str(status.get("uri") or ""), **fields)


def timeline_channel(instance: str, path: str, query: str | None) -> str:
    """The channel (watermark key) of a timeline: `<host>#<hashtag>`, or `<host>?<brand>` for a brand search."""
    host = urlsplit(instance).netloc
    return f"{host}?{query}" if query else f"{host}#{unquote(path.rstrip('/').rsplit('/', 1)[-1])}"


def full_account(acct: Any, host: str) -> str | None:
    """`user@domain`: local accounts are written without their instance's domain."""
    if not isinstance(acct, str) or not acct:
        return None
    return acct if "@" in acct else f"{acct}@{host}"
