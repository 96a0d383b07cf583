"""Benchmark: nabd's bulk indexer against a plain `helpers.bulk` loop on the same mentions.

    .venv/bin/python bench/index_throughput.py [--docs 200000] [--rounds 2] [--memory-lines 1000000]

Builds a JSONL file of enriched-looking mentions from real Arabic texts in ../shared/data
(repeated with distinct ids), then, in one run and against the same local node, indexes it with
a plain `elasticsearch.helpers.bulk` loop and with `index.bulk.index_file`, each in its own child
process so peak memory is measured per indexer. With --memory-lines it also indexes a file of that
many lines with nabd's indexer to check that memory stays flat. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import platform
import resource
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
DATA_DIR = REPO_ROOT.parent / "shared" / "data"
TEXT_SOURCES = ("arsarcasm_v2_train.jsonl.gz", "astd.jsonl.gz", "arsas.jsonl.gz")
BRANDS = [("sahm", "سهم"), ("rafeeq", "رفيق"), ("najm", "نجم موبايل")]


def real_texts() -> list[str]:
    texts = []
    for name in TEXT_SOURCES:
        with gzip.open(DATA_DIR / name, "rt", encoding="utf-8") as lines:
            texts.extend(json.loads(line)["text"] for line in lines)
    return texts


def write_mentions(path: Path, count: int) -> None:
    """`count` mentions in the shape `nabd enrich` writes, spread over two months."""
    texts = real_texts()
    start = datetime(2026, 10, 1, tzinfo=timezone.utc)
    sentiments = ("negative", "neutral", "positive")
    with path.open("w", encoding="utf-8") as out:
        for n, text in zip(range(count), itertools.cycle(texts)):
            brand_id, alias = BRANDS[n % len(BRANDS)]
            published = start + timedelta(seconds=n * 61 % (61 * 24 * 3600))
            mention = {
                "id": f"bench{n:08d}", "source": "demo", "source_id": str(n),
                "url": f"https://forum.nabd-demo.example/posts/{n}", "query": brand_id,
                "@timestamp": published.strftime("%Y-%m-%dT%H:%M:%SZ"), "collected_at": "2026-12-01T00:00:00Z",
                "title": None, "text": text, "lang": "ar",
                "author": {"id": f"author{n % 5000}", "name": None, "followers": n % 977, "verified": False},
                "brands": [{"id": brand_id, "alias": alias, "role": "brand"}],
                "engagement": {"likes": n % 50, "replies": n % 7, "shares": n % 3},
                "nlp": {"model": {"name": "nabd-arabic-mini", "version": "bench"},
                        "sentiment": sentiments[n % 3], "scores": {"positive": 0.2, "negative": 0.5, "neutral": 0.3},
                        "sarcasm": False, "sarcasm_score": 0.1, "dialect": "gulf"},
            }
            out.write(json.dumps(mention, ensure_ascii=False) + "\n")


# --- workers (each runs in its own process) -------------------------------------------------------


def worker(kind: str, path: Path, prefix: str, es_url: str) -> dict:
    from elasticsearch import helpers

    from index.bulk import index_file, parse_timestamp
    from index.client import Connection, make_client
    from index.templates import IndexNames, setup

    client = make_client(Connection(url=es_url, request_timeout_s=120))
    names = IndexNames(prefix=prefix)
    setup(client, names, ["سهم", "رفيق", "نجم"])
    started = time.perf_counter()
    if kind == "nabd":
        summary = index_file(client, path, names, dead_letter_path=path.with_suffix(f".{prefix}.dead.jsonl"))
        indexed, failed = summary.indexed, summary.malformed + summary.rejected_by_server
    else:
        def actions():
            with path.open(encoding="utf-8") as lines:
                for line in lines:
                    mention = json.loads(line)
                    yield {"_index": names.mentions_index(parse_timestamp(mention["@timestamp"])),
                           "_id": mention["id"], "_source": mention}
        indexed, errors = helpers.bulk(client, actions(), raise_on_error=False)
        failed = len(errors)
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"kind": kind, "indexed": indexed, "failed": failed, "seconds": round(elapsed, 2),
            "docs_per_s": round(indexed / elapsed, 1), "peak_rss_mb": round(peak_mb, 1)}


def run_worker(kind: str, path: Path, prefix: str, es_url: str) -> dict:
    output = subprocess.run([sys.executable, __file__, "--worker", kind, "--file", str(path), "--prefix", prefix,
                             "--es-url", es_url], check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def drop_prefix(es_url: str, prefix: str) -> None:
    from index.client import Connection, make_client
    from index.templates import IndexNames, remove_everything

    remove_everything(make_client(Connection(url=es_url)), IndexNames(prefix=prefix))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=2, help="indexer pairs, order alternating")
    parser.add_argument("--memory-lines", type=int, default=0, help="also index a file this long (memory check)")
    parser.add_argument("--es-url", default=os.environ.get("NABD_ES_URL", "http://127.0.0.1:9200"))
    parser.add_argument("--work-dir", type=Path, default=REPO_ROOT / ".cache" / "bench")
    parser.add_argument("--worker", choices=["nabd", "plain"], help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--prefix", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.file, args.prefix, args.es_url)))
        return 0

    args.work_dir.mkdir(parents=True, exist_ok=True)
    path = args.work_dir / f"mentions-{args.docs}.jsonl"
    if not path.exists():
        write_mentions(path, args.docs)
    rows = []
    for round_number in range(args.rounds):
        # Alternate the order so neither indexer always meets a warmer (or busier) server.
        for kind in ("plain", "nabd") if round_number % 2 == 0 else ("nabd", "plain"):
            prefix = f"nabdbench-{kind}"
            drop_prefix(args.es_url, prefix)
            rows.append({"file": f"{args.docs:,} lines", **run_worker(kind, path, prefix, args.es_url)})
            drop_prefix(args.es_url, prefix)
    if args.memory_lines:
        big = args.work_dir / f"mentions-{args.memory_lines}.jsonl"
        if not big.exists():
            write_mentions(big, args.memory_lines)
        drop_prefix(args.es_url, "nabdbench-big")
        rows.append({"file": f"{args.memory_lines:,} lines", **run_worker("nabd", big, "nabdbench-big", args.es_url)})
        drop_prefix(args.es_url, "nabdbench-big")

    print(f"\n{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} cores, "
          f"command: {' '.join([Path(sys.executable).name, *sys.argv])}\n")
    print("| indexer | file | indexed | failed | seconds | docs/s | peak RSS (MB) |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for row in rows:
        print(f"| {row['kind']} | {row['file']} | {row['indexed']:,} | {row['failed']} | {row['seconds']} | "
              f"{row['docs_per_s']:,} | {row['peak_rss_mb']} |")
    same_file = [row for row in rows if row["file"] == f"{args.docs:,} lines"]
    mean = {kind: sum(r["docs_per_s"] for r in same_file if r["kind"] == kind) / args.rounds
            for kind in ("plain", "nabd")}
    print(f"\nmean over {args.rounds} rounds: plain {mean['plain']:,.0f} docs/s, nabd {mean['nabd']:,.0f} docs/s, "
          f"nabd / plain = {mean['nabd'] / mean['plain']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
