"""The "onnx" backend, `nabd classify` and `nabd enrich` serve the shipped model without importing
torch or transformers, each in a fresh process; `nabd classify` and `nabd eval` use the configured backend."""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from config.settings import REPO_ROOT
from nlp.model.model_config import ServingConfig
from nlp.model.predict import DEFAULT_MODEL_DIR, Classifier, ModelLoadError

from tiny_models import COMPLAINT_POSTS, POSTS

TEXTS = [text for text, *_ in POSTS] + [text for text, *_ in COMPLAINT_POSTS]
TRAINING_LIBRARIES = ("torch", "transformers")
REPORT_IMPORTS = (  # appended to a script run with -c: the training libraries the process imported
    "\nimport sys\nprint(json.dumps(sorted(name for name in ('torch', 'transformers') if name in sys.modules)))"
)


def run_python(script: str, tmp_path: Path) -> tuple[object, list[str]]:
    """Run `script` (which prints one JSON line) in a fresh interpreter; its output and the training
    libraries it imported."""
    done = subprocess.run([sys.executable, "-c", "import json\n" + script + REPORT_IMPORTS], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300, env=_environment())
    assert done.returncode == 0, done.stderr
    *output, imported = done.stdout.strip().splitlines()
    return (json.loads(output[-1]) if output else None), json.loads(imported)


def _environment() -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if key != "NABD_CONFIG_DIR"}
    environment["PYTHONPATH"] = str(REPO_ROOT)
    return environment


def test_the_onnx_backend_classifies_the_shipped_model_without_torch_or_transformers(tmp_path):
    script = (f"from nlp.model.predict import Classifier\n"
              f"classifier = Classifier.load({str(DEFAULT_MODEL_DIR)!r}, backend='onnx')\n"
              f"print(json.dumps(classifier.classify({TEXTS!r}), ensure_ascii=False))")
    results, imported = run_python(script, tmp_path)
    assert imported == []
    assert results == Classifier.load(DEFAULT_MODEL_DIR, backend="onnx").classify(TEXTS)
    assert any(result["complaint"] and result["evidence"] for result in results)  # matcher and term weights ran


def run_nabd(argv: list[str], tmp_path):
    """`nabd ARGV` through `nabd.cli.main` in a fresh interpreter: its exit code and the heavy modules imported."""
    return run_python(f"from nabd.cli import main\nprint(json.dumps(main({argv!r})))", tmp_path)


def test_nabd_classify_serves_the_configured_onnx_backend_without_torch_or_transformers(tmp_path):
    source, output = tmp_path / "tweets.jsonl", tmp_path / "classified.jsonl"
    source.write_text("".join(json.dumps({"id": f"t{i}", "text": text}, ensure_ascii=False) + "\n"
                              for i, text in enumerate(TEXTS[:10])), encoding="utf-8")
    code, imported = run_nabd(["classify", "--input", str(source), "--output", str(output)], tmp_path)
    assert (code, imported) == (0, [])
    classified = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    version = ServingConfig.from_file(DEFAULT_MODEL_DIR / "config.json").model_version
    assert [mention["nlp"]["model"]["version"] for mention in classified] == [version] * 10


def test_nabd_enrich_classifies_with_the_configured_onnx_backend_without_torch_or_transformers(tmp_path):
    raw, enriched = tmp_path / "raw.jsonl", tmp_path / "enriched.jsonl"
    posts = ["شبكة سهم طايحة من العصر 😡 محد رد علي", "تطبيق رفيق الطلب ما وصل لين الحين",
             "نقلت من نجم موبايل وندمت، التغطية ضعيفة", "الجو اليوم حلو والقهوة أطيب ☕"]
    raw.write_text("".join(json.dumps({
        "id": f"demo:{i}", "source": "demo", "source_id": str(i), "url": f"https://forum.example.sa/t/{i}",
        "@timestamp": "2026-11-21T17:04:05Z", "collected_at": "2026-11-21T18:00:00Z", "text": text,
    }, ensure_ascii=False) + "\n" for i, text in enumerate(posts)), encoding="utf-8")
    code, imported = run_nabd(["enrich", "--input", str(raw), "--output", str(enriched)], tmp_path)
    assert (code, imported) == (0, [])
    mentions = [json.loads(line) for line in enriched.read_text(encoding="utf-8").splitlines()]
    assert len(mentions) == 3 and all(mention["nlp"]["sentiment"] for mention in mentions)


def test_the_serving_config_reads_what_the_pytorch_config_reads(tiny_complaint_model_dir):
    from nlp.model.modeling import NabdMultiTaskConfig

    for directory in (DEFAULT_MODEL_DIR, tiny_complaint_model_dir):
        served = ServingConfig.from_file(directory / "config.json")
        trained = NabdMultiTaskConfig.from_pretrained(str(directory))
        assert served.heads == trained.heads
        for name in trained.heads:
            assert served.head_labels(name) == trained.head_labels(name)
            assert served.head_kind(name) == trained.head_kind(name)
            if trained.head_kind(name) == "multilabel":
                assert served.thresholds(name) == trained.thresholds(name)
                assert served.matcher_adds(name) == trained.matcher_adds(name)
        assert (served.model_name, served.model_version, served.max_position_embeddings, served.pad_token_id) == (
            trained.model_name, trained.model_version, trained.max_position_embeddings, trained.pad_token_id)


@pytest.fixture(scope="module")
def tiny_complaint_model_dir(tiny_tokenizer_dir, tmp_path_factory) -> Path:
    from config.models import TOPIC_IDS
    from tiny_models import build_tiny_complaint_model

    return build_tiny_complaint_model(tiny_tokenizer_dir, tmp_path_factory.mktemp("tiny-complaints"), TOPIC_IDS)


def config_dir_with_backend(tmp_path: Path, backend: str) -> Path:
    directory = tmp_path / f"config-{backend}"
    directory.mkdir()
    settings = yaml.safe_load((REPO_ROOT / "config" / "settings.yaml").read_text(encoding="utf-8"))
    settings["model"]["backend"] = backend
    (directory / "settings.yaml").write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    return directory


@pytest.mark.parametrize("command", ["classify", "eval"])
def test_classify_and_eval_take_the_backend_from_the_settings(command, tiny_tokenizer_dir, tmp_path):
    from nlp.cli import register
    from tiny_models import build_tiny_model

    model_dir = build_tiny_model(tiny_tokenizer_dir, tmp_path / "model")  # no ONNX export
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "a", "text": "الخدمة ممتازة", "sentiment": "positive"}, ensure_ascii=False)
                      + "\n", encoding="utf-8")
    parser = argparse.ArgumentParser(prog="nabd")
    register(parser.add_subparsers(dest="command", required=True))

    def run(backend: str) -> int:
        args = parser.parse_args([command, "--input", str(source), "--output", str(tmp_path / f"{backend}.json"),
                                  "--model", str(model_dir), "--config", str(config_dir_with_backend(tmp_path, backend))])
        return args.handler(args)

    with pytest.raises(ModelLoadError, match="nabd export-onnx"):
        run("onnx")
    assert run("torch") == 0
