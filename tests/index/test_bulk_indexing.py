"""Bulk indexing mention files into the real server: idempotent, dead letters, a server that is down."""

from __future__ import annotations

import hashlib
import json
import socket
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from index.bulk import IndexingAborted, index_file
from index.client import Connection, ElasticsearchUnavailable, check_reachable, make_client
from index.templates import setup

MENTIONS = [
    {"id": f"m{n}", "source": "demo", "source_id": str(n), "url": f"https://forum.nabd-demo.example/posts/{n}",
     "@timestamp": f"2026-{month}-21T18:00:00Z", "text": text, "engagement": {"likes": n},
     "brands": [{"id": "sahm" if "سهم" in text else "rafeeq", "alias": "سهم" if "سهم" in text else "رفيق", "role": "brand"}]}
    for n, (month, text) in enumerate([
        ("10", "الشبكة عند سهم طايحة من الصبح"), ("11", "رفيق وصل الطلب بدري 👍"),
        ("11", "التوصيل تأخر ثلاث أيام ولا أحد يرد"), ("11", "7aga 7elwa bgd mn rafeeq"),
    ])
]


def write_jsonl(path, lines):
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def stored(es_client, names) -> dict[str, dict]:
    es_client.indices.refresh(index=names.mentions_alias)
    hits = es_client.search(index=names.mentions_alias, size=100, sort=["id"])["hits"]["hits"]
    return {hit["_id"]: {"index": hit["_index"], **hit["_source"]} for hit in hits}


@pytest.fixture
def ready(es_client, index_names):
    setup(es_client, index_names, ["سهم", "رفيق"])
    return index_names


def test_indexing_the_same_file_twice_leaves_the_same_documents(es_client, ready, tmp_path):
    path = write_jsonl(tmp_path / "m.jsonl", [json.dumps(m, ensure_ascii=False) for m in MENTIONS])
    first = index_file(es_client, path, ready)
    after_first = stored(es_client, ready)
    second = index_file(es_client, path, ready)
    assert first.indexed == second.indexed == 4
    assert stored(es_client, ready) == after_first
    assert first.results["created"] == 4 and second.results["updated"] == 4
    assert after_first["m0"]["index"] == f"{ready.prefix}-mentions-2026.10"
    assert after_first["m1"]["engagement"] == {"likes": 1, "total": 1}


def test_a_recrawl_updates_a_mention_in_place(es_client, ready, tmp_path):
    index_file(es_client, write_jsonl(tmp_path / "a.jsonl", [json.dumps(MENTIONS[1], ensure_ascii=False)]), ready)
    updated = {**MENTIONS[1], "engagement": {"likes": 40, "replies": 2}, "lang": "ar"}
    index_file(es_client, write_jsonl(tmp_path / "b.jsonl", [json.dumps(updated, ensure_ascii=False)]), ready)
    documents = stored(es_client, ready)
    assert len(documents) == 1
    assert documents["m1"]["engagement"] == {"likes": 40, "replies": 2, "total": 42}


def test_malformed_lines_and_server_rejections_go_to_dead_letters_with_reasons(es_client, ready, tmp_path):
    lines = [json.dumps(MENTIONS[0], ensure_ascii=False), "{\"id\": \"broken\",",
             json.dumps({**MENTIONS[1], "unknown_field": 1}, ensure_ascii=False),
             json.dumps({**MENTIONS[2], "engagement": {"likes": "كثير"}}, ensure_ascii=False),
             json.dumps(MENTIONS[3], ensure_ascii=False)]
    path = write_jsonl(tmp_path / "m.jsonl", lines)
    summary = index_file(es_client, path, ready)
    assert (summary.lines, summary.indexed, summary.malformed, summary.rejected_by_server) == (5, 2, 1, 2)
    dead = [json.loads(line) for line in open(summary.dead_letters, encoding="utf-8")]
    by_line = {record["line"]: record for record in dead}
    assert set(by_line) == {2, 3, 4}
    assert by_line[2]["reason"].startswith("malformed:") and by_line[2]["raw"] == "{\"id\": \"broken\","
    assert "strict_dynamic_mapping_exception" in by_line[3]["reason"]
    assert by_line[3]["document"]["unknown_field"] == 1
    assert "document_parsing_exception" in by_line[4]["reason"]
    assert set(stored(es_client, ready)) == {"m0", "m3"}


def test_an_unreachable_server_is_reported_plainly_and_the_input_is_untouched(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    connection = Connection(url=f"http://127.0.0.1:{closed_port}", max_retries=1, request_timeout_s=2)
    client = make_client(connection)
    with pytest.raises(ElasticsearchUnavailable, match=f"not reachable at http://127.0.0.1:{closed_port}"):
        check_reachable(client, connection)


def test_a_server_that_goes_away_mid_file_aborts_without_losing_input(ready, tmp_path):
    path = write_jsonl(tmp_path / "m.jsonl", [json.dumps(m, ensure_ascii=False) for m in MENTIONS])
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    client = make_client(Connection(url=f"http://127.0.0.1:{closed_port}", max_retries=1, request_timeout_s=2))
    with pytest.raises(IndexingAborted, match="nothing in the input is lost"):
        index_file(client, path, ready)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


class _Overloaded(BaseHTTPRequestHandler):
    """A loopback proxy in front of the real node that answers the first bulk requests with 429."""

    upstream = ""
    rejections_left = 0
    lock = threading.Lock()

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        with self.lock:
            overloaded = "_bulk" in self.path and _Overloaded.rejections_left > 0
            if overloaded:
                _Overloaded.rejections_left -= 1
        if overloaded:
            payload = b'{"error":{"type":"es_rejected_execution_exception","reason":"queue full"},"status":429}'
            self.send_response(429)
            self.send_header("Content-Type", "application/json")
            self.send_header("X-Elastic-Product", "Elasticsearch")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        request = urllib.request.Request(self.upstream + self.path, data=body, method=self.command,
                                         headers={k: v for k, v in self.headers.items() if k.lower() != "host"})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            response = opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:
            response = error
        data = response.read()
        self.send_response(response.status if hasattr(response, "status") else response.code)
        for key, value in response.headers.items():
            if key.lower() not in ("transfer-encoding", "content-length", "connection"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_HEAD = _forward

    def log_message(self, *args) -> None:
        pass


def test_bulk_requests_answered_429_are_retried_with_backoff(es_url, ready, tmp_path):
    _Overloaded.upstream, _Overloaded.rejections_left = es_url, 2
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), _Overloaded)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        client = make_client(Connection(url=f"http://127.0.0.1:{proxy.server_address[1]}", max_retries=5))
        path = write_jsonl(tmp_path / "m.jsonl", [json.dumps(m, ensure_ascii=False) for m in MENTIONS])
        summary = index_file(client, path, ready)
    finally:
        proxy.shutdown()
    assert _Overloaded.rejections_left == 0
    assert summary.indexed == 4 and summary.dead_letters is None
