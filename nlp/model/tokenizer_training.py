"""Training the project's WordPiece tokenizer on model-normalized Arabic text."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


@dataclass
class TokenizerArguments:
    """How the WordPiece vocabulary is learned."""

    vocab_size: int = 24000
    min_frequency: int = 3
    limit_alphabet: int = 1000
    model_max_length: int = 128


def train_tokenizer(texts: Iterable[str], output_dir: Path, args: TokenizerArguments) -> Path:
    """Learn a WordPiece vocabulary from already-normalized texts and save it as a
    `BertTokenizerFast` in the standard layout under `output_dir`."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import BertTokenizerFast

    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    # Text arrives through normalize_for_model: no lowercasing or accent stripping here.
    tokenizer.normalizer = normalizers.BertNormalizer(
        clean_text=True, handle_chinese_chars=False, strip_accents=False, lowercase=False
    )
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(
        vocab_size=args.vocab_size,
        min_frequency=args.min_frequency,
        limit_alphabet=args.limit_alphabet,
        special_tokens=SPECIAL_TOKENS,
    )
    tokenizer.train_from_iterator(texts, trainer=trainer)
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B [SEP]",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    tokenizer.decoder = decoders.WordPiece(prefix="##")
    fast = BertTokenizerFast(
        tokenizer_object=tokenizer,
        do_lower_case=False,
        tokenize_chinese_chars=False,
        strip_accents=False,
        model_max_length=args.model_max_length,
    )
    output_dir.mkdir(parents=True, exist_ok=True)
    fast.save_pretrained(str(output_dir))
    logger.info("tokenizer with %d tokens saved to %s", tokenizer.get_vocab_size(), output_dir)
    return output_dir
