"""The `nabd crawl` and `nabd demo-site` commands."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

logger = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Adds the spiders' subcommands to the `nabd` parser."""
    crawl = subparsers.add_parser("crawl", help="collect one source's mentions for a data interval into JSONL")
    crawl.add_argument("--source", required=True, help="configured source name (e.g. demo)")
    crawl.add_argument("--start", required=True, help="data interval start, ISO 8601, inclusive (e.g. 2026-11-16T00:00:00Z)")
    crawl.add_argument("--end", required=True, help="data interval end, ISO 8601, exclusive")
    crawl.add_argument("--out", required=True, type=Path, help="the JSONL feed to write")
    crawl.add_argument("--base-url", help="the source's address, where it is not configured (the demo site's URL)")
    crawl.add_argument("--since-watermark", action="store_true", help="fetch only what is newer than the last crawl")
    crawl.set_defaults(handler=run_crawl_command)

    site = subparsers.add_parser("demo-site", help="serve the bundled demo forum on loopback until interrupted")
    site.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    site.add_argument("--port", type=int, default=0, help="port to listen on (default: any free port)")
    site.set_defaults(handler=run_demo_site_command)


def run_crawl_command(args: argparse.Namespace) -> int:
    from config import load_config
    from index.collection_health import configured_sink
    from spiders.run import run_crawl

    # The CLI composes: the crawl's health record goes to the configured cluster's collection-health index.
    sink = configured_sink(load_config())
    summary = run_crawl(args.source, args.start, args.end, args.out, args.base_url, since_watermark=args.since_watermark,
                        health_sink=sink)
    if summary.finish_reason.startswith("skipped"):
        print(f"{summary.source}: {summary.finish_reason}; nothing written to {summary.out}")
        return 0
    dropped = ", ".join(f"{reason} {count}" for reason, count in summary.dropped.items()) or "none"
    print(f"{summary.source}: {summary.items} mentions in {summary.out} "
          f"(collected {summary.collected}; dropped: {dropped}; skipped pages {summary.skipped_pages}; "
          f"retries {summary.retries}; errors {summary.errors}; watermark {summary.watermark}); health: {summary.health_file}")
    return 0


def run_demo_site_command(args: argparse.Namespace) -> int:
    from spiders.demo.site import DemoSite

    site = DemoSite(host=args.host, port=args.port)
    print(f"demo site: {site.start()}  (Ctrl-C to stop)", flush=True)
    site.serve_forever()
    return 0
