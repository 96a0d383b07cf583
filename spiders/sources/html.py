"""Spider for forums and review sites without an API: list pages and post selectors (CSS or XPath) all from config."""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import scrapy
from parsel import Selector, SelectorList
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from spiders.items import MentionItem, new_mention
from spiders.sources.base import MentionSpider

# Arabic month names (Egyptian/Gulf and Levantine), as English names that strptime's %B reads.
ARABIC_MONTHS = {
    "يناير": "January", "فبراير": "February", "مارس": "March", "أبريل": "April", "ابريل": "April", "إبريل": "April",
    "مايو": "May", "يونيو": "June", "يونيه": "June", "يوليو": "July", "يوليه": "July", "أغسطس": "August",
    "اغسطس": "August", "سبتمبر": "September", "أكتوبر": "October", "اكتوبر": "October", "نوفمبر": "November",
    "ديسمبر": "December", "كانون الثاني": "January", "شباط": "February", "آذار": "March", "نيسان": "April",
    "أيار": "May", "حزيران": "June", "تموز": "July", "آب": "August", "أيلول": "September",
    "تشرين الأول": "October", "تشرين الثاني": "November", "كانون الأول": "December",
}
ARABIC_DAY_HALVES = {"ص": "AM", "صباحا": "AM", "صباحًا": "AM", "م": "PM", "مساء": "PM", "مساءً": "PM"}
ARABIC_DATE_WORDS = {**ARABIC_MONTHS, **ARABIC_DAY_HALVES}
ARABIC_WORDS = re.compile(
    r"(?<![\w\u0600-\u06FF])(" + "|".join(sorted(map(re.escape, ARABIC_DATE_WORDS), key=len, reverse=True))
    + r")(?![\w\u0600-\u06FF])"
)
EASTERN_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
HTML_FRAGMENT = re.compile(r"^\s*<")


@dataclass
class ListPage:
    """A list page whose entries link to post pages: its next page is followed as soon as one linked post is recent
    enough, or, once every linked post has come back, unless they are all older than the interval."""

    page: int
    next_url: str | None
    pending: int
    published: list[datetime] = field(default_factory=list)
    followed: bool = False


class HtmlSpider(MentionSpider):
    """Collects the posts of a configured site: from its list pages, or from the page each list entry links to."""

    name = "html"
    source = "forum"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        url = self.options["list_url"]
        if self.base_url:  # the same list path on another host (a mirror, or loopback in tests)
            parts = urlsplit(url)
            url = self.base_url + parts.path + (f"?{parts.query}" if parts.query else "")
        yield scrapy.Request(url, callback=self.parse_list, errback=self.request_failed, cb_kwargs={"page": 1})

    def select(self, node: Selector | Response, selector: str) -> SelectorList:
        return node.xpath(selector) if self.options.get("selector_type") == "xpath" else node.css(selector)

    def parse_list(self, response: Response, page: int) -> Iterator[MentionItem | scrapy.Request]:
        """A list page: its posts (or links to them), then the next page while posts are not yet too old."""
        if not isinstance(response, TextResponse):
            self.skip_page(response, "list: not a text page")
            return
        link_selector = self.options.get("item_link_selector")
        entries = self.select(response, link_selector or self.options["item_selector"])
        if not entries:
            self.skip_page(response, "list: no entries")
            return
        next_page = self.select(response, self.options["next_page_selector"]).get() if self.options.get("next_page_selector") else None
        next_url = response.urljoin(next_page.strip()) if next_page and next_page.strip() else None
        if link_selector:
            yield from self.follow_post_links(response, entries.getall(), ListPage(page, next_url, pending=0))
            return
        published: list[datetime] = []
        for entry in entries:
            missing = self.missing_parts(entry)
            if missing:
                self.skip_page(response, f"list: an entry without {', '.join(missing)}")
                continue
            item = self.mention(entry, response)
            moment = self.read_time(item.get("@timestamp"))
            if moment is not None:
                published.append(moment)
            yield item
        yield from self.next_list_page(next_url, page, published)

    def next_list_page(self, next_url: str | None, page: int, published: list[datetime]) -> Iterator[scrapy.Request]:
        """The next list page, unless paging is done: no link, max_pages reached, or a whole page older than the interval."""
        too_old = self.options.get("newest_first", True) and published and all(self.before_interval(moment) for moment in published)
        if next_url and page < self.options.get("max_pages", 5) and not too_old:
            yield scrapy.Request(next_url, callback=self.parse_list, errback=self.request_failed, cb_kwargs={"page": page + 1})

    def follow_post_links(self, response: TextResponse, links: list[str], listing: ListPage) -> Iterator[scrapy.Request]:
        """The post pages a list page links to; the next list page waits for their dates, when paging stops by date."""
        unique = list(dict.fromkeys(link.strip() for link in links if link.strip()))
        listing.pending = len(unique)
        for link in unique:
            # dont_filter: a post page dropped as a duplicate would never answer, and paging would stall.
            yield response.follow(link, callback=self.parse_item_page, errback=self.item_page_failed,
                                  cb_kwargs={"listing": listing}, dont_filter=True)
        if not unique or not self.options.get("newest_first", True) or self.interval_start is None:
            listing.followed = True
            yield from self.next_list_page(listing.next_url, listing.page, [])

    def parse_item_page(self, response: Response, listing: ListPage | None = None) -> Iterator[MentionItem | scrapy.Request]:
        """A post's own page: each element the item selector finds (usually one); then its list page's paging goes on."""
        published: list[datetime] = []
        for item in self.item_page_mentions(response):
            moment = self.read_time(item.get("@timestamp"))
            if moment is not None:
                published.append(moment)
            yield item
        if listing is not None:
            yield from self.linked_post_read(listing, published)

    def item_page_failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        """Errback of a post page: a deleted or closed one is skipped, any other failure logged as failed; either way
        it counts as read for its list page's paging."""
        self.item_page_closed(failure)
        listing = failure.request.cb_kwargs.get("listing")
        if listing is not None:
            yield from self.linked_post_read(listing, [])

    def linked_post_read(self, listing: ListPage, published: list[datetime]) -> Iterator[scrapy.Request]:
        """One linked post page is done: the next list page is followed at the first recent post, or when all are done."""
        listing.pending -= 1
        listing.published.extend(published)
        recent = any(not self.before_interval(moment) for moment in published)
        if not listing.followed and (recent or listing.pending == 0):
            listing.followed = True
            yield from self.next_list_page(listing.next_url, listing.page, listing.published)

    def item_page_mentions(self, response: Response) -> Iterator[MentionItem]:
        """The posts of a post page; one that is not there or lacks its text or time is skipped and counted."""
        posts = self.select(response, self.options["item_selector"]) if isinstance(response, TextResponse) else []
        if not posts:
            self.skip_page(response, "post: item selector found nothing")
            return
        for post in posts:
            missing = self.missing_parts(post)
            if missing:
                self.skip_page(response, f"post: {', '.join(missing)} not found")
                continue
            yield self.mention(post, response, own_page=len(posts) == 1)

    def missing_parts(self, post: Selector) -> list[str]:
        """The configured essentials (text, time) that a post lacks, as a truncated page leaves it."""
        essentials = [("text", "text_selector"), ("time", "time_selector")]
        return [name for name, option in essentials if self.options.get(option) and not self.first(post, option)]

    def mention(self, post: Selector, response: TextResponse, own_page: bool = False) -> MentionItem:
        texts = [value for value in self.select(post, self.options["text_selector"]).getall() if value.strip()]
        link = self.first(post, "url_selector")
        url = response.urljoin(link) if link else (response.url if own_page else None)
        fields: dict[str, Any] = {
            "url": url or response.url,
            "title": self.first(post, "title_selector"),
            "author": {"handle": self.first(post, "author_selector"), "name": self.first(post, "author_selector")},
            "engagement": {},
            "collected_at": self.collected_now(),
            "@timestamp": site_time(self.first(post, "time_selector"), self.options.get("time_format"), self.options.get("timezone")),
        }
        if texts and HTML_FRAGMENT.match(texts[0]):
            fields["body_html"] = "\n".join(texts)
        else:
            fields["text"] = " ".join(" ".join(value.split()) for value in texts)
        source_id = self.first(post, "id_selector") or url or f"{response.url}#{_digest(' '.join(texts))}"
        return new_mention(self.source, source_id, **fields)

    def first(self, post: Selector, option: str) -> str | None:
        """The first value the option's selector finds in the post, stripped; None when unset or empty."""
        selector = self.options.get(option)
        value = self.select(post, selector).get() if selector else None
        if value is not None and HTML_FRAGMENT.match(value):
            value = Selector(text=value).xpath("string()").get()
        return " ".join(value.split()) if value and value.strip() else None


def site_time(raw: str | None, time_format: str | None, zone: str | None) -> str | None:
    """A post time as ISO 8601: Arabic digits, months and ص/م read; the site's zone given to naive times.

    A time that does not parse is passed on as written, for the timestamp pipeline to count and drop.
    """
    if not raw:
        return None
    text = ARABIC_WORDS.sub(lambda match: ARABIC_DATE_WORDS[match.group(1)], raw.translate(EASTERN_DIGITS))
    text = " ".join(text.replace("،", ",").split())
    try:
        moment = datetime.strptime(text, time_format) if time_format else datetime.fromisoformat(text)
    except ValueError:
        return raw
    if moment.tzinfo is None and zone:
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return moment.isoformat()


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
