#!/usr/bin/env python3
"""Interop check of Strata's Parquet writer: files written by Strata (every codec, data page
v1 and v2, dictionary and PLAIN, dictionary fallback, one-row row groups) are read by pyarrow
and DuckDB, and every value must equal what Strata wrote.

    /tmp/peers/bin/python Benchmarks/parquet_interop.py [DIR]

It runs `swift test --filter ParquetInteropExport` with STRATA_PARQUET_INTEROP_DIR=DIR (a
fresh temporary directory by default), which writes the files and expected.json there.
"""
import json
import math
import os
import subprocess
import sys
import tempfile

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def norm(v):
    if isinstance(v, float):
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
        return v
    return v


def same(a, b):
    if isinstance(a, float) or isinstance(b, float):
        if isinstance(a, str) or isinstance(b, str):
            return a == b
        return a == b
    return a == b


def pyarrow_values(path, columns):
    t = pq.read_table(path)
    out = {}
    for c in columns:
        col = t.column(c["name"])
        if c["type"] == "TIMESTAMP":
            assert pa.types.is_timestamp(col.type) and col.type.unit == "us" and col.type.tz is not None, col.type
            col = col.cast(pa.int64())
        elif c["type"] == "DATE":
            assert pa.types.is_date32(col.type), col.type
            col = col.cast(pa.int32())
        out[c["name"]] = [norm(v) for v in col.to_pylist()]
    return out, t.schema


def duckdb_values(path, columns):
    sel = []
    for c in columns:
        q = '"' + c["name"] + '"'
        if c["type"] == "TIMESTAMP":
            sel.append(f"epoch_us({q})")
        elif c["type"] == "DATE":
            sel.append(f"({q} - DATE '1970-01-01')")
        else:
            sel.append(q)
    con = duckdb.connect()
    types = dict(con.execute(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall() and
                 [(r[0], r[1]) for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()])
    rows = con.execute(f"SELECT {', '.join(sel)} FROM read_parquet('{path}')").fetchall()
    return {c["name"]: [norm(r[i]) for r in rows] for i, c in enumerate(columns)}, types


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="strata-parquet-interop-")
    os.makedirs(d, exist_ok=True)
    env = dict(os.environ, STRATA_PARQUET_INTEROP_DIR=d)
    r = subprocess.run(["swift", "test", "--filter", "ParquetInteropExport"], cwd=ROOT, env=env,
                       capture_output=True, text=True)
    if r.returncode != 0:
        print(r.stdout[-3000:], r.stderr[-3000:])
        sys.exit("swift test failed")
    expected = json.load(open(os.path.join(d, "expected.json")))
    columns = expected["columns"]
    failures = 0
    checked = 0
    for name, n in sorted(expected["files"].items()):
        path = os.path.join(d, name)
        for reader in ("pyarrow", "duckdb"):
            got, types = (pyarrow_values if reader == "pyarrow" else duckdb_values)(path, columns)
            bad = []
            for c in columns:
                want = c["values"][:n]
                have = got[c["name"]]
                if len(have) != len(want):
                    bad.append(f"{c['name']}: {len(have)} rows, expected {len(want)}")
                    continue
                diff = [i for i in range(n) if not same(want[i], have[i])]
                if diff:
                    i = diff[0]
                    bad.append(f"{c['name']}: {len(diff)} differences, first row {i}: {have[i]!r} vs {want[i]!r}")
                checked += n
            status = "ok" if not bad else "MISMATCH " + "; ".join(bad)
            failures += bool(bad)
            print(f"{name:42} {reader:8} {n:6} rows  {status}")
    # statistics as pyarrow decodes them, and DuckDB filters (which prune row groups by them)
    stat_checks = 0
    for name, n in sorted(expected["files"].items()):
        path = os.path.join(d, name)
        md = pq.ParquetFile(path).metadata
        start = 0
        for g in range(md.num_row_groups):
            rg = md.row_group(g)
            for ci, c in enumerate(columns):
                vals = c["values"][start:start + rg.num_rows]
                st = rg.column(ci).statistics
                if st is None:
                    continue
                present = [v for v in vals if v is not None and v not in ("NaN",)]
                nulls = sum(v is None for v in vals)
                ok = st.null_count == nulls
                if present and st.has_min_max and c["type"] in ("BIGINT", "INTEGER", "DOUBLE", "VARCHAR", "BOOLEAN"):
                    num = [float("inf") if v == "Infinity" else float("-inf") if v == "-Infinity" else v for v in present]
                    if c["type"] == "VARCHAR":
                        num = sorted(num, key=lambda s: s.encode())
                        ok = ok and st.min == num[0] and st.max == num[-1]
                    else:
                        ok = ok and st.min == min(num) and st.max == max(num)
                if not ok:
                    failures += 1
                    print(f"{name} row group {g} column {c['name']}: statistics {st.min!r}..{st.max!r} nulls {st.null_count} disagree")
                stat_checks += 1
            start += rg.num_rows
        con = duckdb.connect()
        big = [v for v in columns[2]["values"][:n]]
        for bound in (0, 2**62):
            want = sum(1 for v in big if v > bound)
            have = con.execute(f"SELECT count(*) FROM read_parquet('{path}') WHERE big > {bound}").fetchone()[0]
            if want != have:
                failures += 1
                print(f"{name}: DuckDB counts {have} rows with big > {bound}, expected {want}")
        s_vals = columns[5]["values"][:n]
        want = sum(1 for v in s_vals if v is not None and v.encode() >= "emoji".encode())
        have = con.execute(f"SELECT count(*) FROM read_parquet('{path}') WHERE s >= 'emoji'").fetchone()[0]
        if want != have:
            failures += 1
            print(f"{name}: DuckDB counts {have} rows with s >= 'emoji', expected {want}")
    print(f"{checked} values compared, {stat_checks} chunk statistics checked, {failures} mismatches")
    if d and len(sys.argv) <= 1:
        types = duckdb_values(os.path.join(d, "strata_zstd_v1.parquet"), columns)[1]
        print("DuckDB sees:", ", ".join(f"{k} {v}" for k, v in types.items()))
        print("pyarrow sees:", pq.read_schema(os.path.join(d, "strata_zstd_v1.parquet")).to_string(show_schema_metadata=False).replace("\n", "; "))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
