"""The served tokenizer (`tokenizers` alone) gives the ids transformers' AutoTokenizer gives, for
the shipped WordPiece model and for a SentencePiece-Unigram tokenizer of the XLM-R kind."""

import json
from pathlib import Path

import pytest

from nlp.complaints.data import TEAM_LABELS_FILE
from nlp.model.predict import DEFAULT_MODEL_DIR
from nlp.model.tokenizer import ModelTokenizer, TokenizerError
from nlp.normalize import normalize_for_model

from tiny_models import COMPLAINT_POSTS, POSTS

EDGE_TEXTS = [
    "", " ", "\n\t ", "😍", "👍🏽👍🏽👍🏽", "👨‍👩‍👧", "🇸🇦🇪🇬", "ﻻ", "﷼ ﷽", "١٢٣ ۴۵۶ 789", "مـــــرحبا",
    "Wallah el service 7elw bas ghali 3ashan kda", "sa7m el network za3'al mafi shabaka",
    "#خدمة_العملاء @SahmCare https://t.co/abc123", "ك\u200dلام \u200fمخفي\u2066", "中文 和 日本語", "Ünïcödé façade",
    "الخدمةممتازةوالتوصيلسريعجداجداجداجداجداجداجداجداجداجداجداجداجداجداجداجدا", "a" * 300, "!!!???...,,,",
    "أَهْلًا وَسَهْلًا بِكُمْ", "\x00\x01 control \x7f", "[CLS] [SEP] [PAD] <s> </s> <pad>",
]


def varied_texts() -> list[str]:
    """Real posts (dialects, reviews), edge cases, and long texts that are truncated."""
    posts = [json.loads(line)["text"] for line in TEAM_LABELS_FILE.read_text(encoding="utf-8").splitlines()[:240]]
    short = [text for text, *_ in POSTS] + [text for text, *_ in COMPLAINT_POSTS]
    long = [" ".join(posts[index : index + 12]) for index in range(0, 120, 12)]
    return posts + short + EDGE_TEXTS + long


def autotokenizer(directory: Path):
    from transformers import AutoTokenizer

    from nlp.model.modeling import register_auto_classes

    register_auto_classes()  # a model directory's config.json names our model type
    return AutoTokenizer.from_pretrained(str(directory))


def assert_same_ids(directory: Path, texts: list[str]) -> ModelTokenizer:
    trained, served = autotokenizer(directory), ModelTokenizer.from_dir(directory)
    assert served.pad_token_id == trained.pad_token_id
    for max_length in (128, 24, 4):
        expected = trained(texts, truncation=True, max_length=max_length)["input_ids"]
        assert served.encode(texts, max_length) == expected
    assert served.encode_words(texts) == trained(texts, add_special_tokens=False)["input_ids"]
    return served


def test_the_shipped_model_gets_autotokenizers_ids_for_raw_and_normalized_texts():
    texts = varied_texts()
    assert len(texts) >= 280
    served = assert_same_ids(DEFAULT_MODEL_DIR, texts + [normalize_for_model(text) for text in texts])
    truncated = served.encode(texts[-10:], 128)
    assert all(len(ids) == 128 and ids[0] == 2 and ids[-1] == 3 for ids in truncated)  # [CLS] … [SEP]
    assert served.pad_token_id == 0


def test_the_tiny_models_tokenizer_matches_too(tiny_model_dir):
    assert_same_ids(tiny_model_dir, varied_texts()[:80])


SPECIALS = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]


def train_unigram():
    """A small SentencePiece-Unigram tokenizer as XLM-R has it: Metaspace, `<s> … </s>`, pad id 1."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

    tokenizer = Tokenizer(models.Unigram())
    tokenizer.normalizer = normalizers.NFKC()
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")])
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    corpus = [normalize_for_model(text) for text in varied_texts()[:200]]
    trainer = trainers.UnigramTrainer(vocab_size=400, special_tokens=SPECIALS, unk_token="<unk>", show_progress=False)
    tokenizer.train_from_iterator(corpus, trainer=trainer)
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", tokenizer.token_to_id("<s>")), ("</s>", tokenizer.token_to_id("</s>"))])
    return tokenizer


def save_generic(tokenizer, directory: Path) -> Path:
    from transformers import PreTrainedTokenizerFast

    PreTrainedTokenizerFast(tokenizer_object=tokenizer, bos_token="<s>", eos_token="</s>", cls_token="<s>",
                            sep_token="</s>", pad_token="<pad>", unk_token="<unk>", mask_token="<mask>",
                            ).save_pretrained(str(directory))
    return directory


def save_as_xlm_roberta_then_as_fine_tuning_does(tokenizer, directory: Path) -> Path:
    """XLMRobertaTokenizer rebuilds its pipeline on loading; fine-tuning loads the base model's
    tokenizer with AutoTokenizer and saves that next to the weights."""
    from transformers import AutoTokenizer, XLMRobertaTokenizer

    XLMRobertaTokenizer(tokenizer_object=tokenizer).save_pretrained(str(directory / "base"))
    AutoTokenizer.from_pretrained(str(directory / "base")).save_pretrained(str(directory / "model"))
    return directory / "model"


@pytest.mark.parametrize("save", [save_generic, save_as_xlm_roberta_then_as_fine_tuning_does])
def test_a_sentencepiece_unigram_tokenizer_gets_autotokenizers_ids(save, tmp_path):
    tokenizer = train_unigram()
    assert [tokenizer.token_to_id(token) for token in SPECIALS] == [0, 1, 2, 3, 4]
    directory = save(tokenizer, tmp_path)
    texts = varied_texts()
    served = assert_same_ids(directory, texts + [normalize_for_model(text) for text in texts])
    assert served.pad_token_id == 1
    assert all(ids[0] == 0 and ids[-1] == 2 and len(ids) == 24 for ids in served.encode(texts[-10:], 24))


def test_the_padding_id_falls_back_to_config_json_when_no_tokenizer_file_names_a_pad_token(tmp_path):
    tokenizer = train_unigram()
    tokenizer.save(str(tmp_path / "tokenizer.json"))
    with pytest.raises(TokenizerError, match="no pad_token"):
        ModelTokenizer.from_dir(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps({"pad_token_id": 1}))
    assert ModelTokenizer.from_dir(tmp_path).pad_token_id == 1
    (tmp_path / "tokenizer_config.json").write_text(json.dumps({"pad_token": {"content": "<mask>"}}))
    assert ModelTokenizer.from_dir(tmp_path).pad_token_id == 4


def test_a_pad_token_missing_from_the_vocabulary_is_named(tmp_path):
    train_unigram().save(str(tmp_path / "tokenizer.json"))
    (tmp_path / "tokenizer_config.json").write_text(json.dumps({"pad_token": "[PAD]"}))
    with pytest.raises(TokenizerError, match=r"pad_token '\[PAD\]' is not in tokenizer.json"):
        ModelTokenizer.from_dir(tmp_path)


def test_the_export_refuses_a_tokenizer_json_that_transformers_reads_differently(tmp_path):
    from nlp.model.onnx_export import check_served_tokenizer

    from tokenizers import pre_tokenizers

    # written by hand, words split on spaces only: XLMRobertaTokenizer puts its own Metaspace back on loading
    tokenizer = train_unigram()
    tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer.save(str(tmp_path / "tokenizer.json"))
    tokenizer_config = {"tokenizer_class": "XLMRobertaTokenizer", "pad_token": "<pad>"}
    (tmp_path / "tokenizer_config.json").write_text(json.dumps(tokenizer_config))
    with pytest.raises(ValueError, match="does not encode as the model's AutoTokenizer"):
        check_served_tokenizer(tmp_path)
    check_served_tokenizer(DEFAULT_MODEL_DIR)  # the shipped model passes
