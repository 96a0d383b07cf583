"""`nabd alerts check`: judge the negative-spike rules now (or at a given time) and deliver what fires."""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timezone


def register(subparsers: argparse._SubParsersAction) -> None:
    alerts = subparsers.add_parser("alerts", help="negative-spike alerts to the support team",
                                   description="Alert rules live in config/alerts.yaml; Airflow's alerts DAG runs "
                                               "`check` every 15 minutes.")
    actions = alerts.add_subparsers(dest="alerts_action", metavar="ACTION", required=True)
    check = actions.add_parser(
        "check", help="judge every rule due at a time, record alerts in nabd-alerts and deliver them",
        description="Judges the window ending at --at (default: now, to the minute) against each brand's own "
                    "baseline. Re-running the same time records nothing twice and retries only failed deliveries.")
    check.add_argument("--at", type=parse_time, help="end of the window judged, ISO 8601 with a time zone "
                                                     "(e.g. 2026-11-23T09:00:00+03:00)")
    check.add_argument("--json", action="store_true", help="print the summary as JSON")
    check.set_defaults(handler=run_check)


def parse_time(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{value!r} is not an ISO 8601 time") from error
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{value!r} needs a time zone, e.g. {value}+03:00 or {value}Z")
    return moment


def run_check(args: argparse.Namespace) -> int:
    from nabd.alerts.runner import run_alert_checks

    summary = run_alert_checks(args.at or datetime.now(timezone.utc))
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
        return 0
    print(f"alerts at {summary['at']}: {summary['checked']} rules checked, {len(summary['fired'])} fired"
          + (f", {summary['failed_deliveries']} deliveries failed" if summary["failed_deliveries"] else ""))
    for rule_id, reason in summary["rules"].items():
        print(f"  {rule_id}: {reason}")
    return 1 if summary["failed_deliveries"] else 0
