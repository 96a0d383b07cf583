"""Pure text and time cleaning for collected posts: HTML to plain text, timestamps to UTC ISO 8601."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser

# Elements that start a new line when they open or close.
BLOCK_TAGS = frozenset(
    "address article aside blockquote dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 "
    "header hr li main nav ol p pre section table tbody thead tfoot tr ul".split()
)
SKIPPED_TAGS = frozenset({"script", "style", "template", "noscript", "head"})
HORIZONTAL_SPACE = re.compile(r"[ \t\r\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
EXTRA_BLANK_LINES = re.compile(r"\n{3,}")


class _TextCollector(HTMLParser):
    """Collects the visible text of an HTML fragment, turning <br> and blocks into line breaks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED_TAGS:
            self.skipping += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")
        elif tag == "img":
            # Sites often render emoji as <img alt="😂">: the alt text is the emoji.
            alt = dict(attrs).get("alt")
            if alt:
                self.parts.append(alt)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in SKIPPED_TAGS:
            self.skipping -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED_TAGS:
            self.skipping = max(0, self.skipping - 1)
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            # Source newlines inside inline text are layout, not content.
            self.parts.append(data.replace("\n", " "))


def html_to_text(fragment: str) -> str:
    """The visible text of an HTML fragment, keeping emoji and line breaks, entities decoded."""
    collector = _TextCollector()
    collector.feed(fragment)
    collector.close()
    lines = (HORIZONTAL_SPACE.sub(" ", line).strip() for line in "".join(collector.parts).split("\n"))
    return EXTRA_BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


class TimestampError(ValueError):
    """A timestamp that cannot be read as an absolute point in time."""


def parse_timestamp(value: object) -> datetime:
    """An aware UTC datetime from ISO 8601, RFC 2822, epoch seconds or an aware datetime."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        moment = datetime.fromtimestamp(value, tz=timezone.utc)
    elif isinstance(value, str) and value.strip():
        moment = _parse_timestamp_text(value.strip())
    else:
        raise TimestampError(f"not a timestamp: {value!r}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise TimestampError(f"timestamp has no UTC offset: {value!r}")
    return moment.astimezone(timezone.utc)


def _parse_timestamp_text(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        raise TimestampError(f"unreadable timestamp: {text!r}") from None


def format_utc(moment: datetime) -> str:
    """ISO 8601 in UTC to the second with a `Z` suffix, as the mention record stores it."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_utc_iso(value: object) -> str:
    """Any accepted timestamp form, as mention-record UTC ISO 8601 (`2026-11-22T18:04:05Z`)."""
    return format_utc(parse_timestamp(value))
