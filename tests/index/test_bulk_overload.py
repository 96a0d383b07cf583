"""An overloaded cluster (429 Too Many Requests, 503 Unavailable for a while) delays indexing but loses and doubles nothing.

A real HTTP proxy on loopback stands in front of the real test node and refuses the first bulk requests.
"""

from __future__ import annotations

import json

import pytest

from index.bulk import index_file
from index.client import Connection, make_client
from index.templates import setup
from tests.support.es_proxy import ElasticsearchProxy, Refusal

TEXTS = ["الشبكة عند سهم طايحة من الصبح", "رفيق وصل الطلب بدري 👍", "التوصيل تأخر ثلاث أيام ولا أحد يرد", "7aga 7elwa bgd mn rafeeq"]
MENTIONS = [
    {"id": f"overload-{n}", "source": "demo", "source_id": str(n), "url": f"https://forum.nabd-demo.example/posts/{n}",
     "@timestamp": f"2026-11-{1 + n % 28:02d}T18:00:00Z", "text": TEXTS[n % 4], "engagement": {"likes": n},
     "brands": [{"id": "sahm" if "سهم" in TEXTS[n % 4] else "rafeeq", "alias": "سهم" if "سهم" in TEXTS[n % 4] else "رفيق", "role": "brand"}]}
    for n in range(90)
]


@pytest.fixture
def ready(es_client, index_names):
    setup(es_client, index_names, ["سهم", "رفيق"])
    return index_names


def test_bulk_requests_refused_for_a_while_are_sent_again_after_backing_off_and_every_mention_lands_once(es_url, es_client, ready, tmp_path):
    path = tmp_path / "enriched.jsonl"
    path.write_text("".join(json.dumps(m, ensure_ascii=False) + "\n" for m in MENTIONS), encoding="utf-8")
    refusals = [Refusal(429), Refusal(503, retry_after_s=1), Refusal(503), Refusal(429, retry_after_s=1)]
    with ElasticsearchProxy(es_url, refusals) as proxy:
        client = make_client(Connection(url=proxy.url, request_timeout_s=30))
        summary = index_file(client, path, ready, chunk_size=30)

    assert summary.indexed == 90 and summary.rejected_by_server == 0
    es_client.indices.refresh(index=ready.mentions_alias)
    hits = es_client.search(index=ready.mentions_alias, size=200, query={"prefix": {"id": "overload-"}})["hits"]["hits"]
    assert sorted(hit["_id"] for hit in hits) == sorted(m["id"] for m in MENTIONS), "every mention exactly once"

    bulks = proxy.bulk_requests()
    assert [request.status for request in bulks[:5]] == [429, 503, 503, 429, 200]
    assert len(bulks) == 4 + 3, "three chunks, the first one sent five times"
    waits = [later.at - earlier.at for earlier, later in zip(bulks, bulks[1:5])]
    assert waits[1] >= 1.0 and waits[3] >= 1.0, f"Retry-After is honoured: {waits}"
    assert waits[0] >= 0.5 and waits[2] >= 2 * waits[0], f"without Retry-After the indexer backs off, longer each time: {waits}"
