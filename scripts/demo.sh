#!/usr/bin/env bash
# One command for a newcomer: install everything, then run the whole pipeline on the offline demo.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/bootstrap.sh
exec .venv/bin/nabd demo "$@"
