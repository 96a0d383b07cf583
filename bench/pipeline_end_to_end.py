"""Benchmark: demo-style mentions through the pipeline's enrich and index stages (the functions the DAGs call).

    .venv/bin/python bench/pipeline_end_to_end.py [--mentions 50000] [--es-url URL] [--model DIR | --random-model]

Crawls the bundled demo forum once (600 real Arabic posts, a real Scrapy crawl), repeats its raw mentions
with distinct ids and times until the raw file of one data interval holds --mentions lines, then runs
`nabd.pipeline.enrich_interval` and `nabd.pipeline.index_interval` on it, each in its own child process
so that peak memory is measured per stage. The classifier is the configured model (or --model); without
one, enrichment does language, brands and PII masking only, and the table says so. --random-model builds
a randomly initialised model of the default model's size (4 layers, hidden 256, WordPiece vocabulary learned
from the demo posts) to time classification before a trained model exists: speed, not accuracy.
Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
DEMO_WEEK = ("2026-11-16T00:00:00Z", "2026-11-23T00:00:00Z")
STAGES = ("enrich", "index")


def bench_config(work_dir: Path, es_url: str, prefix: str, model_dir: Path | None, backend: str | None = None) -> Path:
    """A copy of the shipped configuration pointed at `es_url`, a private prefix and data under `work_dir`."""
    import yaml

    config_dir = work_dir / "config"
    shutil.copytree(REPO_ROOT / "config", config_dir, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    settings = yaml.safe_load((config_dir / "settings.yaml").read_text(encoding="utf-8"))
    settings["elasticsearch"].update(url=es_url, index_prefix=prefix, request_timeout_s=120)
    settings["data_dir"] = str(work_dir / "var")
    if model_dir is not None:
        settings["model"]["dir"] = str(model_dir)
    if backend is not None:
        settings["model"]["backend"] = backend
    (config_dir / "settings.yaml").write_text(yaml.safe_dump(settings, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return config_dir


def random_model(directory: Path, raw_file: Path) -> Path:
    """A random multi-task model of the default model's shape, in save_pretrained layout (for timing only)."""
    import torch
    from transformers import AutoTokenizer

    from nlp.model.modeling import NabdMultiTaskConfig, NabdMultiTaskModel, heads_config
    from nlp.model.tokenizer_training import TokenizerArguments, train_tokenizer
    from nlp.normalize import normalize_for_model

    texts = [normalize_for_model(json.loads(line)["text"]) for line in raw_file.read_text(encoding="utf-8").splitlines()[:600]]
    train_tokenizer(texts, directory, TokenizerArguments(vocab_size=24000, min_frequency=1))
    tokenizer = AutoTokenizer.from_pretrained(str(directory))
    config = NabdMultiTaskConfig(
        heads=heads_config(), model_name="random-bench", model_version="0", vocab_size=len(tokenizer),
        hidden_size=256, num_hidden_layers=4, num_attention_heads=4, intermediate_size=1024,
        max_position_embeddings=128, pad_token_id=tokenizer.pad_token_id)
    torch.manual_seed(0)
    NabdMultiTaskModel(config).save_pretrained(str(directory))
    return directory


def write_raw_interval(config_dir: Path, count: int) -> Path:
    """The demo week's raw file, grown to `count` mentions by repeating the crawled ones with new ids."""
    from nabd import pipeline

    crawled = Path(pipeline.collect_source("demo", *DEMO_WEEK, config_dir=str(config_dir))["raw_file"])
    posts = [json.loads(line) for line in crawled.read_text(encoding="utf-8").splitlines()]
    week_start = datetime.fromisoformat(DEMO_WEEK[0].replace("Z", "+00:00"))
    with crawled.open("w", encoding="utf-8") as out:
        for n in range(count):
            post = dict(posts[n % len(posts)])
            published = week_start + timedelta(seconds=(n * 37) % (7 * 24 * 3600))
            post.update(id=f"bench{n:08d}", source_id=f"bench-{n}", **{"@timestamp": published.strftime("%Y-%m-%dT%H:%M:%SZ")})
            out.write(json.dumps(post, ensure_ascii=False) + "\n")
    return crawled


def worker(stage: str, config_dir: Path) -> dict:
    """One stage over the demo week in this process: its own result, wall time and peak RSS."""
    from nabd import pipeline

    function = pipeline.enrich_interval if stage == "enrich" else pipeline.index_interval
    started = time.perf_counter()
    result = function("demo", *DEMO_WEEK, config_dir=str(config_dir))
    return {"stage": stage, "seconds": time.perf_counter() - started, "result": result,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def run_worker(stage: str, config_dir: Path) -> dict:
    output = subprocess.run([sys.executable, __file__, "--worker", stage, "--config-dir", str(config_dir)],
                            check=True, stdout=subprocess.PIPE, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def drop_prefix(es_url: str, prefix: str) -> None:
    from index.client import Connection, make_client
    from index.templates import IndexNames, remove_everything

    remove_everything(make_client(Connection(url=es_url)), IndexNames(prefix=prefix))


def table(mentions: int, rows: list[dict], model: str) -> str:
    lines = [f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} cores, "
             f"classifier: {model}, command: {' '.join([Path(sys.executable).name, *sys.argv])}", "",
             "| stage | mentions in | out | seconds | mentions/s | peak RSS (MB) |", "|---|---:|---:|---:|---:|---:|"]
    for row in rows:
        lines.append(f"| {row['stage']} | {mentions:,} | {row['out']:,} | {row['seconds']:.1f} | "
                     f"{mentions / row['seconds']:,.0f} | {row['peak_rss_mb']:.0f} |")
    total = sum(row["seconds"] for row in rows)
    lines.append(f"| **end to end** | {mentions:,} | {rows[-1]['out']:,} | {total:.1f} | **{mentions / total:,.0f}** | "
                 f"{max(row['peak_rss_mb'] for row in rows):.0f} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mentions", type=int, default=50_000)
    parser.add_argument("--es-url", default=os.environ.get("NABD_ES_URL", "http://127.0.0.1:9250"))
    models = parser.add_mutually_exclusive_group()
    models.add_argument("--model", type=Path, help="model directory (default: settings.yaml model.dir)")
    models.add_argument("--random-model", action="store_true", help="time a random model of the default size")
    parser.add_argument("--backend", choices=["torch", "onnx"], help="classifier backend (default: settings.yaml)")
    parser.add_argument("--worker", choices=[*STAGES, "random-model"], help=argparse.SUPPRESS)
    parser.add_argument("--config-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--raw-file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker == "random-model":
        random_model(args.config_dir, args.raw_file)
        return 0
    if args.worker:
        print(json.dumps(worker(args.worker, args.config_dir)))
        return 0

    prefix = f"nabdbench-{uuid.uuid4().hex[:6]}"
    with tempfile.TemporaryDirectory(prefix="nabd-bench-") as work:
        model_dir = Path(work) / "random-model" if args.random_model else args.model
        config_dir = bench_config(Path(work), args.es_url, prefix, model_dir, args.backend)
        raw_file = write_raw_interval(config_dir, args.mentions)
        if args.random_model:  # in a child, so that torch never inflates this process's (inherited) peak RSS
            subprocess.run([sys.executable, __file__, "--worker", "random-model", "--config-dir", str(model_dir),
                            "--raw-file", str(raw_file)], check=True, stdout=subprocess.DEVNULL)
        try:
            enrich, index = (run_worker(stage, config_dir) for stage in STAGES)
        finally:
            drop_prefix(args.es_url, prefix)
    model = enrich["result"]["model"]
    rows = [{**enrich, "out": enrich["result"]["written"]}, {**index, "out": index["result"]["indexed"]}]
    print("\n" + table(args.mentions, rows, f"{model['name']} {model['version']} ({args.backend or 'configured'} backend)" if model else "none (no model)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
