"""Benchmark: negative-spike detection quality on synthetic 8-week series for 20 brands.

    .venv/bin/python bench/alert_quality.py [--brands 20] [--weeks 8] [--spikes 6] [--seed 2026]

Each brand has hourly negative and total counts with a daily rhythm (quiet nights, busy evenings),
a weekly rhythm (busier Friday and Saturday) and Poisson noise; its mean negative count per hour is
drawn between 8 and 40. After four weeks of history, `--spikes` one-hour spikes of 3× the expected
negative count are injected per brand at random hours (at least a day apart). The detector runs at
every hour with the default rule (config defaults), as hourly checks would. An alert in a spike's own
hour is a detection at the first check after its window closes; one or two hours later is a late
detection; any other alert is a false alert. Prints precision, recall, latency and false alerts per
brand per 30 days.
"""

from __future__ import annotations

import argparse
import platform
import sys
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nabd.alerts.detector import SpikeRule, scan  # noqa: E402
from nabd.alerts.synthetic import HOURS_PER_WEEK, brand_series  # noqa: E402

HISTORY_WEEKS = 4
LATE_HOURS = 2


def spike_hours(rng: np.random.Generator, first: int, last: int, count: int) -> tuple[int, ...]:
    chosen: list[int] = []
    while len(chosen) < count:
        hour = int(rng.integers(first, last))
        if all(abs(hour - other) >= 24 for other in chosen):
            chosen.append(hour)
    return tuple(sorted(chosen))


def evaluate(brands: int, weeks: int, spikes: int, seed: int, rule: SpikeRule) -> dict:
    rng = np.random.default_rng(seed)
    history = HISTORY_WEEKS * HOURS_PER_WEEK
    hours = weeks * HOURS_PER_WEEK
    detected, late, missed, false_alerts, eligible, eligible_detected = 0, 0, 0, 0, 0, 0
    latencies: list[int] = []
    for _ in range(brands):
        mean = float(rng.uniform(8, 40))
        injected = spike_hours(rng, history, hours - LATE_HOURS - 1, spikes)
        series = brand_series(rng, weeks, mean, negative_share=float(rng.uniform(0.2, 0.4)), spike_hours=injected)
        alert_hours = [fired.verdict.hour for fired in scan(series.negative, series.total, rule, start_hour=history)]
        matched: set[int] = set()
        for spike in injected:
            big_enough = 3 * series.expected_negative[spike] >= rule.min_negative
            eligible += big_enough
            hits = [h for h in alert_hours if 0 <= h - spike <= LATE_HOURS]
            if hits:
                latency = hits[0] - spike
                latencies.append(latency)
                detected += latency == 0
                late += latency > 0
                eligible_detected += big_enough
                matched.update(hits)
            else:
                missed += 1
        false_alerts += len([h for h in alert_hours if h not in matched])
    days = (hours - history) / 24
    total = brands * spikes
    caught = detected + late
    return {
        "spikes": total, "detected_first_check": detected, "detected_late": late, "missed": missed,
        "recall": caught / total, "recall_first_check": detected / total,
        "recall_above_min_volume": eligible_detected / eligible if eligible else None, "eligible": eligible,
        "false_alerts": false_alerts, "precision": caught / (caught + false_alerts) if caught + false_alerts else None,
        "false_per_brand_per_30_days": false_alerts / brands * 30 / days,
        "mean_latency_hours": float(np.mean(latencies)) if latencies else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--brands", type=int, default=20)
    parser.add_argument("--weeks", type=int, default=8)
    parser.add_argument("--spikes", type=int, default=6, help="injected spikes per brand")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    result = evaluate(args.brands, args.weeks, args.spikes, args.seed, SpikeRule())
    print(f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.node()}, "
          f"command: python {' '.join(sys.argv)}\n")
    print("| spikes | first check | late (≤2 h) | missed | recall | recall (first check) | "
          "false alerts | false / brand / 30 days | precision | mean latency (h) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    r = result
    print(f"| {r['spikes']} | {r['detected_first_check']} | {r['detected_late']} | {r['missed']} | {r['recall']:.3f} | "
          f"{r['recall_first_check']:.3f} | {r['false_alerts']} | {r['false_per_brand_per_30_days']:.2f} | "
          f"{r['precision']:.3f} | {r['mean_latency_hours']:.2f} |")
    print(f"\nspikes whose 3× count reaches the rule's minimum volume: {r['eligible']}, "
          f"recall among them {r['recall_above_min_volume']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
