#!/usr/bin/env bash
# Soak test: concurrent ingests, checked queries, compaction, deletes, retention, gc and
# random kill -9 against one store for --minutes N, then exact checks.
# Usage: scripts/soak.sh [--minutes N] [--store DIR] [--binary B] [--seed S] [--kill-rate P]
#        [--check-every SECONDS] [--max-rss-mb N] [--keep-going] [--verbose]
# Exit 0 when every check passed, 1 on a violation (the store is kept). See
# docs/reliability-tooling.md#soak.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec python3 "$here/soak.py" "$@"
