"""The spiders, one module per source kind, and the table that maps a configured source kind to its spider."""

from __future__ import annotations

import importlib

# Source kind (config `sources[].kind`) → "module:Class" of its spider.
SPIDER_CLASSES: dict[str, str] = {
    "demo": "spiders.sources.demo:DemoSpider",
    "rss": "spiders.sources.rss:RssSpider",
    "app_store": "spiders.sources.app_store:AppStoreSpider",
    "reddit": "spiders.sources.reddit:RedditSpider",
    "x": "spiders.sources.x:XSpider",
    "youtube": "spiders.sources.youtube:YoutubeSpider",
    "telegram": "spiders.sources.telegram:TelegramSpider",
    "mastodon": "spiders.sources.mastodon:MastodonSpider",
    "html": "spiders.sources.html:HtmlSpider",
}


def spider_class(kind: str) -> type:
    """The spider class for a source kind; an unknown kind names the kinds there are."""
    try:
        module_name, class_name = SPIDER_CLASSES[kind].split(":")
    except KeyError:
        raise ValueError(f"no spider for source kind {kind!r}; known kinds: {', '.join(sorted(SPIDER_CLASSES))}") from None
    return getattr(importlib.import_module(module_name), class_name)
