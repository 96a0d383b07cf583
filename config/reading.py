"""Reading one YAML configuration file strictly: duplicate keys, syntax errors, empty files and YAML 1.1 yes/no words are errors."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from config.errors import ConfigError


class _StrictLoader(yaml.SafeLoader):
    """A safe loader that refuses a key written twice in one mapping (YAML keeps only the last)."""


def _construct_unique_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    first_lines: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, (dict, list)):
            continue  # unhashable keys are reported by the base constructor
        if key in first_lines:
            raise yaml.constructor.ConstructorError(
                "while reading a mapping",
                node.start_mark,
                f"found the key {key!r} twice (first on line {first_lines[key]})",
                key_node.start_mark,
            )
        first_lines[key] = key_node.start_mark.line + 1
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


def _construct_yaml_1_2_bool(loader: _StrictLoader, node: yaml.ScalarNode) -> bool:
    """true/false (any case) only: YAML 1.1's yes/no/on/off/y/n are text to a YAML 1.2 reader, so they are refused."""
    word = loader.construct_scalar(node)
    if word.lower() not in ("true", "false"):
        raise YesNoWord(word, node.start_mark)
    return word.lower() == "true"


class YesNoWord(yaml.MarkedYAMLError):
    """An unquoted YAML 1.1 yes/no word (on, off, yes, no, in any case) where readers disagree on its meaning."""

    def __init__(self, word: str, mark: yaml.Mark) -> None:
        super().__init__(problem=(f"{word!r} is a yes/no word that YAML 1.1 reads as a boolean and YAML 1.2 as text: "
                                  f"write true or false for a setting, or quote it ('{word}') for text"), problem_mark=mark)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping)
_StrictLoader.add_constructor("tag:yaml.org,2002:bool", _construct_yaml_1_2_bool)


def display_path(path: Path) -> str:
    """`path` as an analyst would type it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path(os.getcwd()).resolve()))
    except ValueError:
        return str(path)


def read_mapping(path: Path, expected_keys: str) -> dict[str, Any]:
    """The top-level mapping of the YAML file at `path`; `expected_keys` describes it in errors."""
    shown = display_path(path)
    text = _read_text(path, shown)
    try:
        document = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except YesNoWord as error:
        mark = error.problem_mark
        raise ConfigError(f"{shown}: line {mark.line + 1}, column {mark.column + 1}: {error.problem}") from None
    except yaml.MarkedYAMLError as error:
        raise ConfigError(_syntax_message(shown, error)) from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{shown}: invalid YAML: {error}") from None
    if document is None:
        raise ConfigError(f"{shown}: the file is empty; expected a mapping with {expected_keys}")
    if not isinstance(document, dict):
        kind = type(document).__name__
        raise ConfigError(f"{shown}: expected a mapping with {expected_keys} at the top level, got a {kind}")
    return document


def _read_text(path: Path, shown: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        expected = f"expected {path.name} in {display_path(path.parent)}"
        raise ConfigError(f"{shown}: file not found; {expected}") from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"{shown}: expected UTF-8 text, byte {error.start} is not UTF-8") from None
    except OSError as error:
        raise ConfigError(f"{shown}: cannot read the file: {error.strerror}") from None


def _syntax_message(shown: str, error: yaml.MarkedYAMLError) -> str:
    mark = error.problem_mark or error.context_mark
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
    problem = error.problem or error.context or "unreadable"
    hint = ""
    if "'@'" in problem:
        hint = " (quote values that start with @, such as '@SahmTelecom')"
    return f"{shown}: {where}invalid YAML: {problem}{hint}"
