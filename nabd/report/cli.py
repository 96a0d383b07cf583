"""`nabd report`: the daily brand-health report of one brand and day, saved and e-mailed."""

from __future__ import annotations

import argparse
import json


def register(subparsers: argparse._SubParsersAction) -> None:
    report = subparsers.add_parser(
        "report", help="build a brand's daily brand-health report (HTML + PDF), store it, e-mail it",
        description="Volume, sentiment mix, net sentiment, complaint rate and top complaint topics with example "
                    "posts, churn intent and advocacy, share of voice, top sources and most engaged posts, rising "
                    "terms with example posts, dialect mix, a 14-day sentiment line chart, source health and the "
                    "mentions excluded as spam for one day in the brand's time zone, against the day before and the "
                    "7-day average. Stores the day in the brand-health index, saves HTML and PDF under "
                    "<data_dir>/reports/BRAND/DATE/, and e-mails both (settings.yaml smtp) to --to addresses.")
    report.add_argument("--brand", required=True, help="brand id from config/brands.yaml")
    report.add_argument("--date", required=True, help="the report day, e.g. 2026-11-21 (in the brand's time zone)")
    report.add_argument("--language", choices=["ar", "en"],
                        help="default: the brand's report_language, else settings.yaml report.default_language")
    report.add_argument("--to", action="append", default=[], metavar="ADDRESS",
                        help="e-mail the report to this address (repeat for more); none: only save and store")
    report.add_argument("--config-dir", help="configuration directory (default: $NABD_CONFIG_DIR or config/)")
    report.set_defaults(handler=run_report)


def run_report(args: argparse.Namespace) -> int:
    from nabd.report.build import build_and_send_report

    result = build_and_send_report(args.config_dir, args.brand, args.date, args.language, args.to)
    print(json.dumps(result, ensure_ascii=False))
    return 0
