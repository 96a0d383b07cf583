"""Benchmark: enrichment time per post for adversarial texts up to 1 MB (long runs without spaces,
digit groups, repeated brands and complaints, bidi and zero-width controls, combining marks, mixed
scripts, and megabytes dense with phone numbers, cards, IBANs, ids, handles or their near misses), step
by step as enrichment runs them (masking reads the whole post, the analysis steps its first
`ANALYSIS_CHARS` characters), with the old quadratic e-mail pattern of `nlp/lang.py` against the new one
in the same run; then the whole `nabd enrich` process on a file of those posts under `/usr/bin/time -v`.
Between them, each post through `enrich_file` in this process. Target (issue 21): no post of at most 1 MB
takes more than 1 s of enrichment. Prints Markdown tables."""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import re
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

BRAND = "سهم للاتصالات "  # every post names a configured brand (unambiguously), so enrichment does not drop it
OLD_EMAIL_RE = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\S+|(?<![\w@])@\w+", re.IGNORECASE)  # before issue 21


def adversarial(shape: str, size: int) -> str:
    """An adversarial post of `size` characters (a brand name first) of the named shape."""
    body = size - len(BRAND)
    unit = {
        "long_word": "ا",
        "emails_without_dot": "ahmed@",
        "digit_groups": "5 ",
        "card_like_digits": "4111-",
        "repeated_brand_handles": "@SahmCare سهم ",
        "repeated_complaint": "التوصيل متأخر والطلب ما وصل والشبكة طايحة ",
        "bidi_and_zero_width": "س\u200bه\u202eم\u2066\u200f\u2069\u200d ",
        "combining_marks": "\u0651",
        "x_status_urls": "https://x.com/ahmed_q/status/1 ",
        "phone_numbers": "0551234567 ",
        "mobiles_in_digit_pairs": "05 05 05 05 05 ",
        "labelled_order_numbers": "طلب 0551234567 ",
        "zeros": "0 ",
        "card_numbers": "4111 1111 1111 1111 ",
        "ibans": "SA0380000000608010167519 ",
        "iban_shaped_words": "SA44 ",
        "national_ids": "1098765432 ",
        "handles": "@ahmed_q ",
    }.get(shape)
    if unit is not None:
        return BRAND + (unit * (body // len(unit) + 1))[:body]
    if shape == "mixed_scripts":
        alphabet = "اأبتثجحخدذرزسشصضطظعغفقكلمنهوية" "abc7325" "ЖДЙ" "中文" "😂👍" "٠١٢٣" "@#._-:/ ،" "\u200b\u202e\u0651"
        rng = random.Random(21)
        return BRAND + "".join(rng.choice(alphabet) for _ in range(body))
    raise ValueError(f"unknown shape {shape!r}")


SHAPES = ("long_word", "emails_without_dot", "digit_groups", "card_like_digits", "repeated_brand_handles",
          "repeated_complaint", "bidi_and_zero_width", "combining_marks", "x_status_urls", "mixed_scripts",
          "phone_numbers", "mobiles_in_digit_pairs", "labelled_order_numbers", "zeros", "card_numbers", "ibans",
          "iban_shaped_words", "national_ids", "handles")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000,1000000", help="post sizes in characters")
    parser.add_argument("--old-sizes", default="10000,20000,40000", help="sizes for the old e-mail pattern")
    parser.add_argument("--budget", type=float, default=60.0, help="seconds before a step is given up")
    parser.add_argument("--model", action="store_true", help="also classify each post with the shipped model (onnx)")
    parser.add_argument("--process-size", type=int, default=1_000_000,
                        help="post size in the `nabd enrich` file (0: no whole-process run)")
    return parser.parse_args(argv)


def steps(with_model: bool) -> dict[str, Callable[[str], object]]:
    """What enrichment does to one post's text: masking reads all of it, the analysis steps (brands, language,
    the classifier's normalization, the topic matcher) its first `ANALYSIS_CHARS` characters."""
    from config import load_config
    from nlp.analysis_cap import analysed_part
    from nlp.brands import BrandMatcher
    from nlp.complaints.matcher import TopicMatcher
    from nlp.lang import detect_lang
    from nlp.normalize import normalize_for_matching, normalize_for_model
    from nlp.pii import MASK_RE, mask_pii

    brands = BrandMatcher.from_brands(load_config(REPO / "config").brands)
    topics = TopicMatcher.from_file(REPO / "config" / "topics.yaml")
    chosen: dict[str, Callable[[str], object]] = {
        "brands": lambda text: brands.match_with_exclusions(analysed_part(text)),
        "pii": lambda text: mask_pii(text, keep_handles=brands.handles),
        "lang": lambda text: detect_lang(MASK_RE.sub(" ", analysed_part(text))),
        "normalize (matching)": lambda text: normalize_for_matching(analysed_part(text)),
        "normalize (model)": lambda text: normalize_for_model(analysed_part(text)),
        "topic matcher": lambda text: topics.match(analysed_part(text)),
    }
    if with_model:
        from nlp.model.predict import Classifier

        classifier = Classifier.load(backend="onnx")
        chosen["classifier (onnx)"] = lambda text: classifier.classify([text])
    return chosen


def timed(budget: float, function: Callable[[str], object], text: str) -> float | None:
    """Seconds `function(text)` takes in a forked child; None when it runs past `budget` (then killed)."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)

    def child() -> None:
        started = time.perf_counter()
        function(text)
        sender.send(time.perf_counter() - started)

    process = context.Process(target=child, daemon=True)
    process.start()
    got = receiver.poll(budget)
    seconds = receiver.recv() if got else None
    process.kill()
    process.join()
    return seconds


def old_against_new(sizes: list[int], budget: float) -> list[str]:
    from nlp.lang import _NOT_LANGUAGE_RE

    rows = ["| input | characters | old `\\S+@\\S+\\.\\S+` (s) | new (s) |", "|---|---:|---:|---:|"]
    for size in sizes:
        text = "ا" * size
        old = timed(budget, lambda t: OLD_EMAIL_RE.sub(" ", t), text)
        new = timed(budget, lambda t: _NOT_LANGUAGE_RE.sub(" ", t), text)
        rows.append(f"| `'ا' * {size}` | {size:,} | {_seconds(old, budget)} | {_seconds(new, budget)} |")
    return rows


def per_post(sizes: list[int], budget: float, with_model: bool) -> list[str]:
    chosen = steps(with_model)
    rows = ["| shape | characters | " + " | ".join(chosen) + " | total (s) |",
            "|---|---:|" + "---:|" * (len(chosen) + 1)]
    for shape in SHAPES:
        for size in sizes:
            text = adversarial(shape, size)
            seconds = [timed(budget, function, text) for function in chosen.values()]
            total = None if None in seconds else sum(seconds)
            rows.append(f"| {shape} | {size:,} | " + " | ".join(_seconds(s, budget) for s in seconds)
                        + f" | **{_seconds(total, budget)}** |")
            print(rows[-1], file=sys.stderr, flush=True)
    return rows


def per_post_enrichment(size: int, with_model: bool) -> list[str]:
    """Each shape's post of `size` characters through `nlp.enrich.enrich_file` as `nabd enrich` runs it (parse,
    brands, masking, language, the classifier, the JSON line, the file written), in this process, best of two."""
    from config import load_config
    from nlp.brands import BrandMatcher
    from nlp.enrich import enrich_file

    brands = BrandMatcher.from_brands(load_config(REPO / "config").brands)
    classifier = None
    if with_model:
        from nlp.model.predict import Classifier

        classifier = Classifier.load(backend="onnx")
    rows = [f"| shape | characters | enrichment{' (onnx)' if with_model else ' (no model)'} (s) |", "|---|---:|---:|"]
    with tempfile.TemporaryDirectory() as scratch:
        raw, out = Path(scratch) / "raw.jsonl", Path(scratch) / "enriched.jsonl"
        for shape in SHAPES:
            raw.write_text(json.dumps({"id": "adv", "source": "x", "text": adversarial(shape, size)},
                                      ensure_ascii=False) + "\n", encoding="utf-8")
            seconds = []
            for _ in range(2):
                started = time.perf_counter()
                summary = enrich_file(raw, out, brands=brands, classifier=classifier)
                seconds.append(time.perf_counter() - started)
            if summary.written != 1:
                raise RuntimeError(f"{shape}: the post was not written ({summary.dropped})")
            rows.append(f"| {shape} | {size:,} | **{min(seconds):.3f}** |")
            print(rows[-1], file=sys.stderr, flush=True)
    return rows


def whole_process(size: int, with_model: bool) -> list[str]:
    """`nabd enrich` on a file of one post per shape, `size` characters each, under /usr/bin/time -v."""
    with tempfile.TemporaryDirectory() as scratch:
        raw, out = Path(scratch) / "raw.jsonl", Path(scratch) / "enriched.jsonl"
        with raw.open("w", encoding="utf-8") as stream:
            for number, shape in enumerate(SHAPES):
                record = {"id": f"adv-{number}", "source": "x", "url": f"https://x.com/i/web/status/{number}",
                          "@timestamp": "2026-12-01T10:00:00Z", "text": adversarial(shape, size)}
                stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        command = ["/usr/bin/time", "-v", str(REPO / ".venv" / "bin" / "nabd"), "enrich", "--input", str(raw),
                   "--output", str(out), *(["--backend", "onnx"] if with_model else ["--no-model"])]
        result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"{shlex.join(command)} failed:\n{result.stderr[-3000:]}")
        wall = _time_field(result.stderr, "Elapsed (wall clock) time")
        rss_mb = int(_time_field(result.stderr, "Maximum resident set size (kbytes)")) / 1024
        written = sum(1 for _ in out.open(encoding="utf-8"))
        mib = raw.stat().st_size / 2**20
    return ["| command | posts | file | written | wall | peak RSS (MB) |", "|---|---:|---:|---:|---:|---:|",
            f"| `nabd enrich {'--backend onnx' if with_model else '--no-model'}` | {len(SHAPES)} × {size:,} chars "
            f"| {mib:.1f} MiB | {written} | {wall} | {rss_mb:.0f} |"]


def _time_field(report: str, name: str) -> str:
    for line in report.splitlines():
        if line.strip().startswith(name):
            return line.rsplit(": ", 1)[1].strip()
    raise RuntimeError(f"/usr/bin/time -v printed no {name!r}")


def _seconds(seconds: float | None, budget: float) -> str:
    return f"> {budget:g}" if seconds is None else f"{seconds:.3f}"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, "
          f"`{shlex.join(['.venv/bin/python', 'bench/adversarial_text.py', *(argv or sys.argv[1:])])}`\n")
    print("\n".join(old_against_new([int(size) for size in args.old_sizes.split(",")], args.budget)), "\n")
    print("\n".join(per_post(sizes, args.budget, args.model)), "\n")
    print("\n".join(per_post_enrichment(max(sizes), args.model)), "\n")
    if args.process_size:
        print("\n".join(whole_process(args.process_size, args.model)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
