"""Benchmark: latency of the trend queries (index/trends.py) over 1,000,000 indexed mentions.

    nice .venv/bin/python bench/trend_latency.py [--docs 1000000] [--runs 50] [--port 9283] [--heap 1g]

Starts (or reuses) nabd's own local single node on a benchmark port, indexes `--docs` synthetic
but realistic mentions under a private prefix (five brands, 75 days, daily rhythm, every nlp field:
sentiment, sarcasm, dialect, complaint and topics, churn, advocacy, spam; Arabic texts built from
the complaint seeds of config/topics.yaml, sentiment phrases and a filler vocabulary taken from
real Arabic tweets in ../shared/data; a few negative storms per brand with their own words, so
significant_text has something to find), indexed day by day in time order as hourly crawls would
(`--order random` scatters them instead), then runs every trend query `--runs` times, warm, with
brands and windows varied per run and the shard request cache off (each real query is new).
A `match_all` count runs interleaved with them as the noise baseline. Prints a Markdown table of
client-side latency (p50/p95/max, ms) and the server's own `took`.

An index that already holds exactly `--docs` mentions under the prefix is reused (`--reindex` to
rebuild); `--keep-node` leaves the node running, `--drop` removes the indices afterwards.
"""

from __future__ import annotations

import argparse
import copy
import gzip
import itertools
import json
import os
import platform
import random
import re
import statistics
import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
DATA_DIR = REPO_ROOT.parent / "shared" / "data"
FILLER_SOURCES = ("astd.jsonl.gz", "arsas.jsonl.gz")
PREFIX = "nabdbench-trends"
RIYADH = ZoneInfo("Asia/Riyadh")
LAST_DAY = datetime(2026, 12, 1, tzinfo=RIYADH)       # data ends at midnight Riyadh, 2026-12-01
DAYS = 75

# (id, Arabic alias, share of volume, competitors)
BRANDS = [
    ("sahm", "سهم", 0.30, ("najm",)),
    ("najm", "نجم موبايل", 0.20, ("sahm",)),
    ("rafeeq", "رفيق", 0.25, ("tawseel",)),
    ("tawseel", "توصيل بلس", 0.15, ("rafeeq",)),
    ("dana", "بنك دانة", 0.10, ()),
]
HOUR_WEIGHTS = [2, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6, 6, 6, 6, 6, 7, 7, 8, 9, 10, 10, 8, 4]
SOURCES = [("x", 45), ("app_store", 15), ("google_play", 10), ("reddit", 5), ("youtube", 8), ("telegram", 7),
           ("news_rss", 4), ("forum:hawamer", 6)]
DIALECTS = [("gulf", 55), ("msa", 20), ("egypt", 15), ("levant", 6), ("maghreb", 4)]
SOURCE_IDS = [s for s, _ in SOURCES]
DIALECT_IDS = [d for d, _ in DIALECTS]
NEGATIVE = ["سيء جدا", "أسوأ تجربة", "للأسف ما انصح فيه", "زفت والله", "خدمة سيئة", "ما عاد اتعامل معهم",
            "مستوى سيء", "تجربة مخيبة", "حسبي الله عليهم", "قمة الاستهتار", "كل مرة نفس المشكلة"]
POSITIVE = ["ممتاز", "خدمة رائعة", "شكرا على السرعة", "أنصح فيه بقوة", "تجربة حلوة", "الله يعطيهم العافية",
            "تعامل راقي", "أفضل خدمة جربتها", "سريعين وما قصروا", "منتج ممتاز والسعر مناسب"]
NEUTRAL = ["أحد جرب", "كم سعر الباقة", "متى يفتح الفرع", "عرض جديد من", "وش رأيكم في", "أبي أعرف طريقة",
           "إعلان", "هل يوجد تطبيق", "تحديث جديد نزل", "خبر عن"]
CHURN = ["بلغي الاشتراك", "بحول على المنافس", "آخر مرة أتعامل معكم", "ألغيت حسابي"]
ADVOCACY = ["أنصحكم فيهم", "جربوه ما راح تندمون", "أنصح الكل فيه"]
# Storm words: each brand has a few negative storms (a few hours) about one thing. Each storm post uses
# two or three of its words in its own order among other words, as people write (not copy-paste, which
# significant_text's filter_duplicate_text would rightly count once).
STORMS = {
    "sahm": ["انقطاع الانترنت الرياض فاصل", "الشبكة طايحة جدة تغطية", "خصم رصيد سحب مبلغ"],
    "najm": ["الشريحة الجديدة تفعيل معطلة", "عطل شبكة الجيل الخامس"],
    "rafeeq": ["التطبيق خطأ الدفع يعلق", "الطلبات ضايعة اختفت الصبح", "المندوب يلغي الطلب كنسل"],
    "tawseel": ["الشحنات متأخرة اسبوع تتبع", "رسوم مخفية إضافية فاتورة"],
    "dana": ["البطاقة انخصمت مرتين عملية", "التحويل معلق يومين حوالة", "تطبيق البنك يفتح تحديث"],
}
STORM_SIZE = 400     # negative mentions per storm, within 3 hours


def filler_vocabulary(size: int = 3000) -> list[str]:
    """The most frequent Arabic words of real tweets (ASTD, ArSAS): realistic background words."""
    counts: Counter[str] = Counter()
    for name in FILLER_SOURCES:
        with gzip.open(DATA_DIR / name, "rt", encoding="utf-8") as lines:
            for line in lines:
                counts.update(re.findall(r"[\u0621-\u064A]{2,}", json.loads(line)["text"]))
    return [word for word, _ in counts.most_common(size)]


def topic_seeds() -> dict[str, list[str]]:
    """Arabic complaint seeds per topic id from config/topics.yaml."""
    import yaml

    topics = yaml.safe_load((REPO_ROOT / "config" / "topics.yaml").read_text(encoding="utf-8"))["topics"]
    return {t["id"]: [s for s in t["seeds"] if re.search(r"[\u0600-\u06FF]", s)] for t in topics}


def storm_plan(rng: random.Random) -> list[tuple[str, str, datetime]]:
    """(brand, storm words, start) of every storm; drawn first from the maker's generator."""
    first_day = LAST_DAY - timedelta(days=DAYS)
    return [(brand_id, words, first_day + timedelta(days=rng.randrange(DAYS), hours=rng.randrange(8, 21)))
            for brand_id, _, _, _ in BRANDS for words in STORMS[brand_id]]


class MentionMaker:
    """Draws mentions with a fixed seed; `make(n)` is one enriched mention record."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.filler = filler_vocabulary()
        self.filler_cum = list(itertools.accumulate(1 / (rank + 10) for rank in range(len(self.filler))))
        self.brand_cum = list(itertools.accumulate(b[2] for b in BRANDS))
        self.hour_cum = list(itertools.accumulate(HOUR_WEIGHTS))
        self.sentiment_cum = list(itertools.accumulate((35, 30, 35)))
        self.source_cum = list(itertools.accumulate(w for _, w in SOURCES))
        self.dialect_cum = list(itertools.accumulate(w for _, w in DIALECTS))
        self.seeds = topic_seeds()
        self.topics = sorted(self.seeds)
        self.first_day = LAST_DAY - timedelta(days=DAYS)
        self.storms = storm_plan(self.rng)

    def _pick(self, items, cum_weights):
        return self.rng.choices(items, cum_weights=cum_weights)[0]

    def _words(self, count: int) -> str:
        return " ".join(self.rng.choices(self.filler, cum_weights=self.filler_cum, k=count))

    def make(self, n: int, storm: tuple | None = None, day_number: int | None = None) -> dict:
        rng = self.rng
        if storm:
            brand_id, storm_words, storm_start = storm
            brand = next(b for b in BRANDS if b[0] == brand_id)
            published = storm_start + timedelta(seconds=rng.randrange(3 * 3600))
            sentiment = "negative"
        else:
            brand = self._pick(BRANDS, self.brand_cum)
            day = self.first_day + timedelta(days=rng.randrange(DAYS) if day_number is None else day_number)
            hour = self._pick(range(24), self.hour_cum)
            published = day + timedelta(hours=hour, seconds=rng.randrange(3600))
            sentiment = self._pick(("negative", "positive", "neutral"), self.sentiment_cum)
        brand_id, alias = brand[0], brand[1]
        brands = [{"id": brand_id, "alias": alias, "role": "brand"}]
        if brand[3] and rng.random() < 0.04:
            other = next(b for b in BRANDS if b[0] == brand[3][0])
            brands.append({"id": other[0], "alias": other[1], "role": "brand"})
        sarcasm = rng.random() < 0.05
        complaint = sentiment == "negative" and (storm is not None or rng.random() < 0.65)
        topics = sorted(set(rng.sample(self.topics, rng.choice((1, 1, 1, 2))))) if complaint and rng.random() < 0.9 else []
        spam = rng.random() < 0.03
        churn = sentiment == "negative" and rng.random() < 0.06
        advocacy = sentiment == "positive" and rng.random() < 0.12
        parts = [self._words(rng.randrange(1, 4)), alias]
        if storm:
            words = storm_words.split()
            parts.append(" ".join(rng.sample(words, rng.choice((2, 3)))))
            parts.append(self._words(1))
        if topics:
            parts.append(rng.choice(self.seeds[topics[0]]))
        parts.append(rng.choice({"negative": NEGATIVE, "positive": POSITIVE, "neutral": NEUTRAL}[sentiment]))
        if churn:
            parts.append(rng.choice(CHURN))
        if advocacy:
            parts.append(rng.choice(ADVOCACY))
        parts.append(self._words(rng.randrange(2, 12)))
        scores = {"negative": 0.1, "positive": 0.1, "neutral": 0.1}
        scores[sentiment] = 0.8
        source = self._pick(SOURCE_IDS, self.source_cum)
        likes = int(rng.paretovariate(1.3)) - 1
        return {
            "id": f"tb{n:08d}", "source": source, "source_id": str(n),
            "url": f"https://{source.replace(':', '-')}.example/p/{n}", "query": brand_id,
            "@timestamp": published.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "collected_at": (published + timedelta(minutes=30)).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "title": None, "text": " ".join(parts), "lang": "ar",
            "author": {"id": f"a{rng.randrange(200_000):06d}", "name": None, "followers": int(rng.paretovariate(1.1)),
                       "verified": rng.random() < 0.01},
            "brands": brands,
            "engagement": {"likes": likes, "replies": likes // 5, "shares": likes // 10},
            "nlp": {"model": {"name": "nabd-arabic-mini", "version": "bench"},
                    "sentiment": sentiment, "scores": scores, "sarcasm": sarcasm, "sarcasm_score": 0.9 if sarcasm else 0.05,
                    "dialect": self._pick(DIALECT_IDS, self.dialect_cum), "complaint": complaint, "complaint_score": 0.9 if complaint else 0.1,
                    "topics": topics, "churn_intent": churn, "advocacy": advocacy, "spam": spam,
                    "spam_score": 0.95 if spam else 0.02},
        }

    def mentions(self, count: int, order: str = "chronological"):
        """`count` mentions. Chronological: day by day, in time order within each day, as hourly crawls
        index them; random: every mention on a random day (a brand-day scattered over its month)."""
        storm_docs = min(count // 10, STORM_SIZE * len(self.storms))
        per_storm = storm_docs // len(self.storms)
        regular = count - per_storm * len(self.storms)
        if order == "random":
            n = 0
            for storm in self.storms:
                for _ in range(per_storm):
                    yield self.make(n, storm)
                    n += 1
            for n in range(n, count):
                yield self.make(n)
            return
        n = 0
        for day_number in range(DAYS):
            day_count = regular // DAYS + (1 if day_number < regular % DAYS else 0)
            day = [self.make(n + i, day_number=day_number) for i in range(day_count)]
            n += day_count
            for storm in self.storms:
                if (storm[2] - self.first_day).days == day_number:
                    day += [self.make(n + i, storm) for i in range(per_storm)]
                    n += per_storm
            yield from sorted(day, key=lambda mention: mention["@timestamp"])


# --- indexing ---------------------------------------------------------------------------------------


def indexed_count(client, names) -> int:
    if not client.indices.exists_alias(name=names.mentions_alias):
        return 0
    client.indices.refresh(index=names.mentions_alias)
    return client.count(index=names.mentions_alias)["count"]


def drop(client, names) -> None:
    created = client.indices.get(index=f"{names.prefix}-*", expand_wildcards="all", allow_no_indices=True)
    if created:
        client.indices.delete(index=",".join(sorted(created)))
    if client.indices.exists_index_template(name=names.mentions_template):
        client.indices.delete_index_template(name=names.mentions_template)


def index_mentions(client, names, count: int, seed: int, order: str) -> dict:
    from elasticsearch import helpers

    from index.bulk import mention_action
    from index.templates import setup

    drop(client, names)
    setup(client, names, [b[1].split()[0] for b in BRANDS])
    maker = MentionMaker(seed)
    started = time.perf_counter()
    indexed = failed = 0
    actions = (mention_action(m, names) for m in maker.mentions(count, order))
    for ok, _ in helpers.streaming_bulk(client, actions, chunk_size=2000, raise_on_error=False, max_retries=3):
        indexed += ok
        failed += not ok
        if (indexed + failed) % 100_000 == 0:
            print(f"  {indexed + failed:,} mentions sent ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    client.indices.refresh(index=names.mentions_alias)
    seconds = time.perf_counter() - started
    return {"indexed": indexed, "failed": failed, "seconds": round(seconds, 1), "storms": maker.storms}


# --- the queries -------------------------------------------------------------------------------------


def trend_queries(run: int) -> dict[str, tuple[str, dict]]:
    """The trend queries of one run (brand and window vary with `run`), by name: (what, body)."""
    from index import trends

    brand_id, _, _, competitors = BRANDS[run % len(BRANDS)]
    day_end = LAST_DAY - timedelta(days=run % 30)

    def window(days: int, interval: str = "day") -> trends.TrendWindow:
        return trends.TrendWindow(brand=brand_id, start=day_end - timedelta(days=days), end=day_end,
                                  timezone="Asia/Riyadh", interval=interval, competitors=competitors)

    alert_at = (day_end - timedelta(minutes=15 * run)).astimezone(timezone.utc)
    return {
        "volume_by_sentiment_30d_daily": ("volume by sentiment, 30 days by day", trends.volume_by_sentiment_query(window(30))),
        "volume_by_sentiment_7d_hourly": ("volume by sentiment, 7 days by hour",
                                          trends.volume_by_sentiment_query(window(7, "hour"))),
        "summary_1d": ("summary (sentiment, complaints, topics, signals, dialects), 1 day",
                       trends.summary_query(window(1))),
        "summary_30d": ("summary, 30 days", trends.summary_query(window(30))),
        "share_of_voice_30d": ("share of voice against competitors, 30 days", trends.share_of_voice_query(window(30))),
        "top_sources_posts_1d": ("top sources and most engaged negative posts, 1 day",
                                 trends.top_sources_and_posts_query(window(1), sentiment="negative")),
        "top_sources_posts_30d": ("top sources and most engaged posts, 30 days",
                                  trends.top_sources_and_posts_query(window(30))),
        "rising_terms_1d": ("rising negative terms (significant_text), 1 day", trends.rising_terms_query(window(1))),
        "rising_terms_1h": ("rising negative terms, 1 hour (alert evidence)",
                            trends.rising_terms_query(trends.TrendWindow(brand=brand_id, start=alert_at - timedelta(hours=1),
                                                                         end=alert_at, interval="hour"))),
        "rising_terms_1d_before": ("rising negative terms, 1 day, without the sampler and shard_min_doc_count (before)",
                                   without_remedies(trends.rising_terms_query(window(1)))),
        "volume_by_sentiment_14d_daily": ("volume by sentiment, 14 days by day (the report's sentiment line chart)",
                                          trends.volume_by_sentiment_query(window(14))),
        "spam_1d": ("mentions excluded as spam, by kind, 1 day (report)", trends.spam_query(window(1))),
        "rising_term_examples_1d": ("example posts of 5 rising terms, 1 day (report)",
                                    trends.rising_term_examples_query(window(1), report_terms(run))),
        "window_counts_4w": ("alert window counts: 4 weeks + 26 h of hourly windows",
                             trends.window_counts_query(brand_id, alert_at, 4 * 168 + 26, 60)),
        "baseline_match_all": ("baseline: match_all count, size 0",
                               {"size": 0, "track_total_hits": True, "query": {"match_all": {}}}),
    }


def report_terms(run: int) -> list[str]:
    """Five rising terms for the report's example-posts query: a storm's words and complaint seeds (they are
    frequent, so the query has real work to do), varied per run."""
    words = [word for _, storm, _ in storm_plan(random.Random(2026)) for word in storm.split()]
    seeds = [seed for seeds in topic_seeds().values() for seed in seeds if " " not in seed]
    pool = words + seeds
    return [pool[(run * 5 + i) % len(pool)] for i in range(5)]


def without_remedies(body: dict) -> dict:
    """The rising-terms query as it was before its remedies (no sampler, no shard_min_doc_count), to compare."""
    body = copy.deepcopy(body)
    significant = body["aggs"]["sample"]["aggs"]["rising"]["significant_text"]
    significant.pop("shard_min_doc_count", None)
    body["aggs"] = {"rising": {"significant_text": significant}}
    body["query"] = body["query"]["function_score"]["query"]
    return body


def measure(client, names, runs: int, warmup: int) -> dict[str, dict]:
    """Runs every query `warmup` + `runs` times, interleaved; returns latency figures per query."""
    wall: dict[str, list[float]] = {}
    took: dict[str, list[int]] = {}
    descriptions: dict[str, str] = {}
    for run in range(-warmup, runs):
        for name, (what, body) in trend_queries(run % 1000).items():
            descriptions[name] = what
            started = time.perf_counter()
            response = client.search(index=names.mentions_alias, request_cache=False, **body)
            elapsed_ms = (time.perf_counter() - started) * 1000
            if run >= 0:
                wall.setdefault(name, []).append(elapsed_ms)
                took.setdefault(name, []).append(response["took"])
    return {name: {"what": descriptions[name], **figures(wall[name]), "took_p95": percentile(took[name], 95)}
            for name in wall}


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))]


def figures(values: list[float]) -> dict:
    return {"n": len(values), "p50": statistics.median(values), "p95": percentile(values, 95), "max": max(values)}


def machine() -> str:
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    return f"{platform.node()}, nproc {os.cpu_count()}, {mem_kb / 1024 / 1024:.0f} GiB RAM"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=50, help="measured runs per query")
    parser.add_argument("--warmup", type=int, default=5, help="unmeasured runs per query first")
    parser.add_argument("--port", type=int, default=9283, help="port of the benchmark's local node")
    parser.add_argument("--heap", default="1g", help="heap of the benchmark's local node")
    parser.add_argument("--es-url", help="use this cluster instead of starting a local node")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--order", choices=["chronological", "random"], default="chronological",
                        help="indexing order: day by day as crawls index (default), or every mention on a random day")
    parser.add_argument("--reindex", action="store_true", help="rebuild the index even if it holds --docs")
    parser.add_argument("--drop", action="store_true", help="remove the benchmark indices afterwards")
    parser.add_argument("--keep-node", action="store_true", help="leave the local node running")
    args = parser.parse_args()

    import yaml

    from index import server
    from index.client import Connection, make_client
    from index.templates import IndexNames

    node = None
    if args.es_url:
        es_url = args.es_url
    else:
        version = str(yaml.safe_load((REPO_ROOT / "config" / "settings.yaml").read_text(encoding="utf-8"))
                      ["elasticsearch"]["local"]["version"])
        node = server.LocalServer(version=version, port=args.port, heap=args.heap,
                                  cache_dir=REPO_ROOT / ".cache" / "nabd")
        was_running = server.status(node).running
        server.start(node)
        es_url = node.url
    client = make_client(Connection(url=es_url, request_timeout_s=300))
    names = IndexNames(prefix=PREFIX)
    try:
        loaded = None
        if args.reindex or indexed_count(client, names) != args.docs:
            print(f"indexing {args.docs:,} synthetic mentions into {names.mentions_alias} ...", file=sys.stderr)
            loaded = index_mentions(client, names, args.docs, args.seed, args.order)
        count = indexed_count(client, names)
        version = next(iter(client.nodes.info(node_id="_local", filter_path="nodes.*.version")["nodes"].values()))["version"]
        segments = client.cat.segments(index=names.mentions_alias, format="json")
        results = measure(client, names, args.runs, args.warmup)
        storm_check = storm_rising_terms(client, names, args.seed)
    finally:
        if args.drop:
            drop(client, names)
        if node is not None and not args.keep_node and not was_running:
            server.stop(node)

    print(f"\n{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {machine()}, Elasticsearch {version} "
          f"(heap {args.heap if node else 'n/a'}), {count:,} mentions in "
          f"{len({s['index'] for s in segments})} monthly indices ({len(segments)} segments)")
    print(f"command: nice {Path(sys.executable).name} {' '.join(sys.argv)}")
    if loaded:
        print(f"indexing ({args.order} order): {loaded['indexed']:,} indexed, {loaded['failed']} failed, {loaded['seconds']} s")
    print(f"\n| query | runs | p50 (ms) | p95 (ms) | max (ms) | server took p95 (ms) | p95 ≤ 200 ms |")
    print("|---|---:|---:|---:|---:|---:|:---:|")
    for name, row in results.items():
        print(f"| {row['what']} | {row['n']} | {row['p50']:.1f} | {row['p95']:.1f} | {row['max']:.1f} | "
              f"{row['took_p95']} | {'yes' if row['p95'] <= 200 else '**no**'} |")
    print(f"\nrising terms on storm days (sanity check): {json.dumps(storm_check, ensure_ascii=False)}")
    return 0


def storm_rising_terms(client, names, seed: int) -> list[dict]:
    """The top rising negative terms on the day of each of the first three storms."""
    from index import trends

    found = []
    for brand_id, words, start in storm_plan(random.Random(seed))[:3]:
        day = start.replace(hour=0, minute=0, second=0)
        window = trends.TrendWindow(brand=brand_id, start=day, end=day + timedelta(days=1), timezone="Asia/Riyadh")
        response = client.search(index=names.mentions_alias, **trends.rising_terms_query(window))
        found.append({"brand": brand_id, "storm": words,
                      "rising": [t["term"] for t in trends.parse_rising_terms(response)]})
    return found


if __name__ == "__main__":
    sys.exit(main())
