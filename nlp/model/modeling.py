"""The multi-task classifier: one shared BERT encoder and a registry of classification heads."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from transformers import BertConfig, BertModel, BertPreTrainedModel

from config.models import TOPIC_IDS
from nlp.model.model_config import DEFAULT_THRESHOLD, MULTICLASS, MULTILABEL, HeadsReader, head_entry


@dataclass(frozen=True)
class HeadSpec:
    """What a head predicts: its kind and its label names, in output order."""

    kind: str
    labels: tuple[str, ...]
    wide: bool = False  # multi-class heads: add a learned weight per vocabulary token (see WideClassHead)


# The head registry; a model is built with any subset. The complaint heads are multi-label: a
# binary head has one label, `topics` one label per complaint topic (the fixed ids of DESIGN.md §3;
# an analyst's topics.yaml may add more, see `heads_config(labels=...)`).
HEAD_REGISTRY: dict[str, HeadSpec] = {
    "sentiment": HeadSpec(MULTICLASS, ("negative", "neutral", "positive"), wide=True),
    "sarcasm": HeadSpec(MULTICLASS, ("false", "true")),
    "dialect": HeadSpec(MULTICLASS, ("msa", "gulf", "egypt", "levant", "maghreb")),
    "complaint": HeadSpec(MULTILABEL, ("complaint",)),
    "topics": HeadSpec(MULTILABEL, TOPIC_IDS),
    "churn_intent": HeadSpec(MULTILABEL, ("churn_intent",)),
    "advocacy": HeadSpec(MULTILABEL, ("advocacy",)),
    "spam": HeadSpec(MULTILABEL, ("spam",)),
}
DEFAULT_HEADS = ("sentiment", "sarcasm", "dialect")
COMPLAINT_HEADS = ("complaint", "topics", "churn_intent", "advocacy", "spam")


def heads_config(names=DEFAULT_HEADS, labels: dict[str, tuple[str, ...]] | None = None) -> dict[str, dict]:
    """The `heads` entry of the config for the named registry heads (id2label per head; a
    threshold per label for multi-label heads). `labels` replaces a head's label set."""
    unknown = [name for name in names if name not in HEAD_REGISTRY]
    if unknown:
        raise ValueError(f"unknown heads {unknown}; registered: {sorted(HEAD_REGISTRY)}")
    entries = {}
    for name in names:
        spec = HEAD_REGISTRY[name]
        head_labels = tuple((labels or {}).get(name, spec.labels))
        entry = {"kind": spec.kind, "id2label": dict(enumerate(head_labels))}
        if spec.kind == MULTILABEL:
            entry["thresholds"] = dict.fromkeys(head_labels, DEFAULT_THRESHOLD)
        elif spec.wide:
            entry["wide"] = True
        entries[name] = entry
    return entries


class NabdMultiTaskConfig(HeadsReader, BertConfig):
    """A BERT config plus `heads` ({name: {kind, id2label}}) and the model's name and version."""

    model_type = "nabd-multitask-bert"

    def __init__(self, heads: dict | None = None, model_name: str = "nabd-arabic-mini",
                 model_version: str = "0", **kwargs):
        super().__init__(**kwargs)
        self.heads = {name: head_entry(entry) for name, entry in (heads or heads_config()).items()}
        self.model_name = model_name
        self.model_version = model_version


@dataclass
class MultiTaskOutput:
    """Logits per head, in the order of `config.heads`."""

    logits: dict[str, torch.Tensor]


class MultiLabelHead(nn.Module):
    """A sigmoid head read from the encoder two ways: a linear layer over the masked mean and max
    of the token vectors (deep), plus a learned weight per label for each vocabulary token (wide,
    a bag of the tokenizer's subwords, scaled by 1/sqrt(length)) that keeps rare cue words."""

    def __init__(self, hidden_size: int, vocab_size: int, num_labels: int):
        super().__init__()
        self.deep = nn.Linear(2 * hidden_size, num_labels)
        self.wide = nn.Embedding(vocab_size, num_labels)

    def forward(self, features: torch.Tensor, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.deep(features) + wide_logits(self.wide, input_ids, attention_mask, features.dtype)


class WideClassHead(nn.Module):
    """A softmax head read two ways: a linear layer over the masked mean of the token vectors
    (deep), plus a learned weight per label for each vocabulary token (wide, as in MultiLabelHead).
    The small encoder blurs strong sentiment words; the wide part keeps them."""

    def __init__(self, hidden_size: int, vocab_size: int, num_labels: int):
        super().__init__()
        self.deep = nn.Linear(hidden_size, num_labels)
        self.wide = nn.Embedding(vocab_size, num_labels)

    def forward(self, pooled: torch.Tensor, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.deep(pooled) + wide_logits(self.wide, input_ids, attention_mask, pooled.dtype)


def wide_logits(weights: nn.Embedding, input_ids: torch.Tensor, attention_mask: torch.Tensor, dtype) -> torch.Tensor:
    """The sum of the real tokens' per-label weights, scaled by 1/sqrt(number of tokens)."""
    mask = attention_mask.unsqueeze(-1).to(dtype)
    return (weights(input_ids) * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0).sqrt()


class NabdMultiTaskModel(BertPreTrainedModel):
    """Shared encoder, masked mean pooling, one linear head per multi-class task and a
    MultiLabelHead per multi-label task."""

    config_class = NabdMultiTaskConfig
    base_model_prefix = "bert"

    def __init__(self, config: NabdMultiTaskConfig):
        super().__init__(config)
        self.bert = BertModel(config, add_pooling_layer=False)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)
        self.heads = nn.ModuleDict({name: self._new_head(entry) for name, entry in config.heads.items()})
        self.post_init()

    def _new_head(self, entry: dict) -> nn.Module:
        size = len(entry["id2label"])
        if entry["kind"] == MULTILABEL:
            return MultiLabelHead(self.config.hidden_size, self.config.vocab_size, size)
        if entry.get("wide"):
            return WideClassHead(self.config.hidden_size, self.config.vocab_size, size)
        return nn.Linear(self.config.hidden_size, size)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                token_type_ids: torch.Tensor | None = None) -> MultiTaskOutput:
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        hidden = self.bert(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state
        return MultiTaskOutput(logits=self.head_logits(hidden, input_ids, attention_mask))

    def head_logits(self, hidden: torch.Tensor, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> dict:
        """Every head's logits from the encoder's last hidden states."""
        pooled = mean_pool(hidden, attention_mask)
        features = None
        logits = {}
        for name, head in self.heads.items():
            if isinstance(head, MultiLabelHead):
                if features is None:
                    features = self.dropout(pooled_features(hidden, attention_mask, pooled))
                logits[name] = head(features, input_ids, attention_mask)
            elif isinstance(head, WideClassHead):
                logits[name] = head(self.dropout(pooled), input_ids, attention_mask)
            else:
                logits[name] = head(self.dropout(pooled))
        return logits


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Average the token vectors of real (non-padding) tokens."""
    weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)


def pooled_features(hidden: torch.Tensor, attention_mask: torch.Tensor, mean: torch.Tensor | None = None) -> torch.Tensor:
    """The multi-label heads' input: masked mean and masked max of the token vectors, concatenated."""
    if mean is None:
        mean = mean_pool(hidden, attention_mask)
    padding = (attention_mask == 0).unsqueeze(-1)
    maximum = hidden.masked_fill(padding, -1e4).max(dim=1).values
    return torch.cat([mean, maximum], dim=-1)


class LogitsTuple(nn.Module):
    """Wraps the model so it returns a tuple of logits in head order (for ONNX export)."""

    def __init__(self, model: NabdMultiTaskModel):
        super().__init__()
        self.model = model
        self.head_names = list(model.config.heads)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, ...]:
        logits = self.model(input_ids=input_ids, attention_mask=attention_mask).logits
        return tuple(logits[name] for name in self.head_names)


def register_auto_classes() -> None:
    """Let `AutoConfig`/`AutoModel` (and tokenizer loading, which reads the config) know our type."""
    from transformers import AutoConfig, AutoModel

    AutoConfig.register(NabdMultiTaskConfig.model_type, NabdMultiTaskConfig, exist_ok=True)
    AutoModel.register(NabdMultiTaskConfig, NabdMultiTaskModel, exist_ok=True)
