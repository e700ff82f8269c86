#!/usr/bin/env python3
"""The 18 harness queries over a Parquet file, on Strata and on DuckDB, same run.

    parquet_queries.py --strata PATH/TO/strata --parquet FILE.parquet [--queries DIR]
                       [--runs 5] [--threads 2] [--only q03,q07] [--out report.json]

Each query's table name `clicks` is replaced by `read_parquet('FILE')`. Per query, in turn:
Strata's in-process median of `--runs` (`strata bench`, one warm-up) and DuckDB's median of
`--runs` (Python API, `SET threads`, one warm-up, result fetched as rows); then both answers
(Strata's CSV output, DuckDB's rows) are normalized and compared as run_peers.py does.
Prints one line per query (times, ratio, agreement) and the geometric mean of the ratios.
"""
import argparse
import csv
import io
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

BENCH = "/work/shared/bench"
sys.path.insert(0, BENCH)
from run_peers import compare_results, load_queries, normalize_rows  # noqa: E402


def rewrite(sql, path):
    return re.sub(r"\bFROM\s+clicks\b", f"FROM read_parquet('{path}')", sql)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--strata", required=True)
    ap.add_argument("--parquet", required=True)
    ap.add_argument("--queries", default=os.path.join(BENCH, "queries"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--only", help="comma-separated query stems (prefixes) to run")
    ap.add_argument("--out")
    a = ap.parse_args()
    import duckdb
    path = os.path.abspath(a.parquet)
    work = tempfile.mkdtemp(prefix="pq-queries-")
    store = os.path.join(work, "store")
    subprocess.run([a.strata, "query", "--store", store, "--create", "SELECT 1"], capture_output=True)
    con = duckdb.connect()
    con.execute(f"SET threads = {a.threads}")
    only = a.only.split(",") if a.only else None
    res = {}
    ratios = []
    for q in load_queries([a.queries]):
        stem = q["id"].split("/")[1]
        if only and not any(stem.startswith(o) for o in only):
            continue
        sql = rewrite(q["sql"], path)
        qdir = os.path.join(work, stem)
        os.makedirs(qdir)
        qfile = os.path.join(qdir, stem + ".sql")
        open(qfile, "w").write(sql + "\n")
        r = {}
        # Strata: answer, then in-process timing
        p = subprocess.run([a.strata, "query", "--store", store, "--format", "csv", "--file", qfile], capture_output=True, text=True)
        if p.returncode:
            r["error"] = (p.stderr or p.stdout).strip()[-400:]
        else:
            mine = normalize_rows(list(csv.reader(io.StringIO(p.stdout)))[1:], parse_strings=True)
            out = os.path.join(work, stem + ".json")
            b = subprocess.run([a.strata, "bench", "--store", store, "--queries", qdir, "--runs", str(a.runs),
                                "--warmup", "1", "--json", out], capture_output=True, text=True)
            if b.returncode == 0:
                v = list(json.load(open(out))["queries"].values())[0]
                r["strata_s"] = v["median_s"]
            else:
                r["error"] = (b.stderr or b.stdout).strip()[-400:]
        # DuckDB
        con.sql(sql).fetchall()
        ts = []
        for _ in range(a.runs):
            t0 = time.perf_counter()
            rows = con.sql(sql).fetchall()
            ts.append(time.perf_counter() - t0)
        r["duckdb_s"] = statistics.median(ts)
        if "error" not in r:
            r["agreement"], r["detail"] = compare_results(mine, normalize_rows(rows))
            r["ratio"] = r["strata_s"] / r["duckdb_s"]
            ratios.append(r["ratio"])
        res[stem] = r
        print(f"{stem:32s} strata {r.get('strata_s', float('nan')):8.4f}s  duckdb {r['duckdb_s']:8.4f}s  "
              f"ratio {r.get('ratio', float('nan')):6.2f}x  {r.get('agreement', r.get('error', '?'))} {r.get('detail', '')}",
              flush=True)
    gm = math.exp(sum(map(math.log, ratios)) / len(ratios)) if ratios else float("nan")
    agree = sum(1 for r in res.values() if str(r.get("agreement", "")).startswith("agree"))
    print(f"geomean strata/duckdb over {len(ratios)} queries: {gm:.3f}x; answers agree: {agree}/{len(res)}")
    if a.out:
        json.dump(dict(parquet=path, runs=a.runs, threads=a.threads, geomean=gm, queries=res), open(a.out, "w"), indent=1)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
