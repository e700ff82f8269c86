#!/usr/bin/env python3
"""Writes the Parquet fixtures of Tests/StrataParquetTests/Fixtures with pyarrow and DuckDB,
and next to each file `NAME.json`: the values Strata must read (Strata's representation:
timestamps in microseconds since the epoch, dates in days, decimals and floats as doubles,
NaN/inf as the strings "NaN"/"Infinity"/"-Infinity", NULL as null).

Run with the peers' Python (pyarrow + duckdb):
    /tmp/peers/bin/python scripts/parquet_fixtures.py
"""
import datetime as dt
import decimal
import json
import math
import os
import random

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "StrataParquetTests", "Fixtures")
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
ROWS = 1000


def jnum(x):
    if x is None:
        return None
    if isinstance(x, float):
        if math.isnan(x):
            return "NaN"
        if math.isinf(x):
            return "Infinity" if x > 0 else "-Infinity"
    return x


def us(t):
    if t is None:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.timezone.utc)
    d = t - EPOCH
    return (d.days * 86400 + d.seconds) * 1_000_000 + d.microseconds


def base_table(seed=7):
    rnd = random.Random(seed)
    words = ["", "a", "click", "ünïcødé", "日本語テキスト", "emoji 😀", "x" * 40, "campaign-42", "NULL", "tab\tnew\nline"]
    n = ROWS
    def maybe(v, p=0.1):
        return None if rnd.random() < p else v
    cols = {
        "i32": [maybe(rnd.choice([0, 1, -1, 2**31 - 1, -2**31, rnd.randint(-1000, 1000)])) for _ in range(n)],
        "i64": [maybe(rnd.choice([0, 2**63 - 1, -2**63, rnd.randint(-10**15, 10**15)])) for _ in range(n)],
        "f32": [maybe(rnd.choice([0.5, -1.25, float("inf"), 3.0e38, rnd.randint(-100, 100) / 4])) for _ in range(n)],
        "f64": [maybe(rnd.choice([0.0, -0.0, 1e308, -1e-308, float("inf"), float("-inf"), float("nan"), rnd.random()])) for _ in range(n)],
        "b": [maybe(rnd.random() < 0.5) for _ in range(n)],
        "s": [maybe(rnd.choice(words) + (str(rnd.randint(0, 50)) if rnd.random() < 0.5 else "")) for _ in range(n)],
        "s_req": [rnd.choice(words) for _ in range(n)],
        "d": [maybe(dt.date(1970, 1, 1) + dt.timedelta(days=rnd.randint(-30000, 30000))) for _ in range(n)],
        "ts": [maybe(EPOCH + dt.timedelta(microseconds=rnd.randint(-10**15, 4 * 10**15))) for _ in range(n)],
        "dec": [maybe(decimal.Decimal(rnd.randint(-10**9, 10**9)).scaleb(-2)) for _ in range(n)],
        "dec38": [maybe(decimal.Decimal(rnd.randint(-10**30, 10**30)).scaleb(-5)) for _ in range(n)],
        "i8": [maybe(rnd.randint(-128, 127)) for _ in range(n)],
        "u32": [maybe(rnd.randint(0, 2**32 - 1)) for _ in range(n)],
    }
    schema = pa.schema([
        ("i32", pa.int32()), ("i64", pa.int64()), ("f32", pa.float32()), ("f64", pa.float64()),
        ("b", pa.bool_()), ("s", pa.string()), pa.field("s_req", pa.string(), nullable=False), ("d", pa.date32()),
        ("ts", pa.timestamp("us", tz="UTC")), ("dec", pa.decimal128(11, 2)), ("dec38", pa.decimal128(38, 5)),
        ("i8", pa.int8()), ("u32", pa.uint32()),
    ])
    return pa.table(cols, schema=schema)


def strata_values(table):
    """Column name -> (strata type, nullable, values)."""
    out = []
    for field in table.schema:
        t = field.type
        if pa.types.is_timestamp(t):
            arr = table.column(field.name).cast(pa.int64()).to_pylist()
            f = {"s": (1_000_000, 1), "ms": (1000, 1), "us": (1, 1), "ns": (1, 1000)}[t.unit]
            out.append((field.name, "TIMESTAMP", field.nullable, [None if v is None else v * f[0] // f[1] for v in arr]))
            continue
        vals = table.column(field.name).to_pylist()
        if pa.types.is_boolean(t):
            st, conv = "BOOLEAN", lambda v: v
        elif pa.types.is_date32(t):
            st, conv = "DATE", lambda v: (v - dt.date(1970, 1, 1)).days
        elif pa.types.is_decimal(t):
            st, conv = "DOUBLE", lambda v: float(v)
        elif pa.types.is_floating(t):
            st, conv = "DOUBLE", lambda v: jnum(float(v))
        elif pa.types.is_uint32(t) or pa.types.is_int64(t):
            st, conv = "BIGINT", lambda v: v
        elif pa.types.is_integer(t):
            st, conv = "INTEGER", lambda v: v
        elif pa.types.is_string(t) or pa.types.is_large_string(t):
            st, conv = "VARCHAR", lambda v: v
        else:
            out.append((field.name, None, field.nullable, None))
            continue
        out.append((field.name, st, field.nullable, [None if v is None else conv(v) for v in vals]))
    return out


MANIFEST = {}


def dump(name, table, note, expected=None):
    """Records NAME.parquet in the manifest; writes the expected values as EXPECTED.json once."""
    expected = expected or name
    MANIFEST[name + ".parquet"] = {"expected": expected + ".json", "note": note}
    path = os.path.join(OUT, expected + ".json")
    if os.path.exists(path):
        return
    cols = []
    for (cname, st, nullable, vals) in strata_values(table):
        if st is None:
            cols.append({"name": cname, "unsupported": True})
        else:
            cols.append({"name": cname, "type": st, "nullable": nullable, "values": vals})
    with open(path, "w") as f:
        json.dump({"rows": table.num_rows, "columns": cols}, f, ensure_ascii=False)


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if f.endswith(".parquet") or f.endswith(".json"):
            os.remove(os.path.join(OUT, f))
    t = base_table()
    small = dict(row_group_size=400, data_page_size=1024)
    for codec in ["none", "snappy", "gzip", "zstd", "lz4", "brotli"]:
        name = f"pyarrow_{codec}_v1"
        pq.write_table(t, os.path.join(OUT, name + ".parquet"), compression=codec, data_page_version="1.0", **small)
        dump(name, t, f"pyarrow codec {codec}, data page v1, dictionary", "expected_base")
    pq.write_table(t, os.path.join(OUT, "pyarrow_zstd_v2.parquet"), compression="zstd", data_page_version="2.0", **small)
    dump("pyarrow_zstd_v2", t, "data page v2", "expected_base")
    pq.write_table(t, os.path.join(OUT, "pyarrow_snappy_v2_nodict.parquet"), compression="snappy", data_page_version="2.0",
                   use_dictionary=False, **small)
    dump("pyarrow_snappy_v2_nodict", t, "data page v2, no dictionary", "expected_base")
    pq.write_table(t, os.path.join(OUT, "pyarrow_plain_crc_index.parquet"), compression="snappy", use_dictionary=False,
                   write_page_checksum=True, write_page_index=True, **small)
    dump("pyarrow_plain_crc_index", t, "PLAIN, page CRCs, page index", "expected_base")
    enc = {"i32": "DELTA_BINARY_PACKED", "i64": "DELTA_BINARY_PACKED", "s": "DELTA_BYTE_ARRAY",
           "s_req": "DELTA_LENGTH_BYTE_ARRAY", "d": "DELTA_BINARY_PACKED", "ts": "DELTA_BINARY_PACKED",
           "f32": "BYTE_STREAM_SPLIT", "f64": "BYTE_STREAM_SPLIT", "dec38": "BYTE_STREAM_SPLIT", "u32": "BYTE_STREAM_SPLIT"}
    for version in ["1.0", "2.0"]:
        name = "pyarrow_delta_bss_v" + version[0]
        pq.write_table(t, os.path.join(OUT, name + ".parquet"), compression="zstd", data_page_version=version,
                       use_dictionary=False, column_encoding=enc, **small)
        dump(name, t, "DELTA_BINARY_PACKED, DELTA_BYTE_ARRAY, DELTA_LENGTH_BYTE_ARRAY, BYTE_STREAM_SPLIT", "expected_base")
    # timestamps in other units and Spark's INT96
    n = 500
    rnd = random.Random(3)
    ns = [None if rnd.random() < 0.1 else rnd.randint(-2 * 10**18, 4 * 10**18) for _ in range(n)]
    ts_tab = pa.table({
        "ts_ms": pa.array([None if v is None else v // 10**6 for v in ns], pa.timestamp("ms")),
        "ts_us": pa.array([None if v is None else v // 1000 for v in ns], pa.timestamp("us", tz="UTC")),
        "ts_ns": pa.array(ns, pa.timestamp("ns", tz="UTC")),
    })
    pq.write_table(ts_tab, os.path.join(OUT, "pyarrow_timestamps.parquet"), coerce_timestamps=None, allow_truncated_timestamps=False)
    dump("pyarrow_timestamps", ts_tab, "TIMESTAMP millis / micros / nanos")
    i96 = pa.table({"ts96": pa.array([None if v is None else v // 1000 * 1000 for v in ns], pa.timestamp("ns"))})
    pq.write_table(i96, os.path.join(OUT, "pyarrow_int96.parquet"), use_deprecated_int96_timestamps=True)
    dump("pyarrow_int96", i96, "INT96 timestamps (Spark legacy)")
    # a nested column next to flat ones
    nested = pa.table({
        "id": pa.array(range(100), pa.int64()),
        "tags": pa.array([[str(i), "x"] if i % 3 else None for i in range(100)], pa.list_(pa.string())),
        "pt": pa.array([{"x": i, "y": -i} for i in range(100)], pa.struct([("x", pa.int32()), ("y", pa.int32())])),
        "name": pa.array([f"n{i}" for i in range(100)], pa.string()),
    })
    pq.write_table(nested, os.path.join(OUT, "pyarrow_nested.parquet"))
    dump("pyarrow_nested", nested, "nested list and struct columns next to flat ones")
    # DuckDB's writer
    con = duckdb.connect()
    con.execute("""CREATE TABLE t AS SELECT i::INTEGER AS i, (i * 1000003)::BIGINT AS big,
        CASE WHEN i % 7 = 0 THEN NULL ELSE 'k' || (i % 37)::VARCHAR END AS s,
        (i / 8.0)::DOUBLE AS x, i % 2 = 0 AS flag, DATE '2024-01-01' + (i % 400)::INTEGER AS day,
        TIMESTAMP '2024-05-01 00:00:00' + INTERVAL (i * 17) SECOND AS ts, (i * 0.01)::DECIMAL(9,2) AS price
        FROM range(3000) r(i)""")
    for codec in ["zstd", "snappy", "uncompressed"]:
        name = f"duckdb_{codec}"
        con.execute(f"COPY t TO '{os.path.join(OUT, name + '.parquet')}' (FORMAT parquet, COMPRESSION {codec}, ROW_GROUP_SIZE 1024)")
        dump(name, pq.read_table(os.path.join(OUT, name + ".parquet")), f"DuckDB COPY, {codec}", "expected_duckdb")
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(MANIFEST, f, indent=1, sort_keys=True)
    print("wrote", len([f for f in os.listdir(OUT) if f.endswith('.parquet')]), "files to", os.path.normpath(OUT))


if __name__ == "__main__":
    main()
