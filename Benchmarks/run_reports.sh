#!/usr/bin/env bash
# Report benchmark: every `strata report` on the harness click log, timed end to end (CSV
# written to /dev/null), next to DuckDB running the same SQL (`--show-sql`) over the same data
# in the same run. DuckDB is set to 2 threads; Strata uses every core (2 here).
#   Benchmarks/run_reports.sh [ROWS] [RUNS]        (default: 10000000 5)
# Needs the store that Benchmarks/run_macro.sh builds (/tmp/bench-data/strata-clicks_<N>k,
# built here through the peer harness when missing). Writes Benchmarks/results/reports-<N>k.md.
set -euo pipefail
# output goes to /dev/null: a regular file there (left by a tool that replaced it) would time
# writing every result to disk
if [ ! -c /dev/null ]; then echo "error: /dev/null is not a character device (recreate it: rm /dev/null && mknod -m 666 /dev/null c 1 3)" >&2; exit 1; fi
root=$(cd "$(dirname "$0")/.." && pwd)
bench=${STRATA_PEER_BENCH:-$root/../shared/bench}
export PATH=/opt/swift/usr/bin:$PATH
PY=/tmp/peers/bin/python
data=/tmp/bench-data
rows=${1:-10000000}
runs=${2:-5}
name=$((rows / 1000))k
csv=$data/clicks_$name.csv
store=$data/strata-clicks_$name
bin=${STRATA_BIN:-$root/.build/release/strata}
if ! "$PY" -c 'import duckdb' 2>/dev/null; then
  python3 -m venv /tmp/peers && "$PY" -m pip install -q duckdb chdb pyarrow numpy
fi
mkdir -p "$data" "$root/Benchmarks/results"
if [ -z "${STRATA_BIN:-}" ]; then (cd "$root" && ./scripts/setup.sh && swift build -c release --product strata 2>&1 | tail -1); fi
[ -s "$csv" ] || "$PY" "$bench/gen_clicks.py" --rows "$rows" --seed 42 --out "$csv"
if [ ! -d "$store/clicks" ]; then
  "$PY" "$bench/run_strata.py" "$csv" --strata "$bin" --queries "$bench/queries" --store "$store" --out "$data/strata_$name.json"
fi
out=$root/Benchmarks/results/reports-$name.md
# peak RSS from the shell: a child forked from Python would report Python's own peak
rssfile=$(mktemp)
for r in daily-clicks traffic-sources link-performance campaigns best-time compare; do
  extra=(); [ "$r" = compare ] && extra=(--from 2024-03-01 --to 2024-04-01)
  /usr/bin/time -f "$r %M" -a -o "$rssfile" "$bin" report --store "$store" clicks "$r" "${extra[@]}" --format csv > /dev/null
done
"$PY" - "$bin" "$store" "$csv" "$runs" "$out" "$data/duckdb-$name.duckdb" "$rssfile" <<'PYEOF'
import os, statistics, subprocess, sys, time, platform
import duckdb
bin_, store, csv, runs, out, duckfile = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6]
peak = {l.split()[0]: int(l.split()[1]) * 1024 for l in open(sys.argv[7]) if l.strip()}
reports = [("daily-clicks", []), ("traffic-sources", []), ("link-performance", []), ("campaigns", []),
           ("best-time", []), ("compare", ["--from", "2024-03-01", "--to", "2024-04-01"])]
con = duckdb.connect(duckfile)
con.execute("SET threads = 2")
if not con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'clicks'").fetchone()[0]:
    con.execute(f"""CREATE TABLE clicks AS SELECT * FROM read_csv('{csv}', header = true,
        types = {{'ts': 'TIMESTAMP', 'profile_id': 'INTEGER', 'link_id': 'INTEGER', 'revenue': 'DOUBLE'}})""")
rows = []
for name, extra in reports:
    base = [bin_, "report", "--store", store, "clicks", name] + extra
    sql = subprocess.run(base + ["--show-sql", "--format", "csv"], capture_output=True, text=True, check=True).stderr
    sql = sql.strip().rstrip(";")
    walls, rss = [], peak[name]
    for i in range(runs + 1):
        t = time.perf_counter()
        subprocess.run(base + ["--format", "csv"], stdout=subprocess.DEVNULL, check=True)
        if i: walls.append(time.perf_counter() - t)
    duck = []
    for i in range(runs + 1):
        t = time.perf_counter()
        con.execute("COPY (" + sql + ") TO '/dev/null' (FORMAT csv, HEADER)")
        if i: duck.append(time.perf_counter() - t)
    s, d = statistics.median(walls), statistics.median(duck)
    rows.append((name, s, d, rss))
    print(f"{name:17} strata {s:6.3f} s  duckdb {d:6.3f} s  ratio {s / d:5.2f}  rss {rss / 2**20:6.0f} MiB", flush=True)
with open(out, "w") as f:
    f.write(f"# Reports, {os.path.basename(csv)} ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})\n\n")
    f.write(f"`Benchmarks/run_reports.sh` on {platform.machine()}, {os.cpu_count()} cores; medians of {runs} runs after one warm-up.\n")
    f.write("Strata: `strata report --store S clicks NAME --format csv > /dev/null`, the whole process (start-up,\n")
    f.write("query, CSV rendering). DuckDB: the same SQL (`--show-sql`) over a DuckDB database file kept open (warm),\n")
    f.write("`COPY (…) TO '/dev/null'`, 2 threads. `compare` uses `--from 2024-03-01 --to 2024-04-01`.\n\n")
    f.write("| report | Strata (s) | DuckDB (s) | Strata / DuckDB | Strata peak RSS (MiB) |\n|---|---:|---:|---:|---:|\n")
    for name, s, d, rss in rows:
        f.write(f"| {name} | {s:.3f} | {d:.3f} | {s / d:.2f} | {rss / 2**20:.0f} |\n")
print("wrote", out)
PYEOF
rm -f "$rssfile"
