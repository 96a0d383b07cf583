"""Test support for the source spiders: a loopback HTTP server of fixed replies, a config with one source, built responses."""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import parse_qsl, urlencode, urlsplit

import yaml

from spiders.run import CrawlSummary, run_crawl

REPO_CONFIG = Path(__file__).resolve().parents[2] / "config"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "sources"
JSON_TYPE = "application/json; charset=utf-8"


@dataclass(frozen=True)
class Reply:
    """One HTTP answer."""

    body: bytes | str = b""
    status: int = 200
    content_type: str = JSON_TYPE
    headers: dict[str, str] = field(default_factory=dict)

    def payload(self) -> bytes:
        return self.body.encode("utf-8") if isinstance(self.body, str) else self.body


def json_reply(document: object, **kwargs: object) -> Reply:
    return Reply(json.dumps(document, ensure_ascii=False), **kwargs)


def rate_limited(seconds: int = 1) -> Reply:
    return Reply('{"error": "Too Many Requests"}', status=429, headers={"Retry-After": str(seconds)})


def route_key(target: str) -> str:
    """A request target with its query parameters sorted, so routes match however a client orders them."""
    parts = urlsplit(target)
    return parts.path + ("?" + urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True))) if parts.query else "")


class LoopbackSite:
    """Serves `routes` (request target → reply, or replies served in turn, the last repeated) on a free port.

    A route without a query answers that path whatever the query; a callable route answers from the
    query's parameters. Unknown targets answer 404. Every request is recorded with its method, target and headers.
    """

    def __init__(self, routes: dict[str, Reply | list[Reply] | Callable[[dict[str, str]], Reply]]) -> None:
        self.routes = {route_key(target): replies if isinstance(replies, list) or callable(replies) else [replies]
                       for target, replies in routes.items()}
        self.served: dict[str, int] = defaultdict(int)
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.request_times: list[float] = []  # time.monotonic() of each request, in the order of `requests`
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def reply_for(self, method: str, target: str, headers: dict[str, str]) -> Reply:
        key = route_key(target)
        with self._lock:
            self.requests.append((method, target, headers))
            self.request_times.append(time.monotonic())
            key = key if key in self.routes else urlsplit(target).path
            replies = self.routes.get(key)
            if replies is None:
                return Reply("not found", status=404, content_type="text/plain")
            if callable(replies):
                return replies(dict(parse_qsl(urlsplit(target).query, keep_blank_values=True)))
            reply = replies[min(self.served[key], len(replies) - 1)]
            self.served[key] += 1
            return reply

    def requested(self, path: str) -> list[tuple[str, str, dict[str, str]]]:
        """The requests whose target starts with `path`."""
        return [request for request in self.requests if request[1].startswith(path)]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                self.answer("GET")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                self.answer("POST")

            def answer(self, method: str) -> None:
                reply = site.reply_for(method, self.path, dict(self.headers.items()))
                payload = reply.payload()
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(payload)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler

    def __enter__(self) -> "LoopbackSite":
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def config_with_source(folder: Path, source: dict) -> Path:
    """A copy of the project's configuration whose sources.yaml holds only `source` (enabled), re-reading nothing
    before the interval unless `source` sets `lookback` (the API tests count what one interval holds)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("brands.yaml", "topics.yaml", "alerts.yaml", "settings.yaml"):
        shutil.copy(REPO_CONFIG / name, folder / name)
    document = {"sources": [{"enabled": True, "lookback": "0", **source}]}
    (folder / "sources.yaml").write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


# Our own loopback server needs no spacing between requests; everything else stays as configured.
LOOPBACK_SETTINGS = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False"}


def crawl_source(config: Path, name: str, start: str, end: str, out: Path, state: Path, **options: object) -> CrawlSummary:
    """One real crawl of a configured source through the runner's child process, unthrottled on loopback."""
    settings = {**LOOPBACK_SETTINGS, **options.pop("settings", {})}  # type: ignore[dict-item]
    return run_crawl(name, start, end, out, config_path=config, state_dir=state, timeout_s=120, settings=settings, **options)


def feed_records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def fixture_json(name: str) -> object:
    return json.loads(fixture_text(name))


def spider_for(spider_class: type, kind: str, options: dict, **kwargs: object):
    """A spider built as the runner builds it, with `options` validated and completed by the config model."""
    from config.sources import OPTIONS_BY_KIND

    checked = OPTIONS_BY_KIND[kind].model_validate(options).model_dump(mode="json")
    return spider_class(options=checked, **kwargs)


def built_response(url: str, body: str | bytes, content_type: str = JSON_TYPE, **cb_kwargs: object):
    """The response Scrapy would build for this body and content type, with the request's cb_kwargs."""
    from scrapy.http import Headers, Request
    from scrapy.responsetypes import responsetypes

    payload = body.encode("utf-8") if isinstance(body, str) else body
    headers = Headers({"Content-Type": content_type})
    response_class = responsetypes.from_args(headers=headers, url=url, body=payload)
    return response_class(url=url, body=payload, headers=headers, request=Request(url, cb_kwargs=cb_kwargs))
