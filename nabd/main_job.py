"""`nabd demo`: the whole pipeline on the bundled offline demo source, ending with where to look."""

from __future__ import annotations

import argparse
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

log = logging.getLogger(__name__)

# The demo posts were published in this week (UTC); the demo crawls it as one data interval.
DEMO_INTERVAL = ("2026-11-16T00:00:00Z", "2026-11-23T00:00:00Z")
DEMO_SOURCE = "demo"
DEMO_QUERIES = (("التوصيل", "rafeeq"), ("الشبكة", "sahm"), ("اسعار", None))


def register(subparsers: argparse._SubParsersAction) -> None:
    demo = subparsers.add_parser(
        "demo", help="run the whole pipeline on the bundled offline demo source",
        description="Start Elasticsearch (unless NABD_ES_URL points at a cluster), serve the demo forum "
                    "on loopback, crawl it, enrich the mentions (language, brands, PII masking, "
                    "classification) and index them; build each brand's daily brand-health report of the "
                    "last full day (HTML and PDF, saved, not e-mailed); then show a few searches.")
    demo.add_argument("--start", default=DEMO_INTERVAL[0], help="interval start (ISO 8601 UTC)")
    demo.add_argument("--end", default=DEMO_INTERVAL[1], help="interval end, exclusive (ISO 8601 UTC)")
    demo.set_defaults(handler=run_demo_command)


@dataclass
class DemoRun:
    """Where the demo left its files and what each stage counted."""

    raw_file: Path
    enriched_file: Path
    crawled: int = 0
    enriched: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    indexed: int = 0
    dead_letters: list[str] = field(default_factory=list)
    classified: bool = False
    es_url: str = ""
    reports: list[dict] = field(default_factory=list)


def run_demo(config, start: str = DEMO_INTERVAL[0], end: str = DEMO_INTERVAL[1]) -> DemoRun:
    """Crawl → enrich → index over one interval, with the same stage functions as the Airflow DAGs;
    idempotent (re-running rewrites the same files and documents)."""
    from index import cluster
    from nabd import pipeline
    from nabd.report.build import build_and_send_report

    es_url = cluster.ensure_running(config).url
    cluster.setup_indices(config)
    config_dir = str(config.config_dir)
    collected = pipeline.collect_source(DEMO_SOURCE, start, end, config_dir=config_dir)
    enriched = pipeline.enrich_interval(DEMO_SOURCE, start, end, config_dir=config_dir)
    indexed = pipeline.index_interval(DEMO_SOURCE, start, end, config_dir=config_dir)
    reports = [build_and_send_report(config_dir, brand.id, last_full_day(end, brand.timezone))
               for brand in config.brands if brand.role == "brand"]
    return DemoRun(
        raw_file=Path(collected["raw_file"]), enriched_file=Path(enriched["enriched_file"]),
        crawled=collected["items"], enriched=enriched["written"], dropped=enriched["dropped"],
        indexed=indexed["indexed"], dead_letters=[indexed["dead_letters"]] if indexed["dead_letters"] else [],
        classified=enriched["model"] is not None, es_url=es_url, reports=reports,
    )


def last_full_day(end: str, timezone: str) -> str:
    """The last day, in `timezone`, that lies wholly before `end` (the interval's end): the day reported on."""
    moment = datetime.fromisoformat(end.replace("Z", "+00:00")).astimezone(ZoneInfo(timezone))
    return (moment.date() - timedelta(days=1)).isoformat()


def run_demo_command(args: argparse.Namespace) -> int:
    from config import load_config
    from index import cluster
    from index.search import MentionQuery, format_mention

    config = load_config()
    run = run_demo(config, args.start, args.end)
    dropped = ", ".join(f"{count} {reason}" for reason, count in sorted(run.dropped.items())) or "none"
    print(f"\nnabd demo: crawled {run.crawled} posts → {run.enriched} brand mentions (dropped: {dropped}) "
          f"→ indexed {run.indexed} into {cluster.index_names(config).mentions_alias} at {run.es_url}")
    print(f"  raw:      {run.raw_file}\n  enriched: {run.enriched_file}")
    if not run.classified:
        print("  (no model yet: run `nabd train` for sentiment, sarcasm and dialect)")
    for path in run.dead_letters:
        print(f"  rejected by Elasticsearch, with reasons: {path}")
    for report in run.reports:
        print(f"  brand-health report of {report['brand']} for {report['date']}: {report['html']}\n"
              f"  {' ' * (len(report['brand']) + len(report['date']) + 30)}{report['pdf']}")
    for text, brand in DEMO_QUERIES:
        result = cluster.search(config, MentionQuery(text=text, brand=brand, size=3))
        shown = f'nabd search "{text}"' + (f" --brand {brand}" if brand else "")
        print(f"\n$ {shown}\n{result.total} mentions match")
        for mention in result.mentions:
            print(format_mention(mention))
    print("\nSearch more with `nabd search WORDS [--brand ID] [--sentiment negative]`; see a brand's trends with "
          "`nabd trends --brand sahm --from 2026-11-16 --to 2026-11-23`; e-mail a report with "
          "`nabd report --brand sahm --date 2026-11-22 --to you@example.com`; stop Elasticsearch with `nabd es stop`.")
    return 0 if not run.dead_letters else 2
