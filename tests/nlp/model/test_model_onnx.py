"""The int8 ONNX export agrees with the PyTorch model."""

import pytest

from nlp.model.predict import ONNX_FILE, Classifier

from tiny_models import POSTS


def test_export_writes_the_quantized_model_into_the_model_directory(tiny_onnx_model_dir):
    assert (tiny_onnx_model_dir / ONNX_FILE).is_file()
    assert not (tiny_onnx_model_dir / ONNX_FILE.parent / "model.onnx").exists()


def test_onnx_and_torch_give_the_same_labels_and_close_scores(tiny_onnx_model_dir):
    texts = [text for text, *_ in POSTS]
    # small batches: several padded shapes go through the exported graph
    torch_results = Classifier.load(tiny_onnx_model_dir, backend="torch", batch_size=5).classify(texts)
    onnx_results = Classifier.load(tiny_onnx_model_dir, backend="onnx", batch_size=5).classify(texts)
    for expected, actual in zip(torch_results, onnx_results):
        for head in ("scores", "dialect_scores"):
            for label, score in expected[head].items():
                assert actual[head][label] == pytest.approx(score, abs=0.02)
        assert actual["sarcasm_score"] == pytest.approx(expected["sarcasm_score"], abs=0.02)
        for label_key, scores_key in (("sentiment", "scores"), ("dialect", "dialect_scores")):
            if _margin(expected[scores_key]) > 0.04:  # beyond int8 rounding, the label must not move
                assert actual[label_key] == expected[label_key]


def _margin(scores: dict) -> float:
    first, second = sorted(scores.values(), reverse=True)[:2]
    return first - second


def test_an_export_older_than_the_weights_is_refused_with_the_command_that_fixes_it(tiny_onnx_model_dir, tmp_path):
    import shutil

    from safetensors.torch import load_file, save_file

    from nlp.model.onnx_export import export_onnx
    from nlp.model.predict import ModelLoadError

    model_dir = tmp_path / "model"
    shutil.copytree(tiny_onnx_model_dir, model_dir)
    weights = load_file(str(model_dir / "model.safetensors"))
    weights["heads.dialect.bias"] = weights["heads.dialect.bias"] + 1.0  # a refit after the export
    save_file(weights, str(model_dir / "model.safetensors"), metadata={"format": "pt"})
    with pytest.raises(ModelLoadError, match="exported from other weights.*nabd export-onnx"):
        Classifier.load(model_dir, backend="onnx")
    export_onnx(model_dir)
    assert len(Classifier.load(model_dir, backend="onnx").classify(["تمام"])) == 1
    (model_dir / "onnx" / "source.json").unlink()
    with pytest.raises(ModelLoadError, match="source.json: missing"):
        Classifier.load(model_dir, backend="onnx")
