"""`nabd config check` validates a configuration directory and summarises it, or fails with the error."""

from __future__ import annotations

from pathlib import Path

import nabd.cli


def test_config_check_summarises_a_valid_directory(config_dir: Path, capsys):
    assert nabd.cli.main(["config", "check", "--dir", str(config_dir)]) == 0
    output = capsys.readouterr().out
    assert "brands (3): sahm, najm (competitor), rafeeq" in output
    assert "sources (9): enabled demo;" in output
    assert "alert rules (2): sahm_negative_spike -> sahm, rafeeq_negative_spike -> rafeeq" in output


def test_config_check_warns_about_secrets_that_are_not_set(config_dir: Path, capsys, monkeypatch):
    monkeypatch.delenv("NABD_SLACK_WEBHOOK_SAHM_CARE", raising=False)
    assert nabd.cli.main(["config", "check", "--dir", str(config_dir)]) == 0
    assert "warning: NABD_SLACK_WEBHOOK_SAHM_CARE is not set" in capsys.readouterr().out


def test_config_check_fails_with_the_file_key_and_expectation(config_dir: Path, capsys, replace_in):
    replace_in(config_dir / "alerts.yaml", "brand: rafeeq", "brand: rafiq")
    assert nabd.cli.main(["config", "check", "--dir", str(config_dir)]) == 1
    error = capsys.readouterr().err
    assert f"{config_dir / 'alerts.yaml'}: alert_rules[1].brand: expected the id of a brand" in error
    assert "got 'rafiq'" in error
