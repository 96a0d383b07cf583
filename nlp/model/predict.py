"""Inference: load a trained model directory and classify texts into the mention record's `nlp` object.

The "onnx" backend imports neither torch nor transformers: the config is read as JSON, the
tokenizer through `tokenizers`, the weights run in ONNX Runtime."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from nlp.analysis_cap import analysed_part
from nlp.model import dialect_calibration
from nlp.model.char_ngrams import CHAR_NGRAMS_FILE, ngram_counts
from nlp.model.class_ngrams import CLASS_NGRAMS_FILE, ClassNgramChannel
from nlp.model.model_config import CONFIG_FILE, ServingConfig
from nlp.model.tokenizer import ModelTokenizer
from nlp.normalize import normalize_for_model

logger = logging.getLogger(__name__)

BACKENDS = ("torch", "onnx")
ONNX_FILE = Path("onnx") / "model.int8.onnx"
ONNX_SOURCE = Path("onnx") / "source.json"  # the digest of the weights the export was made from
DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[1] / "models" / "nabd-arabic-mini"
REQUIRED_HEADS = ("sentiment", "sarcasm", "dialect")
TOPICS_SNAPSHOT = "topics.yaml"  # the topics the complaint heads were refit with (seeds for evidence)
SIGNAL_HEADS = ("churn_intent", "advocacy")
_WORD_RE = re.compile(r"\S+")


class ModelLoadError(RuntimeError):
    """The model directory is missing, incomplete or corrupt."""


class Classifier:
    """Classifies texts with a multi-task model through PyTorch or ONNX Runtime."""

    def __init__(self, model_dir: Path, config: ServingConfig, tokenizer: ModelTokenizer, runner,
                 batch_size: int = 64, max_length: int = 128, matcher=None):
        self.model_dir = model_dir
        self.config = config
        self.tokenizer = tokenizer
        self.runner = runner
        self.batch_size = batch_size
        self.max_length = min(max_length, config.max_position_embeddings)
        self.head_labels = {name: config.head_labels(name) for name in config.heads}
        self.multilabel = {name for name in config.heads if config.head_kind(name) == "multilabel"}
        self.thresholds = {name: np.array(config.thresholds(name), dtype=np.float32) for name in self.multilabel}
        self.matcher_adds = config.matcher_adds("topics") if "topics" in self.multilabel else set()
        log_bias = config.log_bias("dialect")
        self.dialect_bias = None if log_bias is None else np.array(log_bias, dtype=np.float64)
        self.dialect_unknown_below = config.unknown_below("dialect")
        self.matcher = matcher
        self.term_weights = None  # set by `load` when the model has complaint heads
        self.char_ngrams = None  # the topics head's character n-gram channel, set by `load` when saved
        self.class_ngrams = None  # sentiment/sarcasm/dialect n-gram channel (nlp.model.class_ngrams), when saved
        self.spam_model = None  # the spam head v2 (nlp.spam.scorer), set by `load` when the model has one

    @classmethod
    def load(cls, model_dir: str | Path = DEFAULT_MODEL_DIR, backend: str = "torch", **options) -> Classifier:
        """Load a model directory in save_pretrained layout; `backend` is "torch" or "onnx"."""
        model_dir = Path(model_dir)
        if backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r}; choose one of {BACKENDS}")
        config = _load_config(model_dir)
        tokenizer = _load_tokenizer(model_dir)
        runner = _TorchRunner(model_dir) if backend == "torch" else _OnnxRunner(model_dir)
        options.setdefault("matcher", _load_matcher(model_dir) if "complaint" in config.heads else None)
        classifier = cls(model_dir, config, tokenizer, runner, **options)
        if "complaint" in config.heads:
            classifier.term_weights = TermWeights.load(model_dir, config, tokenizer)
        if "topics" in config.heads and (model_dir / CHAR_NGRAMS_FILE).is_file():
            classifier.char_ngrams = _load_char_ngrams(model_dir / CHAR_NGRAMS_FILE, config.head_labels("topics"))
        if (model_dir / CLASS_NGRAMS_FILE).is_file():
            classifier.class_ngrams = _load_class_ngrams(model_dir / CLASS_NGRAMS_FILE, classifier.head_labels)
        if "spam" in config.heads:
            classifier.spam_model = _load_spam_model(model_dir)
        return classifier

    @property
    def model_info(self) -> dict[str, str]:
        return {"name": self.config.model_name, "version": self.config.model_version}

    def classify(self, texts: Sequence[str]) -> list[dict]:
        """One `nlp` object per text, in input order (batches sorted by length, dynamic padding). Each text is
        read up to `ANALYSIS_CHARS` characters (nlp.analysis_cap): evidence offsets point into that prefix."""
        if not texts:
            return []
        texts = [analysed_part(text) for text in texts]
        normalized, probabilities, counts = self._probabilities(texts, with_spam=True)
        probabilities["dialect"] = dialect_calibration.apply(probabilities["dialect"], self.dialect_bias)
        records = [self._nlp_record(probabilities, row) for row in range(len(texts))]
        spam_reasons = self._spam_v2(texts, normalized, probabilities, counts)
        if "complaint" in self.head_labels:
            complaints = probabilities["complaint"][:, 0] >= self.thresholds["complaint"][0]
            if self.char_ngrams is not None and complaints.any():  # only complaints get topics
                rows = np.flatnonzero(complaints)
                probabilities["topics"][rows] = self.char_ngrams.blended(
                    probabilities["topics"][rows], [normalized[row] for row in rows])
            if self.term_weights is not None:
                self.term_weights.prepare([text for text, flagged in zip(texts, complaints) if flagged])
            for text, record, row in zip(texts, records, range(len(texts))):
                record.update(self._complaint_fields(text, probabilities, row))
                if spam_reasons is not None:
                    record["spam_reason"] = spam_reasons[row] if record["spam"] else None
        return records

    def sentiments(self, texts: Sequence[str]) -> list[str]:
        """Only the sentiment of each text (as `classify` gives it): the encoder and the sentiment
        head with its n-gram channel, none of the complaint, spam or evidence work."""
        if not texts:
            return []
        _, probabilities, _ = self._probabilities([analysed_part(text) for text in texts], with_spam=False)
        labels = self.head_labels["sentiment"]
        return [labels[int(np.argmax(row))] for row in probabilities["sentiment"]]

    def _probabilities(self, texts: Sequence[str], with_spam: bool):
        """The normalized texts, every head's probabilities (the n-gram channel blended in) and the
        texts' n-gram counts (None when nothing needs them)."""
        normalized = [normalize_for_model(text) for text in texts]
        encoded = self.tokenizer.encode(normalized, self.max_length)
        probabilities: dict[str, np.ndarray] = {
            name: np.zeros((len(texts), len(labels)), dtype=np.float32) for name, labels in self.head_labels.items()
        }
        order = sorted(range(len(texts)), key=lambda index: len(encoded[index]))
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            input_ids, attention_mask = _pad([encoded[index] for index in batch], self.tokenizer.pad_token_id)
            for name, logits in self.runner(input_ids, attention_mask).items():
                probabilities[name][batch] = _sigmoid(logits) if name in self.multilabel else _softmax(logits)
        needed = self.class_ngrams is not None or (with_spam and self.spam_model is not None)
        counts = ngram_counts(normalized) if needed else None
        if self.class_ngrams is not None:
            self.class_ngrams.blend_into(probabilities, normalized, counts)
        return normalized, probabilities, counts

    def _spam_v2(self, texts: Sequence[str], normalized: list[str], probabilities: dict[str, np.ndarray],
                 counts: tuple | None) -> list[str | None] | None:
        """With a spam head v2, replace the transformer's spam probability by the v2 model's (which
        reads it) and return the kind of spam of each text; None without one."""
        if self.spam_model is None or "spam" not in probabilities:
            return None
        spam, reasons = self.spam_model.score(texts, normalized, probabilities["spam"][:, 0], counts)
        probabilities["spam"][:, 0] = spam
        return reasons

    def spam_threshold(self) -> float:
        """The probability from which a post is spam (the v2 model's own when the model has one)."""
        return self.spam_model.threshold if self.spam_model is not None else float(self.thresholds["spam"][0])

    def _complaint_fields(self, text: str, probabilities: dict[str, np.ndarray], row: int) -> dict:
        """complaint, topics, churn_intent, advocacy, spam (spam is never a complaint) and the
        matcher's evidence. A complaint's topics are the topic head's, plus any topic whose seed
        phrase or aspect-near-cue the matcher finds in it (shown in the evidence) among the topics
        the refit found the matcher precise enough for (`matcher_adds` in config.json)."""
        fields: dict = {}
        spam_score = float(probabilities["spam"][row][0]) if "spam" in probabilities else 0.0
        fields["spam"] = bool("spam" in probabilities and spam_score >= self.spam_threshold())
        if "spam" in probabilities:
            fields["spam_score"] = round(spam_score, 4)
        complaint_score = float(probabilities["complaint"][row][0])
        fields["complaint"] = bool(complaint_score >= self.thresholds["complaint"][0]) and not fields["spam"]
        fields["complaint_score"] = round(complaint_score, 4)
        for signal in SIGNAL_HEADS:
            if signal in probabilities:
                fields[signal] = bool(probabilities[signal][row][0] >= self.thresholds[signal][0]) and not fields["spam"]
        signals = {signal for signal in SIGNAL_HEADS if fields.get(signal)}
        evidence = self.matcher.match(text) if self.matcher is not None and (fields["complaint"] or signals) else []
        topics: list[str] = []
        if fields["complaint"] and "topics" in probabilities:
            found = {item.label for item in evidence} & self.matcher_adds
            hits = probabilities["topics"][row] >= self.thresholds["topics"]
            topics = [label for label, hit in zip(self.head_labels["topics"], hits) if hit or label in found]
        fields["topics"] = topics
        given = {*topics, *signals}
        fields["evidence"] = [item.record() for item in evidence if item.label in given]
        if fields["complaint"] and self.term_weights is not None:
            explained = {item["label"] for item in fields["evidence"]}
            wanted = [("complaint", "complaint"), *(("topics", topic) for topic in topics if topic not in explained)]
            fields["evidence"] = self.term_weights.evidence(text, wanted) + fields["evidence"]
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
        top = max(dialect, key=dialect.get)
        confident = float(probabilities["dialect"][row].max()) >= self.dialect_unknown_below
        record["dialect"] = top if confident else dialect_calibration.UNKNOWN
        record["dialect_scores"] = dialect
        return record

    def _scores(self, head: str, probabilities: dict[str, np.ndarray], row: int) -> dict[str, float]:
        return {label: round(float(p), 4) for label, p in zip(self.head_labels[head], probabilities[head][row])}


class TermWeights:
    """The multi-label heads' learned weight per vocabulary token: the word of a post whose tokens
    weigh most for a label is that label's evidence when no seed phrase explains it."""

    HEADS = ("complaint", "topics")

    def __init__(self, weights: dict[str, np.ndarray], labels: dict[str, list[str]], tokenizer: ModelTokenizer):
        self.weights, self.labels, self.tokenizer = weights, labels, tokenizer
        self.heads = list(weights)
        # word -> its tokens' summed weights, per head (a tuple of per-label floats), or None when
        # the word has no token; filled in batches by `prepare`
        self._cache: dict[str, tuple[tuple[float, ...], ...] | None] = {}

    @classmethod
    def load(cls, model_dir: Path, config: ServingConfig, tokenizer: ModelTokenizer) -> TermWeights | None:
        from safetensors import safe_open

        path = model_dir / "model.safetensors"
        if not path.is_file():
            return None
        with safe_open(str(path), "np") as stored:
            names = [head for head in cls.HEADS if head in config.heads and f"heads.{head}.wide.weight" in stored.keys()]
            weights = {head: stored.get_tensor(f"heads.{head}.wide.weight") for head in names}
        return cls(weights, {head: config.head_labels(head) for head in weights}, tokenizer)

    def evidence(self, text: str, wanted: list[tuple[str, str]]) -> list[dict]:
        """For each (head, label), the word with the largest positive weight, as an evidence item."""
        wanted = [(head, label) for head, label in wanted if head in self.weights]
        if not wanted:
            return []
        words = [(match.start(), match.end(), self._word_scores(match.group())) for match in _WORD_RE.finditer(text)]
        words = [word for word in words if word[2] is not None]
        if not words:
            return []
        items = []
        for head, label in wanted:
            head_index, column = self.heads.index(head), self.labels[head].index(label)
            start, end, scores = max(words, key=lambda word: word[2][head_index][column])  # the first of equals
            if scores[head_index][column] > 0:
                items.append({"label": label, "text": text[start:end], "start": start, "end": end})
        return items

    def prepare(self, texts: Sequence[str]) -> None:
        """Tokenize the words of these texts not seen yet, in one batch (words repeat across posts),
        and keep each word's summed weights per head."""
        if len(self._cache) >= 200_000:
            self._cache.clear()
        new = list({word: None for text in texts for word in _WORD_RE.findall(text) if word not in self._cache})
        if not new:
            return
        normalized = [piece.strip() for piece in normalize_for_model(" \x01 ".join(new)).split("\x01")]
        if len(normalized) != len(new):  # a word held the separator: normalize word by word
            normalized = [normalize_for_model(word) for word in new]
        encoded = self.tokenizer.encode_words([text or "_" for text in normalized])
        kept = [(word, ids) for word, text, ids in zip(new, normalized, encoded) if text and ids]
        for word in new:
            self._cache[word] = None
        if not kept:
            return
        flat = np.fromiter((token for _, ids in kept for token in ids), dtype=np.int64)
        starts = np.cumsum([0] + [len(ids) for _, ids in kept[:-1]])
        sums = [np.add.reduceat(self.weights[head][flat], starts, axis=0).tolist() for head in self.heads]
        for row, (word, _) in enumerate(kept):
            self._cache[word] = tuple(tuple(head_sums[row]) for head_sums in sums)

    def _word_scores(self, word: str) -> tuple[tuple[float, ...], ...] | None:
        if word not in self._cache:
            self.prepare([word])
        return self._cache[word]


def _load_config(model_dir: Path) -> ServingConfig:
    if not model_dir.is_dir():
        raise ModelLoadError(f"model directory {model_dir} does not exist")
    config_file = model_dir / CONFIG_FILE
    if not config_file.is_file():
        raise ModelLoadError(f"model directory {model_dir} has no config.json (not a save_pretrained layout)")
    try:
        raw = json.loads(config_file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ModelLoadError(f"{config_file} is not valid JSON: {error}") from None
    missing = [head for head in REQUIRED_HEADS if head not in (raw.get("heads") or {})]
    if missing:
        raise ModelLoadError(f"{config_file} lacks the classifier heads {missing} (is this a fine-tuned nabd model?)")
    try:
        return ServingConfig(raw)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ModelLoadError(f"{config_file}: malformed `heads` or model fields ({error!r})") from None


def _load_matcher(model_dir: Path):
    """The evidence matcher over the topics the heads were refit with (none when absent)."""
    from nlp.complaints.matcher import TopicMatcher

    path = model_dir / TOPICS_SNAPSHOT
    if not path.is_file():
        logger.warning("%s has no %s: complaint labels will carry no evidence", model_dir, TOPICS_SNAPSHOT)
        return None
    return TopicMatcher.from_file(path)


def _load_class_ngrams(path: Path, head_labels: dict[str, list[str]]) -> ClassNgramChannel:
    from nlp.model.char_ngrams import CharNgramsError

    try:
        return ClassNgramChannel.load(path, head_labels)
    except CharNgramsError as error:
        raise ModelLoadError(str(error)) from None


def _load_spam_model(model_dir: Path):
    from nlp.spam.scorer import SpamModelError, SpamScorer

    try:
        return SpamScorer.load(model_dir)
    except SpamModelError as error:
        raise ModelLoadError(str(error)) from None


def _load_char_ngrams(path: Path, labels: list[str]):
    from nlp.model.char_ngrams import CharNgramModel, CharNgramsError

    try:
        return CharNgramModel.load(path, labels)
    except CharNgramsError as error:
        raise ModelLoadError(str(error)) from None


def _load_tokenizer(model_dir: Path) -> ModelTokenizer:
    try:
        return ModelTokenizer.from_dir(model_dir)
    except ValueError as error:  # missing, corrupt or inconsistent tokenizer files: the message names them
        raise ModelLoadError(f"cannot load the tokenizer in {model_dir}: {error}") from None


class _TorchRunner:
    """Runs the PyTorch model under inference mode; returns logits per head as numpy arrays."""

    def __init__(self, model_dir: Path):
        from transformers.utils import logging as transformers_logging

        from nlp.model.modeling import NabdMultiTaskConfig, NabdMultiTaskModel, register_auto_classes

        register_auto_classes()
        transformers_logging.disable_progress_bar()
        if not any((model_dir / name).is_file() for name in ("model.safetensors", "pytorch_model.bin")):
            raise ModelLoadError(f"model directory {model_dir} has no weights (model.safetensors)")
        try:
            config = NabdMultiTaskConfig.from_pretrained(str(model_dir))
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

    def __init__(self, model_dir: Path):
        import onnxruntime

        path = model_dir / ONNX_FILE
        if not path.is_file():
            raise ModelLoadError(f"model directory {model_dir} has no {ONNX_FILE} (run `nabd export-onnx`)")
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        _check_onnx_is_current(model_dir)
        try:
            self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as error:  # corrupt ONNX file
            raise ModelLoadError(f"cannot load {path}: {error}") from None
        self.head_names = [output.name for output in self.session.get_outputs()]

    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> dict[str, np.ndarray]:
        outputs = self.session.run(None, {"input_ids": input_ids, "attention_mask": attention_mask})
        return dict(zip(self.head_names, outputs))


def weights_digest(model_dir: Path) -> str:
    """SHA-256 of the model's `model.safetensors`."""
    digest = hashlib.sha256()
    with (model_dir / "model.safetensors").open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _check_onnx_is_current(model_dir: Path) -> None:
    """Refuse an ONNX export made from other weights than the directory's (a refit or fine-tuning
    after the export would otherwise be served silently from the old weights)."""
    rerun = f"run `nabd export-onnx --model {model_dir}`"
    try:
        recorded = json.loads((model_dir / ONNX_SOURCE).read_text(encoding="utf-8"))["model.safetensors"]
    except (OSError, ValueError, KeyError, TypeError):
        raise ModelLoadError(f"{model_dir / ONNX_SOURCE}: missing or unreadable, so the ONNX export cannot be "
                             f"matched to model.safetensors; {rerun}") from None
    if not (model_dir / "model.safetensors").is_file() or recorded != weights_digest(model_dir):
        raise ModelLoadError(f"{model_dir / ONNX_FILE} was exported from other weights than "
                             f"{model_dir / 'model.safetensors'}; {rerun}")


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
