#!/usr/bin/env python3
"""Parquet on the load and write side, Strata against DuckDB (issue 17), same window, 2 threads.

    parquet_copy_ingest.py --strata PATH/TO/strata [--csv /tmp/bench-data/clicks_10000k.csv]
        [--store /tmp/bench-data/analyst-store-10000k]
        [--duckdb-db /tmp/bench-data/analyst-work-10000k/duckdb/clicks.duckdb]
        [--work DIR] [--runs 5] [--skip-ingest] [--skip-copy] [--out results.json]

COPY TO: `strata query --store S "COPY clicks TO 'x.parquet' (FORMAT parquet, COMPRESSION zstd)"`
against DuckDB's `COPY clicks TO 'y.parquet' (FORMAT parquet, COMPRESSION zstd)` from its own
table (threads = 2), run alternately; median wall seconds, `perf stat -e task-clock` CPU seconds
when perf is there, and the file sizes.

Ingest: the CSV into a fresh store (table created first with the harness DDL, as
run_strata.py does), then the same data as Parquet written by DuckDB
(`COPY (SELECT * FROM read_csv(CSV)) TO … (FORMAT parquet, COMPRESSION zstd)`) and by
Strata's own COPY, each into a fresh store; rows/s and peak RSS (`/usr/bin/time -v`), and
count/sum checks that the stores agree.

Needs `/tmp/peers/bin/python` (duckdb) to run: `/tmp/peers/bin/python parquet_copy_ingest.py …`.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

import duckdb

DDL = ("CREATE TABLE clicks (ts TIMESTAMP, event VARCHAR, profile_id INTEGER, link_id INTEGER, link_title VARCHAR, "
       "link_url VARCHAR, content_type VARCHAR, visitor_id VARCHAR, session_id VARCHAR, referrer VARCHAR, source VARCHAR, "
       "utm_source VARCHAR, utm_medium VARCHAR, utm_campaign VARCHAR, device VARCHAR, os VARCHAR, browser VARCHAR, "
       "country VARCHAR, user_agent VARCHAR, revenue DOUBLE) PARTITION BY month(ts) ORDER BY (profile_id, ts)")
CHECK = "SELECT count(*), count(DISTINCT visitor_id), sum(revenue), min(ts), max(ts), sum(profile_id) FROM clicks"


def timed(cmd, env=None):
    """(CompletedProcess, wall s, peak RSS bytes, CPU s) of a child under /usr/bin/time -v."""
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    rss = cpu = 0
    for line in p.stderr.splitlines():
        line = line.strip()
        if line.startswith("Maximum resident set size"):
            rss = int(line.split(":")[1]) * 1024
        elif line.startswith("User time (seconds)") or line.startswith("System time (seconds)"):
            cpu += float(line.split(":")[1])
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr[-3000:]}")
    return p, wall, rss, cpu


def strata(binary, store, *args):
    return [binary, *args[:1], "--store", store, *args[1:]]


def fresh_store(path, binary):
    shutil.rmtree(path, ignore_errors=True)
    subprocess.run([binary, "query", "--store", path, "--create", DDL], check=True, capture_output=True)


def check(binary, store):
    p = subprocess.run([binary, "query", "--store", store, "--format", "csv", CHECK], capture_output=True, text=True, check=True)
    return p.stdout.strip().splitlines()[-1]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--strata", required=True)
    ap.add_argument("--csv", default="/tmp/bench-data/clicks_10000k.csv")
    ap.add_argument("--store", default="/tmp/bench-data/analyst-store-10000k")
    ap.add_argument("--duckdb-db", default="/tmp/bench-data/analyst-work-10000k/duckdb/clicks.duckdb")
    ap.add_argument("--work", default="/tmp/strata-parquet-bench")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--skip-ingest", action="store_true")
    ap.add_argument("--skip-copy", action="store_true")
    ap.add_argument("--out")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    res = {"strata": a.strata, "runs": a.runs}
    perf = shutil.which("perf")

    if not a.skip_copy:
        sx, dx = os.path.join(a.work, "strata_copy.parquet"), os.path.join(a.work, "duckdb_copy.parquet")
        db = os.path.join(a.work, "duckdb_copy_src.duckdb")
        shutil.copy(a.duckdb_db, db)  # its own table, untouched original
        ds = []
        ss = []
        scpu = []
        dcpu = []
        dscript = (f"import duckdb; c = duckdb.connect({db!r}, read_only=True); c.execute('SET threads=2'); "
                   f"c.execute(\"COPY clicks TO '{dx}' (FORMAT parquet, COMPRESSION zstd)\")")
        for _ in range(a.runs):
            for f in (sx, dx):
                if os.path.exists(f):
                    os.remove(f)
            _, w, _, c = timed([a.strata, "query", "--store", a.store,
                                f"COPY clicks TO '{sx}' (FORMAT parquet, COMPRESSION zstd)"])
            ss.append(w)
            scpu.append(c)
            _, w, _, c = timed([sys.executable, "-c", dscript])
            ds.append(w)
            dcpu.append(c)
        res["copy_to"] = {
            "strata_s": statistics.median(ss), "duckdb_s": statistics.median(ds),
            "strata_cpu_s": statistics.median(scpu), "duckdb_cpu_s": statistics.median(dcpu),
            "strata_runs": ss, "duckdb_runs": ds,
            "strata_bytes": os.path.getsize(sx), "duckdb_bytes": os.path.getsize(dx),
            "duckdb_process_note": "DuckDB time includes starting Python and opening the database (~0.1 s)",
        }
        con = duckdb.connect()
        res["copy_to"]["same_rows"] = (con.execute(f"SELECT count(*), sum(revenue), count(DISTINCT session_id) FROM '{sx}'").fetchall()
                                       == con.execute(f"SELECT count(*), sum(revenue), count(DISTINCT session_id) FROM '{dx}'").fetchall())
        print(json.dumps(res["copy_to"], indent=1), flush=True)

    if not a.skip_ingest:
        dpq = os.path.join(a.work, "clicks_duckdb.parquet")
        if not os.path.exists(dpq):
            con = duckdb.connect()
            con.execute("SET threads=2")
            con.execute(f"COPY (SELECT * FROM read_csv('{a.csv}')) TO '{dpq}' (FORMAT parquet, COMPRESSION zstd)")
        spq = os.path.join(a.work, "clicks_strata.parquet")
        if not os.path.exists(spq):
            subprocess.run([a.strata, "query", "--store", a.store, f"COPY clicks TO '{spq}' (FORMAT parquet, COMPRESSION zstd)"], check=True)
        rows = duckdb.connect().execute(f"SELECT count(*) FROM '{dpq}'").fetchone()[0]
        ing = {}
        for label, path in (("csv", a.csv), ("parquet_duckdb", dpq), ("parquet_strata", spq)):
            walls, rsss = [], []
            for _ in range(max(1, a.runs // 2)):
                store = os.path.join(a.work, "store-" + label)
                fresh_store(store, a.strata)
                _, w, rss, _ = timed([a.strata, "ingest", "--store", store, "--threads", "2", "--quiet", "clicks", path])
                walls.append(w)
                rsss.append(rss)
            ing[label] = {"wall_s": statistics.median(walls), "rows_per_s": rows / statistics.median(walls),
                          "peak_rss_mib": max(rsss) / 2**20, "runs": walls, "check": check(a.strata, store),
                          "file_bytes": os.path.getsize(path)}
            print(label, json.dumps(ing[label]), flush=True)
        ing["ratio_duckdb_parquet_vs_csv"] = ing["parquet_duckdb"]["rows_per_s"] / ing["csv"]["rows_per_s"]
        ing["ratio_strata_parquet_vs_csv"] = ing["parquet_strata"]["rows_per_s"] / ing["csv"]["rows_per_s"]
        res["ingest"] = ing
    print(json.dumps(res, indent=1))
    if a.out:
        with open(a.out, "w") as f:
            json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
