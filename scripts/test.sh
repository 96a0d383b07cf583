#!/usr/bin/env bash
# One command for the test suite: install everything, then run every test. The tests start their
# own Elasticsearch node (port 9250) through the project's code, or use $NABD_ES_URL when set.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/bootstrap.sh
exec .venv/bin/pytest "$@"
