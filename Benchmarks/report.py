#!/usr/bin/env python3
"""Turns a run_strata.py report and a run_peers.py report into Benchmarks/results files:
<out>.json (both reports + machine details) and <out>.md (the side-by-side table)."""
import argparse, datetime, json, math, os, platform, subprocess

ap = argparse.ArgumentParser()
ap.add_argument("--strata", required=True)
ap.add_argument("--peers", required=True)
ap.add_argument("--out", required=True)
a = ap.parse_args()
S = json.load(open(a.strata))
P = json.load(open(a.peers))
E = P["engines"]

def cpu():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()

def gm(xs):
    xs = [x for x in xs if x and x > 0]
    return math.exp(sum(map(math.log, xs)) / len(xs)) if xs else None

machine = dict(cpu=cpu(), cores=os.cpu_count(), memory_gib=round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
               kernel=platform.release(), date=datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC"),
               commit=subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                     cwd=os.path.dirname(os.path.abspath(__file__))).stdout.strip())
json.dump(dict(machine=machine, strata=S, peers=P), open(a.out + ".json", "w"), indent=1)

rows = S.get("rows")
lines = [f"# Strata vs DuckDB / ClickHouse (chDB) / Parquet — {rows:,} rows", "",
         f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB; {machine['date']}; strata {machine['commit']}.",
         "Every engine pinned to 2 threads; per query 1 warm-up + 5 timed runs, median, in-process.", "",
         "| engine | load rows/s | bytes/row on disk | peak load RSS | compaction / OPTIMIZE |", "| --- | --- | --- | --- | --- |"]
lines.append(f"| strata | {S.get('rows_per_s', 0):,.0f} | {S.get('bytes_per_row', 0):.1f} | {S.get('ingest_peak_rss_bytes', 0) / 2**20:,.0f} MiB | {S.get('compact_s', 0):.2f} s |")
for e in ("duckdb", "chdb", "parquet"):
    if e in E:
        x = E[e]
        opt = f"{x['optimize_s']:.2f} s" if "optimize_s" in x else "-"
        lines.append(f"| {e} | {x.get('rows_per_s', 0):,.0f} | {x.get('bytes_per_row', 0):.1f} | {x.get('peak_rss_bytes', 0) / 2**20:,.0f} MiB | {opt} |")
lines += ["", "| query | strata | duckdb | chdb | strata / best | answer |", "| --- | --- | --- | --- | --- | --- |"]
rs, rd, rc, rb = [], [], [], []
for q, r in sorted(S["queries"].items()):
    t = r.get("median_s")
    d = E["duckdb"]["queries"][q]["median_s"]
    c = E["chdb"]["queries"][q]["median_s"]
    if t:
        rs.append(t); rd.append(d); rc.append(c); rb.append(t / min(d, c))
    lines.append(f"| {q.split('/')[-1]} | {t * 1000:.1f} ms | {d * 1000:.1f} ms | {c * 1000:.1f} ms | {t / min(d, c):.2f}x | {r.get('agreement', '?')} |")
lines += ["", f"Geometric means: strata {gm(rs) * 1000:.1f} ms, duckdb {gm(rd) * 1000:.1f} ms, chdb {gm(rc) * 1000:.1f} ms; "
          f"strata / best peer per query, geometric mean {gm(rb):.2f}x, worst {max(rb):.2f}x.", ""]
open(a.out + ".md", "w").write("\n".join(lines))
print("\n".join(lines))
