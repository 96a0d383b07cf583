"""A real HTTP proxy on loopback in front of the test Elasticsearch node, which can refuse bulk requests for a while."""

from __future__ import annotations

import http.client
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit

HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
              "transfer-encoding", "upgrade", "host", "content-length"}


@dataclass(frozen=True)
class Refusal:
    """One planned refusal of a bulk request: its status and, when given, its Retry-After (seconds)."""

    status: int
    retry_after_s: int | None = None


@dataclass
class Seen:
    """One request the proxy received: method, path, headers, when, and the status it answered."""

    method: str
    path: str
    headers: dict[str, str]
    at: float
    status: int = 0
    body: bytes = field(default=b"", repr=False)


class ElasticsearchProxy:
    """Forwards every request to `upstream`; the first `len(refusals)` `_bulk` requests get a refusal instead.

    With `stall_bulks_after=n`, the bulk requests after the n-th are held unanswered (and never forwarded)
    until the proxy stops: a client is then caught mid-file, for a test to kill it there.
    """

    def __init__(self, upstream: str, refusals: list[Refusal] | None = None, stall_bulks_after: int | None = None) -> None:
        parts = urlsplit(upstream)
        self.upstream_host, self.upstream_port = parts.hostname or "127.0.0.1", parts.port or 9200
        self.refusals = list(refusals or [])
        self.stall_bulks_after = stall_bulks_after
        self.stopping = threading.Event()
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="es-proxy", daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def bulk_requests(self) -> list[Seen]:
        return [request for request in self.seen if request.path.split("?")[0].endswith("/_bulk")]

    def _next_refusal(self, seen: Seen) -> Refusal | None:
        with self._lock:
            self.seen.append(seen)
            if seen.path.split("?")[0].endswith("/_bulk") and self.refusals:
                return self.refusals.pop(0)
            return None

    def _stalls(self, seen: Seen) -> bool:
        with self._lock:
            bulks = [request for request in self.seen if request.path.split("?")[0].endswith("/_bulk")]
            return self.stall_bulks_after is not None and any(seen is request for request in bulks[self.stall_bulks_after:])

    def _forward(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        upstream = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=60)
        try:
            upstream.request(method, path, body=body or None,
                             headers={name: value for name, value in headers.items() if name.lower() not in HOP_BY_HOP})
            response = upstream.getresponse()
            return response.status, [(n, v) for n, v in response.getheaders() if n.lower() not in HOP_BY_HOP], response.read()
        finally:
            upstream.close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                seen = Seen(self.command, self.path, dict(self.headers.items()), time.monotonic(), body=body)
                refusal = proxy._next_refusal(seen)
                if proxy._stalls(seen):
                    proxy.stopping.wait()
                    self.close_connection = True
                    return
                if refusal is not None:
                    payload = b'{"error":{"type":"es_rejected_execution_exception","reason":"refused by the test proxy"},"status":%d}' % refusal.status
                    status, headers = refusal.status, [("Content-Type", "application/json")]
                    if refusal.retry_after_s is not None:
                        headers.append(("Retry-After", str(refusal.retry_after_s)))
                else:
                    status, headers, payload = proxy._forward(self.command, self.path, dict(self.headers.items()), body)
                seen.status = status
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _answer

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler

    def __enter__(self) -> "ElasticsearchProxy":
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
