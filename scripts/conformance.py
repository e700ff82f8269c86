#!/usr/bin/env python3
"""Regenerates the expected results of Strata's conformance tests by running them on DuckDB.

    python3 -m venv /tmp/peers && /tmp/peers/bin/pip install duckdb
    /tmp/peers/bin/python scripts/conformance.py [FILE.test ...]

With no arguments it processes every `Tests/StrataQueryTests/SQLTests/*.test` whose first line
starts with `# conformance`. Each file is replayed on a fresh in-memory DuckDB database:

- `statement ok` blocks run on DuckDB; Strata's table options after a CREATE TABLE column list
  (PARTITION BY, ORDER BY, WITH) are dropped, as are those between the name and AS of a
  CREATE TABLE ... AS. A block may give DuckDB its own text after a line `==== duckdb`
  (nothing after it: the block is skipped on DuckDB).
- `load t` rows (`|`-separated, NULL for null) are inserted into DuckDB's `t`.
- `set timezone Z` sets DuckDB's TimeZone.
- `__SCRATCH__` in any SQL becomes a temporary directory of the file's run (files that COPY
  writes and read_csv reads; the Swift runner substitutes its own directory).
- `generate t ROWS SEED` inserts `strata gen clicks --rows ROWS --seed SEED` into DuckDB's `t`
  (read as the benchmark harness reads it: empty fields are empty strings); the `strata` binary
  is `$STRATA`, else .build/debug/strata or .build/release/strata (built when missing).
- `query` blocks run on DuckDB (or the text after `==== duckdb`) and the expected rows between
  `----` and the next blank line are replaced by DuckDB's answer, formatted as the Strata runner
  prints cells (Tests/StrataQueryTests/SQLLogicTests.swift, `SQLLogicRunner.cell`).
- `error` / `statement error` blocks are Strata's own messages; DuckDB is only asked to fail
  too, and a warning is printed when it does not.

Expected results in these files are never typed by hand: edit the SQL, rerun this script,
review the diff.
"""
import datetime
import decimal
import math
import os
import re
import subprocess
import sys
import tempfile

import duckdb

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
TEST_DIR = os.path.join(ROOT, "Tests", "StrataQueryTests", "SQLTests")
MARK = "# conformance"
PEER = "==== duckdb"
PLAIN_TYPES = {"BOOLEAN", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
               "UINTEGER", "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE", "VARCHAR", "DATE", "TIMESTAMP"}


def fmt_double(d):
    if math.isnan(d):
        return "nan"
    if math.isinf(d):
        return "inf" if d > 0 else "-inf"
    if d == round(d) and abs(d) < 1e15:
        return repr(float(d))
    return "%.12g" % d


def fmt_timestamp(t):
    s = t.strftime("%Y-%m-%d %H:%M:%S")
    if t.microsecond:
        s += ("." + "%06d" % t.microsecond).rstrip("0")
    return s


def cell(v):
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return fmt_double(v)
    if isinstance(v, decimal.Decimal):
        return fmt_double(float(v))
    if isinstance(v, datetime.datetime):
        if v.tzinfo is not None:
            v = v.replace(tzinfo=None)  # already in the session zone
        return fmt_timestamp(v)
    if isinstance(v, datetime.date):
        return v.isoformat()
    return str(v)


def duckdb_create(sql):
    """Strata's CREATE TABLE options (PARTITION BY, ORDER BY, WITH) dropped for DuckDB."""
    m = re.match(r"\s*CREATE\s+(OR\s+REPLACE\s+)?TABLE\s+(IF\s+NOT\s+EXISTS\s+)?[\w\"`.]+\s*", sql, re.I | re.S)
    if not m:
        return sql
    rest = sql[m.end():]
    if rest.startswith("("):  # column list: keep it, drop what follows
        depth = 0
        for i, c in enumerate(rest):
            depth += (c == "(") - (c == ")")
            if depth == 0:
                return sql[:m.end()] + rest[:i + 1]
        return sql
    asm = re.search(r"\bAS\b", rest, re.I)  # CREATE TABLE t [options] AS query
    return sql[:m.end()] + rest[asm.start():] if asm else sql


def split_peer(lines):
    """The Strata text and DuckDB's text (None: same as Strata's; '' : skip)."""
    if PEER in [l.strip() for l in lines]:
        k = [l.strip() for l in lines].index(PEER)
        return "\n".join(lines[:k]), "\n".join(lines[k + 1:])
    return "\n".join(lines), None


def rows_of(con, sql):
    rel = con.sql(sql)
    if rel is None:
        return []
    types = [str(t) for t in rel.types]
    if all(t in PLAIN_TYPES or t.startswith("DECIMAL") or t.startswith("TIMESTAMP") for t in types):
        return rel.fetchall()
    # intervals, lists, structs: DuckDB's VARCHAR cast is the reference text
    cols = rel.columns
    exprs = []
    for i, t in enumerate(types):
        q = '"' + cols[i].replace('"', '""') + '"'
        plain = t in PLAIN_TYPES or t.startswith("DECIMAL") or t.startswith("TIMESTAMP")
        exprs.append(q if plain else f"CAST({q} AS VARCHAR)")
    return rel.project(", ".join(exprs)).fetchall()


def literal(text, typ):
    if text == "NULL":
        return "NULL"
    if typ in ("INTEGER", "BIGINT", "DOUBLE"):
        return text
    return "'" + text.replace("'", "''") + "'"


def table_types(con, table):
    return [r[1].upper() for r in con.execute(f"PRAGMA table_info('{table}')").fetchall()]


def strata_binary():
    if os.environ.get("STRATA"):
        return os.environ["STRATA"]
    for kind in ("debug", "release"):
        b = os.path.join(ROOT, ".build", kind, "strata")
        if os.path.exists(b):
            return b
    subprocess.run(["swift", "build", "--product", "strata"], cwd=ROOT, check=True)
    return os.path.join(ROOT, ".build", "debug", "strata")


def generate(con, table, rows, seed):
    with tempfile.TemporaryDirectory() as d:
        csv = os.path.join(d, "gen.csv")
        subprocess.run([strata_binary(), "gen", "clicks", "--rows", str(rows), "--seed", str(seed), "--out", csv], check=True)
        cols = con.execute(f"PRAGMA table_info('{table}')").fetchall()
        spec = ", ".join(f"'{c[1]}': '{c[2]}'" for c in cols)
        con.execute(f"INSERT INTO {table} SELECT * FROM read_csv('{csv}', header = true, delim = ',', quote = '\"', "
                    f"escape = '\"', nullstr = '\\N', columns = {{{spec}}})")


def process(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    if not lines or not lines[0].startswith(MARK):
        print(f"{path}: not a conformance file (first line must start with '{MARK}'), skipped")
        return 0
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    scratch = tempfile.mkdtemp(prefix="strata-conformance-")  # `__SCRATCH__`: files the SQL writes and reads

    def sub(sql):
        return sql.replace("__SCRATCH__", scratch)
    out = []
    i = 0
    changed = 0
    where = os.path.relpath(path, ROOT)

    def block():
        nonlocal i
        b = []
        while i < len(lines) and lines[i].strip() != "":
            b.append(lines[i])
            i += 1
        return b

    while i < len(lines):
        line = lines[i].strip()
        at = f"{where}:{i + 1}"
        out.append(lines[i])
        i += 1
        if line == "" or line.startswith("#"):
            continue
        if line.startswith("statement ok"):
            b = block()
            out.extend(b)
            strata, peer = split_peer(b)
            sql = duckdb_create(strata) if peer is None else peer
            if sql.strip():
                con.execute(sub(sql))
        elif line.startswith("load "):
            table = line[5:].strip()
            b = block()
            out.extend(b)
            types = table_types(con, table)
            for row in b:
                cells = row.split("|")
                vals = [literal(cells[k] if k < len(cells) else "NULL", types[k]) for k in range(len(types))]
                con.execute(f"INSERT INTO {table} VALUES ({', '.join(vals)})")
        elif line.startswith("generate "):
            _, table, rows, seed = line.split()
            generate(con, table, int(rows), int(seed))
        elif line.startswith("set timezone "):
            con.execute(f"SET TimeZone = '{line[13:].strip()}'")
        elif line.startswith("error") or line.startswith("statement error"):
            b = block()
            out.extend(b)
            strata, peer = split_peer(b)
            sql = strata if peer is None else peer
            if sql.strip():
                try:
                    con.execute(sub(sql))
                    print(f"warning: {at}: DuckDB accepts what Strata is expected to refuse")
                except duckdb.Error:
                    pass
        elif line.startswith("query"):
            sql_lines = []
            while i < len(lines) and lines[i] != "----":
                sql_lines.append(lines[i])
                i += 1
            out.extend(sql_lines)
            if i < len(lines):
                out.append(lines[i])
                i += 1
            old = block()
            strata, peer = split_peer(sql_lines)
            sql = strata if peer is None else peer
            try:
                rows = rows_of(con, sub(sql))
            except duckdb.Error as e:
                print(f"{at}: DuckDB failed: {e}\n{sql}", file=sys.stderr)
                raise SystemExit(1)
            new = ["|".join(cell(v) for v in r) for r in rows]
            if "rowsort" in line:  # order is not part of the answer: keep the file stable
                new = old if sorted(old) == sorted(new) else sorted(new)
            if any(r.strip() == "" for r in new):
                print(f"{at}: a result row is blank (ends the block); reshape the query", file=sys.stderr)
                raise SystemExit(1)
            if new != old:
                changed += 1
            out.extend(new)
        else:
            print(f"{at}: unknown directive '{line}'", file=sys.stderr)
            raise SystemExit(1)
    open(path, "w", encoding="utf-8").write("\n".join(out))
    print(f"{where}: {changed} expected block(s) changed")
    return changed


def main():
    files = sys.argv[1:]
    if not files:
        files = sorted(os.path.join(TEST_DIR, f) for f in os.listdir(TEST_DIR) if f.endswith(".test"))
        files = [f for f in files if open(f, encoding="utf-8").readline().startswith(MARK)]
    for f in files:
        process(f)
    print("then `swift build --build-tests` (copies the .test files into the test bundle) and "
          "`swift test --skip-build --filter sqlLogic`")


if __name__ == "__main__":
    main()
