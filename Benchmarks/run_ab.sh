#!/usr/bin/env bash
# A/B of two strata binaries on one store, alternated in the same window (this machine drifts
# by up to 1.5x over an hour, so only alternated runs compare).
#   Benchmarks/run_ab.sh OLD_BINARY NEW_BINARY STORE [PAIRS]
# Per harness query: PAIRS alternations (default 6) of `strata bench` (1 warm-up + 5 runs,
# median) with the query alone; per report (daily-clicks, traffic-sources, link-performance):
# PAIRS+4 alternations of the whole `strata report … --format csv > /dev/null` process (wall and
# CPU time). Prints median per query and report, new/old ratios and the geometric mean.
# The store must hold the harness table `clicks` (run_macro.sh builds one under /tmp/bench-data).
set -euo pipefail
if [ ! -c /dev/null ]; then echo "error: /dev/null is not a character device" >&2; exit 1; fi
old=$1 new=$2 store=$3 pairs=${4:-6}
root=$(cd "$(dirname "$0")/.." && pwd)
queries=${STRATA_PEER_BENCH:-$root/../shared/bench}/queries
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for f in "$queries"/*.sql; do
  rm -rf "$work/q" && mkdir -p "$work/q" && cp "$f" "$work/q/"
  for _ in $(seq "$pairs"); do
    for v in old new; do
      bin=$old; [ $v = new ] && bin=$new
      "$bin" bench --store "$store" --queries "$work/q" --runs 5 --warmup 1 | awk -v v=$v '/^\| q/ {print "q", v, $2, $4}'
    done
  done
done >> "$work/times"
for r in daily-clicks traffic-sources link-performance; do
  for _ in $(seq $((pairs + 4))); do
    for v in old new; do
      bin=$old; [ $v = new ] && bin=$new
      /usr/bin/time -f "r $v $r %e %U %S" "$bin" report --store "$store" clicks $r --format csv 2>>"$work/times" >/dev/null
    done
  done
done
python3 - "$work/times" <<'PY'
import collections, math, statistics, sys
q = collections.defaultdict(lambda: collections.defaultdict(list))
r = collections.defaultdict(lambda: collections.defaultdict(list))
for line in open(sys.argv[1]):
    f = line.split()
    if f[0] == "q" and f[2] != "query":
        q[f[2]][f[1]].append(float(f[3]))
    elif f[0] == "r":
        r[f[2]][f[1]].append((float(f[3]), float(f[4]) + float(f[5])))
lo, ln = [], []
print("| query | old ms | new ms | new/old |\n| --- | --- | --- | --- |")
for name in sorted(q):
    o, n = statistics.median(q[name]["old"]), statistics.median(q[name]["new"])
    lo.append(math.log(o)); ln.append(math.log(n))
    print(f"| {name} | {o*1e3:.3f} | {n*1e3:.3f} | {n/o:.2f} |")
print(f"\ngeometric mean: old {math.exp(statistics.mean(lo))*1e3:.2f} ms, new {math.exp(statistics.mean(ln))*1e3:.2f} ms, "
      f"new/old {math.exp(statistics.mean(ln) - statistics.mean(lo)):.3f}\n")
print("| report | old wall s | new wall s | new/old | old CPU s | new CPU s |\n| --- | --- | --- | --- | --- | --- |")
for name in r:
    ow, nw = (statistics.median(x[0] for x in r[name][v]) for v in ("old", "new"))
    oc, nc = (statistics.median(x[1] for x in r[name][v]) for v in ("old", "new"))
    print(f"| {name} | {ow:.3f} | {nw:.3f} | {nw/ow:.2f} | {oc:.3f} | {nc:.3f} |")
PY
