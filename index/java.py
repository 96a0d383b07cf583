"""Finds a Java installation recent enough for Elasticsearch (and a compiler for our plugin)."""

from __future__ import annotations

import glob
import logging
import os
import re
import subprocess
from pathlib import Path

log = logging.getLogger(__name__)

ENV_VARS = ("NABD_JAVA_HOME", "ES_JAVA_HOME", "JAVA_HOME")
SEARCH_GLOBS = ("/usr/lib/jvm/*", "/usr/local/lib/jvm/*", "/opt/java/*", "/opt/jdk*")


class JavaNotFound(RuntimeError):
    """No Java of the needed version is installed where nabd looks."""


def java_major(java_home: Path) -> int | None:
    """The major version of the `java` in `java_home`, or None when it does not run."""
    executable = java_home / "bin" / "java"
    if not executable.exists():
        return None
    try:
        result = subprocess.run([str(executable), "-version"], capture_output=True, text=True, timeout=30)
    except OSError:
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', result.stderr + result.stdout)
    if not match:
        return None
    major = int(match.group(1))
    return int(match.group(2)) if major == 1 and match.group(2) else major


def candidates() -> list[Path]:
    """Java homes in the order nabd prefers them: explicit settings first, then the system's."""
    found = [Path(os.environ[name]) for name in ENV_VARS if os.environ.get(name)]
    for pattern in SEARCH_GLOBS:
        found.extend(Path(p) for p in sorted(glob.glob(pattern), reverse=True))
    unique: list[Path] = []
    for home in found:
        if home.resolve() not in [u.resolve() for u in unique]:
            unique.append(home)
    return unique


def find_java_home(min_major: int, need_compiler: bool) -> Path:
    """The first candidate with Java >= `min_major` (and `javac` when `need_compiler`)."""
    seen = []
    for home in candidates():
        major = java_major(home)
        seen.append(f"{home} ({'Java ' + str(major) if major else 'not a Java home'})")
        if major is None or major < min_major:
            continue
        if need_compiler and not (home / "bin" / "javac").exists():
            continue
        return home
    what = "a JDK (with javac)" if need_compiler else "a Java runtime"
    raise JavaNotFound(
        f"nabd needs {what} version {min_major} or newer for Elasticsearch; looked at: "
        f"{', '.join(seen) or 'nothing'}. Install one (for example a Temurin {min_major}+ JDK) "
        f"or point NABD_JAVA_HOME at it."
    )
