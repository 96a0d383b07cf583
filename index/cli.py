"""`nabd es`, `nabd index` and `nabd search`: the local server, the index, and looking things up."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    es = subparsers.add_parser("es", help="start, stop or inspect the local Elasticsearch node",
                               description="Manage the single-node Elasticsearch that nabd runs itself "
                                           "(ignored when NABD_ES_URL or settings point at a cluster).")
    es_actions = es.add_subparsers(dest="es_action", metavar="ACTION", required=True)
    es_actions.add_parser("start", help="fetch (once), build the analysis plugin, start, wait until healthy"
                          ).set_defaults(handler=run_es_start)
    es_actions.add_parser("stop", help="stop the local node").set_defaults(handler=run_es_stop)
    es_actions.add_parser("status", help="say whether the node runs, its version and plugins"
                          ).set_defaults(handler=run_es_status)
    plugin = es_actions.add_parser("build-plugin", help="build the nabd-analysis plugin zip for a cluster",
                                   description="Build the analysis plugin for your own cluster; install it on "
                                               "every node with `bin/elasticsearch-plugin install file:///PATH.zip`.")
    plugin.add_argument("--version", required=True, help="the cluster's exact Elasticsearch version, e.g. 9.5.3")
    plugin.add_argument("--out", type=Path, default=Path("."), help="directory for the zip")
    plugin.set_defaults(handler=run_es_build_plugin)

    index = subparsers.add_parser("index", help="set up the mention index and load mention files")
    index_actions = index.add_subparsers(dest="index_action", metavar="ACTION", required=True)
    index_actions.add_parser("setup", help="create or update templates, indices and aliases (idempotent)"
                             ).set_defaults(handler=run_index_setup)
    load = index_actions.add_parser("load", help="bulk-index mention JSONL files (upserts by id)")
    load.add_argument("files", nargs="+", type=Path, metavar="FILE.jsonl")
    load.add_argument("--dead-letters", type=Path, help="where rejects go (default: FILE.jsonl.dead.jsonl)")
    load.set_defaults(handler=run_index_load)

    search = subparsers.add_parser("search", help="search indexed mentions (Arabic-aware)",
                                   description="Full-text search over mentions: التوصيل also finds "
                                               "توصيل, والتوصيل, بالتوصيل; اسعار finds أسعار.")
    search.add_argument("text", nargs="?", help="words to look for (all must match)")
    search.add_argument("--brand", help="only mentions of this brand id")
    search.add_argument("--from", dest="start", help="from this time (ISO 8601, inclusive)")
    search.add_argument("--to", dest="end", help="until this time (ISO 8601, exclusive)")
    search.add_argument("--sentiment", choices=["positive", "negative", "neutral"],
                        help="with --brand, the sentiment toward that brand; without, the post's")
    search.add_argument("--exact", action="store_true", help="match words as written (no stemming)")
    search.add_argument("--limit", type=int, default=10)
    search.add_argument("--json", action="store_true", help="print the mentions as JSON lines")
    search.set_defaults(handler=run_search)

    trends = subparsers.add_parser("trends", help="a brand's trend figures over a period",
                                   description="Volume by sentiment over time, net sentiment, complaint rate and "
                                               "top topics (with change against the previous period), share of "
                                               "voice, top sources, most engaged posts, rising negative terms, "
                                               "sarcasm share and dialect mix. Spam never counts.")
    trends.add_argument("--brand", required=True, help="brand id from config/brands.yaml")
    trends.add_argument("--from", dest="start", required=True, help="start date (brand's time zone) or ISO time")
    trends.add_argument("--to", dest="end", required=True, help="end date or ISO time, exclusive")
    trends.add_argument("--interval", choices=["day", "hour"], default="day")
    trends.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    trends.set_defaults(handler=run_trends)


def run_es_start(args: argparse.Namespace) -> int:
    from index import cluster

    status = cluster.ensure_running(cluster.settings())
    print(f"Elasticsearch {status.version or ''} is {status.cluster_status} at {status.url}")
    return 0


def run_es_stop(args: argparse.Namespace) -> int:
    from index import cluster, server

    stopped = server.stop(cluster.local_node(cluster.settings()))
    print("stopped" if stopped else "no local Elasticsearch was running")
    return 0


def run_es_status(args: argparse.Namespace) -> int:
    from index import cluster, server

    status = server.status(cluster.local_node(cluster.settings()))
    if not status.running:
        print(f"not running (would listen on {status.url})")
        return 3
    print(f"running: Elasticsearch {status.version}, cluster {status.cluster_status}, at {status.url}, "
          f"plugins: {', '.join(status.plugins) or 'none'}")
    return 0


def run_es_build_plugin(args: argparse.Namespace) -> int:
    from index import server

    print(server.build_plugin(args.version, args.out.resolve()))
    return 0


def run_index_setup(args: argparse.Namespace) -> int:
    from index import cluster

    report = cluster.setup_indices(cluster.settings())
    for line in report.created:
        print(f"created   {line}")
    for line in report.updated:
        print(f"updated   {line}")
    for line in report.unchanged:
        print(f"unchanged {line}")
    return 0


def run_index_load(args: argparse.Namespace) -> int:
    from index import cluster

    failed = False
    for path in args.files:
        summary = cluster.load_file(cluster.settings(), path, args.dead_letters)
        print(json.dumps(summary.as_dict(), ensure_ascii=False))
        failed = failed or bool(summary.dead_letters)
    return 2 if failed else 0


def run_search(args: argparse.Namespace) -> int:
    from index import cluster
    from index.search import MentionQuery, format_mention

    query = MentionQuery(text=args.text, brand=args.brand, start=args.start, end=args.end,
                         sentiment=args.sentiment, exact=args.exact, size=args.limit)
    result = cluster.search(cluster.settings(), query)
    if args.json:
        for mention in result.mentions:
            print(json.dumps(mention, ensure_ascii=False))
        return 0
    print(f"{result.total} mentions match" + (f"; the {len(result.mentions)} most relevant:" if result.mentions else ""))
    for mention in result.mentions:
        print(format_mention(mention))
    return 0


def run_trends(args: argparse.Namespace) -> int:
    from index import cluster

    figures = cluster.trends(cluster.settings(), args.brand, args.start, args.end, args.interval)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=2))
        return 0
    for line in format_trends(figures):
        print(line)
    return 0


def format_trends(figures: dict) -> list[str]:
    """The figures as a short terminal report."""
    summary = figures["summary"]
    net = summary["net_sentiment"]
    rate = summary["complaint_rate"]
    lines = [
        f"{figures['brand']}: {figures['start']} → {figures['end']} ({figures['timezone']})",
        f"  volume {summary['volume']} (change {summary['change']['volume']:+d}); sentiment "
        + ", ".join(f"{k} {v}" for k, v in summary["sentiment"].items())
        + f"; net sentiment {'n/a' if net is None else f'{net:+.2f}'}",
        f"  complaints {summary['complaints']} (rate {'n/a' if rate is None else f'{rate:.0%}'}); top topics: "
        + (", ".join(f"{t['id']} {t['count']} ({t['change']:+d})" for t in summary["top_topics"]) or "none"),
        f"  churn intent {summary['churn_intent']}, advocacy {summary['advocacy']}; dialects: "
        + ", ".join(f"{k} {v}" for k, v in summary["dialects"].items() if v),
        "  share of voice: " + ", ".join(f"{brand} {v['count']}" + (f" ({v['share']:.0%})" if v["share"] is not None else "")
                                        + ("" if v["net_sentiment"] is None else f" net {v['net_sentiment']:+.2f}")
                                        for brand, v in figures["share_of_voice"].items()),
        "  over time (total, negative): " + ", ".join(f"{b['start'][:13].replace('T00', '')} {b['total']} ({b['negative']})"
                                                       for b in figures["over_time"]),
        "  rising negative terms: " + (", ".join(t["term"] for t in figures["rising_negative_terms"]) or "none"),
    ]
    for post in figures["most_engaged_negative"][:3]:
        lines.append(f"  ▸ {post.get('engagement', {}).get('total', 0)} engagements: {post.get('text', '')[:100]}")
    return lines
