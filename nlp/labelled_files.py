"""What every team-labelled file shares: reading its JSON lines with errors that name file and line,
and a fixed hold-out split chosen by a salted hash of the post's text (no refit may move a post)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from nlp.model.data import DataError, post_key, read_jsonl

Label = TypeVar("Label")


def salted_split(salt: str, sixteenths: int, text: str, *keys: str) -> str:
    """`holdout` for `sixteenths`/16 of posts by a salted hash of the matching-normalized text (and
    `keys`, e.g. the word a post was drawn for), else `train`."""
    digest = hashlib.sha1("\x1f".join((salt, *keys, post_key(text))).encode()).hexdigest()
    return "holdout" if int(digest[0], 16) < sixteenths else "train"


def read_labelled_lines(path: Path, parse: Callable[[str, dict], Label], error: type[ValueError]) -> list[Label]:
    """`parse(where, record)` of every non-blank line of `path` (`where` is "file:line"); a missing or
    empty file, a line that is not a JSON object, or what `parse` refuses raises `error` naming it."""
    path = Path(path)
    try:
        labels = [parse(f"{path}:{number}", record) for number, record in read_jsonl(path)]
    except DataError as problem:
        raise error(str(problem)) from None
    if not labels:
        raise error(f"{path}: no labelled posts")
    return labels
