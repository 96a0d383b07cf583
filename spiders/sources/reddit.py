"""Spider for Reddit: subreddit listings and per-brand searches (JSON), with each post's comments, within its rate limit."""

from __future__ import annotations

import base64
import time
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import scrapy
from scrapy.exceptions import CloseSpider
from scrapy.http import Response
from twisted.python.failure import Failure

from nabd import __version__
from spiders.items import MentionItem, new_mention
from spiders.sources.base import API_META, MentionSpider

NEW_PATH = "/r/{subreddit}/new.json"
SEARCH_PATH = "/r/{subreddit}/search.json"
COMMENTS_PATH = "/comments/{post_id}.json"
LISTING_PARAMS = {"limit": "100", "raw_json": "1"}
SEARCH_PARAMS = {"restrict_sr": "1", "sort": "new", "t": "month"}
COMMENTS_PARAMS = {"sort": "new", "limit": "500", "raw_json": "1"}
WEB_URL = "https://www.reddit.com"
POST_KIND, COMMENT_KIND = "t3", "t1"
# Reddit's rate-limit headers: requests left in the period, and seconds until the period ends.
REMAINING_HEADER, RESET_HEADER = b"x-ratelimit-remaining", b"x-ratelimit-reset"
RATE_LIMITED_REASON = "rate_limited"


class RedditSpider(MentionSpider):
    """Collects new posts of each subreddit, and searches of it for each brand name, with their comments."""

    name = "reddit"
    source = "reddit"
    api_base: str = ""
    token: str | None = None
    user_agent_header: str = ""
    resume_at: float = 0.0  # time.monotonic() at which requests may go out again after a used-up rate limit

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.user_agent_header = self.reddit_user_agent()
        if self.credentials_env:
            yield self.token_request()
            return
        self.api_base = self.endpoint("base_url")
        for request in self.listing_requests():
            yield request

    def token_request(self) -> scrapy.Request:
        """Reddit's app-only OAuth: client id and secret (from the environment) for a bearer token."""
        pair = f"{self.credential(0)}:{self.credential(1)}".encode("utf-8")
        return scrapy.FormRequest(
            self.options["token_url"],
            formdata={"grant_type": "client_credentials"},
            headers={"Authorization": "Basic " + base64.b64encode(pair).decode("ascii"), "User-Agent": self.user_agent_header},
            callback=self.parse_token, errback=self.request_failed, meta=API_META, dont_filter=True,
        )

    def parse_token(self, response: Response) -> Iterator[scrapy.Request]:
        document = self.read_json(response, "OAuth token")
        if not isinstance(document, dict) or not document.get("access_token"):
            self.logger.error("Reddit gave no access token: check the client id and secret (%s)", ", ".join(self.credentials_env))
            return
        self.token = str(document["access_token"])
        # The OAuth host from options (the run's --base-url names the public host, not this one).
        self.api_base = str(self.options["oauth_url"]).rstrip("/")
        yield from self.listing_requests()

    def reddit_user_agent(self) -> str:
        """The configured user agent, else '<platform>:<app id>:<version> (by /u/<username>)' from the app's client id."""
        if self.options.get("user_agent"):
            return str(self.options["user_agent"])
        app_id = self.credential(0) if self.credentials_env else "nabd"
        agent = f"python:{app_id}:v{__version__}"
        if not self.options.get("username"):
            self.logger.warning("Reddit asks for a contact in its user agent: set options.username (or options.user_agent) of source %s", self.source)
            return agent
        return f"{agent} (by /u/{self.options['username']})"

    def listing_requests(self) -> Iterator[scrapy.Request]:
        for subreddit in self.options["subreddits"]:
            yield self.listing_request(NEW_PATH.format(subreddit=subreddit), {}, None)
            if self.options.get("search_brands", True):
                for brand, names in self.brands.items():
                    for name in names:
                        yield self.listing_request(SEARCH_PATH.format(subreddit=subreddit), dict(SEARCH_PARAMS, q=name), brand)

    def listing_request(self, path: str, params: dict[str, str], query: str | None, after: str | None = None, page: int = 1) -> scrapy.Request:
        query_string = urlencode({**params, **LISTING_PARAMS, **({"after": after} if after else {})})
        return self.api_request(f"{self.api_base}{path}?{query_string}", self.parse_listing,
                                {"path": path, "params": params, "query": query, "page": page})

    def api_request(self, url: str, callback: Any, cb_kwargs: dict[str, Any], errback: Any = None) -> scrapy.Request:
        headers = {"User-Agent": self.user_agent_header, **({"Authorization": f"bearer {self.token}"} if self.token else {})}
        meta = API_META if self.token else {}
        return scrapy.Request(url, headers=headers, callback=callback, errback=errback or self.request_failed, meta=meta, cb_kwargs=cb_kwargs)

    def comments_failed(self, failure: Failure) -> None:
        """Errback of a post's comment page: a post deleted or closed since it was listed is a skipped page."""
        self.item_page_closed(failure)

    def parse_listing(self, response: Response, path: str, params: dict[str, str], query: str | None, page: int) -> Iterator[MentionItem | scrapy.Request]:
        """The posts of one listing page, their comment pages, and the next page while posts are recent enough."""
        self.heed_rate_limit(response)
        document = self.read_json(response, "listing")
        if document is None:
            return
        listing = listing_data(document)
        if listing is None:
            self.skip_page(response, "listing: not a Reddit listing")
            return
        published: list[datetime] = []
        channel = listing_channel(path, query)
        for post in children(listing, POST_KIND):
            item = self.in_channel(self.mention(post, query, thread_id=post.get("name"), parent_id=None, title=post.get("title")), channel)
            moment = self.read_time(item.get("@timestamp"))
            if moment is not None:
                published.append(moment)
            yield item
            if self.options.get("include_comments", True) and post.get("num_comments") and moment and self.in_window(moment, channel):
                url = f"{self.api_base}{COMMENTS_PATH.format(post_id=post.get('id'))}?{urlencode(COMMENTS_PARAMS)}"
                yield self.api_request(url, self.parse_comments, {"query": query, "channel": channel}, errback=self.comments_failed)
        after = listing.get("after")
        if after and page < self.options.get("max_pages", 5) and not self.older_than_window(published, channel):
            yield self.listing_request(path, params, query, after, page + 1)

    def parse_comments(self, response: Response, query: str | None, channel: str | None = None) -> Iterator[MentionItem]:
        """Every comment (replies included) of a post's comment page."""
        self.heed_rate_limit(response)
        document = self.read_json(response, "comments")
        if document is None:
            return
        if not isinstance(document, list) or len(document) < 2 or listing_data(document[1]) is None:
            self.skip_page(response, "comments: expected [post listing, comment listing]")
            return
        for comment in comment_tree(listing_data(document[1])):
            item = self.mention(comment, query, thread_id=comment.get("link_id"), parent_id=comment.get("parent_id"), title=None)
            yield self.in_channel(item, channel) if channel else item

    def heed_rate_limit(self, response: Response) -> None:
        """When X-Ratelimit-Remaining reaches 0, holds every request until X-Ratelimit-Reset; stops the crawl when that is too long."""
        remaining = header_number(response.headers.get(REMAINING_HEADER))
        if remaining is None or remaining >= 1:
            return
        delay = header_number(response.headers.get(RESET_HEADER)) or 0.0
        limit = self.crawler.settings.getfloat("RETRY_AFTER_MAX", 120.0)
        if delay > limit:
            self.logger.error("Reddit rate limit used up and it resets in %.0f s (more than RETRY_AFTER_MAX=%.0f s): "
                              "the crawl stops here, to be run again", delay, limit)
            self.crawler.stats.inc_value("nabd/rate_limit/gave_up")
            raise CloseSpider(RATE_LIMITED_REASON)
        self.logger.info("Reddit rate limit used up: holding requests %.1f s until its reset", delay)
        self.crawler.stats.inc_value("nabd/rate_limit/waits")
        self.resume_at = max(self.resume_at, time.monotonic() + delay)
        if not self.crawler.engine.paused:
            self.crawler.engine.pause()
            self.resume_requests()

    def resume_requests(self) -> None:
        """Lets requests go out again once the rate-limit period has ended."""
        from twisted.internet import reactor  # at call time: importing it installs a reactor

        wait = self.resume_at - time.monotonic()
        if wait > 0:
            reactor.callLater(wait, self.resume_requests)
        else:
            self.crawler.engine.unpause()

    def mention(self, thing: dict[str, Any], query: str | None, thread_id: str | None, parent_id: str | None, title: str | None) -> MentionItem:
        text = thing.get("selftext") if "selftext" in thing else thing.get("body")
        fields: dict[str, Any] = {
            "url": WEB_URL + thing["permalink"] if isinstance(thing.get("permalink"), str) else None,
            "title": title,
            "text": text or title or "",
            "author": {"handle": thing.get("author"), "name": thing.get("author")},
            "engagement": engagement(thing),
            "thread_id": thread_id,
            "parent_id": parent_id,
            "collected_at": self.collected_now(),
            "@timestamp": thing.get("created_utc"),
        }
        if query:
            fields["query"] = query
        return new_mention(self.source, str(thing.get("name") or ""), **fields)


def listing_channel(path: str, query: str | None) -> str:
    """The channel (watermark key) of a listing: the subreddit, or `<subreddit>?<brand>` for a brand search."""
    subreddit = path.split("/")[2] if path.startswith("/r/") else path
    return f"{subreddit}?{query}" if query else subreddit


def listing_data(document: Any) -> dict[str, Any] | None:
    """The `data` of a Reddit Listing, or None when the document is not one."""
    if isinstance(document, dict) and document.get("kind") == "Listing" and isinstance(document.get("data"), dict):
        return document["data"]
    return None


def children(listing: dict[str, Any], kind: str) -> Iterator[dict[str, Any]]:
    for child in listing.get("children") or []:
        if isinstance(child, dict) and child.get("kind") == kind and isinstance(child.get("data"), dict):
            yield child["data"]


def comment_tree(listing: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Comments depth first; a comment's `replies` is another Listing, or "" when it has none."""
    for comment in children(listing, COMMENT_KIND):
        yield comment
        replies = listing_data(comment.get("replies"))
        if replies is not None:
            yield from comment_tree(replies)


def header_number(value: bytes | None) -> float | None:
    """A rate-limit header's number (Reddit sends '598.0', '412'), or None when absent or unreadable."""
    try:
        return float(value.decode("latin-1")) if value else None
    except ValueError:
        return None


def engagement(thing: dict[str, Any]) -> dict[str, int]:
    counts = {"likes": thing.get("score"), "replies": thing.get("num_comments")}
    return {name: value for name, value in counts.items() if isinstance(value, int)}
