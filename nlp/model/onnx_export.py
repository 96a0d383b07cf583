"""Export a trained model directory to ONNX and quantize it to int8 for fast CPU inference."""

from __future__ import annotations

import contextlib
import json
import logging
from pathlib import Path

import torch

from nlp.model.modeling import LogitsTuple, NabdMultiTaskModel
from nlp.model.predict import ONNX_FILE, ONNX_SOURCE, weights_digest

logger = logging.getLogger(__name__)

OPSET = 17


def export_onnx(model_dir: Path, quantize: bool = True) -> Path:
    """Write `onnx/model.onnx` (float32) and `onnx/model.int8.onnx` (dynamic int8) into
    `model_dir`; returns the path the "onnx" backend loads."""
    model_dir = Path(model_dir)
    if not (model_dir / "config.json").is_file():
        raise FileNotFoundError(f"model directory {model_dir} has no config.json")
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
