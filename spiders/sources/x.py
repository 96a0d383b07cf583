"""Spider for X (Twitter): the API v2 recent search per brand, within its window and query length, paged by next_token, pacing itself by the rate-limit headers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response

from spiders.cleaning import format_utc
from spiders.items import MentionItem, new_mention
from spiders.middlewares import rate_limit_reset_seconds
from spiders.sources.base import API_META, MentionSpider

TWEET_FIELDS = "created_at,public_metrics,conversation_id,referenced_tweets,lang,author_id,note_tweet"
USER_FIELDS = "username,name,public_metrics,verified"
TWEET_URL = "https://x.com/{username}/status/{id}"
# The same post without its author's handle (X resolves it): the link stored when authors are not named.
ANONYMOUS_TWEET_URL = "https://x.com/i/web/status/{id}"
# The API refuses an end_time closer than 10 seconds to its own clock.
END_TIME_MARGIN = timedelta(seconds=30)
# The API refuses a start_time before its window (now - 7 days for recent search): the clamped start keeps
# this much inside it, so that the crawl's later pages, sent with the same window, are not refused either.
WINDOW_MARGIN = timedelta(minutes=10)
REMAINING_HEADER, RESET_HEADER = b"x-rate-limit-remaining", b"x-rate-limit-reset"
SEARCH_WINDOW_DAYS, MAX_QUERY_LENGTH = 7, 512


class XSpider(MentionSpider):
    """Collects the posts of the interval that name each brand (its aliases and handles)."""

    name = "x"
    source = "x"
    window: dict[str, str] | None = None  # the crawl's start_time/end_time, fixed at its start

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seen_ids: dict[str, set[str]] = {}  # per brand, the posts its queries have yielded
        self.windows: dict[str, dict[str, str]] = {}  # per brand (its channel), start_time and end_time

    async def start(self) -> AsyncIterator[scrapy.Request]:
        now = datetime.now(timezone.utc)
        for brand, names in self.brands.items():
            window = self.time_window(now, brand)
            if window is None:
                continue
            self.windows[brand] = window
            for query in self.brand_queries(brand, names):
                yield self.search_request(brand, query, None, page=1)

    def brand_queries(self, brand: str, names: list[str]) -> list[str]:
        """The brand's queries, its names split so that each fits the endpoint's query length."""
        limit = self.options.get("max_query_length", MAX_QUERY_LENGTH)
        queries = split_brand_query(names, self.options, limit)
        for query in [query for query in queries if len(query) > limit]:
            self.logger.error("X query for %s is %d characters, more than max_query_length=%d, even alone: not searched: %s",
                              brand, len(query), limit, query)
        if len(queries) > 1:
            self.logger.info("X query for %s split in %d to fit %d characters", brand, len(queries), limit)
        return [query for query in queries if len(query) <= limit]

    def search_request(self, brand: str, query: str, next_token: str | None, page: int) -> scrapy.Request:
        params = {"query": query, "max_results": str(self.options.get("max_results", 100)),
                  "tweet.fields": TWEET_FIELDS, "expansions": "author_id", "user.fields": USER_FIELDS}
        params.update(self.windows.get(brand) or {})
        if next_token:
            params["next_token"] = next_token
        return scrapy.Request(
            f"{self.endpoint('api_url')}?{urlencode(params)}",
            headers={"Authorization": f"Bearer {self.credential(0)}"},
            callback=self.parse_search, errback=self.request_failed, meta=API_META,
            cb_kwargs={"brand": brand, "query": query, "page": page},
        )

    def time_window(self, now: datetime, brand: str | None = None) -> dict[str, str] | None:
        """start_time and end_time of a brand's crawl window (the interval, its lookback, the brand's catch-up), the start
        clamped to the search window; None when the window is all outside it."""
        start, end = self.window_start(brand), self.interval_end
        days = self.options.get("search_window_days", SEARCH_WINDOW_DAYS)
        earliest = now - timedelta(days=days) + WINDOW_MARGIN if days else None
        if earliest is not None and end is not None and end <= earliest:
            self.logger.warning("X search reaches back to %s only (%d days): the interval ending %s cannot be fetched",
                                format_utc(earliest), days, format_utc(end))
            self.count("nabd/x/outside_search_window")
            return None
        if earliest is not None and (start is None or start < earliest):
            self.logger.warning("X search reaches back to %s only (%d days): posts published before it (from %s) cannot be fetched",
                                format_utc(earliest), days, format_utc(start) if start else "the interval start")
            self.count("nabd/x/start_time_clamped")
            start = earliest
        window = {"start_time": format_utc(start)} if start else {}
        if end and end < now - END_TIME_MARGIN:
            window["end_time"] = format_utc(end)
        return window

    async def parse_search(self, response: Response, brand: str, query: str, page: int) -> AsyncIterator[MentionItem | scrapy.Request]:
        """The page's posts, then the next page, after waiting for the rate-limit window when it is used up."""
        document = self.read_json(response, "search")
        if document is None:
            return
        if not isinstance(document, dict) or not isinstance(document.get("meta"), dict):
            self.skip_page(response, "search: no 'meta' object")
            return
        users = {user.get("id"): user for user in document.get("includes", {}).get("users", []) if isinstance(user, dict)}
        seen = self.seen_ids.setdefault(brand, set())
        for tweet in document.get("data") or []:
            if isinstance(tweet, dict) and self.first_sighting(seen, tweet):
                yield self.mention(tweet, users.get(tweet.get("author_id"), {}), brand)
        next_token = document["meta"].get("next_token")
        if next_token and page < self.options.get("max_pages", 10) and await self.wait_for_rate_limit(response, brand):
            yield self.search_request(brand, query, next_token, page + 1)

    def first_sighting(self, seen: set[str], tweet: dict[str, Any]) -> bool:
        """Whether a post is new to its brand's queries (one matching two of them is kept once)."""
        post_id = str(tweet.get("id"))
        if post_id in seen:
            self.count("nabd/x/duplicate_across_queries")
            return False
        seen.add(post_id)
        return True

    def count(self, stat: str) -> None:
        crawler = getattr(self, "crawler", None)
        if crawler is not None:
            crawler.stats.inc_value(stat)

    async def wait_for_rate_limit(self, response: Response, brand: str) -> bool:
        """Sleeps until the reset time when x-rate-limit-remaining says no request is left; False when that is too long."""
        if response.headers.get(REMAINING_HEADER, b"").strip() != b"0":
            return True
        delay = rate_limit_reset_seconds(response.headers.get(RESET_HEADER)) or 0.0
        limit = self.crawler.settings.getfloat("RETRY_AFTER_MAX", 120.0)
        if delay > limit:
            self.logger.warning("X rate limit resets in %.0f s (more than RETRY_AFTER_MAX=%.0f): search for %s stops here", delay, limit, brand)
            self.crawler.stats.inc_value("nabd/rate_limit/gave_up")
            return False
        self.logger.info("X rate limit used up: waiting %.1f s for its reset", delay)
        self.crawler.stats.inc_value("nabd/rate_limit/waits")
        await asyncio.sleep(delay)
        return True

    def mention(self, tweet: dict[str, Any], user: dict[str, Any], brand: str) -> MentionItem:
        metrics = tweet.get("public_metrics") or {}
        followers = (user.get("public_metrics") or {}).get("followers_count")
        note = tweet.get("note_tweet") if isinstance(tweet.get("note_tweet"), dict) else {}
        replied_to = [ref.get("id") for ref in tweet.get("referenced_tweets") or [] if isinstance(ref, dict) and ref.get("type") == "replied_to"]
        return new_mention(
            self.source,
            str(tweet.get("id") or ""),
            url=tweet_url(tweet.get("id"), user.get("username"), named=self.keep_author_names),
            query=brand,
            channel=brand,
            title=None,
            text=note.get("text") or tweet.get("text") or "",
            author={"handle": user.get("username") or tweet.get("author_id"), "name": user.get("name"),
                    "followers": followers if isinstance(followers, int) else None, "verified": bool(user.get("verified"))},
            engagement=tweet_engagement(metrics),
            thread_id=tweet.get("conversation_id"),
            parent_id=replied_to[0] if replied_to else None,
            collected_at=self.collected_now(),
            **{"@timestamp": tweet.get("created_at")},
        )


def tweet_url(tweet_id: Any, username: Any, *, named: bool) -> str:
    """The post's link: with its author's handle only when authors may be named, else `x.com/i/web/status/<id>`."""
    if named and isinstance(username, str) and username:
        return TWEET_URL.format(username=username, id=tweet_id)
    return ANONYMOUS_TWEET_URL.format(id=tweet_id)


def split_brand_query(names: list[str], options: dict[str, Any], limit: int) -> list[str]:
    """The brand's names in as few queries as fit `limit` characters each, in order (a name too long alone stays alone)."""
    groups: list[list[str]] = []
    for name in names:
        if groups and len(brand_query([*groups[-1], name], options)) <= limit:
            groups[-1].append(name)
        else:
            groups.append([name])
    return [brand_query(group, options) for group in groups]


def brand_query(names: list[str], options: dict[str, Any]) -> str:
    """The search query of one brand: any of its names or handles, in the configured languages."""
    terms = " OR ".join(f'"{name}"' if " " in name else name for name in names)
    languages = " OR ".join(f"lang:{language}" for language in options.get("languages", ["ar", "en"]))
    query = f"({terms}) ({languages})"
    return query + " -is:retweet" if options.get("exclude_retweets", True) else query


def tweet_engagement(metrics: dict[str, Any]) -> dict[str, int]:
    counts = {
        "likes": metrics.get("like_count"),
        "replies": metrics.get("reply_count"),
        "shares": (metrics.get("retweet_count") or 0) + (metrics.get("quote_count") or 0) if metrics else None,
        "views": metrics.get("impression_count"),
    }
    return {name: value for name, value in counts.items() if isinstance(value, int)}
