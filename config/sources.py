"""The source models: where mentions are collected from, with per-kind option shapes."""

from __future__ import annotations

import re
import string
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo, field_validator

from config.values import (
    ConfigModel,
    CountryCode,
    EnvVarName,
    HttpUrl,
    Slug,
    Text,
    TimeZone,
    UniqueList,
    matching,
)

SourceKind = Literal["demo", "rss", "app_store", "reddit", "x", "youtube", "telegram", "mastodon", "html"]
# Kinds whose API refuses anonymous calls: their sources must name credential variables.
CREDENTIALED_KINDS = {"x": "NABD_X_BEARER_TOKEN", "youtube": "NABD_YOUTUBE_API_KEY"}
# Placeholders a feed URL template may use; spiders fill them per brand.
FEED_PLACEHOLDERS = {"query"}
# How far back each kind's crawl re-reads before its data interval (late posts, changing engagement):
# docs/sources.md says why each value. The bundled demo's posts never change, so it re-reads nothing.
DEFAULT_LOOKBACK: dict[str, timedelta] = {
    "demo": timedelta(0),
    "x": timedelta(hours=24),
    "mastodon": timedelta(hours=6),
    "youtube": timedelta(hours=72),
    "reddit": timedelta(hours=72),
    "app_store": timedelta(days=7),
    "rss": timedelta(hours=48),
    "html": timedelta(hours=48),
    "telegram": timedelta(hours=24),
}
# How far back a crawl reaches for a channel whose watermark lags behind its lookback (a source that was down,
# a paused DAG): the gap is filled, up to this far.
DEFAULT_CATCH_UP = timedelta(days=7)
DURATION_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def _duration(value: Any) -> Any:
    """'90m', '6h', '7d' or 0 as a timedelta; anything else is refused with the expected form."""
    if isinstance(value, timedelta):
        return value
    if value in (0, "0"):
        return timedelta(0)
    match = re.fullmatch(r"\s*(\d{1,5})\s*([mhd])\s*", value) if isinstance(value, str) else None
    if match is None:
        raise ValueError("expected a duration such as '90m', '6h' or '7d' (minutes, hours, days), or 0")
    return timedelta(**{DURATION_UNITS[match.group(2)]: int(match.group(1))})


Duration = Annotated[timedelta, BeforeValidator(_duration)]


def _feed_template(value: str) -> str:
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
    except ValueError:
        raise ValueError("expected a feed URL whose only placeholder is {query}") from None
    if not fields <= FEED_PLACEHOLDERS:
        raise ValueError("expected a feed URL whose only placeholder is {query}")
    return value


def _css_selector(value: str) -> str:
    from parsel.csstranslator import css2xpath  # lazy: only html sources need the translator

    try:
        css2xpath(value)
    except SyntaxError as error:
        expectation = "expected a CSS selector (Scrapy style, ::text and ::attr() allowed)"
        raise ValueError(f"{expectation}: {error}") from None
    return value


def _xpath_selector(value: str) -> str:
    from lxml import etree  # lazy: only html sources with XPath selectors need it

    try:
        etree.XPath(value)
    except etree.XPathSyntaxError as error:
        raise ValueError(f"expected an XPath expression: {error}") from None
    return value


FeedTemplate = Annotated[HttpUrl, AfterValidator(_feed_template)]
YoutubeChannelId = Annotated[
    str, matching(r"UC[A-Za-z0-9_-]{22}", "expected a YouTube channel id such as 'UCx1Yy2Zz3Aa4Bb5Cc6Dd7Ee'")
]
SourceName = Annotated[
    str,
    matching(
        r"[a-z0-9_]{1,48}(:[a-z0-9_-]{1,48})?",
        "expected a source name of a-z, 0-9 and '_', optionally ':name', "
        "such as 'news_rss' or 'forum:souq_reviews'",
    ),
]
Subreddit = Annotated[
    str, matching(r"[A-Za-z0-9_]{2,21}", "expected a subreddit name without r/, such as 'saudiarabia'")
]
TelegramChannel = Annotated[
    str,
    matching(r"[A-Za-z][A-Za-z0-9_]{4,31}", "expected a channel username without @, such as 'sahm_news'"),
]
# The HtmlOptions keys that hold selectors, checked as CSS or XPath per `selector_type`.
SELECTOR_OPTIONS = (
    "item_link_selector", "item_selector", "text_selector", "id_selector", "title_selector",
    "url_selector", "time_selector", "author_selector", "next_page_selector",
)
# Reddit's required User-Agent form: <platform>:<app id>:<version> (by /u/<username>).
RedditUserAgent = Annotated[
    str,
    matching(
        r"[A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+:[A-Za-z0-9_.+-]+ \(by /u/[A-Za-z0-9_-]{3,20}\)",
        "expected Reddit's user agent form '<platform>:<app id>:<version> (by /u/<username>)', "
        "such as 'linux:nabd:v0.1.0 (by /u/nabd_listening)'",
    ),
]
RedditUsername = Annotated[
    str, matching(r"[A-Za-z0-9_-]{3,20}", "expected a Reddit username without /u/, such as 'nabd_listening'")
]
Hashtag = Annotated[Text, matching(r"[^\s#]+", "expected a hashtag without # and without spaces")]


class SourceOptions(ConfigModel):
    """Options every kind takes."""

    # Keep authors' display names (for organisations such as news outlets);
    # absent: settings.yaml privacy.show_author_names.
    keep_author_names: bool | None = None


class DemoOptions(SourceOptions):
    """The bundled offline demo forum, served on loopback by `nabd demo-site`."""

    base_url: HttpUrl | None = None


class RssOptions(SourceOptions):
    """News and blog feeds; a {query} placeholder is filled with each brand's names."""

    feeds: UniqueList[FeedTemplate] = Field(min_length=1)
    # Atom feeds that page (RFC 5005 rel="next") are followed at most this far back.
    max_pages: int = Field(default=5, ge=1, le=100)


class StoreApp(ConfigModel):
    """One app whose store reviews are collected for a brand."""

    brand: Slug
    store: Literal["apple", "google_play"]
    id: Text

    @field_validator("id")
    @classmethod
    def _id_fits_the_store(cls, app_id: str, info: ValidationInfo) -> str:
        store = info.data.get("store")
        if store == "apple" and not app_id.isdigit():
            raise ValueError("expected the numeric App Store id, such as '1234567890'")
        if store == "google_play" and not re.fullmatch(r"[A-Za-z][\w]*(\.[A-Za-z][\w]*)+", app_id):
            raise ValueError("expected a Google Play package name, such as 'sa.sahm.mobile'")
        return app_id


class AppStoreOptions(SourceOptions):
    """App store reviews, per app and per store country."""

    apps: list[StoreApp] = Field(min_length=1)
    countries: UniqueList[CountryCode] = Field(min_length=1)
    # Apple's public customer-reviews feed; {country}/rss/customerreviews/... is appended.
    apple_url: HttpUrl = "https://itunes.apple.com"
    max_pages: int = Field(default=10, ge=1, le=10)


class RedditOptions(SourceOptions):
    """Posts and comments from chosen subreddits that name a brand."""

    subreddits: UniqueList[Subreddit] = Field(min_length=1)
    # Also search each subreddit for every brand name (query = the brand id).
    search_brands: bool = True
    include_comments: bool = True
    max_pages: int = Field(default=5, ge=1, le=40)
    # Public JSON listings; with credentials_env [client id, client secret] the OAuth API is used.
    base_url: HttpUrl = "https://www.reddit.com"
    oauth_url: HttpUrl = "https://oauth.reddit.com"
    token_url: HttpUrl = "https://www.reddit.com/api/v1/access_token"
    # The User-Agent Reddit requires; absent: 'python:<app id>:v<nabd version> (by /u/<username>)', the
    # app id being the OAuth client id (else 'nabd') and the username the Reddit account that owns the app.
    user_agent: RedditUserAgent | None = None
    username: RedditUsername | None = None


class XOptions(SourceOptions):
    """Recent-search of the X API v2 for each brand's names and handles."""

    api_url: HttpUrl = "https://api.x.com/2/tweets/search/recent"
    languages: UniqueList[Literal["ar", "en"]] = ["ar", "en"]
    exclude_retweets: bool = True
    max_results: int = Field(default=100, ge=10, le=100)
    max_pages: int = Field(default=10, ge=1, le=100)
    # The endpoint's limits: recent search reaches 7 days back (null: no limit, for full-archive search
    # at /2/tweets/search/all) and takes queries of 512 characters (1024 or 4096 on higher tiers).
    search_window_days: int | None = Field(default=7, ge=1, le=30)
    max_query_length: int = Field(default=512, ge=64, le=4096)


class YoutubeOptions(SourceOptions):
    """YouTube Data API v3: the comments (and replies) on the recent videos of chosen channels."""

    api_url: HttpUrl = "https://www.googleapis.com/youtube/v3"
    channels: UniqueList[YoutubeChannelId] = Field(min_length=1)
    recent_videos: int = Field(default=10, ge=1, le=50)
    max_results: int = Field(default=100, ge=1, le=100)
    max_pages: int = Field(default=10, ge=1, le=100)


class TelegramOptions(SourceOptions):
    """Public Telegram channels, read from their t.me/s/ web preview."""

    channels: UniqueList[TelegramChannel] = Field(min_length=1)
    base_url: HttpUrl = "https://t.me"
    max_pages: int = Field(default=10, ge=1, le=200)


class MastodonOptions(SourceOptions):
    """Public timelines of Mastodon instances, by hashtag and by search."""

    instances: UniqueList[HttpUrl] = Field(min_length=1)
    hashtags: UniqueList[Hashtag] = []
    # Full-text search of each brand's names; instances answer it only with an access token
    # (credentials_env: [the variable holding it]).
    search_brands: bool = False
    max_pages: int = Field(default=5, ge=1, le=100)


class HtmlOptions(SourceOptions):
    """A forum or review site without an API: list pages, then CSS (or XPath) selectors for its posts.

    Posts are read from the list page itself, or, with `item_link_selector`, from the page each
    list entry links to. Selectors relative to a post start at the element `item_selector` found.
    """

    list_url: HttpUrl
    selector_type: Literal["css", "xpath"] = "css"
    item_link_selector: Text | None = None
    item_selector: Text
    text_selector: Text
    id_selector: Text | None = None
    title_selector: Text | None = None
    url_selector: Text | None = None
    time_selector: Text | None = None
    # strptime format of the post time (Arabic month names and digits are understood); absent: ISO 8601.
    time_format: Text | None = None
    # The site's time zone, for times shown without an offset.
    timezone: TimeZone | None = None
    author_selector: Text | None = None
    next_page_selector: Text | None = None
    max_pages: int = Field(default=5, ge=1, le=100_000)
    # Stop paging once a whole list page is older than the interval (lists sorted newest first).
    newest_first: bool = True

    @field_validator(*SELECTOR_OPTIONS)
    @classmethod
    def _selectors_parse(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        check = _xpath_selector if info.data.get("selector_type") == "xpath" else _css_selector
        return check(value)


OPTIONS_BY_KIND: dict[str, type[SourceOptions]] = {
    "demo": DemoOptions,
    "rss": RssOptions,
    "app_store": AppStoreOptions,
    "reddit": RedditOptions,
    "x": XOptions,
    "youtube": YoutubeOptions,
    "telegram": TelegramOptions,
    "mastodon": MastodonOptions,
    "html": HtmlOptions,
}


class Source(ConfigModel):
    """A place mentions are collected from; `options` is checked against the shape of its kind."""

    name: SourceName
    kind: SourceKind
    enabled: bool
    schedule_group: Slug = "hourly"
    brands: UniqueList[Slug] = []
    credentials_env: UniqueList[EnvVarName] = []
    # Re-read the posts published this long before each crawl's interval (absent: the kind's DEFAULT_LOOKBACK).
    lookback: Duration | None = None
    # Reach back at most this far for a channel whose watermark lags (absent: DEFAULT_CATCH_UP; 0: never).
    catch_up: Duration | None = None
    options: dict[str, Any] = {}

    @field_validator("credentials_env")
    @classmethod
    def _credentialed_kinds_name_their_secrets(cls, names: list[str], info: ValidationInfo) -> list[str]:
        kind = info.data.get("kind")
        if kind in CREDENTIALED_KINDS and not names:
            raise ValueError(
                f"expected the names of the environment variables holding the {kind} API "
                f"credentials, such as [{CREDENTIALED_KINDS[kind]}]"
            )
        return names

    @property
    def effective_lookback(self) -> timedelta:
        """How far before its interval a crawl of this source re-reads: configured, else the kind's default."""
        return self.lookback if self.lookback is not None else DEFAULT_LOOKBACK[self.kind]

    @property
    def effective_catch_up(self) -> timedelta:
        """How far back a lagging channel's crawl may reach: configured, else DEFAULT_CATCH_UP."""
        return self.catch_up if self.catch_up is not None else DEFAULT_CATCH_UP

    @property
    def options_model(self) -> type[SourceOptions]:
        """The model that `options` must fit for this source's kind."""
        return OPTIONS_BY_KIND[self.kind]


class SourcesFile(ConfigModel):
    """sources.yaml."""

    sources: list[Source] = Field(min_length=1)
