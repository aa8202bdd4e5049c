#!/usr/bin/env bash
# Install TruthGraph with its test tools and run the whole test suite (unit + integration).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh requirements-test.txt
TRUTHGRAPH_NEED_POSTGRES=1 scripts/services.sh  # the database tests run on SQLite and on PostgreSQL
exec .venv/bin/python -m pytest -p no:cacheprovider "$@"
