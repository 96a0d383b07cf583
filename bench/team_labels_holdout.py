"""Benchmark: what the team-labelled posts bring, measured on team-labelled posts a refit has not seen.

    .venv/bin/python bench/team_labels_holdout.py [--weights 1,2,3] [--model nlp/models/nabd-arabic-mini]
                                                  [--work-dir .cache/nabd/bench-team]

Splits `nlp/complaints/labeled_posts.jsonl` into two halves by a hash of `source_id`. For each
weight, refits the complaint heads of `--model` (frozen encoder, no ONNX export; the model itself is
not touched) with the team labels of one half only and measures the refit on the other half, both
ways round. `--model` as it is makes the baseline row; it should be a model refit without team
labels (`nabd train --heads-only --no-team-labels`), or the baseline has seen both halves. Prints,
per row, the mean of the two halves: complaint F1, topics micro- and macro-F1, per-topic F1; and the
refits' silver-dev scores. About five minutes per refit on two CPU cores (two refits per weight).
Results: docs/model.md, "The team-labelled posts".
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import sys
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nlp.complaints.data import TEAM_LABELS_FILE  # noqa: E402
from nlp.model.evaluate import evaluate_predictions  # noqa: E402
from nlp.model.heads_refit import HeadsRefitArguments, run_heads_refit  # noqa: E402
from nlp.model.predict import Classifier  # noqa: E402


def halves(path: Path) -> tuple[list[dict], list[dict]]:
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    parity = [int(hashlib.sha1(record["source_id"].encode()).hexdigest(), 16) % 2 for record in records]
    return ([r for r, p in zip(records, parity) if p == 0], [r for r, p in zip(records, parity) if p == 1])


def measure(model_dir: Path, records: list[dict]) -> dict:
    report = evaluate_predictions(records, Classifier.load(model_dir).classify([r["text"] for r in records]))
    return {"complaint": report["complaint"]["f1"], "micro": report["topics"]["micro_f1"],
            "macro": report["topics"]["macro_f1"],
            **{topic: metrics["f1"] for topic, metrics in report["topics"]["per_topic"].items()}}


def mean(reports: list[dict]) -> dict:
    return {key: sum(report[key] for report in reports) / len(reports) for key in reports[0]}


def silver_dev(model_dir: Path) -> str:
    dev = json.loads((model_dir / "metrics.json").read_text())["complaint_heads"]["dev"]["torch"]["complaints_silver"]
    return f"complaint {dev['complaint']['f1']:.3f}, topics micro {dev['topics']['micro_f1']:.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", default="2", help="comma-separated team weights to try (default: 2)")
    parser.add_argument("--model", type=Path, default=Path("nlp/models/nabd-arabic-mini"))
    parser.add_argument("--labels", type=Path, default=TEAM_LABELS_FILE)
    parser.add_argument("--work-dir", type=Path, default=Path(".cache/nabd/bench-team"))
    args = parser.parse_args(argv)
    weights = [float(weight) for weight in args.weights.split(",")]

    parts = halves(args.labels)
    args.work_dir.mkdir(parents=True, exist_ok=True)
    files = []
    for name, records in zip("AB", parts):
        path = args.work_dir / f"half{name}.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
        files.append(path)
    rows = [("baseline (--model as it is)", mean([measure(args.model, parts[1]), measure(args.model, parts[0])]), "")]
    for weight in weights:
        reports, dev = [], []
        for train, test in ((0, 1), (1, 0)):
            output = args.work_dir / f"refit-w{weight:g}-{'AB'[train]}"
            run_heads_refit(HeadsRefitArguments(model_dir=args.model, output_dir=output, team_labels=files[train],
                                                team_weight=weight, export_onnx=False))
            reports.append(measure(output, parts[test]))
            dev.append(silver_dev(output))
        rows.append((f"team weight {weight:g}", mean(reports), "; ".join(dev)))

    topics = [key for key in rows[0][1] if key not in ("complaint", "micro", "macro")]
    print(f"# team-labels hold-out, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.node()}, "
          f"{platform.processor() or platform.machine()}; halves of {len(parts[0])} and {len(parts[1])} posts; "
          f"command: {' '.join(sys.argv)}")
    print("| row | complaint F1 | topics micro-F1 | macro-F1 | " + " | ".join(topics) + " | silver dev of the refits |")
    print("|---|" + "---:|" * (3 + len(topics)) + "---|")
    for name, report, dev in rows:
        print(f"| {name} | {report['complaint']:.3f} | {report['micro']:.3f} | {report['macro']:.3f} | "
              + " | ".join(f"{report[topic]:.2f}" for topic in topics) + f" | {dev} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
