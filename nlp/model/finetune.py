"""Multi-task fine-tuning (sentiment, sarcasm, dialect) of a pretrained encoder on the labeled sets.

The silver complaint set's train split also shapes the encoder through two auxiliary heads
(`complaint`, `topics`). They are dropped before saving: the served complaint heads are refit on
the frozen encoder by `nabd train --heads-only`, which tunes their thresholds."""

from __future__ import annotations

import copy
import json
import logging
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from nlp.model.data import (
    HEADLINE_FILE,
    LABELED_FILES,
    DataError,
    LabeledPost,
    default_data_dir,
    load_labeled,
    post_key,
    split_dev,
    write_jsonl,
)
from nlp.model.evaluate import dev_metrics, dev_record, sarcasm_metrics, sentiment_metrics
from nlp.model.modeling import (
    DEFAULT_HEADS,
    MULTILABEL,
    NabdMultiTaskConfig,
    NabdMultiTaskModel,
    heads_config,
)
from nlp.model.pretrain import length_bucketed_batches, pad_sequences, resolve_device
from nlp.model.progress import Budget, log_progress
from nlp.normalize import normalize_for_model

logger = logging.getLogger(__name__)

IGNORE = -100
# Datasets whose sentiment is annotated positive/negative only: their loss ignores the neutral logit.
BINARY_SENTIMENT = frozenset(
    {"ajgt", "tsac", "myc_moroccan_youtube", "masc", "arabic_sentiment_twitter_corpus"}
)
# Posts drawn per epoch: a repeat factor (>1 oversamples) or a cap on large, noisier sets.
DEFAULT_MIXTURE = {
    "arsarcasm_v2_train": 2.0,
    "arabic_sentiment_twitter_corpus": 10000,
    "marsa": 10000,
    "arabic_dialect_id": 15000,
    "myc_moroccan_youtube": 10000,
    "elsahar_reviews": 10000,
    "tsac": 8000,
    "complaints_silver": 2.0,
}
# Trained on the silver complaint set, never saved (see the module docstring).
AUXILIARY_HEADS = ("complaint", "topics")
COMPLAINT_DATASET = "complaints_silver"


@dataclass
class FinetuneArguments:
    """Everything that decides a fine-tuning run; saved next to the model as training_args.json."""

    base_model: Path = Path(".cache/nabd/pretrain/model")
    output_dir: Path = Path("nlp/models/nabd-arabic-mini")
    data_dir: Path | None = None
    datasets: tuple[str, ...] = LABELED_FILES  # must include the headline file
    dev_dir: Path = Path(".cache/nabd/dev")
    model_name: str = "nabd-arabic-mini"
    model_version: str = field(default_factory=lambda: time.strftime("%Y.%m.%d"))
    heads: tuple[str, ...] = DEFAULT_HEADS
    epochs: int = 3
    batch_size: int = 32
    learning_rate: float = 2e-4
    weight_decay: float = 0.01
    warmup_fraction: float = 0.06
    max_length: int = 128
    max_minutes: float | None = 30.0
    head_weights: dict = field(default_factory=lambda: {"sentiment": 1.0, "sarcasm": 1.0, "dialect": 0.5,
                                                         "complaint": 0.5, "topics": 0.5})
    wide_lr_scale: float = 10.0  # learning-rate factor of the heads' per-token (wide) weights
    complaint_data: bool = True  # train the auxiliary complaint heads on the silver set's train split
    sarcasm_positive_weight: float = 2.0
    mixture: dict = field(default_factory=lambda: dict(DEFAULT_MIXTURE))
    seed: int = 13
    threads: int = 2
    device: str = "auto"  # "auto": CUDA where available, else CPU
    log_every: int = 100
    eval_every: int = 1000  # steps between headline dev evaluations (also run at each epoch end)


@dataclass
class Example:
    """One tokenized training post with a label id per head (IGNORE where unlabeled)."""

    input_ids: list[int]
    labels: list[int]  # per multi-class head
    binary_sentiment: bool
    targets: dict[str, list[float]] = field(default_factory=dict)  # per multi-label head, where labeled


def run_finetuning(args: FinetuneArguments) -> Path:
    """Fine-tune `args.base_model` on the train splits, keep the epoch with the best headline
    dev F1-PN, save it in save_pretrained layout with metrics, and return its directory."""
    torch.set_num_threads(args.threads)
    _seed_everything(args.seed)
    if HEADLINE_FILE not in args.datasets:
        raise ValueError(f"datasets must include the headline dev set {HEADLINE_FILE}")
    data_dir = Path(args.data_dir or default_data_dir())
    split = split_dev(load_labeled(data_dir, args.datasets))
    write_dev_splits(split.dev, args.dev_dir)
    complaint_train = complaint_train_split(data_dir, split.train) if args.complaint_data else []
    model, tokenizer = build_model(args)
    trainer = MultiTaskTrainer(args, model, tokenizer, split.train, split.dev[HEADLINE_FILE], complaint_train)
    trainer.train()
    drop_auxiliary_heads(trainer.model)
    return save_finetuned(args, trainer, tokenizer, split.dev)


def complaint_train_split(data_dir: Path, train: dict[str, list[LabeledPost]]) -> list[dict]:
    """The silver complaint set's train split (the heads-only refit's split). Its dev posts are
    also taken out of every other train split, so the refit's dev measure stays held out."""
    from nlp.complaints.data import SILVER_FILE, load_silver, split_silver

    if not (data_dir / SILVER_FILE).is_file():
        raise DataError(f"{data_dir / SILVER_FILE}: missing (the auxiliary complaint heads learn from it; "
                        "complaint_data=False trains without it)")
    silver_train, silver_dev = split_silver(load_silver(data_dir))
    held_out = {post_key(record["text"]) for record in silver_dev}
    for name, posts in train.items():
        train[name] = [post for post in posts if post_key(post.text) not in held_out]
    return silver_train


def drop_auxiliary_heads(model: NabdMultiTaskModel) -> None:
    """Remove the auxiliary complaint heads from the model and its config."""
    for name in AUXILIARY_HEADS:
        if name in model.heads:
            del model.heads[name]
    model.config.heads = {name: entry for name, entry in model.config.heads.items() if name not in AUXILIARY_HEADS}


def build_model(args: FinetuneArguments) -> tuple[NabdMultiTaskModel, object]:
    """Heads on top of the encoder of any BERT checkpoint in save_pretrained layout."""
    from transformers import AutoTokenizer, BertConfig

    base = Path(args.base_model)
    if not (base / "config.json").is_file():
        raise FileNotFoundError(f"base model {base} has no config.json (expected a save_pretrained directory)")
    encoder_config = {
        key: value
        for key, value in BertConfig.from_pretrained(str(base)).to_dict().items()
        if key not in {"model_type", "architectures", "transformers_version", "id2label", "label2id", "heads",
                       "model_name", "model_version"}
    }
    heads = tuple(args.heads) + (AUXILIARY_HEADS if args.complaint_data else ())
    config = NabdMultiTaskConfig(
        heads=heads_config(heads), model_name=args.model_name, model_version=args.model_version, **encoder_config
    )
    model = NabdMultiTaskModel.from_pretrained(str(base), config=config)
    return model, AutoTokenizer.from_pretrained(str(base))


class MultiTaskTrainer:
    """The fine-tuning loop with masked per-head losses and dev-based model selection."""

    def __init__(self, args: FinetuneArguments, model: NabdMultiTaskModel, tokenizer, train: dict, headline_dev: list,
                 complaint_train: list[dict] = ()):
        self.args, self.tokenizer = args, tokenizer
        self.device = resolve_device(args.device)
        self.model = model.to(self.device)
        self.head_names = [name for name in model.config.heads if model.config.head_kind(name) != MULTILABEL]
        self.multilabel_heads = [name for name in model.config.heads if model.config.head_kind(name) == MULTILABEL]
        self.label_index = {name: {label: i for i, label in enumerate(model.config.head_labels(name))}
                            for name in self.head_names}
        self.train_sets = {name: self._examples(posts) for name, posts in train.items()}
        if complaint_train:
            self.train_sets[COMPLAINT_DATASET] = self._complaint_examples(complaint_train)
        self.headline_dev = headline_dev
        self.headline_ids = self._encode([post.text for post in headline_dev])
        self.optimizer = torch.optim.AdamW(self._parameter_groups(), lr=args.learning_rate, weight_decay=args.weight_decay)
        self.total_steps = args.epochs * (self._epoch_size(0) // args.batch_size + 1)
        self.budget = Budget(self.total_steps, args.max_minutes)
        self.step = 0
        self.best_state: dict | None = None
        self.best_score = -1.0
        self.history: list[dict] = []

    def _parameter_groups(self) -> list[dict]:
        """The wide (per-token) head weights learn `wide_lr_scale` times faster than the rest:
        each is updated only on the posts holding its token."""
        wide = [p for name, p in self.model.named_parameters() if name.startswith("heads.") and ".wide." in name]
        wide_ids = {id(p) for p in wide}
        rest = [p for p in self.model.parameters() if id(p) not in wide_ids]
        return [{"params": rest, "lr_scale": 1.0}, {"params": wide, "lr_scale": self.args.wide_lr_scale}]

    def _encode(self, texts: list[str]) -> list[list[int]]:
        normalized = [normalize_for_model(text) for text in texts]
        return self.tokenizer(normalized, truncation=True, max_length=self.args.max_length)["input_ids"]

    def _examples(self, posts: list[LabeledPost]) -> list[Example]:
        encoded = self._encode([post.text for post in posts])
        return [
            Example(ids, self._label_ids(post), post.dataset in BINARY_SENTIMENT)
            for ids, post in zip(encoded, posts)
        ]

    def _complaint_examples(self, records: list[dict]) -> list[Example]:
        """Silver complaint posts: targets for the auxiliary heads, no multi-class label."""
        topic_labels = self.model.config.head_labels("topics")
        examples = []
        for ids, record in zip(self._encode([record["text"] for record in records]), records):
            topics = set(record.get("topics") or [])
            targets = {"complaint": [float(bool(record["complaint"]))],
                       "topics": [float(topic in topics) for topic in topic_labels]}
            examples.append(Example(ids, [IGNORE] * len(self.head_names), False, targets))
        return examples

    def _label_ids(self, post: LabeledPost) -> list[int]:
        labels = post.labels()
        return [self.label_index[name].get(labels.get(name), IGNORE) for name in self.head_names]

    def _epoch_examples(self, epoch: int) -> list[Example]:
        rng = random.Random(self.args.seed * 1000 + epoch)
        chosen: list[Example] = []
        for name, examples in self.train_sets.items():
            share = self.args.mixture.get(name, 1.0)
            if share > 10:  # an absolute cap
                chosen.extend(rng.sample(examples, min(len(examples), int(share))))
            else:
                whole, fraction = divmod(share, 1.0)
                chosen.extend(examples * int(whole))
                chosen.extend(rng.sample(examples, int(len(examples) * fraction)))
        return chosen

    def _epoch_size(self, epoch: int) -> int:
        return len(self._epoch_examples(epoch))

    def train(self) -> None:
        """Train for the configured epochs (or the time budget); keep the weights that scored the
        best headline dev F1-PN at any evaluation point."""
        for epoch in range(self.args.epochs):
            self._train_epoch(epoch)
            self._evaluate_and_keep_best(epoch)
            if self.budget.exhausted(self.step):
                logger.info("time budget spent in epoch %d", epoch + 1)
                break
        self.model.load_state_dict(self.best_state)

    def _evaluate_and_keep_best(self, epoch: int) -> None:
        scores = self.headline_scores()
        scores.update(epoch=epoch + 1, step=self.step, minutes=round(self.budget.elapsed() / 60, 1))
        self.history.append(scores)
        logger.info("headline dev at step %d: %s", self.step, scores)
        if self.best_state is None or scores["f1_pn"] > self.best_score:
            self.best_score, self.best_state = scores["f1_pn"], copy.deepcopy(self.model.state_dict())

    def _train_epoch(self, epoch: int) -> None:
        self.model.train()
        examples = self._epoch_examples(epoch)
        lengths = [example.input_ids for example in examples]
        recent_losses: list[float] = []
        for batch in length_bucketed_batches(len(examples), lengths, self.args.batch_size, seed=self.args.seed + epoch):
            recent_losses.append(self._train_step([examples[i] for i in batch]))
            if self.step % self.args.log_every == 0:
                mean_loss = sum(recent_losses) / len(recent_losses)
                log_progress(f"finetune epoch {epoch + 1}", self.step, self.budget, loss=mean_loss)
                recent_losses.clear()
            if self.budget.exhausted(self.step):
                return
            if self.step % self.args.eval_every == 0:
                self._evaluate_and_keep_best(epoch)

    def _train_step(self, batch: list[Example]) -> float:
        for group in self.optimizer.param_groups:
            group["lr"] = self._learning_rate() * group["lr_scale"]
        input_ids, attention_mask = pad_sequences([example.input_ids for example in batch], self.tokenizer.pad_token_id)
        labels = torch.tensor([example.labels for example in batch], dtype=torch.long, device=self.device)
        binary = torch.tensor([example.binary_sentiment for example in batch], dtype=torch.bool, device=self.device)
        logits = self.model(input_ids=input_ids.to(self.device), attention_mask=attention_mask.to(self.device)).logits
        loss = self.multitask_loss(logits, labels, binary) + self.multilabel_loss(logits, batch)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        self.step += 1
        return float(loss.detach())

    def multitask_loss(self, logits: dict, labels: torch.Tensor, binary_sentiment: torch.Tensor) -> torch.Tensor:
        """Sum of weighted per-head cross-entropies, each over the posts that carry that label."""
        total = logits[self.head_names[0]].sum() * 0.0
        for column, name in enumerate(self.head_names):
            target = labels[:, column]
            present = target != IGNORE
            if not present.any():
                continue
            head_logits = logits[name]
            if name == "sentiment":
                head_logits = _hide_neutral(head_logits, binary_sentiment, self.label_index[name]["neutral"])
            class_weight = None
            if name == "sarcasm":
                class_weight = torch.tensor([1.0, self.args.sarcasm_positive_weight], device=target.device)
            loss = torch.nn.functional.cross_entropy(head_logits[present], target[present], weight=class_weight)
            total = total + self.args.head_weights.get(name, 1.0) * loss
        return total

    def multilabel_loss(self, logits: dict, batch: list[Example]) -> torch.Tensor:
        """Weighted binary cross-entropy of each multi-label head over the posts labeled for it."""
        total = torch.zeros((), device=self.device)
        for name in self.multilabel_heads:
            rows = [i for i, example in enumerate(batch) if name in example.targets]
            if not rows:
                continue
            target = torch.tensor([batch[i].targets[name] for i in rows], dtype=torch.float, device=self.device)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits[name][rows], target)
            total = total + self.args.head_weights.get(name, 1.0) * loss
        return total

    def _learning_rate(self) -> float:
        warmup_steps = max(1, int(self.args.warmup_fraction * self.total_steps))
        warmup = min(1.0, (self.step + 1) / warmup_steps)
        decay = max(0.0, 1.0 - self.budget.fraction_done(self.step))
        return self.args.learning_rate * min(warmup, decay)

    @torch.inference_mode()
    def headline_scores(self) -> dict:
        """F1-PN, accuracy and sarcasm F1 on the headline dev split (ArSarcasm-v2)."""
        self.model.eval()
        predicted = {name: [None] * len(self.headline_ids) for name in ("sentiment", "sarcasm")}
        order = sorted(range(len(self.headline_ids)), key=lambda i: len(self.headline_ids[i]))
        for start in range(0, len(order), 128):
            batch = order[start : start + 128]
            input_ids, attention_mask = pad_sequences([self.headline_ids[i] for i in batch], self.tokenizer.pad_token_id)
            logits = self.model(input_ids=input_ids.to(self.device), attention_mask=attention_mask.to(self.device)).logits
            for name in predicted:
                labels = self.model.config.head_labels(name)
                for row, index in zip(logits[name].argmax(-1).tolist(), batch):
                    predicted[name][index] = labels[row]
        self.model.train()
        sentiment = sentiment_metrics([p.sentiment for p in self.headline_dev], predicted["sentiment"])
        sarcasm = sarcasm_metrics([p.sarcasm for p in self.headline_dev], [s == "true" for s in predicted["sarcasm"]])
        return {"f1_pn": sentiment["f1_pn"], "accuracy": sentiment["accuracy"], "sarcasm_f1": sarcasm["f1"]}


def _hide_neutral(logits: torch.Tensor, binary_rows: torch.Tensor, neutral_column: int) -> torch.Tensor:
    """For posts from positive/negative-only datasets, take the neutral class out of the softmax."""
    if not binary_rows.any():
        return logits
    penalty = torch.zeros_like(logits)
    penalty[binary_rows, neutral_column] = -1e4
    return logits + penalty


def write_dev_splits(dev: dict[str, list[LabeledPost]], dev_dir: Path) -> None:
    """Write each dataset's dev split as labeled JSONL (the input shape of `nabd eval`)."""
    for name, posts in dev.items():
        write_jsonl(dev_dir / f"{name}.jsonl", (dev_record(post) for post in posts))
    logger.info("dev splits written to %s", dev_dir)


def save_finetuned(args: FinetuneArguments, trainer: MultiTaskTrainer, tokenizer, dev: dict) -> Path:
    """Save model, tokenizer, training args and dev metrics (measured through the inference path)."""
    from nlp.model.predict import Classifier

    output = Path(args.output_dir)
    output.mkdir(parents=True, exist_ok=True)
    trainer.model.save_pretrained(str(output), safe_serialization=True)
    tokenizer.save_pretrained(str(output))
    (output / "training_args.json").write_text(json.dumps(asdict(args), indent=2, default=str) + "\n")
    from nlp.model.onnx_export import export_onnx

    export_onnx(output)
    classifier = Classifier.load(output)
    metrics = {
        "headline": HEADLINE_FILE,
        "training_minutes": round(trainer.budget.elapsed() / 60, 1),
        "steps": trainer.step,
        "history": trainer.history,
        "dev": {name: dev_metrics(classifier, posts) for name, posts in dev.items()},
    }
    (output / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    logger.info("model saved to %s; headline dev F1-PN %.4f", output, metrics["dev"][HEADLINE_FILE]["sentiment"]["f1_pn"])
    return output


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
