"""The model directory's tokenizer for inference: `tokenizer.json` through the `tokenizers` library alone.

It gives the ids training saw through transformers' `AutoTokenizer`
(`tokenizer(texts, truncation=True, max_length=N)["input_ids"]`): special tokens added, the text
truncated so the final special token stays. That holds because `save_pretrained` writes the
tokenizer transformers built into `tokenizer.json`; `nabd export-onnx` checks it for each model.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

TOKENIZER_FILE = "tokenizer.json"
# Where the padding token is named, in the order transformers reads them (then config.json's id).
_PAD_TOKEN_SOURCES = ("tokenizer_config.json", "special_tokens_map.json")


class TokenizerError(ValueError):
    """The model directory's tokenizer files are missing, unreadable or disagree."""


class ModelTokenizer:
    """Encodes texts into the input ids of a model, and words into their subword ids."""

    def __init__(self, backend, pad_token_id: int):
        self.backend = backend  # a `tokenizers.Tokenizer`
        self.pad_token_id = pad_token_id
        self.backend.no_padding()  # padding is the classifier's, per batch
        self.backend.no_truncation()  # set per call, as transformers does
        self._max_length: int | None = None

    @classmethod
    def from_dir(cls, model_dir: Path) -> ModelTokenizer:
        """The tokenizer of a model directory in save_pretrained layout."""
        from tokenizers import Tokenizer

        path = Path(model_dir) / TOKENIZER_FILE
        if not path.is_file():
            raise TokenizerError(f"{path} does not exist (save the tokenizer with save_pretrained)")
        try:
            backend = Tokenizer.from_file(str(path))
        except Exception as error:  # the Rust side's own message: name the file with it
            raise TokenizerError(f"{path} is not a readable tokenizer: {error}") from None
        return cls(backend, pad_token_id(Path(model_dir), backend))

    def encode(self, texts: Sequence[str], max_length: int) -> list[list[int]]:
        """Each text's ids with the special tokens, at most `max_length` of them."""
        if self._max_length != max_length:
            self.backend.enable_truncation(max_length, stride=0, strategy="longest_first", direction="right")
            self._max_length = max_length
        return [encoding.ids for encoding in self.backend.encode_batch(list(texts), add_special_tokens=True)]

    def encode_words(self, texts: Sequence[str]) -> list[list[int]]:
        """Each text's subword ids, no special tokens, not truncated."""
        if self._max_length is not None:
            self.backend.no_truncation()
            self._max_length = None
        return [encoding.ids for encoding in self.backend.encode_batch(list(texts), add_special_tokens=False)]


def pad_token_id(model_dir: Path, backend) -> int:
    """The padding token's id: the token tokenizer_config.json (or special_tokens_map.json) names,
    else the padding tokenizer.json sets, else config.json's `pad_token_id`."""
    for name in _PAD_TOKEN_SOURCES:
        token = _read_json(model_dir / name).get("pad_token")
        if isinstance(token, dict):
            token = token.get("content")
        if token:
            token_id = backend.token_to_id(token)
            if token_id is None:
                raise TokenizerError(f"{model_dir / name}: pad_token {token!r} is not in {TOKENIZER_FILE}")
            return token_id
    if backend.padding is not None:
        return backend.padding["pad_id"]
    token_id = _read_json(model_dir / "config.json").get("pad_token_id")
    if token_id is None:
        raise TokenizerError(f"{model_dir}: no pad_token in {' or '.join(_PAD_TOKEN_SOURCES)} "
                             "and no pad_token_id in config.json")
    return int(token_id)


def _read_json(path: Path) -> dict:
    if not path.is_file():
        return {}
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise TokenizerError(f"{path} is not valid JSON: {error}") from None
    return document if isinstance(document, dict) else {}
