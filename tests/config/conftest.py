"""Fixtures for the configuration tests: a writable copy of the shipped demo configuration."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from config.loader import DEFAULT_CONFIG_DIR


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """A copy of the shipped YAML files that a test may break."""
    target = tmp_path / "config"
    target.mkdir()
    for path in DEFAULT_CONFIG_DIR.glob("*.yaml"):
        shutil.copy(path, target / path.name)
    return target


def _replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} should occur once in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def replace_in() -> Callable[[Path, str, str], None]:
    """Edit a configuration file in place; the edit must apply exactly once."""
    return _replace_in
