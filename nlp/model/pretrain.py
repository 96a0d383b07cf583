"""Masked-language-model pretraining of the small Arabic BERT from scratch (resumable, budgeted)."""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from nlp.model.data import LABELED_FILES, default_data_dir, iter_pretrain_texts, load_labeled, split_dev
from nlp.model.progress import Budget, log_progress
from nlp.model.tokenizer_training import TokenizerArguments, train_tokenizer
from nlp.normalize import normalize_for_model

logger = logging.getLogger(__name__)

CORPUS_FILE = "corpus.txt"
ENCODED_FILE = "encoded.npz"
CHECKPOINT_FILE = "checkpoint.pt"
VALIDATION_EVERY = 500  # every 500th corpus line is kept out of training for the MLM loss


@dataclass
class PretrainArguments:
    """Everything that decides a pretraining run; saved next to the model."""

    output_dir: Path = Path(".cache/nabd/pretrain")
    data_dir: Path | None = None
    datasets: tuple[str, ...] = LABELED_FILES  # their dev splits are kept out of pretraining
    vocab_size: int = 24000
    hidden_size: int = 256
    num_layers: int = 4
    num_heads: int = 4
    intermediate_size: int = 1024
    max_length: int = 128
    batch_size: int = 128
    learning_rate: float = 5e-4
    weight_decay: float = 0.01
    warmup_steps: int = 500
    max_steps: int = 30000
    max_minutes: float | None = 60.0
    mask_probability: float = 0.15
    seed: int = 13
    threads: int = 2
    device: str = "auto"  # "auto": CUDA where available, else CPU
    checkpoint_minutes: float = 10.0
    log_every: int = 50


def run_pretraining(args: PretrainArguments) -> Path:
    """Prepare corpus and tokenizer if needed, then pretrain (resuming a checkpoint if one exists).
    Returns the directory of the pretrained `BertForMaskedLM` in save_pretrained layout."""
    torch.set_num_threads(args.threads)
    tokenizer_dir = prepare_tokenizer(args)
    train_ids, valid_ids = encode_corpus(args, args.output_dir / CORPUS_FILE, tokenizer_dir)
    return MaskedLanguageModelTrainer(args, tokenizer_dir, train_ids, valid_ids).train()


def prepare_tokenizer(args: PretrainArguments) -> Path:
    """Write the corpus and train the WordPiece tokenizer unless they already exist."""
    args.output_dir.mkdir(parents=True, exist_ok=True)
    corpus = prepare_corpus(args)
    tokenizer_dir = args.output_dir / "tokenizer"
    if not (tokenizer_dir / "tokenizer.json").is_file():
        train_tokenizer(_lines(corpus), tokenizer_dir, TokenizerArguments(vocab_size=args.vocab_size))
    return tokenizer_dir


def prepare_corpus(args: PretrainArguments) -> Path:
    """Write the model-normalized pretraining corpus, every dev-split post excluded."""
    corpus = args.output_dir / CORPUS_FILE
    if corpus.is_file():
        return corpus
    data_dir = args.data_dir or default_data_dir()
    dev_keys = split_dev(load_labeled(data_dir, args.datasets)).dev_keys
    partial = corpus.with_suffix(".partial")
    written = 0
    with partial.open("w", encoding="utf-8") as stream:
        for text in iter_pretrain_texts(data_dir, dev_keys):
            normalized = normalize_for_model(text)
            if normalized:
                stream.write(normalized + "\n")
                written += 1
    partial.rename(corpus)
    logger.info("pretraining corpus: %d texts written to %s", written, corpus)
    return corpus


def _lines(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8") as stream:
        for line in stream:
            yield line.rstrip("\n")


def encode_corpus(args: PretrainArguments, corpus: Path, tokenizer_dir: Path) -> tuple[list, list]:
    """Token ids per corpus line (cached), split into training and validation lines."""
    cache = args.output_dir / ENCODED_FILE
    if not cache.is_file():
        _encode_to_cache(corpus, tokenizer_dir, args.max_length, cache)
    arrays = np.load(cache)
    flat, offsets = arrays["ids"], arrays["offsets"]
    sequences = [flat[offsets[i] : offsets[i + 1]] for i in range(len(offsets) - 1)]
    valid = sequences[::VALIDATION_EVERY]
    train = [seq for index, seq in enumerate(sequences) if index % VALIDATION_EVERY]
    logger.info("encoded corpus: %d training and %d validation texts", len(train), len(valid))
    return train, valid


def _encode_to_cache(corpus: Path, tokenizer_dir: Path, max_length: int, cache: Path) -> None:
    from transformers import BertTokenizerFast

    tokenizer = BertTokenizerFast.from_pretrained(str(tokenizer_dir))
    backend = tokenizer.backend_tokenizer
    backend.enable_truncation(max_length)
    lengths, chunks = [0], []
    lines = list(_lines(corpus))
    for start in range(0, len(lines), 20000):
        for encoding in backend.encode_batch(lines[start : start + 20000]):
            chunks.append(np.asarray(encoding.ids, dtype=np.int32))
            lengths.append(len(encoding.ids))
    np.savez(cache, ids=np.concatenate(chunks), offsets=np.cumsum(lengths))


class MaskedLanguageModelTrainer:
    """The MLM training loop: length-bucketed dynamic batches, loss on masked positions only."""

    def __init__(self, args: PretrainArguments, tokenizer_dir: Path, train_ids: list, valid_ids: list):
        from transformers import BertConfig, BertForMaskedLM, BertTokenizerFast

        self.args = args
        self.tokenizer = BertTokenizerFast.from_pretrained(str(tokenizer_dir))
        self.train_ids, self.valid_ids = train_ids, valid_ids
        config = BertConfig(
            vocab_size=len(self.tokenizer),
            hidden_size=args.hidden_size,
            num_hidden_layers=args.num_layers,
            num_attention_heads=args.num_heads,
            intermediate_size=args.intermediate_size,
            max_position_embeddings=args.max_length,
            pad_token_id=self.tokenizer.pad_token_id,
        )
        _seed_everything(args.seed)
        self.device = resolve_device(args.device)
        self.model = BertForMaskedLM(config).to(self.device)
        self.optimizer = torch.optim.AdamW(
            self.model.parameters(), lr=args.learning_rate, weight_decay=args.weight_decay
        )
        self.step, self.epoch, self.batch_in_epoch = 0, 0, 0
        self.warmup_from = 0  # the step the learning rate (re-)warms up from
        self.budget = Budget(args.max_steps, args.max_minutes)
        self._resume_if_possible()

    def train(self) -> Path:
        self.model.train()
        last_checkpoint = self.budget.elapsed()
        recent_losses: list[float] = []
        while not self.budget.exhausted(self.step):
            for batch in self._epoch_batches():
                recent_losses.append(self._train_step(batch))
                if self.step % self.args.log_every == 0:
                    mean_loss = sum(recent_losses) / len(recent_losses)
                    log_progress("pretrain", self.step, self.budget, loss=mean_loss, lr=self._learning_rate())
                    recent_losses.clear()
                if self.budget.elapsed() - last_checkpoint > self.args.checkpoint_minutes * 60:
                    self.save_checkpoint()
                    last_checkpoint = self.budget.elapsed()
                if self.budget.exhausted(self.step):
                    break
            else:
                self.epoch, self.batch_in_epoch = self.epoch + 1, 0
        self.save_checkpoint()
        return self.save_model()

    def _epoch_batches(self) -> Iterator[list]:
        batches = length_bucketed_batches(len(self.train_ids), self.train_ids, self.args.batch_size,
                                          seed=self.args.seed + self.epoch)
        for index in range(self.batch_in_epoch, len(batches)):
            self.batch_in_epoch = index + 1
            yield [self.train_ids[i] for i in batches[index]]

    def _train_step(self, sequences: list) -> float:
        for group in self.optimizer.param_groups:
            group["lr"] = self._learning_rate()
        input_ids, attention_mask = pad_sequences(sequences, self.tokenizer.pad_token_id)
        masked_ids, labels = mask_tokens(input_ids, attention_mask, self.tokenizer, self.args.mask_probability)
        loss = masked_lm_loss(self.model, *(t.to(self.device) for t in (masked_ids, attention_mask, labels)))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        self.step += 1
        return float(loss.detach())

    def _learning_rate(self) -> float:
        warmup = min(1.0, (self.step - self.warmup_from + 1) / self.args.warmup_steps)
        decay = max(0.02, 1.0 - self.budget.fraction_done(self.step))
        return self.args.learning_rate * min(warmup, decay)

    @torch.inference_mode()
    def validation_loss(self) -> float:
        """Mean MLM loss on the held-out corpus lines (fixed masking seed)."""
        self.model.eval()
        generator_state = torch.get_rng_state()
        torch.manual_seed(0)
        losses = []
        for batch in length_bucketed_batches(len(self.valid_ids), self.valid_ids, 256, seed=0):
            input_ids, attention_mask = pad_sequences([self.valid_ids[i] for i in batch], self.tokenizer.pad_token_id)
            masked_ids, labels = mask_tokens(input_ids, attention_mask, self.tokenizer, self.args.mask_probability)
            batch_tensors = (t.to(self.device) for t in (masked_ids, attention_mask, labels))
            losses.append(float(masked_lm_loss(self.model, *batch_tensors)))
        torch.set_rng_state(generator_state)
        self.model.train()
        return sum(losses) / max(1, len(losses))

    def save_checkpoint(self) -> None:
        path = self.args.output_dir / CHECKPOINT_FILE
        state = {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "step": self.step,
            "epoch": self.epoch,
            "batch_in_epoch": self.batch_in_epoch,
            "elapsed": self.budget.elapsed(),
            "torch_rng": torch.get_rng_state(),
        }
        torch.save(state, path.with_suffix(".tmp"))
        path.with_suffix(".tmp").rename(path)
        logger.info("checkpoint at step %d saved to %s", self.step, path)

    def _resume_if_possible(self) -> None:
        path = self.args.output_dir / CHECKPOINT_FILE
        if not path.is_file():
            return
        state = torch.load(path, weights_only=False, map_location="cpu")
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.step, self.epoch, self.batch_in_epoch = state["step"], state["epoch"], state["batch_in_epoch"]
        self.budget.elapsed_before = state["elapsed"]
        torch.set_rng_state(state["torch_rng"])
        # Re-warm after a resume: extending a finished run with a larger budget raises the
        # decayed learning rate again, and a jump straight to it destabilises a post-LN BERT.
        self.warmup_from = self.step
        logger.info("resumed pretraining from %s at step %d", path, self.step)

    def save_model(self) -> Path:
        model_dir = self.args.output_dir / "model"
        self.model.save_pretrained(str(model_dir))
        self.tokenizer.save_pretrained(str(model_dir))
        metrics = {
            "steps": self.step,
            "epochs": self.epoch + self.batch_in_epoch / max(1, len(self.train_ids) // self.args.batch_size),
            "minutes": self.budget.elapsed() / 60,
            "validation_mlm_loss": self.validation_loss(),
            "train_texts": len(self.train_ids),
        }
        (model_dir / "pretrain_metrics.json").write_text(json.dumps(metrics, indent=2))
        (model_dir / "pretrain_args.json").write_text(json.dumps(asdict(self.args), indent=2, default=str))
        logger.info("pretrained model saved to %s: %s", model_dir, metrics)
        return model_dir


def length_bucketed_batches(count: int, sequences: list, batch_size: int, seed: int) -> list[list[int]]:
    """Shuffle, sort within windows of 50 batches by length (little padding), shuffle the batches."""
    rng = random.Random(seed)
    order = list(range(count))
    rng.shuffle(order)
    window = batch_size * 50
    batches = []
    for start in range(0, count, window):
        chunk = sorted(order[start : start + window], key=lambda i: len(sequences[i]))
        batches.extend(chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size))
    rng.shuffle(batches)
    return batches


def pad_sequences(sequences: list, pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad token id sequences to the longest in the batch."""
    longest = max(len(seq) for seq in sequences)
    input_ids = torch.full((len(sequences), longest), pad_id, dtype=torch.long)
    attention_mask = torch.zeros((len(sequences), longest), dtype=torch.long)
    for row, seq in enumerate(sequences):
        input_ids[row, : len(seq)] = torch.as_tensor(np.asarray(seq, dtype=np.int64))
        attention_mask[row, : len(seq)] = 1
    return input_ids, attention_mask


def mask_tokens(input_ids: torch.Tensor, attention_mask: torch.Tensor, tokenizer, probability: float):
    """BERT masking: choose `probability` of the real tokens; 80% [MASK], 10% random, 10% kept."""
    labels = input_ids.clone()
    special = torch.isin(input_ids, torch.tensor(tokenizer.all_special_ids))
    chosen = torch.bernoulli(torch.full(labels.shape, probability)).bool() & attention_mask.bool() & ~special
    labels[~chosen] = -100
    masked = input_ids.clone()
    to_mask = torch.bernoulli(torch.full(labels.shape, 0.8)).bool() & chosen
    masked[to_mask] = tokenizer.mask_token_id
    to_random = torch.bernoulli(torch.full(labels.shape, 0.5)).bool() & chosen & ~to_mask
    masked[to_random] = torch.randint(len(tokenizer), labels.shape)[to_random]
    return masked, labels


def masked_lm_loss(model, input_ids: torch.Tensor, attention_mask: torch.Tensor, labels: torch.Tensor):
    """Cross-entropy on masked positions only: the vocabulary projection runs just where needed."""
    hidden = model.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
    selected = labels != -100
    if not selected.any():
        return hidden.sum() * 0.0
    logits = model.cls(hidden[selected])
    return torch.nn.functional.cross_entropy(logits, labels[selected])


def resolve_device(name: str) -> torch.device:
    """`auto` picks CUDA when a GPU is visible, else the CPU."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(name)


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
