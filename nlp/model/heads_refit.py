"""Heads-only refit: train the complaint, topic, churn, advocacy and spam heads on the frozen
encoder of a fine-tuned model (features computed once), tune per-label thresholds out of fold,
save the model with its other heads untouched, re-export ONNX and record the change."""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import random
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from nlp.complaints.data import (
    TEAM_LABELS_FILE,
    HeadExample,
    aspect_examples,
    gold_example,
    load_silver,
    read_labeled_examples,
    spam_split,
    split_silver,
    team_examples,
    weak_examples,
)
from nlp.complaints.matcher import TopicMatcher
from nlp.model.char_ngrams import CHAR_NGRAMS_FILE, CharNgramModel, fit_channel
from nlp.model.class_ngrams import CLASS_NGRAMS_FILE
from nlp.model.data import default_data_dir, post_key, write_jsonl
from nlp.model.modeling import (
    COMPLAINT_HEADS,
    MultiLabelHead,
    NabdMultiTaskConfig,
    NabdMultiTaskModel,
    heads_config,
    pooled_features,
)
from nlp.model.out_of_fold import fold_assignment, matcher_gate, tune_thresholds
from nlp.model.pretrain import pad_sequences
from nlp.normalize import normalize_for_model

logger = logging.getLogger(__name__)

TOPICS_SNAPSHOT = "topics.yaml"
CARD_START = "<!-- complaint-heads:start -->"
CARD_END = "<!-- complaint-heads:end -->"


@dataclass
class HeadsRefitArguments:
    """Everything that decides a heads-only refit; saved in metrics.json with its results."""

    model_dir: Path = Path("nlp/models/nabd-arabic-mini")
    output_dir: Path | None = None  # default: refit in place
    topics_file: Path = Path("config/topics.yaml")
    labeled: tuple[Path, ...] = ()  # analysts' JSONL files of `text`, `complaint`, `topics`
    data_dir: Path | None = None
    dev_dir: Path = Path(".cache/nabd/dev")
    cache_dir: Path | None = Path(".cache/nabd/heads")
    labeled_weight: float = 2.0
    # The team-labelled posts shipped with the code (nlp/complaints/labeled_posts.jsonl); None: left out.
    team_labels: Path | None = TEAM_LABELS_FILE
    team_weight: float = 2.0  # as an analyst's file; chosen by the two-half measurement of docs/model.md
    weak_weight: float = 0.3
    weak_cap_per_label: int = 300
    weak_negatives: int = 600
    # Human aspect labels of the ABSA hotel reviews (nlp.complaints.data.aspect_examples).
    aspect_weight: float = 2.0
    aspect_positive_cap: int = 1000
    spam_per_class: int = 3000
    epochs: int = 40
    batch_size: int = 64
    learning_rate: float = 1e-2
    deep_weight_decay: float = 0.05
    wide_l2: float = 1e-5
    folds: int = 5
    # A spam flag hides a post from complaint counts, and the balanced spam dev set overstates how
    # common spam is: the spam threshold never goes below this (precision first).
    spam_min_threshold: float = 0.6
    # The topics head's character n-gram channel (nlp/model/char_ngrams.py): the inverse L2 strength
    # of its logistic regressions and the blend weights tried against the transformer head's.
    char_ngrams: bool = True
    char_c: float = 16.0
    char_blends: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0)
    max_length: int = 128
    seed: int = 13
    threads: int = 2
    export_onnx: bool = True
    model_version: str | None = None  # None: the model keeps its version
    note: str = ""


@dataclass
class _Table:
    """Features, token ids and targets of one head's examples."""

    features: torch.Tensor
    ids: list[list[int]]  # token ids renumbered into `vocabulary` (the tokens these texts use)
    targets: torch.Tensor
    known: torch.Tensor
    weights: torch.Tensor
    gold: np.ndarray
    texts: list[str] = field(default_factory=list)  # as `normalize_for_model` made them
    labels: list[str] = field(default_factory=list)
    vocabulary: list[int] = field(default_factory=list)  # compact id -> tokenizer id


def run_heads_refit(args: HeadsRefitArguments) -> Path:
    """Refit the complaint heads of `args.model_dir` and save the model (in place by default)."""
    from config.loader import load_topics

    started = time.monotonic()
    torch.set_num_threads(args.threads)
    _seed_everything(args.seed)
    topics_file = load_topics(args.topics_file)
    topic_ids = [topic.id for topic in topics_file.topics]
    matcher = TopicMatcher.from_topics(topics_file)
    model, tokenizer = load_with_complaint_heads(Path(args.model_dir), topic_ids)
    data = assemble_data(args, topic_ids, matcher)
    encoder = FeatureEncoder(model, tokenizer, args)
    tables = {name: _table(name, model, data["train"] if name != "spam" else data["spam_train"], encoder)
              for name in COMPLAINT_HEADS}
    fit_report, char_model, char_report = {}, None, None
    for name, table in tables.items():
        fold_of = fold_assignment(len(table.ids), args.seed, args.folds)
        fold_heads, probabilities = fit_folds(table, model, args, fold_of)
        if name == "topics" and args.char_ngrams:
            char_model, probabilities, char_report = fit_channel(table, fold_of, probabilities, args.char_c, args.char_blends)
        thresholds, oof = tune_thresholds(table, probabilities)
        if name == "spam":
            thresholds = [max(threshold, args.spam_min_threshold) for threshold in thresholds]
        head = full_head(average_heads(fold_heads), table, model)
        model.heads[name].load_state_dict(head.state_dict())
        model.config.heads[name]["thresholds"] = dict(zip(table.labels, thresholds))
        fit_report[name] = {"examples": len(table.ids), "gold": int(table.gold.sum()), "out_of_fold": oof}
        if name == "topics" and char_report:
            fit_report[name]["char_ngrams"] = char_report
        if name == "topics":
            kept, gate_report = _matcher_gate(table, data["train"], probabilities, thresholds, matcher)
            model.config.heads[name]["matcher_adds"] = kept
            fit_report[name]["matcher_adds"] = gate_report
        logger.info("head %s: %d examples, thresholds %s", name, len(table.ids), model.config.heads[name]["thresholds"])
    if args.model_version:
        model.config.model_version = args.model_version
    output = save_refit(args, model, tokenizer, data, topics_file, fit_report, started, char_model)
    return output


def _matcher_gate(table: _Table, examples: list[HeadExample], probabilities: np.ndarray, thresholds: list[float],
                  matcher: TopicMatcher) -> tuple[list[str], dict]:
    """`out_of_fold.matcher_gate` for the topics table (built from the examples with topic targets)."""
    chosen = [example for example in examples if "topics" in example.targets]
    complaint = np.array([example.targets.get("complaint", {}).get("complaint", 0) == 1 for example in chosen])
    found = [{item.label for item in matcher.match(example.text)} if gold and flagged else set()
             for example, gold, flagged in zip(chosen, table.gold, complaint)]
    kept, report = matcher_gate(table, probabilities, thresholds, found, complaint)
    logger.info("topics the matcher's evidence adds: %s", kept)
    return kept, report


def load_with_complaint_heads(model_dir: Path, topic_ids: list[str]) -> tuple[NabdMultiTaskModel, object]:
    """The saved model with fresh complaint heads (topics sized to `topic_ids`); every other
    weight, the encoder and the sentiment/sarcasm/dialect heads included, as saved."""
    from safetensors.torch import load_file
    from transformers import AutoTokenizer

    from nlp.model.modeling import register_auto_classes

    register_auto_classes()
    saved = NabdMultiTaskConfig.from_pretrained(str(model_dir))
    heads = {name: entry for name, entry in saved.heads.items() if name not in COMPLAINT_HEADS}
    heads.update(heads_config(COMPLAINT_HEADS, labels={"topics": tuple(topic_ids)}))
    config = NabdMultiTaskConfig.from_pretrained(str(model_dir), heads=heads)
    model = NabdMultiTaskModel(config)
    state = {key: value for key, value in load_file(str(model_dir / "model.safetensors")).items()
             if not any(key.startswith(f"heads.{name}.") for name in COMPLAINT_HEADS)}
    missing = model.load_state_dict(state, strict=False).missing_keys
    unexpected_missing = [key for key in missing if not key.startswith("heads.")]
    if unexpected_missing:
        raise ValueError(f"{model_dir}: the saved weights lack {unexpected_missing[:5]}")
    for parameter in model.bert.parameters():
        parameter.requires_grad_(False)
    return model.eval(), AutoTokenizer.from_pretrained(str(model_dir))


def assemble_data(args: HeadsRefitArguments, topic_ids: list[str], matcher: TopicMatcher) -> dict:
    """Silver train/dev, analysts' labeled examples, weak labels and the spam split."""
    data_dir = Path(args.data_dir or default_data_dir())
    silver = load_silver(data_dir)
    silver_train, silver_dev = split_silver(silver)
    train = [gold_example(record, topic_ids) for record in silver_train]
    labeled_counts = {}
    for path in args.labeled:
        records = read_labeled_examples(Path(path), topic_ids)
        labeled_counts[str(path)] = len(records)
        dev_keys = {post_key(record["text"]) for record in silver_dev}
        kept = [record for record in records if post_key(record["text"]) not in dev_keys]
        train.extend(gold_example(record, topic_ids, source="labeled", weight=args.labeled_weight) for record in kept)
    # An analyst's label of a post overrides the team's.
    known = {post_key(record["text"]) for record in silver} | {post_key(example.text) for example in train}
    team = team_examples(Path(args.team_labels), topic_ids, known, args.team_weight) if args.team_labels else []
    train.extend(team)
    known |= {post_key(example.text) for example in team}
    aspect = aspect_examples(data_dir, topic_ids, known, args.aspect_weight, args.aspect_positive_cap, args.seed)
    known |= {post_key(example.text) for example in aspect}
    weak = weak_examples(data_dir, matcher, topic_ids, known, args.weak_cap_per_label, args.weak_negatives,
                         args.weak_weight, args.seed)
    spam_train, spam_dev = spam_split(data_dir, args.spam_per_class, args.seed,
                                      extra_genuine=[record["text"] for record in silver_train])
    counts = {"silver_train": len(silver_train), "silver_dev": len(silver_dev), "labeled": labeled_counts,
              "team": len(team), "aspect": len(aspect), "weak": len(weak), "spam_train": len(spam_train), "spam_dev": len(spam_dev)}
    logger.info("complaint data: %s", counts)
    return {"train": [*train, *aspect, *weak], "dev": silver_dev, "spam_train": spam_train, "spam_dev": spam_dev, "counts": counts}


class FeatureEncoder:
    """Runs the frozen encoder once per distinct text; caches features on disk per encoder."""

    def __init__(self, model: NabdMultiTaskModel, tokenizer, args: HeadsRefitArguments):
        self.model, self.tokenizer, self.args = model, tokenizer, args
        self.cache_path = None
        self.cache: dict[str, np.ndarray] = {}
        if args.cache_dir:
            self.cache_path = Path(args.cache_dir) / f"features-{_encoder_digest(model)}.npz"
            if self.cache_path.is_file():
                stored = np.load(self.cache_path)
                self.cache = dict(zip(stored["keys"].tolist(), stored["features"]))

    def encode(self, texts: list[str]) -> tuple[np.ndarray, list[list[int]]]:
        normalized = [normalize_for_model(text) for text in texts]
        max_length = min(self.args.max_length, self.model.config.max_position_embeddings)  # as the classifier
        ids = self.tokenizer(normalized, truncation=True, max_length=max_length)["input_ids"]
        keys = [hashlib.sha1(text.encode()).hexdigest() for text in normalized]
        todo = sorted({i for i, key in enumerate(keys) if key not in self.cache}, key=lambda i: len(ids[i]))
        for start in range(0, len(todo), 64):
            batch = todo[start : start + 64]
            for index, row in zip(batch, self._features([ids[i] for i in batch])):
                self.cache[keys[index]] = row
            if (start // 64) % 20 == 0:
                logger.info("encoder features: %d of %d new texts", start + len(batch), len(todo))
        if todo and self.cache_path:
            self.cache_path.parent.mkdir(parents=True, exist_ok=True)
            np.savez(self.cache_path, keys=np.array(list(self.cache)), features=np.stack(list(self.cache.values())))
        return np.stack([self.cache[key] for key in keys]), ids

    @torch.inference_mode()
    def _features(self, batch_ids: list[list[int]]) -> np.ndarray:
        input_ids, attention_mask = pad_sequences(batch_ids, self.tokenizer.pad_token_id)
        hidden = self.model.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        return pooled_features(hidden, attention_mask).numpy().astype(np.float32)


def _encoder_digest(model: NabdMultiTaskModel) -> str:
    digest = hashlib.sha1()
    for name, tensor in sorted(model.bert.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().float().numpy().tobytes()[:4096])
        digest.update(str(float(tensor.float().sum())).encode())
    return digest.hexdigest()[:16]


def _table(name: str, model: NabdMultiTaskModel, examples: list[HeadExample], encoder: FeatureEncoder) -> _Table:
    labels = model.config.head_labels(name)
    chosen = [example for example in examples if name in example.targets]
    features, ids = encoder.encode([example.text for example in chosen])
    targets = np.zeros((len(chosen), len(labels)), dtype=np.float32)
    known = np.zeros_like(targets)
    for row, example in enumerate(chosen):
        for column, label in enumerate(labels):
            if label in example.targets[name]:
                targets[row, column] = example.targets[name][label]
                known[row, column] = 1.0
    vocabulary = sorted({token for row in ids for token in row} | {model.config.pad_token_id or 0})
    compact = {token: index for index, token in enumerate(vocabulary)}
    return _Table(torch.from_numpy(features), [[compact[token] for token in row] for row in ids],
                  torch.from_numpy(targets), torch.from_numpy(known),
                  torch.tensor([example.weight for example in chosen]), np.array([example.gold for example in chosen]),
                  [normalize_for_model(example.text) for example in chosen], labels, vocabulary)


def train_head(table: _Table, model: NabdMultiTaskModel, args: HeadsRefitArguments,
               rows: np.ndarray | None = None) -> MultiLabelHead:
    """Train one fresh MultiLabelHead on the table's rows (weighted, masked BCE). Its wide part
    covers only the tokens of the table's texts; `full_head` spreads it over the vocabulary."""
    rows = np.arange(len(table.ids)) if rows is None else rows
    torch.manual_seed(args.seed + len(rows))  # dropout masks: the same on every run
    generator = torch.Generator().manual_seed(args.seed)
    head = MultiLabelHead(model.config.hidden_size, len(table.vocabulary), len(table.labels))
    torch.nn.init.normal_(head.deep.weight, std=0.02, generator=generator)
    torch.nn.init.zeros_(head.wide.weight)
    targets, known = table.targets[rows], table.known[rows]
    positive = (targets * known).sum(0)
    negative = ((1 - targets) * known).sum(0)
    with torch.no_grad():
        head.deep.bias.copy_(torch.log((positive + 1) / (negative + 1)))
    pos_weight = torch.sqrt((negative + 1) / (positive + 1)).clamp(1.0, 8.0)
    optimizer = torch.optim.AdamW([
        {"params": [head.deep.weight], "weight_decay": args.deep_weight_decay},
        {"params": [head.deep.bias, head.wide.weight], "weight_decay": 0.0},
    ], lr=args.learning_rate, fused=True)
    dropout = torch.nn.Dropout(model.config.hidden_dropout_prob)
    rng = np.random.default_rng(args.seed)
    head.train()
    for _ in range(args.epochs):
        order = rng.permutation(rows)
        for start in range(0, len(order), args.batch_size):
            batch = order[start : start + args.batch_size]
            input_ids, attention_mask = pad_sequences([table.ids[i] for i in batch], _compact_pad(table, model))
            logits = head(dropout(table.features[batch]), input_ids, attention_mask)
            loss = _masked_bce(logits, table.targets[batch], table.known[batch], table.weights[batch], pos_weight)
            wide_rows = head.wide.weight[torch.unique(input_ids)]
            loss = loss + args.wide_l2 * wide_rows.pow(2).sum()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    return head.eval()


def _masked_bce(logits, targets, known, weights, pos_weight) -> torch.Tensor:
    losses = torch.nn.functional.binary_cross_entropy_with_logits(
        logits, targets, pos_weight=pos_weight, reduction="none")
    scale = known * weights.unsqueeze(-1)
    return (losses * scale).sum() / scale.sum().clamp(min=1.0)


def _compact_pad(table: _Table, model: NabdMultiTaskModel) -> int:
    return table.vocabulary.index(model.config.pad_token_id or 0)


def full_head(head: MultiLabelHead, table: _Table, model: NabdMultiTaskModel) -> MultiLabelHead:
    """The trained head over the whole vocabulary (tokens unseen in training weigh nothing)."""
    full = MultiLabelHead(model.config.hidden_size, model.config.vocab_size, len(table.labels))
    with torch.no_grad():
        full.deep.load_state_dict(head.deep.state_dict())
        full.wide.weight.zero_()
        full.wide.weight[torch.tensor(table.vocabulary)] = head.wide.weight
    return full.eval()


@torch.inference_mode()
def head_probabilities(head: MultiLabelHead, table: _Table, rows: np.ndarray, pad_id: int) -> np.ndarray:
    out = []
    for start in range(0, len(rows), 256):
        batch = rows[start : start + 256]
        input_ids, attention_mask = pad_sequences([table.ids[i] for i in batch], pad_id)
        out.append(torch.sigmoid(head(table.features[batch], input_ids, attention_mask)).numpy())
    return np.concatenate(out) if out else np.zeros((0, len(table.labels)))


def average_heads(heads: list[MultiLabelHead]) -> MultiLabelHead:
    """One head whose weights are the mean of the fold heads' (their logits averaged: a bagged linear model)."""
    averaged = copy.deepcopy(heads[0])
    with torch.no_grad():
        for name, parameter in averaged.named_parameters():
            parameter.copy_(torch.stack([dict(head.named_parameters())[name] for head in heads]).mean(0))
    return averaged


def fit_folds(table: _Table, model: NabdMultiTaskModel, args: HeadsRefitArguments,
              fold_of: np.ndarray) -> tuple[list[MultiLabelHead], np.ndarray]:
    """One head per fold (trained on the other folds) and its out-of-fold probabilities for the
    gold rows (NaN elsewhere)."""
    oof = np.full((len(table.ids), len(table.labels)), np.nan, dtype=np.float32)
    heads = []
    for fold in range(args.folds):
        heads.append(train_head(table, model, args, rows=np.where(fold_of != fold)[0]))
        held = np.where((fold_of == fold) & table.gold)[0]
        if len(held):
            oof[held] = head_probabilities(heads[-1], table, held, _compact_pad(table, model))
    return heads, oof


def save_refit(args: HeadsRefitArguments, model: NabdMultiTaskModel, tokenizer, data: dict, topics_file,
               fit_report: dict, started: float, char_model: CharNgramModel | None = None) -> Path:
    """Save weights, config, topics snapshot; export ONNX; measure dev through the inference path;
    record the refit in metrics.json and MODEL.md."""
    from nlp.model.complaint_card import set_card_version, update_model_card
    from nlp.model.evaluate import evaluate_predictions
    from nlp.model.predict import Classifier

    source, output = Path(args.model_dir), Path(args.output_dir or args.model_dir)
    previous_topics = _read_snapshot(source / TOPICS_SNAPSHOT)
    output.mkdir(parents=True, exist_ok=True)
    if output.resolve() != source.resolve():
        for name in ("tokenizer.json", "tokenizer_config.json", "MODEL.md", "metrics.json", "training_args.json",
                     "pretrain_metrics.json", CLASS_NGRAMS_FILE):
            if (source / name).is_file():
                shutil.copy2(source / name, output / name)
    model.save_pretrained(str(output), safe_serialization=True)
    if output.resolve() != source.resolve():
        tokenizer.save_pretrained(str(output))
    shutil.copy2(args.topics_file, output / TOPICS_SNAPSHOT)
    if char_model is not None:
        char_model.save(output / CHAR_NGRAMS_FILE)
    else:  # a channel left from an earlier refit would not fit these topics
        (output / CHAR_NGRAMS_FILE).unlink(missing_ok=True)
    if args.export_onnx:
        from nlp.model.onnx_export import export_onnx

        export_onnx(output)
    write_jsonl(Path(args.dev_dir) / "complaints_silver.jsonl", data["dev"])
    write_jsonl(Path(args.dev_dir) / "spam.jsonl", data["spam_dev"])
    dev = {}
    for backend in ("torch", "onnx") if args.export_onnx else ("torch",):
        classifier = Classifier.load(output, backend=backend)
        dev[backend] = {
            "complaints_silver": evaluate_predictions(data["dev"], classifier.classify([r["text"] for r in data["dev"]]),
                                                      matcher=classifier.matcher),
            "spam": evaluate_predictions(data["spam_dev"], classifier.classify([r["text"] for r in data["spam_dev"]])),
        }
        if backend == "torch":  # the learned heads alone: no topic added from the matcher's evidence
            matcher, classifier.matcher = classifier.matcher, None
            dev[backend]["complaints_silver_heads_only"] = evaluate_predictions(
                data["dev"], classifier.classify([r["text"] for r in data["dev"]]), matcher=matcher)
    record = {
        "refit_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "minutes": round((time.monotonic() - started) / 60, 1),
        "arguments": json.loads(json.dumps(asdict(args), default=str)),
        "topics": {topic.id: len(topic.seeds) for topic in [*topics_file.topics, *topics_file.signals]},
        "topics_change": _topics_change(previous_topics, topics_file),
        "data": data["counts"],
        "thresholds": {name: model.config.heads[name]["thresholds"] for name in COMPLAINT_HEADS},
        "out_of_fold": fit_report,
        "dev": dev,
    }
    metrics_path = output / "metrics.json"
    metrics = json.loads(metrics_path.read_text()) if metrics_path.is_file() else {}
    history = metrics.get("complaint_heads", {}).get("history", [])
    history.append({key: record[key] for key in ("refit_at", "minutes", "topics_change", "data")})
    metrics["complaint_heads"] = {**record, "history": history[-20:]}
    metrics_path.write_text(json.dumps(metrics, indent=2, ensure_ascii=False) + "\n")
    update_model_card(output / "MODEL.md", metrics["complaint_heads"], CARD_START, CARD_END)
    if args.model_version:
        set_card_version(output / "MODEL.md", model.config.model_name, args.model_version)
    logger.info("complaint heads saved to %s in %.1f min", output, record["minutes"])
    return output


def _read_snapshot(path: Path) -> dict[str, list[str]] | None:
    if not path.is_file():
        return None
    import yaml

    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {entry["id"]: list(entry.get("seeds", [])) for key in ("topics", "signals") for entry in document.get(key, [])}


def _topics_change(previous: dict | None, topics_file) -> dict:
    current = {entry.id: list(entry.seeds) for entry in [*topics_file.topics, *topics_file.signals]}
    if previous is None:
        return {"first_refit": True}
    change = {
        "added": sorted(set(current) - set(previous)),
        "removed": sorted(set(previous) - set(current)),
        "seeds_added": {k: len(set(v) - set(previous.get(k, []))) for k, v in current.items() if set(v) - set(previous.get(k, []))},
        "seeds_removed": {k: len(set(previous[k]) - set(v)) for k, v in current.items() if k in previous and set(previous[k]) - set(v)},
    }
    return {key: value for key, value in change.items() if value}


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
