"""The demo source's website: a small forum-like HTTP server on loopback serving the bundled demo posts."""

from __future__ import annotations

import hashlib
import html
import json
import logging
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import parse_qs, quote, urlsplit

logger = logging.getLogger(__name__)

POSTS_PATH = Path(__file__).resolve().parent / "posts.jsonl"
PAGE_SIZE = 20
SITE_TIMEZONE = timezone(timedelta(hours=3))  # the forum shows Riyadh time, with its offset
ROBOTS_TXT = "User-agent: *\nDisallow: /admin/\nAllow: /\n"
URL_PATTERN = re.compile(r"https?://[^\s<>\"']+")
MENTION_PATTERN = re.compile(r"(?<![\w.])@(\w+)")


@dataclass
class SiteFaults:
    """Misbehaviour the site can show on purpose, to demonstrate and test a crawler's resilience.

    `rate_limited` maps a request path (with its query) to how many times it answers
    429 Too Many Requests with `Retry-After: retry_after_s` before serving it; `malformed`
    holds post ids whose page is served truncated (no body, no time).
    """

    rate_limited: dict[str, int] = field(default_factory=dict)
    retry_after_s: int = 1
    malformed: frozenset[str] = frozenset()


@dataclass
class SiteTimeline:
    """The forum as it stands at `now`: posts that appear late and engagement that keeps changing.

    Set `now` (the tests and the lookback measurement move it hour by hour). A post is listed and served
    once `now` reaches its publication time plus its delay: `late_percent` of the posts, chosen by a hash
    of their id, appear up to `max_delay` late (moderation, search-index or federation delays), listed
    where their publication time puts them. A post's counts grow from 0 at publication to its own counts
    plus a hash-chosen extra over `growth`, so a post read again shows new likes, replies and shares;
    `edited_percent` of the posts are edited by their author `edit_after` publication (`EDIT_NOTE` added).
    """

    now: datetime
    late_percent: int = 25
    max_delay: timedelta = timedelta(hours=4)
    growth: timedelta = timedelta(hours=12)
    edited_percent: int = 10
    edit_after: timedelta = timedelta(hours=2)

    def delay(self, post: dict) -> timedelta:
        """How long after publication the post appears (zero for most)."""
        draw = _draw(post["id"], "delay")
        if draw % 100 >= self.late_percent:
            return timedelta(0)
        return timedelta(seconds=1 + (draw // 100) % int(self.max_delay.total_seconds()))

    def visible(self, post: dict) -> bool:
        return self.now >= post["_published"] + self.delay(post)

    def edited(self, post: dict) -> bool:
        """Whether the post shows its author's edit at `now`."""
        return _draw(post["id"], "edit") % 100 < self.edited_percent and self.now >= post["_published"] + self.edit_after

    def shown(self, post: dict) -> dict:
        """The post as the forum shows it at `now`: its counts of now, its text as edited by then."""
        edit = {"text": post["text"] + EDIT_NOTE} if self.edited(post) else {}
        return {**post, **self.counts(post), **edit}

    def counts(self, post: dict) -> dict[str, int]:
        """The post's likes, replies and shares at `now`."""
        share = min(1.0, max(0.0, (self.now - post["_published"]) / self.growth))
        return {name: int((post[name] + _draw(post["id"], name) % 40) * share) for name in ("likes", "replies", "shares")}


# What an author adds when editing a demo post.
EDIT_NOTE = "\n\nتحديث: تواصلوا معي وانحلت المشكلة"


def _draw(post_id: str, what: str) -> int:
    """A reproducible number for a post: the same whatever the run."""
    return int.from_bytes(hashlib.sha256(f"{what}\x1f{post_id}".encode("utf-8")).digest()[:8], "big")


# The forum's public address: posts keep this URL whichever loopback port serves them, so a
# re-crawl of the same interval writes the same records.
CANONICAL_BASE_URL = "https://forum.nabd-demo.example"


def load_posts(path: Path = POSTS_PATH) -> list[dict]:
    """The demo posts from a JSONL file, newest first; a bad line names the file and line."""
    posts = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            try:
                post = json.loads(line)
                post["_published"] = datetime.fromisoformat(post["published"])
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
                raise ValueError(f"{path}:{number}: not a demo post: {error}") from None
            posts.append(post)
    return sorted(posts, key=lambda post: (post["_published"], post["id"]), reverse=True)


def body_html(text: str) -> str:
    """A post's text as forum HTML: escaped, links and mentions linked, line breaks as <br>."""
    escaped = html.escape(text, quote=True)
    linked = URL_PATTERN.sub(lambda m: f'<a href="{m.group(0)}" rel="nofollow">{m.group(0)}</a>', escaped)
    mentioned = MENTION_PATTERN.sub(lambda m: f'<a class="mention" href="/users/{m.group(1)}">@{m.group(1)}</a>', linked)
    return mentioned.replace("\n", "<br>\n")


def local_time(post: dict) -> str:
    return post["_published"].astimezone(SITE_TIMEZONE).isoformat()


def page_html(title: str, content: str, head_extra: str = "") -> str:
    return (
        '<!DOCTYPE html>\n<html lang="ar" dir="rtl"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)} — منتدى نبض التجريبي</title>{head_extra}</head>\n"
        f'<body><nav><a href="/posts">الرئيسية</a></nav>\n<main>\n{content}\n</main></body></html>\n'
    )


def listing_html(posts: list[dict], page: int, pages: int) -> str:
    """One page of the newest-first post listing, with rel=next/prev links."""
    items = "\n".join(
        f'<li class="post-summary" data-post-id="{post["id"]}">'
        f'<a class="post-link" href="/posts/{post["id"]}">{html.escape(post["text"][:80])}</a> '
        f'<span class="author">@{html.escape(post["author"]["handle"])}</span> '
        f'<time datetime="{local_time(post)}">{local_time(post)[:16].replace("T", " ")}</time></li>'
        for post in posts
    )
    links, head = [], []
    if page > 1:
        links.append(f'<a rel="prev" href="/posts?page={page - 1}">السابق</a>')
        head.append(f'<link rel="prev" href="/posts?page={page - 1}">')
    if page < pages:
        links.append(f'<a rel="next" href="/posts?page={page + 1}">التالي</a>')
        head.append(f'<link rel="next" href="/posts?page={page + 1}">')
    content = f'<ol class="posts">\n{items}\n</ol>\n<nav class="pagination">{" ".join(links)}</nav>'
    return page_html(f"المشاركات — صفحة {page}", content, "".join(head))


def post_html(post: dict) -> str:
    """One post's page: author, time, body, engagement and conversation links."""
    author = post["author"]
    conversation = ""
    if post.get("parent_id"):
        conversation += f'<a class="in-reply-to" href="/posts/{post["parent_id"]}" data-post-id="{post["parent_id"]}">ردًا على</a>\n'
    if post.get("thread_id"):
        conversation += f'<a class="thread" href="/posts/{post["thread_id"]}" data-thread-id="{post["thread_id"]}">المحادثة</a>\n'
    counts = "".join(
        f'<span class="{name}" data-count="{post[name]}">{post[name]} {label}</span> '
        for name, label in (("likes", "إعجاب"), ("replies", "رد"), ("shares", "مشاركة"))
    )
    content = (
        f'<article class="post" id="post-{post["id"]}" data-post-id="{post["id"]}">\n'
        f'<header><a class="author" href="/users/{quote(author["handle"])}" data-handle="{html.escape(author["handle"])}" '
        f'data-followers="{author["followers"]}" data-verified="{str(author["verified"]).lower()}">{html.escape(author["name"])}</a> '
        f'<span class="handle">@{html.escape(author["handle"])}</span> '
        f'<time datetime="{local_time(post)}">{local_time(post)[:16].replace("T", " ")}</time></header>\n'
        f'<div class="post-body" dir="auto">{body_html(post["text"])}</div>\n'
        f'<footer class="engagement">{counts}</footer>\n{conversation}</article>'
    )
    canonical = f'<link rel="canonical" href="{CANONICAL_BASE_URL}/posts/{post["id"]}">'
    return page_html(f"مشاركة {post['id']}", content, canonical)


def malformed_post_html(post: dict) -> str:
    """A truncated page, as a server or proxy cut off mid-response would leave it."""
    return f'<!DOCTYPE html>\n<html lang="ar"><head><meta charset="utf-8"><title>مشاركة {post["id"]}</title></head><body><main><article class="post"'


class DemoSite:
    """The demo forum on a loopback port, in a background thread; a context manager."""

    def __init__(
        self,
        posts_path: Path = POSTS_PATH,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        posts: list[dict] | None = None,
        faults: SiteFaults | None = None,
        timeline: SiteTimeline | None = None,
    ) -> None:
        self.posts = posts if posts is not None else load_posts(posts_path)
        # None: every post is there from the start with its final counts (the archive as built).
        self.timeline = timeline
        self.by_id = {post["id"]: post for post in self.posts}
        self.faults = faults or SiteFaults()
        self.host, self.port = host, port
        self._rate_limit_lock = threading.Lock()
        self._rate_limit_left = dict(self.faults.rate_limited)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the demo site is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> str:
        """Starts serving and returns the base URL (`http://127.0.0.1:PORT`)."""
        if self._server is None:
            self._server = ThreadingHTTPServer((self.host, self.port), _handler_for(self))
            self._server.daemon_threads = True
            self._thread = threading.Thread(target=self._server.serve_forever, name="demo-site", daemon=True)
            self._thread.start()
            logger.info("demo site serving %d posts at %s", len(self.posts), self.base_url)
        return self.base_url

    def stop(self) -> None:
        """Stops serving and frees the port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def serve_forever(self) -> None:
        """Serves in the calling thread until interrupted (for the command line)."""
        self.start()
        assert self._thread is not None
        try:
            while self._thread.is_alive():
                self._thread.join(timeout=0.5)
        finally:
            self.stop()

    def __enter__(self) -> "DemoSite":
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        self.stop()

    def take_rate_limit(self, path: str) -> bool:
        """True when this request to `path` must be answered 429 (consuming one planned refusal)."""
        with self._rate_limit_lock:
            left = self._rate_limit_left.get(path, 0)
            if left > 0:
                self._rate_limit_left[path] = left - 1
            return left > 0

    def respond(self, path: str) -> tuple[int, str, str]:
        """Status, content type and body for a request path (with query)."""
        parts = urlsplit(path)
        if parts.path == "/robots.txt":
            return HTTPStatus.OK, "text/plain; charset=utf-8", ROBOTS_TXT
        if parts.path in ("/", "/posts"):
            return self._listing(parse_qs(parts.query).get("page", ["1"])[0])
        if parts.path.startswith("/posts/"):
            return self._post(parts.path.removeprefix("/posts/"))
        if parts.path.startswith("/users/"):
            return self._user(parts.path.removeprefix("/users/"))
        return _not_found()

    def shown_posts(self) -> list[dict]:
        """The posts the forum shows now, newest first, with their counts of now."""
        if self.timeline is None:
            return self.posts
        timeline = self.timeline
        return [timeline.shown(post) for post in self.posts if timeline.visible(post)]

    def _listing(self, page_text: str) -> tuple[int, str, str]:
        if not page_text.isdigit() or int(page_text) < 1:
            return HTTPStatus.BAD_REQUEST, "text/plain; charset=utf-8", f"bad page number: {page_text}\n"
        posts = self.shown_posts()
        page, pages = int(page_text), max(1, -(-len(posts) // PAGE_SIZE))
        if page > pages:
            return _not_found()
        chunk = posts[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        return HTTPStatus.OK, "text/html; charset=utf-8", listing_html(chunk, page, pages)

    def _post(self, post_id: str) -> tuple[int, str, str]:
        post = self.by_id.get(post_id)
        if post is None or (self.timeline is not None and not self.timeline.visible(post)):
            return _not_found()
        if self.timeline is not None:
            post = self.timeline.shown(post)
        if post_id in self.faults.malformed:
            return HTTPStatus.OK, "text/html; charset=utf-8", malformed_post_html(post)
        return HTTPStatus.OK, "text/html; charset=utf-8", post_html(post)

    def _user(self, handle: str) -> tuple[int, str, str]:
        posts = [post for post in self.shown_posts() if post["author"]["handle"] == handle]
        if not posts:
            return _not_found()
        links = "\n".join(f'<li><a href="/posts/{post["id"]}">{post["id"]}</a></li>' for post in posts)
        return HTTPStatus.OK, "text/html; charset=utf-8", page_html(f"@{handle}", f'<ul class="user-posts">{links}</ul>')


def _not_found() -> tuple[int, str, str]:
    return HTTPStatus.NOT_FOUND, "text/html; charset=utf-8", page_html("غير موجود", "<p>الصفحة غير موجودة</p>")


def _handler_for(site: DemoSite) -> type[BaseHTTPRequestHandler]:
    class DemoSiteHandler(BaseHTTPRequestHandler):
        server_version = "nabd-demo-site/1"

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            if site.take_rate_limit(self.path):
                self._send(HTTPStatus.TOO_MANY_REQUESTS, "text/plain; charset=utf-8", "slow down\n",
                           {"Retry-After": str(site.faults.retry_after_s)})
                return
            self._send(*site.respond(self.path))

        def _send(self, status: int, content_type: str, body: str, headers: dict[str, str] | None = None) -> None:
            payload = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (http.server's signature)
            logger.debug("%s %s", self.address_string(), format % args)

    return DemoSiteHandler
