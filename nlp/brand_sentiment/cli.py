"""`nabd brand-sentiment eval`: measure sentiment per brand on the team-labelled comparison posts."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from nlp.cli import _add_model_options as add_model_options
from nlp.cli import _load_classifier as load_classifier


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("brand-sentiment", help="measure the sentiment given to each brand of a post")
    commands = parser.add_subparsers(dest="brand_sentiment_command", metavar="SUBCOMMAND", required=True)
    evaluate = commands.add_parser("eval", help="per-brand accuracy and macro-F1 on nlp/brand_sentiment/labeled_posts.jsonl, "
                                                "against the post's one sentiment copied onto every brand")
    evaluate.add_argument("--labels", type=Path, default=None, help="labelled posts (default: the bundled file)")
    add_model_options(evaluate)
    evaluate.set_defaults(handler=run_eval_command)


def run_eval_command(args: argparse.Namespace) -> int:
    from nlp.brand_sentiment.evaluate import LABELED_FILE, evaluate, read_labels

    classifier = load_classifier(args)
    report = evaluate(classifier, read_labels(args.labels or LABELED_FILE))
    print(json.dumps({"model": classifier.model_info, **report}, ensure_ascii=False, indent=2))
    return 0
