"""The source models: where mentions are collected from, with per-kind option shapes."""

from __future__ import annotations

import re
import string
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, ValidationInfo, field_validator

from config.values import (
    ConfigModel,
    CountryCode,
    EnvVarName,
    HttpUrl,
    Slug,
    Text,
    UniqueList,
    matching,
)

SourceKind = Literal["demo", "rss", "app_store", "reddit", "x", "youtube", "telegram", "mastodon", "html"]
# Kinds whose API refuses anonymous calls: their sources must name credential variables.
CREDENTIALED_KINDS = {"x": "NABD_X_BEARER_TOKEN", "youtube": "NABD_YOUTUBE_API_KEY"}
# Placeholders a feed URL template may use; spiders fill them per brand.
FEED_PLACEHOLDERS = {"query"}


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


FeedTemplate = Annotated[HttpUrl, AfterValidator(_feed_template)]
CssSelector = Annotated[Text, AfterValidator(_css_selector)]
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


class RedditOptions(SourceOptions):
    """Posts and comments from chosen subreddits that name a brand."""

    subreddits: UniqueList[Subreddit] = Field(min_length=1)


class XOptions(SourceOptions):
    """Recent-search of the X API v2 for each brand's names and handles."""

    api_url: HttpUrl = "https://api.x.com/2/tweets/search/recent"
    languages: UniqueList[Literal["ar", "en"]] = ["ar", "en"]
    exclude_retweets: bool = True
    max_results: int = Field(default=100, ge=10, le=100)


class YoutubeOptions(SourceOptions):
    """YouTube Data API v3 search, with the comments of the videos found."""

    api_url: HttpUrl = "https://www.googleapis.com/youtube/v3"
    region_code: CountryCode | None = None
    relevance_language: Literal["ar", "en"] = "ar"
    include_comments: bool = True
    max_results: int = Field(default=50, ge=1, le=50)


class TelegramOptions(SourceOptions):
    """Public Telegram channels, read from their t.me/s/ web preview."""

    channels: UniqueList[TelegramChannel] = Field(min_length=1)


class MastodonOptions(SourceOptions):
    """Public timelines of Mastodon instances, by hashtag and by search."""

    instances: UniqueList[HttpUrl] = Field(min_length=1)
    hashtags: UniqueList[Hashtag] = []


class HtmlOptions(SourceOptions):
    """A forum or review site without an API: a list page and CSS selectors for its posts."""

    list_url: HttpUrl
    item_selector: CssSelector
    text_selector: CssSelector
    title_selector: CssSelector | None = None
    url_selector: CssSelector | None = None
    time_selector: CssSelector | None = None
    time_format: Text | None = None
    author_selector: CssSelector | None = None
    next_page_selector: CssSelector | None = None
    max_pages: int = Field(default=5, ge=1, le=100)


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
    def options_model(self) -> type[SourceOptions]:
        """The model that `options` must fit for this source's kind."""
        return OPTIONS_BY_KIND[self.kind]


class SourcesFile(ConfigModel):
    """sources.yaml."""

    sources: list[Source] = Field(min_length=1)
