#!/usr/bin/env bash
# Byte-compares the answers of two strata binaries on one store: the 18 harness queries (csv)
# and the six reports (csv; compare over March 2024).
#   Benchmarks/compare_outputs.sh OLD_BINARY NEW_BINARY STORE [CORES]
# CORES (default 1) pins both to that many cores with taskset: with one thread DOUBLE sums are
# summed in one order and every output must be identical; with more, DOUBLE sums may differ in
# their last digits between any two runs (parallel summation order).
set -euo pipefail
old=$1 new=$2 store=$3 cores=${4:-1}
root=$(cd "$(dirname "$0")/.." && pwd)
queries=${STRATA_PEER_BENCH:-$root/../shared/bench}/queries
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pin="taskset -c 0-$((cores - 1))"
fails=0 n=0
run() {  # label, then the strata arguments
  local label=$1; shift
  $pin "$old" "$@" > "$work/old" 2>&1 || true
  $pin "$new" "$@" > "$work/new" 2>&1 || true
  n=$((n + 1))
  if ! cmp -s "$work/old" "$work/new"; then echo "DIFF $label"; fails=$((fails + 1)); fi
}
for q in "$queries"/*.sql; do run "$(basename "$q")" query --store "$store" --format csv --file "$q"; done
for r in daily-clicks traffic-sources link-performance campaigns best-time; do
  run "report $r" report --store "$store" clicks "$r" --format csv
done
run "report compare" report --store "$store" clicks compare --from 2024-03-01 --to 2024-04-01 --format csv
echo "$n outputs compared, $fails differ"
[ "$fails" -eq 0 ]
