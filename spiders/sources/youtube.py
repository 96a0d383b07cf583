"""Spider for YouTube: comments and replies on the recent videos of chosen channels, through the Data API v3."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from spiders.items import MentionItem, new_mention
from spiders.sources.base import API_META, MentionSpider

CHANNELS_PATH = "/channels"
PLAYLIST_ITEMS_PATH = "/playlistItems"
COMMENT_THREADS_PATH = "/commentThreads"
COMMENTS_PATH = "/comments"
COMMENT_URL = "https://www.youtube.com/watch?v={video_id}&lc={comment_id}"
# The key travels in a header, never in the URL, so it cannot leak into logged URLs.
API_KEY_HEADER = "X-Goog-Api-Key"
# API error reasons that close one video's or one thread's comments, not the source: the page is skipped
# (`forbidden`: the video's comments cannot be read with this key, e.g. a private video). Any other error,
# e.g. 403 quotaExceeded, is a failed request, and a 401/403 one fails the crawl (docs/sources.md).
CLOSED_COMMENTS_REASONS = frozenset({"commentsDisabled", "videoNotFound", "commentNotFound", "forbidden"})
REPLIES_PER_PAGE = "100"


class YoutubeSpider(MentionSpider):
    """Collects the comments of the interval on each channel's most recent uploads."""

    name = "youtube"
    source = "youtube"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.video_channels: dict[str, str | None] = {}  # video id → its YouTube channel (the watermark's channel)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self.api_request(CHANNELS_PATH, {"part": "contentDetails", "id": ",".join(self.options["channels"])}, self.parse_channels, {})

    def api_request(self, path: str, params: dict[str, str], callback: Any, cb_kwargs: dict[str, Any], errback: Any = None) -> scrapy.Request:
        return scrapy.Request(
            f"{self.endpoint('api_url')}{path}?{urlencode(params)}", headers={API_KEY_HEADER: self.credential(0)},
            callback=callback, errback=errback or self.request_failed, meta=API_META, cb_kwargs=cb_kwargs,
        )

    def comments_failed(self, failure: Failure) -> None:
        """Errback of comment requests: a video with comments disabled (or gone) is a skipped page; anything else failed."""
        reason = api_error_reason(failure)
        if reason in CLOSED_COMMENTS_REASONS:
            self.skip_page(failure.value.response, f"{reason}: comments not available")
            return
        self.request_failed(failure)

    def parse_channels(self, response: Response) -> Iterator[scrapy.Request]:
        """Each channel's uploads playlist, asked for its most recent videos."""
        for channel in self.api_items(response, "channels", self.read_json(response, "channels")):
            uploads = channel.get("contentDetails", {}).get("relatedPlaylists", {}).get("uploads")
            if uploads:
                params = {"part": "contentDetails", "playlistId": uploads, "maxResults": str(self.options.get("recent_videos", 10))}
                yield self.api_request(PLAYLIST_ITEMS_PATH, params, self.parse_uploads, {"channel": channel.get("id")})

    def parse_uploads(self, response: Response, channel: str | None = None) -> Iterator[scrapy.Request]:
        """The comment threads of each recent video, newest first."""
        for upload in self.api_items(response, "uploads", self.read_json(response, "uploads")):
            video_id = upload.get("contentDetails", {}).get("videoId")
            if video_id:
                self.video_channels[video_id] = channel
                yield self.threads_request(video_id, None, page=1)

    def threads_request(self, video_id: str, page_token: str | None, page: int) -> scrapy.Request:
        params = {"part": "snippet,replies", "videoId": video_id, "order": "time", "textFormat": "plainText",
                  "maxResults": str(self.options.get("max_results", 100))}
        if page_token:
            params["pageToken"] = page_token
        return self.api_request(COMMENT_THREADS_PATH, params, self.parse_threads, {"video_id": video_id, "page": page}, self.comments_failed)

    def replies_request(self, video_id: str, parent_id: str, page_token: str | None, page: int) -> scrapy.Request:
        params = {"part": "snippet", "parentId": parent_id, "textFormat": "plainText", "maxResults": REPLIES_PER_PAGE}
        if page_token:
            params["pageToken"] = page_token
        cb_kwargs = {"video_id": video_id, "parent_id": parent_id, "page": page}
        return self.api_request(COMMENTS_PATH, params, self.parse_replies, cb_kwargs, self.comments_failed)

    def parse_threads(self, response: Response, video_id: str, page: int) -> Iterator[MentionItem | scrapy.Request]:
        """Top-level comments with their replies; the rest of a long reply list; the next page while recent enough."""
        published: list[datetime] = []
        document = self.read_json(response, "comment threads")
        for thread in self.api_items(response, "comment threads", document):
            snippet = thread.get("snippet", {})
            top = snippet.get("topLevelComment", {})
            item = self.mention(top, video_id, parent_id=None)
            moment = self.read_time(item.get("@timestamp"))
            if moment is not None:
                published.append(moment)
            yield item
            replies = thread.get("replies", {}).get("comments", [])
            for reply in replies:
                yield self.mention(reply, video_id, parent_id=top.get("id"))
            if snippet.get("totalReplyCount", 0) > len(replies) and top.get("id"):
                yield self.replies_request(video_id, top["id"], None, page=1)
        next_token = document.get("nextPageToken") if isinstance(document, dict) else None
        if next_token and page < self.options.get("max_pages", 10) and not self.older_than_window(published, self.video_channels.get(video_id)):
            yield self.threads_request(video_id, next_token, page + 1)

    def parse_replies(self, response: Response, video_id: str, parent_id: str, page: int) -> Iterator[MentionItem | scrapy.Request]:
        """One page of a comment's replies (comments.list has no date order: paged up to max_pages)."""
        document = self.read_json(response, "replies")
        for reply in self.api_items(response, "replies", document):
            yield self.mention(reply, video_id, parent_id=reply.get("snippet", {}).get("parentId") or parent_id)
        next_token = document.get("nextPageToken") if isinstance(document, dict) else None
        if next_token and page < self.options.get("max_pages", 10):
            yield self.replies_request(video_id, parent_id, next_token, page + 1)

    def api_items(self, response: Response, what: str, document: Any) -> list[dict[str, Any]]:
        """The `items` of an API answer's JSON; a page without them is skipped with the reason (None: already skipped)."""
        if document is None:
            return []
        items = document.get("items") if isinstance(document, dict) else None
        if not isinstance(items, list):
            self.skip_page(response, f"{what}: no 'items' list")
            return []
        return [item for item in items if isinstance(item, dict)]

    def mention(self, comment: dict[str, Any], video_id: str, parent_id: str | None) -> MentionItem:
        snippet = comment.get("snippet", {})
        channel = snippet.get("authorChannelId") if isinstance(snippet.get("authorChannelId"), dict) else {}
        comment_id = str(comment.get("id") or "")
        return new_mention(
            self.source,
            comment_id,
            url=COMMENT_URL.format(video_id=video_id, comment_id=comment_id),
            title=None,
            text=snippet.get("textOriginal") or snippet.get("textDisplay") or "",
            author={"handle": channel.get("value") or snippet.get("authorDisplayName"),
                    "name": snippet.get("authorDisplayName")},
            engagement={"likes": snippet["likeCount"]} if isinstance(snippet.get("likeCount"), int) else {},
            thread_id=video_id,
            parent_id=parent_id,
            channel=self.video_channels.get(video_id),
            collected_at=self.collected_now(),
            **{"@timestamp": snippet.get("publishedAt")},
        )


def api_error_reason(failure: Failure) -> str | None:
    """The `reason` of a Google API error answer (`error.errors[0].reason`), or None when there is none."""
    if not failure.check(HttpError) or not isinstance(failure.value.response, TextResponse):
        return None
    try:
        document = json.loads(failure.value.response.text)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    errors = document.get("error", {}).get("errors") if isinstance(document, dict) and isinstance(document.get("error"), dict) else None
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    reason = first.get("reason")
    return reason if isinstance(reason, str) else None
