#!/usr/bin/env bash
# Installs everything nabd needs into ./.venv; safe to run again (it only adds what is missing).
# Sourced by scripts/demo.sh and scripts/test.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf '\033[1mnabd setup:\033[0m %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

find_python() {
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
      command -v "$candidate"; return 0
    fi
  done
  return 1
}

PYTHON=$(find_python) || die "nabd needs Python 3.11 (python3.11 on PATH)"

if ! command -v uv >/dev/null 2>&1 && ! "$PYTHON" -m uv --version >/dev/null 2>&1; then
  say "installing uv (the package installer) from PyPI"
  "$PYTHON" -m pip install --quiet --disable-pip-version-check uv
fi
UV=(uv); command -v uv >/dev/null 2>&1 || UV=("$PYTHON" -m uv)

if [ ! -x .venv/bin/python ]; then
  say "creating .venv with $PYTHON"
  "${UV[@]}" venv --quiet --python "$PYTHON" .venv
fi
say "installing nabd and its dependencies into .venv (the first time downloads PyTorch: several minutes)"
# `train`: torch and transformers, for `nabd train`, `nabd export-onnx` and the tests (a lean worker leaves
# them out: README, "A lean worker install"). Byte-code is compiled here, once, so that no process (an
# Airflow task, a shell with PYTHONDONTWRITEBYTECODE, a read-only image) compiles site-packages again on
# import: uv compiles what it installs, compileall what an earlier run installed without compiling (a few
# seconds once all is compiled; files that are not Python 3, such as some packages' test data, are skipped).
VIRTUAL_ENV="$PWD/.venv" "${UV[@]}" pip install --quiet --compile-bytecode -e '.[test,train]'
.venv/bin/python -m compileall -qq -j 0 "$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')" || true

# Elasticsearch is fetched and our analysis plugin built with Maven; both need Java 21+.
if ! command -v mvn >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing Maven with apt-get"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq maven >/dev/null
  else
    die "nabd needs Maven (mvn) to fetch Elasticsearch from Maven Central: install it (e.g. apt-get install maven)"
  fi
fi
# The brand-health report prints its PDF with headless Chromium and needs fonts with Arabic glyphs.
if ! command -v chromium >/dev/null 2>&1 && [ -z "${NABD_CHROMIUM:-}" ] || ! fc-list :lang=ar 2>/dev/null | grep -q .; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing Chromium and Noto fonts (Arabic) with apt-get, for the brand-health report"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-core >/dev/null
  else
    die "the brand-health report needs Chromium and an Arabic font: apt-get install chromium fonts-noto-core (or set NABD_CHROMIUM)"
  fi
fi
.venv/bin/python -c 'from index.java import find_java_home; find_java_home(21, need_compiler=True)' \
  || die "see above: install a JDK 21 or newer, or set NABD_JAVA_HOME"
say "ready"
