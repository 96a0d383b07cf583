"""Fixtures: a tiny tokenizer and tiny random multi-task models, plus a miniature data folder."""

from pathlib import Path

import pytest
from tiny_models import POSTS, build_tiny_model, write_gz_jsonl


@pytest.fixture(scope="session")
def tiny_tokenizer_dir(tmp_path_factory) -> Path:
    from nlp.model.tokenizer_training import TokenizerArguments, train_tokenizer
    from nlp.normalize import normalize_for_model

    directory = tmp_path_factory.mktemp("tokenizer")
    texts = [normalize_for_model(text) for text, *_ in POSTS] * 5
    train_tokenizer(texts, directory, TokenizerArguments(vocab_size=300, min_frequency=1, model_max_length=64))
    return directory


@pytest.fixture(scope="session")
def tiny_model_dir(tiny_tokenizer_dir, tmp_path_factory) -> Path:
    return build_tiny_model(tiny_tokenizer_dir, tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture(scope="session")
def tiny_onnx_model_dir(tiny_model_dir) -> Path:
    from nlp.model.onnx_export import export_onnx

    export_onnx(tiny_model_dir)
    return tiny_model_dir


@pytest.fixture(scope="session")
def tiny_mlm_dir(tiny_tokenizer_dir, tmp_path_factory) -> Path:
    """A tiny random BertForMaskedLM, as pretraining leaves it (for fine-tuning tests)."""
    from transformers import AutoTokenizer, BertConfig, BertForMaskedLM

    directory = tmp_path_factory.mktemp("tiny-mlm")
    tokenizer = AutoTokenizer.from_pretrained(str(tiny_tokenizer_dir))
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=64, pad_token_id=tokenizer.pad_token_id)
    BertForMaskedLM(config).save_pretrained(str(directory))
    tokenizer.save_pretrained(str(directory))
    return directory


@pytest.fixture(scope="session")
def mini_data_dir(tmp_path_factory) -> Path:
    """ArSarcasm-shaped and ASTD-shaped files (the second repeats some posts of the first)."""
    directory = tmp_path_factory.mktemp("data")
    arsarcasm = [
        {"id": f"arsarcasm_v2:training:{i:05d}", "text": f"{text} {i}", "sentiment": sentiment,
         "sarcasm": sarcasm, "dialect": dialect}
        for i, (text, sentiment, sarcasm, dialect) in enumerate(POSTS * 4)
    ]
    astd = [
        {"id": f"astd:{i:05d}", "text": record["text"], "sentiment": record["sentiment"], "sarcasm": None,
         "dialect": None}
        for i, record in enumerate(arsarcasm[:20])
    ]
    write_gz_jsonl(directory / "arsarcasm_v2_train.jsonl.gz", arsarcasm)
    write_gz_jsonl(directory / "astd.jsonl.gz", astd)
    return directory
