"""Benchmark: what one `enrich` task of the enrich_and_index DAG costs a worker — the DAG's task body
(`nabd.pipeline.enrich_interval`) in a fresh process, as a worker runs it: time to import, time to load the
configured model, time to enrich one busy demo hour, wall time and peak RSS of the whole process.

    .venv/bin/python bench/enrich_task_footprint.py [--python /opt/nabd-worker/bin/python] [--runs 3]

The demo hour [2026-11-21T18:00, 19:00) is crawled once (a real Scrapy crawl of the bundled site) into a
temporary data directory; each run then enriches it in a new process. Prints a Markdown table row.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HOUR = ("2026-11-21T18:00:00Z", "2026-11-21T19:00:00Z")

# The task body, timed in steps; prints one JSON line.
TASK = """
import json, resource, sys, time
started = time.perf_counter()
from config import load_config
from nabd import pipeline
imported = time.perf_counter()
config = load_config(sys.argv[1])
classifier = pipeline.load_classifier(config)
loaded = time.perf_counter()
result = pipeline.enrich_interval("demo", sys.argv[2], sys.argv[3], config_dir=sys.argv[1], classifier=classifier)
done = time.perf_counter()
print(json.dumps({"import_s": imported - started, "model_s": loaded - imported, "enrich_s": done - loaded,
                  "posts": result["read"], "torch": "torch" in sys.modules,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--python", default=sys.executable, help="the interpreter of the install to measure")
    parser.add_argument("--runs", type=int, default=3)
    return parser.parse_args(argv)


def work_config(work_dir: Path) -> Path:
    import yaml

    config_dir = work_dir / "config"
    shutil.copytree(REPO / "config", config_dir, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    settings_path = config_dir / "settings.yaml"
    settings = yaml.safe_load(settings_path.read_text(encoding="utf-8"))
    settings["data_dir"] = str(work_dir / "var")
    settings["model"]["dir"] = str(REPO / settings["model"]["dir"])
    settings_path.write_text(yaml.safe_dump(settings, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return config_dir


def one_run(python: str, config_dir: Path) -> dict:
    started = time.perf_counter()
    finished = subprocess.run([python, "-c", TASK, str(config_dir), *HOUR], cwd=REPO, capture_output=True, text=True,
                              timeout=600, check=False)
    wall = time.perf_counter() - started
    if finished.returncode != 0:
        raise SystemExit(f"the enrich task failed:\n{finished.stderr[-3000:]}")
    return {**json.loads(finished.stdout.strip().splitlines()[-1]), "wall_s": wall}


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    sys.path.insert(0, str(REPO))
    from nabd import pipeline

    with tempfile.TemporaryDirectory(prefix="nabd-enrich-task-") as work:
        config_dir = work_config(Path(work))
        collected = pipeline.collect_source("demo", *HOUR, config_dir=str(config_dir))
        one_run(args.python, config_dir)                      # warm-up (page cache)
        runs = [one_run(args.python, config_dir) for _ in range(args.runs)]
    median = {key: statistics.median(run[key] for run in runs)
              for key in ("wall_s", "import_s", "model_s", "enrich_s", "peak_rss_mb")}
    walls = ", ".join(f"{run['wall_s']:.2f}" for run in runs)
    command = " ".join(["bench/enrich_task_footprint.py", *(argv or sys.argv[1:])])
    print(f"| `{command}` ({collected['items']} posts "
          f"crawled, {runs[0]['posts']} read; torch imported: {runs[0]['torch']}) | wall **{median['wall_s']:.2f} s** "
          f"({walls}): imports {median['import_s']:.2f} s, model "
          f"{median['model_s']:.2f} s, enrich {median['enrich_s']:.2f} s; peak RSS **{median['peak_rss_mb']:.0f} MB** |")


if __name__ == "__main__":
    main()
