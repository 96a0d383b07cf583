"""The multi-task classifier: one shared BERT encoder and a registry of classification heads."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from transformers import BertConfig, BertModel, BertPreTrainedModel

MULTICLASS = "multiclass"  # one label per text: softmax (the only kind the heads use so far)


@dataclass(frozen=True)
class HeadSpec:
    """What a head predicts: its kind and its label names, in output order."""

    kind: str
    labels: tuple[str, ...]


# The head registry. Later heads (complaint, churn_intent, advocacy, spam; topics with a
# multi-label kind) register here with their label sets; a model is built with any subset.
HEAD_REGISTRY: dict[str, HeadSpec] = {
    "sentiment": HeadSpec(MULTICLASS, ("negative", "neutral", "positive")),
    "sarcasm": HeadSpec(MULTICLASS, ("false", "true")),
    "dialect": HeadSpec(MULTICLASS, ("msa", "gulf", "egypt", "levant", "maghreb")),
}
DEFAULT_HEADS = ("sentiment", "sarcasm", "dialect")


def heads_config(names=DEFAULT_HEADS) -> dict[str, dict]:
    """The `heads` entry of the config for the named registry heads (id2label per head)."""
    unknown = [name for name in names if name not in HEAD_REGISTRY]
    if unknown:
        raise ValueError(f"unknown heads {unknown}; registered: {sorted(HEAD_REGISTRY)}")
    return {
        name: {"kind": HEAD_REGISTRY[name].kind, "id2label": dict(enumerate(HEAD_REGISTRY[name].labels))}
        for name in names
    }


class NabdMultiTaskConfig(BertConfig):
    """A BERT config plus `heads` ({name: {kind, id2label}}) and the model's name and version."""

    model_type = "nabd-multitask-bert"

    def __init__(self, heads: dict | None = None, model_name: str = "nabd-arabic-mini",
                 model_version: str = "0", **kwargs):
        super().__init__(**kwargs)
        self.heads = {name: _head_entry(entry) for name, entry in (heads or heads_config()).items()}
        self.model_name = model_name
        self.model_version = model_version

    def head_labels(self, name: str) -> list[str]:
        id2label = self.heads[name]["id2label"]
        return [id2label[str(index)] if str(index) in id2label else id2label[index] for index in range(len(id2label))]


def _head_entry(entry: dict) -> dict:
    # JSON turns integer keys into strings; keep them as strings everywhere for one shape.
    return {"kind": entry["kind"], "id2label": {str(key): value for key, value in entry["id2label"].items()}}


@dataclass
class MultiTaskOutput:
    """Logits per head, in the order of `config.heads`."""

    logits: dict[str, torch.Tensor]


class NabdMultiTaskModel(BertPreTrainedModel):
    """Shared encoder, masked mean pooling, one linear head per configured task."""

    config_class = NabdMultiTaskConfig
    base_model_prefix = "bert"

    def __init__(self, config: NabdMultiTaskConfig):
        super().__init__(config)
        self.bert = BertModel(config, add_pooling_layer=False)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)
        self.heads = nn.ModuleDict(
            {name: nn.Linear(config.hidden_size, len(entry["id2label"])) for name, entry in config.heads.items()}
        )
        self.post_init()

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                token_type_ids: torch.Tensor | None = None) -> MultiTaskOutput:
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        hidden = self.bert(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state
        pooled = self.dropout(mean_pool(hidden, attention_mask))
        return MultiTaskOutput(logits={name: head(pooled) for name, head in self.heads.items()})


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Average the token vectors of real (non-padding) tokens."""
    weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)


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
