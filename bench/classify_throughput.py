"""Benchmark: classification throughput and peak memory of the default model (PyTorch, ONNX int8)
against a BERT-base-size random encoder, on the same real texts; writes docs/benchmarks.md."""

from __future__ import annotations

import argparse
import datetime
import gzip
import json
import platform
import random
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_MODEL = REPO / "nlp" / "models" / "nabd-arabic-mini"
DEFAULT_CORPUS = REPO.parent / "shared" / "data" / "unlabeled_pretrain_corpus.jsonl.gz"
BENCHMARKS_DOC = REPO / "docs" / "benchmarks.md"
SECTION = "## Classification throughput"
RUNS = ("torch", "onnx", "yardstick")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="JSONL(.gz) with a `text` per line")
    parser.add_argument("--texts", type=int, default=5000, help="how many texts (a seeded sample)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--runs", default=",".join(RUNS), help="comma-separated subset of torch,onnx,yardstick")
    parser.add_argument("--no-doc", action="store_true", help="print results only; leave docs/benchmarks.md alone")
    parser.add_argument("--baseline", type=Path,
                        help="also time this model directory (e.g. the sentiment-only model) with the same runs, "
                             "interleaved, and report the ratio")
    parser.add_argument("--paired", type=int, default=0, metavar="REPS",
                        help="with --baseline: also time both models in one process, alternating REPS times, and "
                             "report the median throughput ratio (robust when other jobs share the CPU)")
    parser.add_argument("--child", choices=RUNS, help=argparse.SUPPRESS)
    parser.add_argument("--texts-file", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def sample_texts(corpus: Path, count: int, seed: int) -> list[str]:
    """A reproducible sample of `count` texts (reservoir sampling over the whole file)."""
    rng = random.Random(seed)
    opener = gzip.open if corpus.suffix == ".gz" else open
    reservoir: list[str] = []
    with opener(corpus, "rt", encoding="utf-8") as stream:
        for index, line in enumerate(stream):
            text = json.loads(line)["text"]
            if len(reservoir) < count:
                reservoir.append(text)
            elif (slot := rng.randrange(index + 1)) < count:
                reservoir[slot] = text
    return reservoir


def measure(run: str, args: argparse.Namespace) -> dict:
    """Time one backend on the texts, in this (child) process; report mentions/s and peak RSS."""
    import torch

    torch.set_num_threads(args.threads)
    texts = json.loads(args.texts_file.read_text(encoding="utf-8"))
    classifier = _classifier(run, args)
    if run == "yardstick":
        shutil.rmtree(classifier.model_dir)  # loaded into memory; the random weights are not kept
    classifier.classify(texts[:128])  # warm-up
    started, cpu_started = time.perf_counter(), time.process_time()
    results = classifier.classify(texts)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    tokens = sum(len(ids) for ids in classifier.tokenizer.encode(texts, 128))
    return {
        "run": run,
        "texts": len(results),
        "seconds": round(seconds, 2),
        "mentions_per_s": round(len(results) / seconds, 1),
        "cpu_ms_per_mention": round(1000 * cpu_seconds / len(results), 3),
        "mean_tokens": round(tokens / len(texts), 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def _classifier(run: str, args: argparse.Namespace):
    from nlp.model.predict import Classifier

    if run == "yardstick":
        return Classifier.load(_bert_base_random(args.model), backend="torch", batch_size=args.batch_size)
    return Classifier.load(args.model, backend=run, batch_size=args.batch_size)


def _bert_base_random(model_dir: Path) -> Path:
    """A 12-layer x 768 encoder with random weights, our tokenizer and heads (CAMeLBERT/MARBERT size)."""
    from transformers import AutoTokenizer

    from nlp.model.modeling import NabdMultiTaskConfig, NabdMultiTaskModel

    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    small = NabdMultiTaskConfig.from_pretrained(str(model_dir))
    config = NabdMultiTaskConfig(
        heads=small.heads, model_name="bert-base-random", model_version="0", vocab_size=len(tokenizer),
        hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072,
        max_position_embeddings=512, pad_token_id=tokenizer.pad_token_id,
    )
    directory = Path(tempfile.mkdtemp(prefix="nabd-yardstick-"))
    NabdMultiTaskModel(config).save_pretrained(str(directory))
    tokenizer.save_pretrained(str(directory))
    return directory


def paired_ratio(run: str, args: argparse.Namespace, texts: list[str]) -> dict:
    """Median over alternating repetitions of (model mentions/s) / (baseline mentions/s), wall and CPU."""
    import statistics

    import torch

    from nlp.model.predict import Classifier

    torch.set_num_threads(args.threads)
    models = {name: Classifier.load(path, backend=run, batch_size=args.batch_size)
              for name, path in (("model", args.model), ("baseline", args.baseline))}
    for classifier in models.values():
        classifier.classify(texts[:128])
    wall, cpu = [], []
    for rep in range(args.paired):
        timing = {}
        for name in (("model", "baseline") if rep % 2 else ("baseline", "model")):
            started, cpu_started = time.perf_counter(), time.process_time()
            models[name].classify(texts)
            timing[name] = (time.perf_counter() - started, time.process_time() - cpu_started)
        wall.append(timing["baseline"][0] / timing["model"][0])
        cpu.append(timing["baseline"][1] / timing["model"][1])
    return {"run": run, "reps": args.paired, "wall_ratio": round(statistics.median(wall), 3),
            "cpu_ratio": round(statistics.median(cpu), 3),
            "wall_range": [round(min(wall), 3), round(max(wall), 3)], "cpu_range": [round(min(cpu), 3), round(max(cpu), 3)]}


def run_child(run: str, args: argparse.Namespace, texts_file: Path, model: Path | None = None) -> dict:
    """Each backend runs in its own process so that its peak memory is its own."""
    command = [sys.executable, __file__, "--child", run, "--texts-file", str(texts_file), "--model", str(model or args.model),
               "--threads", str(args.threads), "--batch-size", str(args.batch_size)]
    completed = subprocess.run(command, capture_output=True, text=True, check=False, cwd=REPO)
    if completed.returncode != 0:
        raise RuntimeError(f"benchmark run {run!r} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def results_markdown(results: list[dict], args: argparse.Namespace, command: str) -> str:
    by_run = {result["run"]: result for result in results}
    lines = [
        SECTION,
        "",
        f"- date: {datetime.date.today().isoformat()}",
        f"- machine: {platform.processor() or platform.machine()}, {_cpu_name()}, torch threads {args.threads}",
        f"- command: `{command}`",
        f"- texts: {args.texts} real posts sampled (seed {args.seed}) from `{args.corpus.name}`; "
        f"batch size {args.batch_size}; normalization and tokenization included in the timing",
        "",
        "| run | mentions/s | seconds | mean tokens | peak RSS (MB) |",
        "|---|---:|---:|---:|---:|",
    ]
    names = {"torch": "nabd-arabic-mini, PyTorch fp32", "onnx": "nabd-arabic-mini, ONNX Runtime int8",
             "yardstick": "BERT-base size (12x768, random), PyTorch fp32"}
    for run in RUNS:
        if run in by_run:
            r = by_run[run]
            lines.append(f"| {names[run]} | {r['mentions_per_s']} | {r['seconds']} | {r['mean_tokens']} | {r['peak_rss_mb']} |")
        baseline = by_run.get(f"baseline-{run}")
        if baseline:
            lines.append(f"| baseline `{args.baseline.name}`, {names[run].split(', ', 1)[1]} | {baseline['mentions_per_s']} | "
                         f"{baseline['seconds']} | {baseline['mean_tokens']} | {baseline['peak_rss_mb']} |")
    for run in ("torch", "onnx"):
        if run in by_run and f"baseline-{run}" in by_run:
            ratio = by_run[run]["mentions_per_s"] / by_run[f"baseline-{run}"]["mentions_per_s"]
            cpu = by_run[f"baseline-{run}"]["cpu_ms_per_mention"] / by_run[run]["cpu_ms_per_mention"]
            lines += ["", f"{names[run].split(', ', 1)[1]}: {ratio:.1%} of the baseline's throughput (wall clock), "
                          f"{cpu:.1%} by CPU time per mention ({by_run[run]['cpu_ms_per_mention']} vs "
                          f"{by_run[f'baseline-{run}']['cpu_ms_per_mention']} ms; steadier on a shared machine)."]
    if "onnx" in by_run and "yardstick" in by_run:
        ratio = by_run["onnx"]["mentions_per_s"] / by_run["yardstick"]["mentions_per_s"]
        lines += ["", f"ONNX int8 is {ratio:.1f}x the BERT-base-size yardstick."]
    return "\n".join(lines) + "\n"


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def update_benchmarks_doc(section: str, path: Path = BENCHMARKS_DOC) -> None:
    """Replace (or append) only the "Classification throughput" section of docs/benchmarks.md."""
    text = path.read_text(encoding="utf-8") if path.is_file() else "# Benchmarks\n"
    start = text.find(SECTION)
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + len(SECTION))
        rest = text[end + 1 :] if end >= 0 else ""
        text = text[:start] + section + ("\n" + rest if rest else "")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.child, args)))
        return 0
    texts = sample_texts(args.corpus, args.texts, args.seed)
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        texts_file = Path(scratch) / "texts.json"
        texts_file.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
        for run in [run.strip() for run in args.runs.split(",") if run.strip()]:
            results.append(run_child(run, args, texts_file))
            print(json.dumps(results[-1]), flush=True)
            if args.baseline and run != "yardstick":
                results.append({**run_child(run, args, texts_file, args.baseline), "run": f"baseline-{run}"})
                print(json.dumps(results[-1]), flush=True)
    command = "python bench/classify_throughput.py " + shlex.join(argv if argv is not None else sys.argv[1:])
    section = results_markdown(results, args, command.strip())
    if args.baseline and args.paired:
        for run in [run.strip() for run in args.runs.split(",") if run.strip() in ("torch", "onnx")]:
            paired = paired_ratio(run, args, texts)
            print(json.dumps(paired), flush=True)
            section += (f"\n{run}, paired in one process ({paired['reps']} alternating repetitions, median): the model "
                        f"runs at {paired['wall_ratio']:.1%} of the baseline's throughput by wall clock, "
                        f"{paired['cpu_ratio']:.1%} by CPU time (repetitions ranged {paired['wall_range'][0]:.1%}–"
                        f"{paired['wall_range'][1]:.1%} by wall clock, {paired['cpu_range'][0]:.1%}–{paired['cpu_range'][1]:.1%} "
                        "by CPU time).\n")
    print(section)
    if not args.no_doc:
        update_benchmarks_doc(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
