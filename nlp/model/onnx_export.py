"""Export a trained model directory to ONNX and quantize it to int8 for fast CPU inference."""

from __future__ import annotations

import contextlib
import json
import logging
from pathlib import Path

import torch

from nlp.model.modeling import LogitsTuple, NabdMultiTaskModel, register_auto_classes
from nlp.model.predict import ONNX_FILE, ONNX_SOURCE, weights_digest
from nlp.model.tokenizer import ModelTokenizer
from nlp.normalize import normalize_for_model

logger = logging.getLogger(__name__)

OPSET = 17
# Texts the served tokenizer must encode exactly as training's: dialects, Arabizi, emoji, a hashtag,
# presentation forms, nothing, and a text long enough to be truncated.
TOKENIZER_PROBES = (
    "الخدمة ممتازة والتوصيل سريع 😍", "الطلب موصلش لحد دلوقتي ومحدش بيرد", "واش كاين شي حل الكونكسيون ضعيفة بزاف",
    "Wallah el service 7elw bas ghali 3ashan kda 👏🏽👏🏽", "#خدمة_العملاء @rafeeq_care 100% !!! ﻻ ﷲ", "", " ",
    " ".join(["الفاتورة زادت الضعف وما حد يرد"] * 60),
)
PROBE_MAX_LENGTH = 64


def export_onnx(model_dir: Path, quantize: bool = True) -> Path:
    """Write `onnx/model.onnx` (float32) and `onnx/model.int8.onnx` (dynamic int8) into
    `model_dir`; returns the path the "onnx" backend loads."""
    model_dir = Path(model_dir)
    if not (model_dir / "config.json").is_file():
        raise FileNotFoundError(f"model directory {model_dir} has no config.json")
    check_served_tokenizer(model_dir)
    model = NabdMultiTaskModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()
    float_path = model_dir / ONNX_FILE.parent / "model.onnx"
    float_path.parent.mkdir(parents=True, exist_ok=True)
    _export_float(model, float_path)
    target = model_dir / ONNX_FILE
    if quantize:
        _quantize(float_path, target)
    else:
        target.write_bytes(float_path.read_bytes())
    float_path.unlink()
    (model_dir / ONNX_SOURCE).write_text(json.dumps({"model.safetensors": weights_digest(model_dir)}) + "\n")
    logger.info("ONNX model written to %s (%.1f MB)", target, target.stat().st_size / 1e6)
    return target


def check_served_tokenizer(model_dir: Path) -> None:
    """Refuse a model whose tokenizer.json, read as the "onnx" backend reads it (`tokenizers` alone),
    gives other ids or another padding id than transformers' AutoTokenizer, which training used."""
    from transformers import AutoTokenizer

    register_auto_classes()
    texts = [normalize_for_model(text) for text in TOKENIZER_PROBES]
    trained = AutoTokenizer.from_pretrained(str(model_dir))
    served = ModelTokenizer.from_dir(model_dir)
    expected = trained(texts, truncation=True, max_length=PROBE_MAX_LENGTH)["input_ids"]
    differing = [text for text, ids, got in zip(texts, expected, served.encode(texts, PROBE_MAX_LENGTH)) if ids != got]
    if differing or served.pad_token_id != trained.pad_token_id:
        raise ValueError(f"{model_dir / 'tokenizer.json'} does not encode as the model's AutoTokenizer "
                         f"(texts {[text[:40] for text in differing[:2]]}, padding id {served.pad_token_id} "
                         f"against {trained.pad_token_id}); save it as transformers reads it: "
                         f"AutoTokenizer.from_pretrained('{model_dir}').save_pretrained('{model_dir}')")


def _export_float(model: NabdMultiTaskModel, path: Path) -> None:
    wrapper = LogitsTuple(model).eval()
    input_ids = torch.ones((2, 8), dtype=torch.long)
    attention_mask = torch.ones((2, 8), dtype=torch.long)
    axes = {0: "batch", 1: "sequence"}
    with torch.no_grad():
        torch.onnx.export(
            wrapper,
            (input_ids, attention_mask),
            str(path),
            dynamo=False,
            input_names=["input_ids", "attention_mask"],
            output_names=wrapper.head_names,
            dynamic_axes={"input_ids": axes, "attention_mask": axes, **{name: {0: "batch"} for name in wrapper.head_names}},
            opset_version=OPSET,
        )


def _quantize(source: Path, target: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with _quiet_root_logger():
        quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8)


@contextlib.contextmanager
def _quiet_root_logger():
    """ONNX Runtime's tools log every tensor, and advice, on the root logger: keep errors only."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(level)
