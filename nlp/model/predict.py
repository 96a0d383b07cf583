"""Inference: load a trained model directory and classify texts into the mention record's `nlp` object."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from nlp.normalize import normalize_for_model

logger = logging.getLogger(__name__)

BACKENDS = ("torch", "onnx")
ONNX_FILE = Path("onnx") / "model.int8.onnx"
DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[1] / "models" / "nabd-arabic-mini"
REQUIRED_HEADS = ("sentiment", "sarcasm", "dialect")
TOPICS_SNAPSHOT = "topics.yaml"  # the topics the complaint heads were refit with (seeds for evidence)
SIGNAL_HEADS = ("churn_intent", "advocacy")


class ModelLoadError(RuntimeError):
    """The model directory is missing, incomplete or corrupt."""


class Classifier:
    """Classifies texts with a multi-task model through PyTorch or ONNX Runtime."""

    def __init__(self, model_dir: Path, config, tokenizer, runner, batch_size: int = 64, max_length: int = 128,
                 matcher=None):
        self.model_dir = model_dir
        self.config = config
        self.tokenizer = tokenizer
        self.runner = runner
        self.batch_size = batch_size
        self.max_length = min(max_length, config.max_position_embeddings)
        self.head_labels = {name: config.head_labels(name) for name in config.heads}
        self.multilabel = {name for name in config.heads if config.head_kind(name) == "multilabel"}
        self.thresholds = {name: np.array(config.thresholds(name), dtype=np.float32) for name in self.multilabel}
        self.matcher = matcher

    @classmethod
    def load(cls, model_dir: str | Path = DEFAULT_MODEL_DIR, backend: str = "torch", **options) -> Classifier:
        """Load a model directory in save_pretrained layout; `backend` is "torch" or "onnx"."""
        model_dir = Path(model_dir)
        if backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r}; choose one of {BACKENDS}")
        config = _load_config(model_dir)
        tokenizer = _load_tokenizer(model_dir)
        runner = _TorchRunner(model_dir, config) if backend == "torch" else _OnnxRunner(model_dir, config)
        options.setdefault("matcher", _load_matcher(model_dir) if "complaint" in config.heads else None)
        return cls(model_dir, config, tokenizer, runner, **options)

    @property
    def model_info(self) -> dict[str, str]:
        return {"name": self.config.model_name, "version": self.config.model_version}

    def classify(self, texts: Sequence[str]) -> list[dict]:
        """One `nlp` object per text, in input order (batches sorted by length, dynamic padding)."""
        if not texts:
            return []
        encoded = self.tokenizer(
            [normalize_for_model(text) for text in texts], truncation=True, max_length=self.max_length
        )["input_ids"]
        probabilities: dict[str, np.ndarray] = {
            name: np.zeros((len(texts), len(labels)), dtype=np.float32) for name, labels in self.head_labels.items()
        }
        order = sorted(range(len(texts)), key=lambda index: len(encoded[index]))
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            input_ids, attention_mask = _pad([encoded[index] for index in batch], self.tokenizer.pad_token_id)
            for name, logits in self.runner(input_ids, attention_mask).items():
                probabilities[name][batch] = _sigmoid(logits) if name in self.multilabel else _softmax(logits)
        records = [self._nlp_record(probabilities, row) for row in range(len(texts))]
        if "complaint" in self.head_labels:
            for text, record, row in zip(texts, records, range(len(texts))):
                record.update(self._complaint_fields(text, probabilities, row))
        return records

    def _complaint_fields(self, text: str, probabilities: dict[str, np.ndarray], row: int) -> dict:
        """complaint, topics, churn_intent, advocacy, spam (spam is never a complaint) and the
        matcher's evidence for the labels given."""
        fields: dict = {}
        spam_score = float(probabilities["spam"][row][0]) if "spam" in probabilities else 0.0
        fields["spam"] = bool("spam" in probabilities and spam_score >= self.thresholds["spam"][0])
        if "spam" in probabilities:
            fields["spam_score"] = round(spam_score, 4)
        complaint_score = float(probabilities["complaint"][row][0])
        fields["complaint"] = bool(complaint_score >= self.thresholds["complaint"][0]) and not fields["spam"]
        fields["complaint_score"] = round(complaint_score, 4)
        topics = []
        if fields["complaint"] and "topics" in probabilities:
            hits = probabilities["topics"][row] >= self.thresholds["topics"]
            topics = [label for label, hit in zip(self.head_labels["topics"], hits) if hit]
        fields["topics"] = topics
        for signal in SIGNAL_HEADS:
            if signal in probabilities:
                fields[signal] = bool(probabilities[signal][row][0] >= self.thresholds[signal][0]) and not fields["spam"]
        given = {*topics, *(signal for signal in SIGNAL_HEADS if fields.get(signal))}
        evidence = self.matcher.match(text) if self.matcher is not None and given else []
        fields["evidence"] = [item.record() for item in evidence if item.label in given]
        return fields

    def _nlp_record(self, probabilities: dict[str, np.ndarray], row: int) -> dict:
        record: dict = {"model": self.model_info}
        sentiment = self._scores("sentiment", probabilities, row)
        record["sentiment"] = max(sentiment, key=sentiment.get)
        record["scores"] = sentiment
        sarcasm = self._scores("sarcasm", probabilities, row)
        record["sarcasm"] = sarcasm["true"] > sarcasm["false"]
        record["sarcasm_score"] = sarcasm["true"]
        dialect = self._scores("dialect", probabilities, row)
        record["dialect"] = max(dialect, key=dialect.get)
        record["dialect_scores"] = dialect
        return record

    def _scores(self, head: str, probabilities: dict[str, np.ndarray], row: int) -> dict[str, float]:
        return {label: round(float(p), 4) for label, p in zip(self.head_labels[head], probabilities[head][row])}


def _load_config(model_dir: Path):
    from nlp.model.modeling import NabdMultiTaskConfig, register_auto_classes

    register_auto_classes()
    if not model_dir.is_dir():
        raise ModelLoadError(f"model directory {model_dir} does not exist")
    config_file = model_dir / "config.json"
    if not config_file.is_file():
        raise ModelLoadError(f"model directory {model_dir} has no config.json (not a save_pretrained layout)")
    try:
        raw = json.loads(config_file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ModelLoadError(f"{config_file} is not valid JSON: {error}") from None
    missing = [head for head in REQUIRED_HEADS if head not in (raw.get("heads") or {})]
    if missing:
        raise ModelLoadError(f"{config_file} lacks the classifier heads {missing} (is this a fine-tuned nabd model?)")
    return NabdMultiTaskConfig.from_pretrained(str(model_dir))


def _load_matcher(model_dir: Path):
    """The evidence matcher over the topics the heads were refit with (none when absent)."""
    from nlp.complaints.matcher import TopicMatcher

    path = model_dir / TOPICS_SNAPSHOT
    if not path.is_file():
        logger.warning("%s has no %s: complaint labels will carry no evidence", model_dir, TOPICS_SNAPSHOT)
        return None
    return TopicMatcher.from_file(path)


def _load_tokenizer(model_dir: Path):
    from transformers import AutoTokenizer

    if not (model_dir / "tokenizer.json").is_file() and not (model_dir / "vocab.txt").is_file():
        raise ModelLoadError(f"model directory {model_dir} has no tokenizer (tokenizer.json or vocab.txt)")
    try:
        return AutoTokenizer.from_pretrained(str(model_dir))
    except Exception as error:  # a corrupt tokenizer file: name the directory and the cause
        raise ModelLoadError(f"cannot load the tokenizer in {model_dir}: {error}") from None


class _TorchRunner:
    """Runs the PyTorch model under inference mode; returns logits per head as numpy arrays."""

    def __init__(self, model_dir: Path, config):
        from transformers.utils import logging as transformers_logging

        from nlp.model.modeling import NabdMultiTaskModel

        transformers_logging.disable_progress_bar()
        if not any((model_dir / name).is_file() for name in ("model.safetensors", "pytorch_model.bin")):
            raise ModelLoadError(f"model directory {model_dir} has no weights (model.safetensors)")
        try:
            self.model = NabdMultiTaskModel.from_pretrained(str(model_dir), config=config).eval()
        except Exception as error:  # corrupt or mismatched weights
            raise ModelLoadError(f"cannot load the weights in {model_dir}: {error}") from None

    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> dict[str, np.ndarray]:
        import torch

        with torch.inference_mode():
            output = self.model(input_ids=torch.from_numpy(input_ids), attention_mask=torch.from_numpy(attention_mask))
        return {name: logits.numpy() for name, logits in output.logits.items()}


class _OnnxRunner:
    """Runs the int8 ONNX export with ONNX Runtime; outputs are named after the heads."""

    def __init__(self, model_dir: Path, config):
        import onnxruntime

        path = model_dir / ONNX_FILE
        if not path.is_file():
            raise ModelLoadError(f"model directory {model_dir} has no {ONNX_FILE} (run `nabd export-onnx`)")
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        try:
            self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as error:  # corrupt ONNX file
            raise ModelLoadError(f"cannot load {path}: {error}") from None
        self.head_names = [output.name for output in self.session.get_outputs()]

    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> dict[str, np.ndarray]:
        outputs = self.session.run(None, {"input_ids": input_ids, "attention_mask": attention_mask})
        return dict(zip(self.head_names, outputs))


def _pad(sequences: list[list[int]], pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    longest = max(len(sequence) for sequence in sequences)
    input_ids = np.full((len(sequences), longest), pad_id, dtype=np.int64)
    attention_mask = np.zeros((len(sequences), longest), dtype=np.int64)
    for row, sequence in enumerate(sequences):
        input_ids[row, : len(sequence)] = sequence
        attention_mask[row, : len(sequence)] = 1
    return input_ids, attention_mask


def _sigmoid(logits: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-logits))


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)
