"""Spider for public Telegram channels: the t.me/s/<channel> web preview, paged backwards with ?before=."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any

import scrapy
from parsel import Selector
from scrapy.http import Response, TextResponse

from spiders.items import MentionItem, new_mention
from spiders.sources.base import MentionSpider

CHANNEL_PATH = "/s/{channel}"
POST_URL = "https://t.me/{post}"
MESSAGE = "div.tgme_widget_message[data-post]"
MESSAGE_POST = "::attr(data-post)"
# The message's own text: a reply also shows its parent's text (in the same class) inside the reply preview.
MESSAGE_TEXT = (".//div[contains(concat(' ', normalize-space(@class), ' '), ' tgme_widget_message_text ')]"
                "[not(ancestor::a[contains(concat(' ', normalize-space(@class), ' '), ' tgme_widget_message_reply ')])]")
MESSAGE_TIME = "a.tgme_widget_message_date time::attr(datetime)"
MESSAGE_VIEWS = "span.tgme_widget_message_views::text"
MESSAGE_AUTHOR = "a.tgme_widget_message_owner_name span::text, a.tgme_widget_message_owner_name::text"
REPLY_TO = "a.tgme_widget_message_reply::attr(href)"
OLDER_PAGE = "a.tme_messages_more[data-before]::attr(href), link[rel=prev]::attr(href)"
SUBSCRIBERS = ("//div[contains(@class, 'tgme_channel_info_counter')][span[@class='counter_type'][contains(., 'subscriber')]]"
               "/span[@class='counter_value']/text()")
COUNT_PATTERN = re.compile(r"^([\d.,]+)\s*([KMB]?)$", re.IGNORECASE)
COUNT_SCALE = {"": 1, "K": 1_000, "M": 1_000_000, "B": 1_000_000_000}


class TelegramSpider(MentionSpider):
    """Collects each channel's posts of the interval, newest page first, going back until they are older."""

    name = "telegram"
    source = "telegram"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for channel in self.options["channels"]:
            url = self.endpoint("base_url") + CHANNEL_PATH.format(channel=channel)
            yield scrapy.Request(url, callback=self.parse_channel, errback=self.request_failed, cb_kwargs={"channel": channel, "page": 1})

    def parse_channel(self, response: Response, channel: str, page: int) -> Iterator[MentionItem | scrapy.Request]:
        """The posts of one preview page, then the older page while these posts are not yet before the interval."""
        if not isinstance(response, TextResponse) or not response.css(MESSAGE):
            self.skip_page(response, "channel: no messages")
            return
        subscribers = count(response.xpath(SUBSCRIBERS).get())
        published: list[datetime] = []
        for message in response.css(MESSAGE):
            item = self.mention(message, channel, subscribers)
            moment = self.read_time(item.get("@timestamp"))
            if moment is not None:
                published.append(moment)
            yield item
        older = response.css(OLDER_PAGE).get()
        if older and page < self.options.get("max_pages", 10) and not self.older_than_window(published, channel):
            yield response.follow(older, callback=self.parse_channel, errback=self.request_failed, cb_kwargs={"channel": channel, "page": page + 1})

    def mention(self, message: Selector, channel: str, subscribers: int | None) -> MentionItem:
        post = message.css(MESSAGE_POST).get("")
        reply_to = message.css(REPLY_TO).get()
        views = count(message.css(MESSAGE_VIEWS).get())
        fields: dict[str, Any] = {
            "url": POST_URL.format(post=post),
            "title": None,
            "body_html": message.xpath(MESSAGE_TEXT).get() or "",
            # A channel publishes as itself; a signed post still belongs to the channel.
            "author": {"handle": channel, "name": (message.css(MESSAGE_AUTHOR).get() or channel).strip(),
                       "followers": subscribers, "organisation": True},
            "engagement": {"views": views} if views is not None else {},
            "thread_id": None,
            "parent_id": reply_to.rstrip("/").rsplit("/", 1)[-1].split("?")[0] if reply_to else None,
            "collected_at": self.collected_now(),
            "@timestamp": message.css(MESSAGE_TIME).get(),
            "channel": channel,
        }
        if fields["parent_id"]:
            fields["parent_id"] = f"{channel}/{fields['parent_id']}"
        return new_mention(self.source, post, **fields)


def count(text: str | None) -> int | None:
    """A count as Telegram abbreviates it ('950', '1.2K', '3M'), or None."""
    match = COUNT_PATTERN.match((text or "").strip().replace(",", ""))
    if not match:
        return None
    return int(float(match.group(1)) * COUNT_SCALE[match.group(2).upper()])
