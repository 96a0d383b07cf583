"""Benchmark: what one short `nabd classify` costs as a whole process (what an Airflow task or a cron
job pays): wall time, peak RSS and import time of 10 real posts, per backend, in fresh processes.
Prints a Markdown table for docs/benchmarks.md."""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEMO_POSTS = REPO / "spiders" / "demo" / "posts.jsonl"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--python", default=sys.executable, help="the interpreter of the install to measure")
    parser.add_argument("--backends", default="onnx,torch", help="comma-separated, measured in turn per round")
    parser.add_argument("--runs", type=int, default=3, help="measured runs per backend (after one warm-up each)")
    parser.add_argument("--posts", type=int, default=10)
    return parser.parse_args(argv)


def write_posts(path: Path, count: int) -> None:
    """The first `count` posts of the demo forum (real Arabic tweets), as `nabd classify` reads them."""
    with DEMO_POSTS.open(encoding="utf-8") as source, path.open("w", encoding="utf-8") as target:
        for _, line in zip(range(count), source):
            post = json.loads(line)
            target.write(json.dumps({"id": post["id"], "text": post["text"]}, ensure_ascii=False) + "\n")


def command(python: str, backend: str, posts: Path, output: Path, importtime: bool = False) -> list[str]:
    return [python, *(["-X", "importtime"] if importtime else []), "-m", "nabd.cli", "classify",
            "--input", str(posts), "--output", str(output), "--backend", backend]


def measure(argv: list[str]) -> dict:
    """One fresh process: wall seconds, peak RSS (MB, from wait4) and, under -X importtime, the
    seconds spent importing (the sum of its top-level entries)."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    stderr = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{shlex.join(argv)} failed:\n{stderr[-3000:]}")
    imports = sum(int(line.split("|")[1]) for line in stderr.splitlines()
                  if line.startswith("import time:") and not line.split("|")[2].startswith("  ")
                  and line.split("|")[1].strip().isdigit())
    return {"wall_s": round(wall, 2), "max_rss_mb": round(usage.ru_maxrss / 1024), "import_s": round(imports / 1e6, 2)}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    backends = [name.strip() for name in args.backends.split(",")]
    results: dict[str, list[dict]] = {backend: [] for backend in backends}
    with tempfile.TemporaryDirectory() as directory:
        posts = Path(directory) / "posts.jsonl"
        write_posts(posts, args.posts)
        for backend in backends:  # warm-up: byte-code and page cache
            measure(command(args.python, backend, posts, Path(directory) / "out.jsonl"))
        for _ in range(args.runs):  # interleaved, so a neighbour's load falls on both backends
            for backend in backends:
                run = measure(command(args.python, backend, posts, Path(directory) / "out.jsonl"))
                traced = measure(command(args.python, backend, posts, Path(directory) / "out.jsonl", importtime=True))
                results[backend].append({**run, "import_s": traced["import_s"]})
    print(json.dumps({"load_average": os.getloadavg(), "results": results}, indent=1))
    print(f"\nmachine: {platform.machine()}, {os.cpu_count()} CPUs; load average after: "
          + ", ".join(f"{value:.2f}" for value in os.getloadavg()))
    print("\n| backend | wall s (median, runs) | peak RSS MB (median) | imports s (median) |\n|---|---|---|---|")
    for backend, runs in results.items():
        walls = ", ".join(f"{run['wall_s']:.2f}" for run in runs)
        print(f"| {backend} | {statistics.median(r['wall_s'] for r in runs):.2f} ({walls}) | "
              f"{statistics.median(r['max_rss_mb'] for r in runs):.0f} | "
              f"{statistics.median(r['import_s'] for r in runs):.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
