"""Files that may hold personal data: written atomically, created readable by their owner only, rewritten with their mode kept."""

from __future__ import annotations

import os
import stat
import uuid
from pathlib import Path

PRIVATE_MODE = 0o600


def write_atomically(path: Path, content: bytes) -> Path:
    """Replaces `path` with `content` through a temporary file; a new file is 0600, an existing one keeps its mode."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = PRIVATE_MODE
    # A unique name: two writers (workers sharing storage, pods that share process ids) never share it.
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}.partial")
    try:
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE)
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(partial, mode)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def write_text(path: Path, text: str) -> Path:
    """`write_atomically` of UTF-8 text."""
    return write_atomically(path, text.encode("utf-8"))


def make_private(path: Path) -> Path:
    """Narrows a file someone else wrote (a browser's PDF) to 0600."""
    os.chmod(path, PRIVATE_MODE)
    return Path(path)
