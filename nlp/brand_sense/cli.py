"""`nabd brand-sense fit | evaluate | sample`: fit the brand-sense model on the labelled posts and print what it
measured, measure a saved model on the hold-out, draw posts to label."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "brand-sense", help="fit and measure the model that tells an ambiguous brand alias from the ordinary word"
    )
    commands = parser.add_subparsers(dest="brand_sense_command", metavar="SUBCOMMAND", required=True)
    fit = commands.add_parser("fit", help="fit on nlp/brand_sense/labeled_posts.jsonl and ../shared/data; "
                                          "report hold-out precision/recall; save the model")
    fit.add_argument("--data-dir", type=Path, default=None,
                     help="the shared datasets (weak contexts of company names); default: ../shared/data")
    fit.add_argument("--labels", type=Path, default=None, help="team-labelled posts (default: the bundled file)")
    fit.add_argument("--output", type=Path, default=None,
                     help="model directory to write (default: nlp/brand_sense/model, the shipped model)")
    fit.add_argument("--target-precision", type=float, default=0.95,
                     help="the threshold is the lowest at which out-of-fold precision reaches this at recall 0.90 "
                          "(when no threshold does, the one of best out-of-fold F1)")
    fit.add_argument("--no-leave-out", action="store_true", help="skip the leave-one-word-out fits (faster)")
    fit.set_defaults(handler=run_fit_command)
    evaluate = commands.add_parser("evaluate", help="measure a saved model on the hold-out posts of a labelled file "
                                                    "(the same report as fit's hold-out, nothing fitted)")
    evaluate.add_argument("--labels", type=Path, default=None, help="team-labelled posts (default: the bundled file)")
    evaluate.add_argument("--model", type=Path, default=None,
                          help="model directory to measure (default: nlp/brand_sense/model, the shipped model)")
    evaluate.set_defaults(handler=run_evaluate_command)
    sample = commands.add_parser("sample", help="draw posts holding an alias from mention files, ready to label "
                                                "(guidelines: nlp/brand_sense/guidelines.md)")
    sample.add_argument("alias", help="the ambiguous alias, e.g. سهم")
    sample.add_argument("files", nargs="+", type=Path, help="raw or enriched mention JSONL files")
    sample.add_argument("--count", type=int, default=300, help="posts to draw (default 300)")
    sample.add_argument("--seed", type=int, default=13)
    sample.set_defaults(handler=run_sample_command)


def run_fit_command(args: argparse.Namespace) -> int:
    from nlp.brand_sense.data import LABELED_FILE
    from nlp.brand_sense.scorer import MODEL_DIR
    from nlp.brand_sense.train import FitArguments, run_fit
    from nlp.model.data import default_data_dir

    report = run_fit(FitArguments(
        data_dir=args.data_dir or default_data_dir(),
        labels=args.labels or LABELED_FILE,
        output=args.output or MODEL_DIR,
        target_precision=args.target_precision,
        leave_out=not args.no_leave_out,
    ))
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


def run_evaluate_command(args: argparse.Namespace) -> int:
    from nlp.brand_sense.data import LABELED_FILE
    from nlp.brand_sense.scorer import MODEL_DIR
    from nlp.brand_sense.train import run_evaluate

    report = run_evaluate(args.labels or LABELED_FILE, args.model or MODEL_DIR)
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


def run_sample_command(args: argparse.Namespace) -> int:
    """One JSON line per drawn post: `source_id`, `word`, `text`, and `brand`/`sense` left null for the
    annotator. Posts are drawn uniformly among those where the matcher finds the alias (repeats of
    one text once); the rest of the line format is that of labeled_posts.jsonl."""
    import random
    import sys

    from nlp.brand_sense.train import occurrences
    from nlp.model.data import post_key

    seen, found = set(), []
    for path in args.files:
        with path.open(encoding="utf-8") as stream:
            for number, line in enumerate(stream, start=1):
                try:
                    mention = json.loads(line)
                except json.JSONDecodeError:
                    print(f"{path}:{number}: not JSON, skipped", file=sys.stderr)
                    continue
                text = mention.get("text") if isinstance(mention, dict) else None
                if not isinstance(text, str) or post_key(text) in seen or not occurrences(text, args.alias):
                    continue
                seen.add(post_key(text))
                found.append({"source_id": str(mention.get("id") or f"{path.name}:{number}"), "word": args.alias,
                              "text": text, "brand": None, "sense": None})
    drawn = random.Random(args.seed).sample(found, min(args.count, len(found)))
    for post in drawn:
        print(json.dumps(post, ensure_ascii=False))
    print(f"drew {len(drawn)} of {len(found)} posts holding {args.alias!r}", file=sys.stderr)
    return 0
