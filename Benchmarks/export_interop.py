#!/usr/bin/env python3
"""`strata export` read by pyarrow, DuckDB, chDB (ClickHouse), polars and Spark: the 18 harness
queries must give the same answers on the exported Parquet files as on Strata's own store.

    /tmp/peers/bin/python Benchmarks/export_interop.py --strata .build/release/strata \\
        [--csv /tmp/bench-data/clicks_1000k.csv] [--work /tmp/strata-export-interop] \\
        [--readers pyarrow,duckdb,chdb,polars,spark,hive] [--reuse]

Steps (one command):
 1. a fresh store: the harness table (run_strata.py's CREATE TABLE: PARTITION BY month(ts)),
    `strata ingest` of the CSV, `strata export clicks WORK/lake` (Parquet, zstd): the layout
    WORK/lake/clicks/month=2024-05/part-00000.parquet and WORK/lake/clicks/_SUCCESS;
 2. Strata's answers: `strata query --format csv --file Q.sql` for each harness query;
 3. each reader (in its own process) opens the export the way docs/files.md shows, checks the
    rows, the column types it sees and the `month` partition column (its type, and per month the
    row count and that every ts lies in that month), runs the 18 queries and compares the
    answers with Strata's the way run_peers.py does (normalize_rows, compare_results);
 4. prints a table per reader: rows, partitions right, column types, queries agreeing.

Readers and how they are opened (the snippets of docs/files.md, kept in sync by
`test_docs_snippets`, which reads docs/files.md and checks the ones this script runs are there):
  pyarrow  pyarrow.dataset.dataset(DIR, format="parquet", partitioning="hive").to_table(); the
           queries run by DuckDB over that Arrow table (pyarrow has no SQL)
  duckdb   read_parquet('DIR/*/*.parquet', hive_partitioning = true)
  chdb     file('DIR/*/*.parquet', Parquet) with SETTINGS use_hive_partitioning = 1; queries as is
           (ClickHouse accepts the harness spellings, as run_peers.py shows)
  polars   pl.scan_parquet('DIR/**/*.parquet', hive_partitioning=True) and polars SQL; the few
           functions polars SQL spells differently are translated (POLARS_SQL)
  spark    spark.read.parquet(DIR) in local[2] with spark.sql.session.timeZone=UTC; Spark SQL
  hive     Spark with Hive support: the docs' CREATE EXTERNAL TABLE ... PARTITIONED BY (month
           STRING) STORED AS PARQUET LOCATION + MSCK REPAIR TABLE, then the 18 queries
The Trino DDL of docs/files.md is checked against the Parquet schema (types as Trino's Hive
connector maps them); Trino itself is not run.
"""
import argparse
import csv
import datetime as dt
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, ".."))
BENCH = os.environ.get("STRATA_BENCH_DIR", os.path.normpath(os.path.join(ROOT, "..", "shared", "bench")))
if not os.path.exists(os.path.join(BENCH, "run_peers.py")):
    BENCH = "/work/shared/bench"
sys.path.insert(0, BENCH)
from run_peers import compare_results, load_queries, normalize_rows  # noqa: E402
from run_strata import DDL  # noqa: E402

DOCS = os.path.join(ROOT, "docs", "files.md")
READERS = ["pyarrow", "duckdb", "chdb", "polars", "spark", "hive"]

# What each reader must report as the type of each exported column (the harness table:
# ts TIMESTAMP, profile_id/link_id INTEGER, revenue DOUBLE, the rest VARCHAR).
STRATA_COLUMNS = [("ts", "timestamp"), ("event", "string"), ("profile_id", "int32"), ("link_id", "int32")] + \
    [(c, "string") for c in ["link_title", "link_url", "content_type", "visitor_id", "session_id", "referrer", "source",
                             "utm_source", "utm_medium", "utm_campaign", "device", "os", "browser", "country", "user_agent"]] + \
    [("revenue", "double")]
# each reader's names of those types
TYPE_NAMES = {
    "pyarrow": {"timestamp": "timestamp[us, tz=UTC]", "string": "string", "int32": "int32", "double": "double"},
    "duckdb": {"timestamp": "TIMESTAMP WITH TIME ZONE", "string": "VARCHAR", "int32": "INTEGER", "double": "DOUBLE"},
    "chdb": {"timestamp": "Nullable(DateTime64(6, 'UTC'))", "string": "Nullable(String)", "int32": "Nullable(Int32)",
             "double": "Nullable(Float64)"},
    "polars": {"timestamp": "Datetime(time_unit='us', time_zone='UTC')", "string": "String", "int32": "Int32", "double": "Float64"},
    "spark": {"timestamp": "timestamp", "string": "string", "int32": "int", "double": "double"},
    "hive": {"timestamp": "timestamp", "string": "string", "int32": "int", "double": "double"},
}
# the partition column as each reader types it ('2024-05' is text everywhere)
MONTH_TYPE = {"pyarrow": "string", "duckdb": "VARCHAR", "chdb": "LowCardinality(String)", "polars": "String", "spark": "string",
              "hive": "string"}

# ---- the snippets docs/files.md shows (test_docs_snippets checks they are there verbatim) ----
DUCKDB_VIEW = "CREATE VIEW clicks AS SELECT * FROM read_parquet('{dir}/*/*.parquet', hive_partitioning = true);"
CHDB_VIEW = ("CREATE VIEW clicks AS SELECT * FROM file('{dir}/*/*.parquet', Parquet) "
             "SETTINGS use_hive_partitioning = 1;")
SPARK_READ = 'spark.read.parquet("{dir}").createOrReplaceTempView("clicks")'
POLARS_READ = 'pl.scan_parquet("{dir}/**/*.parquet", hive_partitioning=True)'
HIVE_DDL = """CREATE EXTERNAL TABLE clicks (
  ts TIMESTAMP, event STRING, profile_id INT, link_id INT, link_title STRING, link_url STRING,
  content_type STRING, visitor_id STRING, session_id STRING, referrer STRING, source STRING,
  utm_source STRING, utm_medium STRING, utm_campaign STRING, device STRING, os STRING,
  browser STRING, country STRING, user_agent STRING, revenue DOUBLE)
PARTITIONED BY (month STRING)
STORED AS PARQUET
LOCATION '{dir}';
MSCK REPAIR TABLE clicks;"""
TRINO_DDL = """CREATE TABLE hive.web.clicks (
  ts timestamp(6), event varchar, profile_id integer, link_id integer, link_title varchar, link_url varchar,
  content_type varchar, visitor_id varchar, session_id varchar, referrer varchar, source varchar,
  utm_source varchar, utm_medium varchar, utm_campaign varchar, device varchar, os varchar,
  browser varchar, country varchar, user_agent varchar, revenue double, month varchar)
WITH (external_location = 's3://bucket/lake/clicks', format = 'PARQUET', partitioned_by = ARRAY['month']);
CALL system.sync_partition_metadata('web', 'clicks', 'ADD');"""
# Parquet physical/logical type -> Trino type (Hive connector)
TRINO_TYPES = {"timestamp": "timestamp(6)", "string": "varchar", "int32": "integer", "double": "double"}

# polars SQL spellings (same meaning): the exported ts is a UTC instant (Datetime(us, UTC)) and
# polars refuses to compare it with a zone-less TIMESTAMP literal, so the literals say UTC; polars
# sums an Int32 column in 32 bits (wrapping: q02's sum(link_id) came out negative), where SQL
# engines sum integers as BIGINT, so the INTEGER columns are cast before summing
POLARS_SQL = [(re.compile(r"TIMESTAMP '([0-9: -]+)'"), r"TIMESTAMPTZ '\1+00:00'"),
              (re.compile(r"sum\((link_id|profile_id)\)"), r"sum(CAST(\1 AS BIGINT))")]


def sh(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode:
        sys.exit(f"{' '.join(cmd[:3])}... failed ({p.returncode}): {(p.stderr or p.stdout).strip()[-2000:]}")
    return p.stdout


# ------------------------------------------------------------------------------------------
# readers (each in a child process): open the export, return {rows, types, months, answers}
# ------------------------------------------------------------------------------------------
def month_check_sql(month_col="month"):
    return (f"SELECT {month_col} AS month, count(*) AS n, min(ts) AS lo, max(ts) AS hi FROM clicks "
            f"GROUP BY {month_col} ORDER BY {month_col}")


def answers_of(queries, run):
    """{query id: {rows} or {error}}, `run(sql)` returning the result rows."""
    out = {}
    for q in queries:
        try:
            out[q["id"]] = dict(rows=normalize_rows([list(r) for r in run(q["sql"])]))
        except Exception as e:  # noqa: BLE001
            out[q["id"]] = dict(error=f"{type(e).__name__}: {str(e)[:300]}")
    return out


def run_duckdb_like(con, queries, arrow_types=None):
    return answers_of(queries, lambda sql: con.sql(sql).fetchall())


def reader_duckdb(d, queries):
    import duckdb
    con = duckdb.connect()
    con.execute("SET threads = 2")
    con.execute("SET TimeZone = 'UTC'")
    con.execute(DUCKDB_VIEW.format(dir=d))
    types = {r[0]: r[1] for r in con.execute("DESCRIBE clicks").fetchall()}
    months = [list(r) for r in con.execute(month_check_sql()).fetchall()]
    return dict(version=f"duckdb {duckdb.__version__}", types=types, months=months, answers=run_duckdb_like(con, queries))


def reader_pyarrow(d, queries):
    import duckdb
    import pyarrow as pa
    import pyarrow.dataset as ds
    pa.set_cpu_count(2)
    tbl = ds.dataset(d, format="parquet", partitioning="hive").to_table()
    types = {f.name: str(f.type) for f in tbl.schema}
    con = duckdb.connect()
    con.execute("SET threads = 2")
    con.execute("SET TimeZone = 'UTC'")
    con.register("clicks", tbl)
    months = [list(r) for r in con.execute(month_check_sql()).fetchall()]
    return dict(version=f"pyarrow {pa.__version__} (SQL: duckdb {duckdb.__version__} over the Arrow table)", types=types,
                months=months, answers=run_duckdb_like(con, queries))


def reader_chdb(d, queries):
    import chdb
    from chdb import session as chs
    work = tempfile.mkdtemp(prefix="chdb-interop-")
    sess = chs.Session(work)
    sess.query("SET max_threads = 2")
    sess.query("SET session_timezone = 'UTC'")
    sess.query(CHDB_VIEW.format(dir=d).rstrip(";"))
    q = lambda s: sess.query(s, "ArrowTable")
    types = {r["name"]: r["type"] for r in q("DESCRIBE TABLE clicks").to_pylist()}
    months = [list(r.values()) for r in q(month_check_sql()).to_pylist()]
    answers = {}
    for x in queries:
        try:
            t = q(x["sql"])
            answers[x["id"]] = dict(rows=normalize_rows([list(r.values()) for r in t.to_pylist()]))
        except Exception as e:  # noqa: BLE001
            answers[x["id"]] = dict(error=f"{type(e).__name__}: {str(e)[:300]}")
    version = str(sess.query("SELECT version()", "CSV")).strip().strip('"')
    sess.close()
    shutil.rmtree(work, ignore_errors=True)
    return dict(version=f"chdb {chdb.__version__} / ClickHouse {version}", types=types, months=months, answers=answers)


def polars_sql(sql):
    for pat, rep in POLARS_SQL:
        sql = pat.sub(rep, sql)
    return sql


def reader_polars(d, queries):
    import polars as pl
    lf = eval(POLARS_READ.format(dir=d))  # the docs' line, verbatim
    schema = lf.collect_schema()
    types = {k: str(v) for k, v in schema.items()}
    ctx = pl.SQLContext(clicks=lf)
    months = [list(r) for r in ctx.execute(month_check_sql(), eager=True).rows()]
    answers = {}
    for x in queries:
        try:
            t = ctx.execute(polars_sql(x["sql"]), eager=True)
            answers[x["id"]] = dict(rows=normalize_rows([list(r) for r in t.rows()]))
            if polars_sql(x["sql"]) != x["sql"]:
                answers[x["id"]]["translated"] = True
        except Exception as e:  # noqa: BLE001
            answers[x["id"]] = dict(error=f"{type(e).__name__}: {str(e)[:300]}")
    return dict(version=f"polars {pl.__version__}", types=types, months=months, answers=answers)


def spark_session(hive):
    os.environ["TZ"] = "UTC"
    time.tzset()
    from pyspark.sql import SparkSession
    b = (SparkSession.builder.master("local[2]").appName("strata-export-interop")
         .config("spark.sql.session.timeZone", "UTC").config("spark.ui.enabled", "false")
         .config("spark.driver.memory", "2g").config("spark.sql.shuffle.partitions", "4"))
    if hive:
        wh = tempfile.mkdtemp(prefix="spark-hive-")
        b = (b.enableHiveSupport().config("spark.sql.warehouse.dir", wh + "/warehouse")
             .config("javax.jdo.option.ConnectionURL", f"jdbc:derby:;databaseName={wh}/metastore_db;create=true"))
    spark = b.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def spark_answers(spark, queries):
    return answers_of(queries, lambda sql: spark.sql(sql).collect())


def reader_spark(d, queries):
    spark = spark_session(hive=False)
    exec(SPARK_READ.format(dir=d))  # the docs' line, verbatim
    types = {f.name: f.dataType.simpleString() for f in spark.table("clicks").schema.fields}
    months = [list(r) for r in spark.sql(month_check_sql()).collect()]
    res = dict(version=f"Spark {spark.version}", types=types, months=months, answers=spark_answers(spark, queries))
    spark.stop()
    return res


def reader_hive(d, queries):
    spark = spark_session(hive=True)
    for stmt in HIVE_DDL.format(dir=d).split(";"):
        if stmt.strip():
            spark.sql(stmt)
    types = {f.name: f.dataType.simpleString() for f in spark.table("clicks").schema.fields}
    months = [list(r) for r in spark.sql(month_check_sql()).collect()]
    res = dict(version=f"Spark {spark.version} with Hive support (CREATE EXTERNAL TABLE ... STORED AS PARQUET, MSCK REPAIR TABLE)",
               types=types, months=months, answers=spark_answers(spark, queries))
    spark.stop()
    return res


READER_FN = {"pyarrow": reader_pyarrow, "duckdb": reader_duckdb, "chdb": reader_chdb, "polars": reader_polars,
             "spark": reader_spark, "hive": reader_hive}


# ------------------------------------------------------------------------------------------
# checks
# ------------------------------------------------------------------------------------------
def check_types(reader, types):
    want = {c: TYPE_NAMES[reader][t] for c, t in STRATA_COLUMNS}
    want["month"] = MONTH_TYPE[reader]
    bad = [f"{c}: {types.get(c)!r} (expected {w!r})" for c, w in want.items() if types.get(c) != w]
    extra = [c for c in types if c not in want]
    return bad + [f"unexpected column {c}" for c in extra]


def check_months(months, strata_months):
    """months: [month, n, min ts, max ts] per partition as the reader sees them."""
    bad = []
    got = {}
    for m, n, lo, hi in months:
        got[m] = n
        lo, hi = normalize_rows([[lo, hi]])[0]
        if not (isinstance(m, str) and str(lo).startswith(m) and str(hi).startswith(m)):
            bad.append(f"month {m!r}: ts from {lo} to {hi}")
    if got != strata_months:
        bad.append(f"rows per month {got} vs Strata's {strata_months}")
    return bad


def test_docs_snippets():
    """The reading snippets this script runs appear verbatim in docs/files.md (with lake/clicks)."""
    text = open(DOCS).read()
    missing = []
    for name, snip in [("DuckDB", DUCKDB_VIEW), ("ClickHouse", CHDB_VIEW), ("Spark", SPARK_READ), ("polars", POLARS_READ),
                       ("Hive", HIVE_DDL), ("Trino", TRINO_DDL)]:
        if snip.format(dir="lake/clicks") not in text:
            missing.append(name)
    return missing


def trino_ddl_check():
    cols = re.search(r"CREATE TABLE hive\.web\.clicks \((.*?)\)\s*WITH", TRINO_DDL, re.S).group(1)
    decl = [tuple(c.strip().split(None, 1)) for c in cols.split(",")]
    want = [(c, TRINO_TYPES[t]) for c, t in STRATA_COLUMNS] + [("month", "varchar")]
    return [] if decl == want else [f"Trino DDL columns {decl} vs the export's {want}"]


def parquet_schema_check(d):
    """The Parquet schema of every part file (what Trino/Hive read by)."""
    import pyarrow.parquet as pq
    phys = {"timestamp": ("INT64", "Timestamp(isAdjustedToUTC=true, timeUnit=microseconds"), "string": ("BYTE_ARRAY", "String"),
            "int32": ("INT32", "Int(bitWidth=32, isSigned=true)"), "double": ("DOUBLE", "None")}
    bad = []
    files = sorted(os.path.join(r, f) for r, _, fs in os.walk(d) for f in fs if f.endswith(".parquet"))
    for f in files:
        s = pq.ParquetFile(f).schema
        for i, (c, t) in enumerate(STRATA_COLUMNS):
            col = s.column(i)
            p, lt = phys[t]
            if col.name != c or col.physical_type != p or not str(col.logical_type).startswith(lt):
                bad.append(f"{os.path.relpath(f, d)} {col.name}: {col.physical_type} {col.logical_type}")
    return files, bad


# ------------------------------------------------------------------------------------------
def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--strata", default=os.path.join(ROOT, ".build", "release", "strata"))
    ap.add_argument("--csv", default="/tmp/bench-data/clicks_1000k.csv")
    ap.add_argument("--work", default="/tmp/strata-export-interop")
    ap.add_argument("--queries", default=os.path.join(BENCH, "queries"))
    ap.add_argument("--readers", default=",".join(READERS))
    ap.add_argument("--reuse", action="store_true", help="keep the store and the export of a previous run")
    ap.add_argument("--out", help="JSON report")
    ap.add_argument("--_reader", help=argparse.SUPPRESS)
    ap.add_argument("--_result", help=argparse.SUPPRESS)
    a = ap.parse_args()
    a.work, a.queries, a.csv = os.path.abspath(a.work), os.path.abspath(a.queries), os.path.abspath(a.csv)
    queries = load_queries([a.queries])
    lake = os.path.join(a.work, "lake", "clicks")

    if a._reader:
        t0 = time.perf_counter()
        res = READER_FN[a._reader](lake, queries)
        res["seconds"] = time.perf_counter() - t0
        json.dump(res, open(a._result, "w"), default=str, ensure_ascii=False)
        return

    S = [a.strata]
    store = os.path.join(a.work, "store")
    if not a.reuse or not os.path.exists(os.path.join(lake, "_SUCCESS")):
        shutil.rmtree(a.work, ignore_errors=True)
        os.makedirs(a.work)
        t0 = time.perf_counter()
        sh(S + ["query", "--store", store, DDL])
        sh(S + ["ingest", "--store", store, "clicks", a.csv])
        t1 = time.perf_counter()
        print(sh(S + ["export", "--store", store, "clicks", os.path.join(a.work, "lake")]).strip())
        print(f"ingest {t1 - t0:.1f}s, export {time.perf_counter() - t1:.1f}s")
    files, schema_bad = parquet_schema_check(lake)
    layout = sorted(os.path.relpath(os.path.join(r, f), lake) for r, _, fs in os.walk(lake) for f in fs)
    print(f"export: {len(files)} Parquet files under {lake}: {', '.join(layout)}")

    # Strata's answers on its own store
    strata = {}
    for q in queries:
        p = subprocess.run(S + ["query", "--store", store, "--format", "csv", "--file",
                                os.path.join(a.queries, q["id"].split("/")[1] + ".sql")], capture_output=True, text=True)
        if p.returncode:
            sys.exit(f"strata failed on {q['id']}: {p.stderr.strip()[-500:]}")
        strata[q["id"]] = normalize_rows(list(csv.reader(io.StringIO(p.stdout)))[1:], parse_strings=True)
    p = subprocess.run(S + ["query", "--store", store, "--format", "csv",
                            "SELECT strftime(ts, '%Y-%m') AS month, count(*) AS n FROM clicks GROUP BY 1 ORDER BY 1"],
                       capture_output=True, text=True)
    strata_months = {r[0]: int(r[1]) for r in list(csv.reader(io.StringIO(p.stdout)))[1:]}
    total = sum(strata_months.values())

    report = dict(csv=a.csv, rows=total, files=layout, readers={}, parquet_schema=schema_bad,
                  docs_missing=test_docs_snippets(), trino_ddl=trino_ddl_check())
    failures = len(schema_bad) + len(report["docs_missing"]) + len(report["trino_ddl"])
    table = []
    for r in [x.strip() for x in a.readers.split(",") if x.strip()]:
        print(f"== {r}", file=sys.stderr, flush=True)
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tf:
            rpath = tf.name
        p = subprocess.run([sys.executable, os.path.abspath(__file__), "--work", a.work, "--queries", a.queries,
                            "--_reader", r, "--_result", rpath], capture_output=True, text=True, cwd=a.work)
        if p.returncode:
            failures += 1
            report["readers"][r] = dict(error=(p.stderr or p.stdout).strip()[-1500:])
            table.append((r, "-", "ERROR", "-", "-", "0/%d" % len(queries), "", (p.stderr or p.stdout).strip()[-300:]))
            continue
        res = json.load(open(rpath))
        os.unlink(rpath)
        type_bad = check_types(r, res["types"])
        month_bad = check_months(res["months"], strata_months)
        rows = sum(m[1] for m in res["months"])
        agree, notes = 0, []
        for q in queries:
            ans = res["answers"][q["id"]]
            if "error" in ans:
                ans["status"] = "ERROR"
                notes.append(f"{q['id']}: {ans['error'][:200]}")
                continue
            st, detail = compare_results(strata[q["id"]], ans["rows"])
            ans["status"], ans["detail"] = st, detail
            del ans["rows"]
            if st.startswith("agree"):
                agree += 1
            else:
                notes.append(f"{q['id']}: {st} {detail[:200]}")
        ok = not type_bad and not month_bad and agree == len(queries) and rows == total
        failures += not ok
        res.update(type_problems=type_bad, month_problems=month_bad, agree=agree, rows=rows)
        report["readers"][r] = res
        translated = sum(1 for x in res["answers"].values() if x.get("translated"))
        table.append((r, f"{rows:,}", "ok" if not month_bad else "WRONG", "ok" if not type_bad else "WRONG",
                      f"{res['seconds']:.0f}s", f"{agree}/{len(queries)}", f"{translated} translated" if translated else "",
                      "; ".join(type_bad + month_bad + notes)[:600]))
        print(f"   {res['version']}", file=sys.stderr)

    print(f"\n{total:,} rows exported by Strata ({len(files)} files, month=YYYY-MM partitions)")
    print(f"{'reader':8s} {'rows':>10s} {'month':>6s} {'types':>6s} {'time':>5s} {'queries agree':>13s}  notes")
    for r, rows, m, t, secs, ag, tr, note in table:
        print(f"{r:8s} {rows:>10s} {m:>6s} {t:>6s} {secs:>5s} {ag:>13s}  {tr}{(' ' + note) if note else ''}")
    for r, res in report["readers"].items():
        if "version" in res:
            print(f"  {r}: {res['version']}")
    print(f"Parquet schema of every file as Strata's types: {'ok' if not schema_bad else schema_bad[:5]}")
    print(f"Trino DDL of docs/files.md matches the files: {'ok' if not report['trino_ddl'] else report['trino_ddl']}")
    print(f"docs/files.md shows the snippets run here: {'ok' if not report['docs_missing'] else 'MISSING ' + ', '.join(report['docs_missing'])}")
    if a.out:
        json.dump(report, open(a.out, "w"), indent=1, default=str, ensure_ascii=False)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
