"""The `nabd` command line: one subcommand group per package, registered lazily."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

# Each module exposes `register(subparsers)`, adding its subcommands with
# `set_defaults(handler=...)`. Registration must stay cheap: handlers import heavy
# libraries (torch, scrapy, elasticsearch) only when they run.
COMMAND_MODULES = (
    "nabd.main_job",
    "config.cli",
    "index.cli",
    "spiders.cli",
    "nlp.cli",
    "nlp.brand_sense.cli",
    "nlp.brand_sentiment.cli",
    "index.kibana.cli",
    "nabd.alerts.cli",
    "nabd.report.cli",
    "nabd.erasure",
)

# Libraries that log every request at INFO; their warnings still show.
NOISY_LOGGERS = ("elastic_transport", "urllib3", "scrapy", "filelock", "httpx")

DESCRIPTION = """\
nabd (نبض) — Arabic-first social listening.

Collect brand mentions, classify them with an Arabic-aware transformer, and index them in
Elasticsearch for search, trends, reports and alerts.
"""

EPILOG = """\
start here:
  nabd demo                      run the whole pipeline on the bundled offline demo source
  nabd search "التوصيل" --brand rafeeq  search indexed mentions
  nabd alerts check              judge the negative-spike rules now and deliver what fires

Run `nabd COMMAND --help` for the options of one command.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nabd",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    parser.add_argument(
        "--traceback", action="store_true", help="show the full traceback when a command fails"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_name in COMMAND_MODULES:
        module = importlib.import_module(module_name)
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in NOISY_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.DEBUG if args.verbose else logging.WARNING)
    try:
        return int(args.handler(args) or 0)
    except KeyboardInterrupt:
        print("nabd: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # the process boundary: say what failed, plainly
        if args.traceback:
            raise
        print(f"nabd {args.command}: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
