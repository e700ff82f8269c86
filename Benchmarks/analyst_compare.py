#!/usr/bin/env python3
"""Side-by-side table of the analyst queries: Strata (run_strata.py --out) against DuckDB
(run_peers.py --out), per query median seconds, ratio and answer check, then the geometric
mean of the ratios and the worst one (issue 16's targets: geomean <= 0.5x, none above 1.5x).

    analyst_compare.py STRATA.json PEERS.json
"""
import json
import math
import sys

strata = json.load(open(sys.argv[1]))["queries"]
duck = json.load(open(sys.argv[2]))["engines"]["duckdb"]["queries"]
ratios = []
print(f"{'query':40s} {'strata s':>9s} {'duckdb s':>9s} {'ratio':>6s}  answer")
for name in sorted(strata):
    s = strata[name].get("median_s")
    d = duck.get(name, {}).get("median_s")
    agree = strata[name].get("agreement", strata[name].get("error", "?"))
    if s and d:
        ratios.append(s / d)
        print(f"{name:40s} {s:9.4f} {d:9.4f} {s / d:6.2f}  {agree}")
    else:
        print(f"{name:40s} {'-':>9s} {d or 0:9.4f} {'-':>6s}  {agree}")
if ratios:
    gm = math.exp(sum(map(math.log, ratios)) / len(ratios))
    print(f"\n{len(ratios)} queries: geometric mean {gm:.3f}x DuckDB's time, worst {max(ratios):.2f}x, "
          f"{sum(1 for n in strata if str(strata[n].get('agreement', '')).startswith('agree'))} of {len(strata)} answers agree")
