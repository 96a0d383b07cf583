"""What every team-labelled file shares: reading its JSON lines with errors that name file and line,
and a fixed hold-out split chosen by a salted hash of the post's text (no refit may move a post)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from nlp.model.data import post_key

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
    if not path.is_file():
        raise error(f"{path}: labelled file not found")
    labels = []
    with path.open(encoding="utf-8") as stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as problem:
                raise error(f"{where}: invalid JSON ({problem.msg})") from None
            if not isinstance(record, dict):
                raise error(f"{where}: expected a JSON object")
            labels.append(parse(where, record))
    if not labels:
        raise error(f"{path}: no labelled posts")
    return labels
