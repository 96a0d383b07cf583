"""The `calibrate` step of `nabd train`, after fine-tuning: the character n-gram channel of the
sentiment, sarcasm and dialect heads (`nlp.model.class_ngrams`), then the dialect head's prior
correction and abstention threshold on the blended probabilities (`nlp.model.dialect_calibration`).
Both are chosen on half 0 of the tweet dev splits and measured on half 1; afterwards the dev metrics
of metrics.json are measured again through the inference path."""

from __future__ import annotations

import json
import logging
import random
import time
from pathlib import Path

from nlp.model.class_ngrams import CHANNEL_HEADS, CLASS_NGRAMS_FILE, fit_class_channel
from nlp.model.data import HEADLINE_FILE, LABELED_FILES, default_data_dir, load_labeled, split_dev
from nlp.model.dialect_calibration import calibrate_model
from nlp.model.evaluate import dev_metrics, dialect_metrics, sarcasm_metrics, sentiment_metrics

logger = logging.getLogger(__name__)


def head_score(head: str, gold: list[str], predicted: list[str]) -> float:
    """What a head's blend is chosen by: sentiment F1-PN, sarcasm F1, dialect macro-F1 (accuracy
    alone is won by calling every tweet MSA, which two thirds of them are)."""
    if head == "sentiment":
        return sentiment_metrics(gold, predicted)["f1_pn"]
    if head == "sarcasm":
        return sarcasm_metrics([g == "true" for g in gold], [p == "true" for p in predicted])["f1"]
    return dialect_metrics(gold, predicted)["macro_f1"]


def channel_training_rows(train: dict[str, list], seed: int = 13) -> dict[str, list[tuple[str, str, float]]]:
    """(text, label, weight) per head from every train split, drawn as fine-tuning draws them
    (`finetune.DEFAULT_MIXTURE`: large sets capped, oversampled sets weighted by their factor)."""
    from nlp.model.finetune import DEFAULT_MIXTURE

    rng = random.Random(seed)
    rows: dict[str, list[tuple[str, str, float]]] = {head: [] for head in CHANNEL_HEADS}
    for dataset, posts in sorted(train.items()):
        share = DEFAULT_MIXTURE.get(dataset, 1.0)
        chosen = rng.sample(posts, min(len(posts), int(share))) if share > 10 else posts
        weight = 1.0 if share > 10 else float(share)
        for post in chosen:
            for head, label in post.labels().items():
                if head in rows and label is not None:
                    rows[head].append((post.text, label, weight))
    return rows


def run_calibration(model_dir: Path, data_dir: Path | None = None, dev_dir: Path = Path(".cache/nabd/dev"),
                    datasets: tuple[str, ...] = LABELED_FILES, backend: str = "onnx",
                    model_version: str | None = None) -> dict:
    """Fit and store the channel and the dialect calibration in `model_dir`; returns the report
    (also written to metrics.json under `calibration`, with the dev metrics measured again).
    `model_version` renames the model's version (the answers change)."""
    from nlp.model.finetune import write_dev_splits
    from nlp.model.predict import Classifier

    started = time.time()
    model_dir = Path(model_dir)
    split = split_dev(load_labeled(Path(data_dir or default_data_dir()), datasets))
    write_dev_splits(split.dev, Path(dev_dir))
    train = channel_training_rows(split.train)
    (model_dir / CLASS_NGRAMS_FILE).unlink(missing_ok=True)  # the channel is fitted on the transformer alone
    channel, channel_report = fit_class_channel(model_dir, train, split.dev, head_score, HEADLINE_FILE, backend=backend)
    channel.save(model_dir / CLASS_NGRAMS_FILE)
    dialect_report = calibrate_model(model_dir, Path(dev_dir), datasets, backend=backend)
    config_path = model_dir / "config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config["heads"]["dialect"].update(log_bias=dialect_report["log_bias"],
                                      unknown_below=dialect_report["unknown_below"])
    if model_version:
        config["model_version"] = model_version
    config_path.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    classifier = Classifier.load(model_dir, backend=backend)
    metrics_path = model_dir / "metrics.json"
    metrics = json.loads(metrics_path.read_text(encoding="utf-8")) if metrics_path.is_file() else {}
    metrics["dev"] = {name: dev_metrics(classifier, posts) for name, posts in split.dev.items()}
    metrics["calibration"] = {"minutes": round((time.time() - started) / 60, 1), "backend": backend,
                              "char_ngrams": channel_report, "dialect": dialect_report}
    metrics_path.write_text(json.dumps(metrics, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    logger.info("calibrated %s in %.1f min", model_dir, (time.time() - started) / 60)
    return metrics["calibration"]
