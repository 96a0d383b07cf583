"""The `nabd` command line: help that reads well, and plain errors instead of tracebacks."""

from __future__ import annotations

import json
import re

import pytest

from nabd.cli import build_parser, main

COMMANDS = {"demo", "config", "es", "index", "search", "crawl", "demo-site", "train", "classify", "eval",
            "export-onnx", "enrich", "trends", "alerts", "report", "kibana", "erase",
            "brand-sense", "brand-sentiment"}


def test_help_lists_every_command_and_where_to_start(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    out = capsys.readouterr().out
    assert exit_info.value.code == 0
    assert {name for name in COMMANDS if not re.search(rf"^    {re.escape(name)}\s", out, re.MULTILINE)} == set()
    assert "nabd demo" in out and 'nabd search "التوصيل"' in out


def test_every_subcommand_has_help_text():
    parser = build_parser()
    choices = parser._subparsers._group_actions[0].choices
    assert set(choices) == COMMANDS
    assert all(sub.format_help().strip() for sub in choices.values())


def test_a_failing_command_prints_one_plain_line_and_exits_non_zero(tmp_path, capsys):
    missing = tmp_path / "nothing-here.jsonl"
    code = main(["index", "load", str(missing)])
    err = capsys.readouterr().err
    assert code == 1
    assert err.strip().splitlines()[-1].startswith("nabd index: error:")
    assert "Traceback" not in err


def test_index_load_and_search_work_from_the_command_line(test_config_dir, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("NABD_CONFIG_DIR", str(test_config_dir))
    mentions = tmp_path / "m.jsonl"
    mentions.write_text(json.dumps({
        "id": "cli-1", "source": "demo", "source_id": "1", "url": "https://forum.nabd-demo.example/posts/1",
        "@timestamp": "2026-11-21T18:00:00Z", "text": "بالتوصيل تأخروا علي أسبوع",
        "brands": [{"id": "rafeeq", "alias": "رفيق", "role": "brand"}]}, ensure_ascii=False) + "\n{oops\n",
        encoding="utf-8")
    assert main(["index", "load", str(mentions)]) == 2          # one line dead-lettered
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (summary["indexed"], summary["malformed"]) == (1, 1)
    assert main(["search", "التوصيل", "--brand", "rafeeq", "--json"]) == 0
    found = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()]
    assert [mention["id"] for mention in found] == ["cli-1"]
