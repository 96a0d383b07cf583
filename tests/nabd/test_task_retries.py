"""A task killed mid-way (SIGKILL: an evicted pod, the OOM killer) and retried as Airflow retries it loses and doubles nothing.

Under `airflow dags test` a kill and a retry take well over 20 s here, so the task's own function (the body of
the `index` task of enrich_and_index) is killed in a child process and called again; the crawl behind the
`collect` task is killed mid-write in tests/spiders/test_crawl_faults.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from nabd import pipeline
from nabd.ledger import is_pending
from tests.support.es_proxy import ElasticsearchProxy

DAY = ("2026-11-20T00:00:00Z", "2026-11-21T00:00:00Z")
REPO_ROOT = Path(__file__).resolve().parents[2]
TEXTS = ["الشبكة عند سهم طايحة من الصبح", "رفيق وصل الطلب بدري 👍", "التوصيل تأخر ثلاث أيام ولا أحد يرد", "7aga 7elwa bgd mn rafeeq"]
INDEX_TASK = "import sys; from nabd.pipeline import index_interval; index_interval('demo', sys.argv[1], sys.argv[2], config_dir=sys.argv[3])"


def enriched_mentions(count: int) -> list[dict]:
    return [{"id": f"retry-{n:05d}", "source": "demo", "source_id": str(n), "url": f"https://forum.nabd-demo.example/posts/{n}",
             "@timestamp": f"2026-11-20T{n % 24:02d}:{n % 60:02d}:00Z", "text": TEXTS[n % 4], "engagement": {"likes": n % 7},
             "brands": [{"id": "sahm" if n % 4 in (0, 2) else "rafeeq", "alias": "سهم" if n % 4 in (0, 2) else "رفيق", "role": "brand"}]}
            for n in range(count)]


def indexed_ids(es_client, names) -> list[str]:
    es_client.indices.refresh(index=names.mentions_alias, ignore_unavailable=True)
    hits = es_client.search(index=names.mentions_alias, size=10_000, source=False, query={"prefix": {"id": "retry-"}})["hits"]["hits"]
    return [hit["_id"] for hit in hits]


def test_the_index_task_killed_mid_file_and_retried_leaves_every_mention_exactly_once(test_config_dir, es_url, es_client, index_names, tmp_path):
    data_dir = tmp_path / "var"
    lines = "".join(json.dumps(mention, ensure_ascii=False) + "\n" for mention in enriched_mentions(2500))
    for path in (pipeline.raw_path(data_dir, "demo", *DAY), pipeline.enriched_path(data_dir, "demo", *DAY)):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(lines, encoding="utf-8")
    raw = pipeline.raw_path(data_dir, "demo", *DAY)

    with ElasticsearchProxy(es_url, stall_bulks_after=1) as proxy:
        environment = dict(os.environ, NABD_ES_URL=proxy.url, PYTHONPATH=str(REPO_ROOT))
        task = subprocess.Popen([sys.executable, "-c", INDEX_TASK, *DAY, str(test_config_dir)], env=environment,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 60
            while len(proxy.bulk_requests()) < 2 and task.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            assert task.poll() is None, task.stderr.read().decode()[-2000:] if task.stderr else ""
        finally:
            task.kill()
            task.wait()
            if task.stderr:
                task.stderr.close()

    partly = indexed_ids(es_client, index_names)
    assert 0 < len(partly) < 2500, "killed mid-file: some chunks landed, not all"
    assert is_pending(raw), "a killed task never marks its interval indexed"

    retried = pipeline.index_interval("demo", *DAY, config_dir=str(test_config_dir))

    ids = indexed_ids(es_client, index_names)
    assert retried["indexed"] == 2500 and len(ids) == 2500 and len(set(ids)) == 2500
    assert not is_pending(raw)
