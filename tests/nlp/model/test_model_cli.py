"""The `nabd classify`, `nabd eval` and `nabd export-onnx` commands on tiny models."""

import argparse
import json

import pytest

from nlp import cli

from tiny_models import POSTS


def run_nabd(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="nabd")
    cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.handler(args)


def write_lines(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_classify_writes_one_enriched_mention_per_valid_line_in_order(tiny_onnx_model_dir, tmp_path, capsys):
    source, output = tmp_path / "raw.jsonl", tmp_path / "enriched.jsonl"
    mentions = [{"id": f"m{i}", "text": text, "source": "demo", "nlp": {"complaint": True}}
                for i, (text, *_) in enumerate(POSTS[:5])]
    lines = [json.dumps(m, ensure_ascii=False) for m in mentions]
    lines.insert(2, "{not json")
    lines.insert(4, json.dumps({"id": "no-text"}))
    lines.insert(5, json.dumps(["a", "list"]))
    write_lines(source, lines)

    argv = ["classify", "--input", str(source), "--output", str(output), "--model", str(tiny_onnx_model_dir)]
    assert run_nabd(argv) == 0  # the configured backend, onnx

    written = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert [m["id"] for m in written] == [m["id"] for m in mentions]
    assert all(m["source"] == "demo" and m["nlp"]["complaint"] is True for m in written)
    assert all(m["nlp"]["sentiment"] in {"positive", "negative", "neutral"} for m in written)
    rejects = [json.loads(line) for line in (tmp_path / "enriched.rejects.jsonl").read_text().splitlines()]
    assert [(r["line"], r["reason"].split(":")[0]) for r in rejects] == [
        (3, "invalid JSON"), (5, "missing key 'text'"), (6, "expected a JSON object, got list")]
    assert "5 mentions classified" in capsys.readouterr().out
    assert {oct(path.stat().st_mode & 0o777) for path in (output, tmp_path / "enriched.rejects.jsonl")} == {"0o600"}


def test_classify_without_rejects_removes_a_stale_rejects_file(tiny_onnx_model_dir, tmp_path):
    source, output = tmp_path / "raw.jsonl", tmp_path / "out.jsonl"
    stale = tmp_path / "out.rejects.jsonl"
    stale.write_text('{"line": 1}\n')
    write_lines(source, [json.dumps({"id": "a1", "text": "الخدمة ممتازة"}, ensure_ascii=False)])
    run_nabd(["classify", "--input", str(source), "--output", str(output), "--model", str(tiny_onnx_model_dir)])
    assert not stale.exists()
    assert len(output.read_text().splitlines()) == 1


def test_classify_names_a_missing_input_file(tiny_onnx_model_dir, tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.jsonl does not exist"):
        run_nabd(["classify", "--input", str(tmp_path / "missing.jsonl"), "--output", str(tmp_path / "o.jsonl"),
                  "--model", str(tiny_onnx_model_dir)])


def test_eval_prints_and_writes_the_metrics(tiny_onnx_model_dir, tmp_path, capsys):
    labeled, metrics_path = tmp_path / "dev.jsonl", tmp_path / "metrics.json"
    write_lines(labeled, [json.dumps({"text": t, "sentiment": s, "sarcasm": sc, "dialect": d}, ensure_ascii=False)
                          for t, s, sc, d in POSTS])
    assert run_nabd(["eval", "--input", str(labeled), "--output", str(metrics_path),
                     "--model", str(tiny_onnx_model_dir)]) == 0
    report = json.loads(metrics_path.read_text())
    assert report["sentiment"]["count"] == len(POSTS)
    assert 0.0 <= report["sentiment"]["f1_pn"] <= 1.0
    assert set(report["sentiment_by_dialect"]) == {"msa", "gulf", "egypt", "levant", "maghreb"}
    assert {"sarcasm", "dialect"} <= set(report)
    assert "F1-PN" in capsys.readouterr().out


def test_eval_measures_the_team_hold_out_no_refit_saw(tmp_path, capsys):
    from nlp.complaints.data import team_holdout

    metrics_path = tmp_path / "metrics.json"
    assert run_nabd(["eval", "--team-holdout", "--backend", "onnx", "--output", str(metrics_path)]) == 0
    report = json.loads(metrics_path.read_text())
    assert report["input"].endswith("labeled_posts.jsonl (hold-out)")
    assert report["complaint"]["count"] == len(team_holdout())
    assert set(report["topics"]["per_topic"]) >= {"delivery", "billing_payment", "refund_return"}


def test_export_onnx_command_enables_the_onnx_backend(tiny_tokenizer_dir, tmp_path):
    from nlp.model.predict import Classifier

    from tiny_models import build_tiny_model

    model_dir = build_tiny_model(tiny_tokenizer_dir, tmp_path / "model")
    assert run_nabd(["export-onnx", "--model", str(model_dir)]) == 0
    assert len(Classifier.load(model_dir, backend="onnx").classify(["تمام"])) == 1


def test_train_refuses_unknown_steps():
    with pytest.raises(ValueError, match="unknown step"):
        run_nabd(["train", "--steps", "pretrain,distill"])


def test_train_refuses_a_base_model_that_is_not_a_checkpoint(tmp_path):
    with pytest.raises(FileNotFoundError, match="no config.json"):
        run_nabd(["train", "--base-model", str(tmp_path)])


def test_the_full_recipe_ends_with_the_complaint_heads_and_the_spam_model_and_a_base_model_skips_pretraining(
        tiny_model_dir):
    import argparse

    from nlp.cli import TRAIN_STEPS, _train_steps

    assert TRAIN_STEPS[-2:] == ("heads", "spam")
    args = argparse.Namespace(steps=None, encoder="e5-small", base_model=None)
    assert _train_steps(args) == ["student", "finetune", "calibrate", "heads", "spam"]
    args = argparse.Namespace(steps=None, encoder="scratch", base_model=None)
    assert _train_steps(args) == ["tokenizer", "pretrain", "finetune", "calibrate", "heads", "spam"]
    args = argparse.Namespace(steps="student,finetune,calibrate,heads", encoder="e5-small", base_model=tiny_model_dir)
    assert _train_steps(args) == ["finetune", "calibrate", "heads"]
    args = argparse.Namespace(steps="tokenizer,pretrain", encoder="scratch", base_model=None)
    assert _train_steps(args) == ["tokenizer", "pretrain"]
    with pytest.raises(ValueError, match="another encoder"):
        _train_steps(argparse.Namespace(steps="pretrain,finetune", encoder="e5-small", base_model=None))


def test_train_heads_only_refits_a_copy_and_exports_onnx_with_the_new_heads(tiny_tokenizer_dir, tmp_path, capsys):
    from tiny_models import build_tiny_model, write_complaint_data

    base = build_tiny_model(tiny_tokenizer_dir, tmp_path / "base")
    output = tmp_path / "refit"
    argv = ["train", "--heads-only", "--base-model", str(base), "--output", str(output),
            "--data-dir", str(write_complaint_data(tmp_path / "data")), "--work-dir", str(tmp_path / "work"),
            "--topics", "config/topics.yaml", "--no-team-labels"]

    assert run_nabd(argv) == 0

    assert "complaint heads refit into" in capsys.readouterr().out
    config = json.loads((output / "config.json").read_text())
    assert {"sentiment", "complaint", "topics", "churn_intent", "advocacy", "spam"} <= set(config["heads"])
    assert (output / "onnx" / "model.int8.onnx").is_file() and (output / "topics.yaml").is_file()
    assert json.loads((output / "metrics.json").read_text())["complaint_heads"]["data"]["team"] == 0
    assert (tmp_path / "work" / "dev" / "complaints_silver.jsonl").is_file()
    assert run_nabd(["eval", "--input", str(tmp_path / "work" / "dev" / "complaints_silver.jsonl"),
                     "--model", str(output), "--backend", "onnx"]) == 0
    assert "topics: micro-F1" in capsys.readouterr().out
