#!/usr/bin/env bash
# Install TruthGraph and run it: the API on http://127.0.0.1:${PORT:-8000} and one worker.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh requirements.txt
scripts/services.sh
exec .venv/bin/truthgraph run --port "${PORT:-8000}" "$@"
