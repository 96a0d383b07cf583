"""The configuration error, and turning validation failures into 'file: key: expected …' messages."""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from config.values import SECRET_LIKE_ERROR

Location = Sequence[str | int]

# What an analyst should have written, by pydantic error type.
EXPECTATIONS = {
    "string_type": "expected a text",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "list_type": "expected a list",
    "dict_type": "expected a mapping of keys to values",
    "model_type": "expected a mapping of keys to values",
    "model_attributes_type": "expected a mapping of keys to values",
    "path_type": "expected a file or directory path",
    "missing": "required key is missing",
}


class ConfigError(ValueError):
    """An unreadable or invalid configuration; the message names the file, the key and what was expected."""


def key_path(location: Location) -> str:
    """Render a location such as ('brands', 2, 'timezone') as 'brands[2].timezone'."""
    rendered = ""
    for part in location:
        if isinstance(part, int):
            rendered += f"[{part}]"
        else:
            rendered += f".{part}" if rendered else str(part)
    return rendered


def problem(file: str, location: Location, text: str) -> str:
    """One problem line: the file, the key path (when there is one) and the expectation."""
    key = key_path(location)
    return f"{file}: {key}: {text}" if key else f"{file}: {text}"


def from_validation_error(
    file: str, error: ValidationError, model: type[BaseModel], prefix: Location = ()
) -> ConfigError:
    """A ConfigError listing every problem pydantic found, one line each."""
    lines = [
        problem(file, (*prefix, *detail["loc"]), _describe(detail, model))
        for detail in error.errors(include_url=False)
    ]
    return ConfigError("\n".join(lines))


def _describe(detail: Any, model: type[BaseModel]) -> str:
    kind = detail["type"]
    if kind == "extra_forbidden":
        return _unknown_key(detail["loc"], model)
    text = EXPECTATIONS.get(kind) or _from_context(kind, detail)
    value = detail.get("input")
    if kind in ("missing", SECRET_LIKE_ERROR) or isinstance(value, (dict, list)):
        return text
    return f"{text}, got {value!r}"


def _from_context(kind: str, detail: Any) -> str:
    context = detail.get("ctx", {})
    bounds = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=", "less_than": "<"}
    if kind in bounds:
        limit = next(iter(context.values()))
        return f"expected a number {bounds[kind]} {limit}"
    if kind == "literal_error":
        return f"expected {context['expected']}"
    if kind in ("too_short", "too_long"):
        count = context["min_length"] if kind == "too_short" else context["max_length"]
        bound = "at least" if kind == "too_short" else "at most"
        return f"expected {bound} {count} {'entry' if count == 1 else 'entries'}"
    message: str = detail["msg"]
    return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def _unknown_key(location: Location, model: type[BaseModel]) -> str:
    known = _fields_at(model, location[:-1])
    typo = str(location[-1])
    guess = difflib.get_close_matches(typo, known, n=1)
    if guess:
        return f"unknown key; did you mean '{guess[0]}'?"
    return "unknown key; expected one of: " + ", ".join(known) if known else "unknown key"


def _fields_at(model: type[BaseModel], location: Location) -> list[str]:
    """The field names of the model found by walking `location` down from `model`."""
    current: Any = model
    for part in location:
        current = _unwrap(current)
        if isinstance(part, int):
            arguments = typing.get_args(current)
            current = arguments[0] if arguments else None
        elif isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(part)
            current = field.annotation if field else None
        else:
            return []
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _unwrap(annotation: Any) -> Any:
    """Strip Annotated[...] and Optional[...] around a type."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        present = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        return _unwrap(present[0]) if len(present) == 1 else annotation
    return annotation
