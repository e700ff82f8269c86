#!/usr/bin/env python3
"""Writes the Parquet fixtures of Tests/StrataParquetTests/Fixtures with pyarrow, DuckDB, polars
and Spark, and next to each file `NAME.json`: the values Strata must read (Strata's
representation: timestamps in microseconds since the epoch, dates in days, decimals and floats
as doubles, NaN/inf as the strings "NaN"/"Infinity"/"-Infinity", NULL as null).

The pyarrow and DuckDB files' values come from the table they were written from; the polars
and Spark files' values are DuckDB's reading of the file (`duckdb_columns`). Every file is then
read by DuckDB and compared with its expected values, so every fixture holds "the answers
DuckDB gives on it" (the check prints one line per file and fails on a difference).

Run with the peers' Python (pyarrow + duckdb + polars + pyspark; Spark in local[2] on Java 17):
    /tmp/peers/bin/python scripts/parquet_fixtures.py
"""
import datetime as dt
import decimal
import json
import math
import os
import random

import glob
import shutil
import sys
import tempfile

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


DUCKDB_TYPES = {"TINYINT": "INTEGER", "SMALLINT": "INTEGER", "INTEGER": "INTEGER", "UTINYINT": "INTEGER",
                "USMALLINT": "INTEGER", "BIGINT": "BIGINT", "UINTEGER": "BIGINT", "FLOAT": "DOUBLE", "DOUBLE": "DOUBLE",
                "BOOLEAN": "BOOLEAN", "VARCHAR": "VARCHAR", "DATE": "DATE"}


def duckdb_columns(path):
    """DuckDB's reading of a Parquet file in Strata's representation: [(name, type, nullable, values)]
    (type None for a column Strata does not read: nested, UBIGINT, BLOB)."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    src = f"read_parquet('{path}')"
    desc = con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()
    nullable = {f.name: f.nullable for f in pq.read_schema(path)}
    sel, types = [], []
    for name, t, *_ in desc:
        q = '"' + name.replace('"', '""') + '"'
        if t.startswith("TIMESTAMP") and "_NS" in t:
            # nanoseconds: Strata keeps microseconds, rounded down (toward -inf, as pyarrow's cast and
            # date_trunc); DuckDB's CAST to TIMESTAMP would round to nearest, so take its epoch_ns
            st, e = "TIMESTAMP_NS", f"epoch_ns({q})"
        elif t.startswith("TIMESTAMP"):        # TIMESTAMP[_S|_MS], TIMESTAMP WITH TIME ZONE
            st, e = "TIMESTAMP", f"epoch_us({q})"
        elif t.startswith("DECIMAL"):
            st, e = "DOUBLE", f"CAST({q} AS DOUBLE)"
        elif t == "DATE":
            st, e = "DATE", f"({q} - DATE '1970-01-01')"
        elif t in DUCKDB_TYPES:
            st, e = DUCKDB_TYPES[t], (f"CAST({q} AS DOUBLE)" if t == "FLOAT" else q)
        else:
            st, e = None, "NULL"
        sel.append(e)
        types.append((name, st))
    try:
        rows = con.execute(f"SELECT {', '.join(sel)} FROM {src}").fetchall()
        cols = [[r[i] for r in rows] for i in range(len(sel))]
    except duckdb.Error:
        # a column DuckDB cannot decode (e.g. BYTE_STREAM_SPLIT on FIXED_LEN_BYTE_ARRAY): the others
        # one by one, that one reported as "duckdb-unreadable"
        cols = []
        for i, e in enumerate(sel):
            try:
                cols.append([r[0] for r in con.execute(f"SELECT {e} FROM {src}").fetchall()])
            except duckdb.Error as err:
                cols.append(err)
    out = []
    for i, (name, st) in enumerate(types):
        if isinstance(cols[i], Exception):
            out.append((name, "duckdb-unreadable: " + str(cols[i]).splitlines()[0], nullable.get(name, True), None))
        else:
            vals = None if st is None else [jnum(v) for v in cols[i]]
            if st == "TIMESTAMP_NS":
                st, vals = "TIMESTAMP", [None if v is None else v // 1000 for v in vals]
            out.append((name, st, nullable.get(name, True), vals))
    return out


def dump_duckdb(name, note, group):
    """Records NAME.parquet with DuckDB's reading of it as the expected values: GROUP.json when
    that holds the same values (files written from the same data), else NAME.json."""
    path = os.path.join(OUT, name + ".parquet")
    cols = []
    rows = pq.ParquetFile(path).metadata.num_rows
    for (cname, st, nullable, vals) in duckdb_columns(path):
        assert st is None or not st.startswith("duckdb-unreadable"), (name, cname, st)
        if st is None:
            cols.append({"name": cname, "unsupported": True})
        else:
            cols.append({"name": cname, "type": st, "nullable": nullable, "values": vals})
    text = json.dumps({"rows": rows, "columns": cols}, ensure_ascii=False)
    expected = group
    if os.path.exists(os.path.join(OUT, group + ".json")) and open(os.path.join(OUT, group + ".json")).read() != text:
        expected = name
    MANIFEST[name + ".parquet"] = {"expected": expected + ".json", "note": note}
    if expected == name or not os.path.exists(os.path.join(OUT, group + ".json")):
        with open(os.path.join(OUT, expected + ".json"), "w") as f:
            f.write(text)


def peer_rows(n, seed):
    """Rows for the polars and Spark fixtures: NULLs, unicode, extreme values, every type."""
    rnd = random.Random(seed)
    words = ["", "a", "click", "ünïcødé", "日本語テキスト", "emoji 😀", "campaign-42", "NULL", "tab\tnew\nline", "x" * 60]

    def maybe(v, p=0.1):
        return None if rnd.random() < p else v
    base = dt.datetime(2024, 1, 1)
    rows = []
    for i in range(n):
        rows.append(dict(
            i8=maybe(rnd.choice([-128, 127, 0, rnd.randint(-100, 100)])),
            i16=maybe(rnd.choice([-32768, 32767, rnd.randint(-1000, 1000)])),
            i32=maybe(rnd.choice([2**31 - 1, -2**31, 0, rnd.randint(-10**6, 10**6)])),
            i64=maybe(rnd.choice([2**63 - 1, -2**63, 0, rnd.randint(-10**15, 10**15)])),
            f32=maybe(rnd.choice([0.5, -1.25, float("inf"), rnd.randint(-100, 100) / 4])),
            f64=maybe(rnd.choice([0.0, -0.0, 1e308, -1e-308, float("inf"), float("-inf"), float("nan"), rnd.random()])),
            b=maybe(rnd.random() < 0.5),
            s=maybe(rnd.choice(words) + (str(rnd.randint(0, 50)) if rnd.random() < 0.5 else "")),
            cat=rnd.choice(["view", "click", "conversion"]),
            d=maybe(dt.date(1970, 1, 1) + dt.timedelta(days=rnd.randint(-30000, 30000))),
            ts=maybe(base + dt.timedelta(microseconds=rnd.randint(-10**15, 10**15))),
            dec=maybe(decimal.Decimal(rnd.randint(-10**9, 10**9)).scaleb(-2)),
            dec18=maybe(decimal.Decimal(rnd.randint(-10**17, 10**17)).scaleb(-4)),
            dec38=maybe(decimal.Decimal(rnd.randint(-10**30, 10**30)).scaleb(-6)),
            nulls=None,
        ))
    return rows


def write_polars():
    import polars as pl
    rows = peer_rows(500, 21)
    col = lambda k: [r[k] for r in rows]
    utc = dt.timezone.utc
    df = pl.DataFrame([
        pl.Series("i8", col("i8"), pl.Int8), pl.Series("i16", col("i16"), pl.Int16),
        pl.Series("i32", col("i32"), pl.Int32), pl.Series("i64", col("i64"), pl.Int64),
        pl.Series("u8", [None if v is None else v + 128 for v in col("i8")], pl.UInt8),
        pl.Series("u32", [None if v is None else v + 2**31 for v in col("i32")], pl.UInt32),
        pl.Series("f32", col("f32"), pl.Float32), pl.Series("f64", col("f64"), pl.Float64),
        pl.Series("b", col("b"), pl.Boolean), pl.Series("s", col("s"), pl.String),
        pl.Series("cat", col("cat"), pl.Categorical),
        pl.Series("d", col("d"), pl.Date),
        pl.Series("ts_us", [None if v is None else v.replace(tzinfo=utc) for v in col("ts")], pl.Datetime("us", "UTC")),
        pl.Series("ts_ms", [None if v is None else v.replace(microsecond=v.microsecond // 1000 * 1000) for v in col("ts")],
                  pl.Datetime("ms")),
        pl.Series("ts_ns", col("ts"), pl.Datetime("ns")),
        pl.Series("dec", col("dec"), pl.Decimal(11, 2)), pl.Series("dec38", col("dec38"), pl.Decimal(38, 6)),
        pl.Series("nulls", col("nulls"), pl.String),
    ])
    for name, kw, note in [
        ("polars_zstd", dict(compression="zstd", row_group_size=300), "polars write_parquet zstd, dictionary (categorical), statistics"),
        ("polars_lz4", dict(compression="lz4", row_group_size=250, data_page_size=2048), "polars lz4 (LZ4_RAW), small pages"),
        ("polars_snappy", dict(compression="snappy"), "polars snappy, one row group"),
        ("polars_uncompressed", dict(compression="uncompressed", statistics=False), "polars uncompressed, no statistics"),
    ]:
        df.write_parquet(os.path.join(OUT, name + ".parquet"), **kw)
        dump_duckdb(name, f"{note} (polars {pl.__version__})", "expected_polars")


def write_spark():
    os.environ["TZ"] = "UTC"
    from pyspark.sql import SparkSession
    from pyspark.sql import types as T
    spark = (SparkSession.builder.master("local[2]").appName("strata-fixtures")
             .config("spark.sql.session.timeZone", "UTC").config("spark.ui.enabled", "false")
             .config("spark.driver.memory", "1g").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    schema = T.StructType([
        T.StructField("i8", T.ByteType()), T.StructField("i16", T.ShortType()), T.StructField("i32", T.IntegerType()),
        T.StructField("i64", T.LongType()), T.StructField("f32", T.FloatType()), T.StructField("f64", T.DoubleType()),
        T.StructField("b", T.BooleanType()), T.StructField("s", T.StringType()), T.StructField("cat", T.StringType(), False),
        T.StructField("d", T.DateType()), T.StructField("ts", T.TimestampType()),
        T.StructField("dec", T.DecimalType(11, 2)), T.StructField("dec18", T.DecimalType(18, 4)),
        T.StructField("dec38", T.DecimalType(38, 6)), T.StructField("nulls", T.StringType()),
    ])
    rows = peer_rows(500, 33)
    data = [tuple(r[f.name] for f in schema.fields) for r in rows]
    df = spark.createDataFrame(data, schema).coalesce(1)
    variants = [
        ("spark_default", {}, "Spark defaults: snappy, INT96 timestamps, dictionary, data page v1"),
        ("spark_micros_zstd_v2", {"spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS", "spark.sql.parquet.compression.codec": "zstd",
                                  "parquet.writer.version": "v2"},
         "Spark TIMESTAMP_MICROS, zstd, parquet-mr data page v2 (DELTA_BINARY_PACKED, DELTA_BYTE_ARRAY, RLE booleans)"),
        ("spark_millis_gzip_plain", {"spark.sql.parquet.outputTimestampType": "TIMESTAMP_MILLIS", "spark.sql.parquet.compression.codec": "gzip",
                                     "parquet.enable.dictionary": "false"},
         "Spark TIMESTAMP_MILLIS, gzip, no dictionary"),
        ("spark_legacy_lz4", {"spark.sql.parquet.writeLegacyFormat": "true", "spark.sql.parquet.compression.codec": "lz4_raw"},
         "Spark writeLegacyFormat (decimals as FIXED_LEN_BYTE_ARRAY), lz4_raw"),
    ]
    for name, conf, note in variants:
        tmp = tempfile.mkdtemp(prefix="strata-spark-")
        w = df.write.mode("overwrite")
        for k, v in conf.items():
            if k.startswith("spark."):
                spark.conf.set(k, v)
            else:
                w = w.option(k, v)
        w.parquet(tmp + "/out")
        for k in conf:
            if k.startswith("spark."):
                spark.conf.unset(k)
        parts = sorted(glob.glob(tmp + "/out/part-*.parquet"))
        assert len(parts) == 1, parts
        shutil.copyfile(parts[0], os.path.join(OUT, name + ".parquet"))
        shutil.rmtree(tmp)
        dump_duckdb(name, f"{note} (Spark {spark.version})", "expected_spark")
    spark.stop()


def check_against_duckdb():
    """Every fixture's expected values equal DuckDB's reading of the file."""
    bad = 0
    unreadable = []
    for name, entry in sorted(MANIFEST.items()):
        path = os.path.join(OUT, name)
        expected = json.load(open(os.path.join(OUT, entry["expected"])))
        got = {c[0]: c for c in duckdb_columns(path)}
        diffs = []
        for c in expected["columns"]:
            if c.get("unsupported"):
                continue
            _, st, _, vals = got[c["name"]]
            if st and st.startswith("duckdb-unreadable"):
                unreadable.append(f"{name} {c['name']} ({st[19:]})")
                continue
            if st != c["type"]:
                diffs.append(f"{c['name']}: DuckDB type {st}, expected {c['type']}")
                continue
            want = c["values"]
            same = lambda a, b: a == b or (isinstance(a, float) and isinstance(b, (int, float)) and abs(a - b) <= 1e-12 * max(abs(a), abs(b)))
            n = sum(1 for a, b in zip(vals, want) if not same(a, b))
            if n or len(vals) != len(want):
                i = next((i for i, (a, b) in enumerate(zip(vals, want)) if not same(a, b)), None)
                diffs.append(f"{c['name']}: {n} values differ" + ("" if i is None else f" (row {i}: DuckDB {vals[i]!r}, expected {want[i]!r})"))
        print(f"  {name:40s} {'DuckDB agrees' if not diffs else 'DIFFERS: ' + '; '.join(diffs)}")
        bad += bool(diffs)
    for u in unreadable:
        print(f"  (not compared: DuckDB cannot read {u})")
    return bad


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
    write_polars()
    write_spark()
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(MANIFEST, f, indent=1, sort_keys=True)
    print("wrote", len([f for f in os.listdir(OUT) if f.endswith('.parquet')]), "files to", os.path.normpath(OUT))
    print("DuckDB's reading of every fixture against its expected values:")
    if check_against_duckdb():
        sys.exit("some fixtures are read differently by DuckDB")


if __name__ == "__main__":
    main()
