#!/usr/bin/env bash
# Disk-full checks: ingest, compaction, export (Parquet, Hive layout), COPY (query) TO and
# COPY t FROM on a small tmpfs that is filled so each write fails midway. For each case:
# a clear error ("No space left on device" naming the file), a non-zero exit, nothing
# half-visible (the table's rows are exactly the before state; no _SUCCESS, no partial or
# temporary output files), nothing leaked after `strata gc --now`, and the same command
# succeeds with the right answer once space is freed.
#
# Usage: scripts/diskfull.sh [--binary B] [--size-mb N] [--rows N]
# Needs root (mount -t tmpfs). Exit 0 when every case passed, 1 otherwise.
# See docs/reliability-tooling.md#disk-full.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BIN="$here/../.build/release/strata"
SIZE_MB=64
ROWS=400000
while [ $# -gt 0 ]; do
    case "$1" in
        --binary) BIN="$2"; shift 2 ;;
        --size-mb) SIZE_MB="$2"; shift 2 ;;
        --rows) ROWS="$2"; shift 2 ;;
        -h|--help) sed -n 2,12p "$0"; exit 0 ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"
[ -x "$BIN" ] || { echo "no strata binary at $BIN (pass --binary)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "diskfull.sh mounts a tmpfs: run it as root" >&2; exit 2; }

WORK="$(mktemp -d /tmp/strata-diskfull.XXXXXX)"   # inputs, outside the small filesystem
MNT="$WORK/mnt"                                     # the small filesystem
mkdir -p "$MNT"
mount -t tmpfs -o size="${SIZE_MB}m" tmpfs "$MNT" || { echo "cannot mount a tmpfs at $MNT" >&2; exit 2; }
cleanup() { umount "$MNT" 2>/dev/null || umount -l "$MNT"; rm -rf "$WORK"; }
trap cleanup EXIT

PASS=0
FAIL=0
RESULTS=()
ok()   { PASS=$((PASS + 1)); RESULTS+=("ok    $CASE: $*"); echo "  ok: $*"; }
bad()  { FAIL=$((FAIL + 1)); RESULTS+=("FAIL  $CASE: $*"); echo "  FAIL: $*"; }
check() { local what="$1"; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

S="$MNT/store"
q() { "$BIN" query --store "$S" --format csv "$1" | tail -n +2; }
count() { q "SELECT count(*) FROM $1"; }
DIGEST="count(*), sum(profile_id), sum(hash(visitor_id) % 1000003)"
digest() { q "SELECT $DIGEST FROM $1"; }
verify_clean() { "$BIN" verify --store "$S" "$1" >/dev/null 2>&1; }
avail() { df --output=avail -B1 "$MNT" | tail -1 | tr -d ' '; }

# Fills the filesystem so that only $1 bytes stay free.
fill() {
    local keep="$1"
    rm -f "$MNT/filler"
    local free; free=$(avail)
    local n=$(( free - keep ))
    [ "$n" -gt 0 ] && fallocate -l "$n" "$MNT/filler"
}
unfill() { rm -f "$MNT/filler"; }

# Files of table $1 that no manifest references, staged files and manifest temporaries
# (after gc --now): must be none.
leaks() {
    python3 - "$S/$1" <<'EOF'
import json, os, struct, sys
t = sys.argv[1]
ref = set()
md = os.path.join(t, "_manifest")
for f in os.listdir(md):
    if f.endswith(".manifest"):
        b = open(os.path.join(md, f), "rb").read()
        (n,) = struct.unpack("<I", b[12:16])
        for s in json.loads(b[16:16 + n])["segments"]:
            ref.add("%s/%s.seg" % (s["partition"], s["id"]))
    else:
        print(os.path.join(md, f))
for e in os.listdir(t):
    p = os.path.join(t, e)
    if e == "_tmp":
        for f in os.listdir(p):
            print(os.path.join(p, f))
    elif os.path.isdir(p) and "=" in e:
        for f in os.listdir(p):
            if e + "/" + f not in ref:
                print(os.path.join(p, f))
EOF
}

# Checks of a failed write: non-zero exit, the message, the table unchanged, verify clean,
# nothing leaked after gc --now.
after_failure() {   # table rc errfile before-digest
    local t="$1" rc="$2" err="$3" before="$4"
    check "exit non-zero ($rc)" [ "$rc" -ne 0 ]
    if grep -q "No space left on device" "$err" && grep -q "$MNT" "$err"; then
        ok "error names the file: $(grep -m1 'No space' "$err" | cut -c1-160)"
    else
        bad "error message: $(head -c 300 "$err")"
    fi
    local staged; staged=$(ls "$S/$t/_tmp" 2>/dev/null | wc -l)
    echo "  staged files left in _tmp by the failed command: $staged"
    unfill   # queries and gc need a little room for lock files
    check "rows unchanged" [ "$(digest "$t")" = "$before" ]
    check "verify clean" verify_clean "$t"
    "$BIN" gc --store "$S" "$t" --now >/dev/null
    local l; l=$(leaks "$t")
    check "nothing leaked after gc --now${l:+: $l}" [ -z "$l" ]
}

echo "strata $("$BIN" --version) on a ${SIZE_MB} MiB tmpfs at $MNT"
"$BIN" gen --rows "$ROWS" --days 60 --seed 7 --out "$WORK/big.csv" >/dev/null
"$BIN" gen --rows 2000 --days 60 --seed 8 --out "$WORK/small.csv" >/dev/null
for i in 1 2 3 4 5 6; do "$BIN" gen --rows 20000 --days 60 --seed $((20 + i)) --out "$WORK/part$i.csv" >/dev/null; done
BIG_ROWS=$ROWS
echo "inputs: big.csv $(du -m "$WORK/big.csv" | cut -f1) MiB ($ROWS rows)"

# ---------------------------------------------------------------- ingest
CASE=ingest
echo "== $CASE"
"$BIN" ingest --store "$S" clicks "$WORK/small.csv" --quiet 2>/dev/null
before=$(digest clicks)
fill $((512 * 1024))
"$BIN" ingest --store "$S" clicks "$WORK/big.csv" --quiet >"$WORK/out" 2>"$WORK/err"; rc=$?
after_failure clicks $rc "$WORK/err" "$before"
"$BIN" ingest --store "$S" clicks "$WORK/big.csv" --quiet >/dev/null 2>"$WORK/err"; rc=$?
check "retry with space succeeds" [ $rc -eq 0 ]
check "retry loaded every row" [ "$(count clicks)" = "$((2000 + BIG_ROWS))" ]
check "verify clean after retry" verify_clean clicks

# ---------------------------------------------------------------- compaction
CASE=compact
echo "== $CASE"
"$BIN" query --store "$S" "CREATE TABLE many (ts TIMESTAMP, profile_id BIGINT, visitor_id VARCHAR, link_id BIGINT, n BIGINT) PARTITION BY month(ts) WITH (auto_compact = false)" >/dev/null
for i in $(seq 1 12); do
    "$BIN" query --store "$S" "INSERT INTO many SELECT ts, profile_id, visitor_id, link_id, $i AS n FROM read_csv('$WORK/big.csv') WHERE profile_id % 12 = $((i - 1))" >/dev/null || bad "setup insert $i"
done
before=$(digest many)
segs_before=$("$BIN" stats --store "$S" many | grep -m1 -i segments)
fill $((1024 * 1024))
"$BIN" compact --store "$S" many --quiet >"$WORK/out" 2>"$WORK/err"; rc=$?
after_failure many $rc "$WORK/err" "$before"
"$BIN" compact --store "$S" many --quiet >"$WORK/out" 2>"$WORK/err"; rc=$?
check "retry with space succeeds" [ $rc -eq 0 ]
check "rows unchanged by the compaction" [ "$(digest many)" = "$before" ]
echo "  segments before: $segs_before; after: $("$BIN" stats --store "$S" many | grep -m1 -i segments)"
check "verify clean after retry" verify_clean many

# ---------------------------------------------------------------- export
CASE=export
echo "== $CASE"
OUT="$MNT/lake"
fill $((1024 * 1024))
"$BIN" export --store "$S" clicks "$OUT" --quiet >"$WORK/out" 2>"$WORK/err"; rc=$?
check "exit non-zero ($rc)" [ "$rc" -ne 0 ]
if grep -q "No space left on device" "$WORK/err" && grep -q "$MNT" "$WORK/err"; then ok "error names the file: $(grep -m1 'No space' "$WORK/err" | cut -c1-160)"; else bad "error message: $(head -c 300 "$WORK/err")"; fi
check "no _SUCCESS" [ ! -e "$OUT/clicks/_SUCCESS" ]
hidden=$(find "$OUT" -name '.*' 2>/dev/null)
check "no temporary files left${hidden:+: $hidden}" [ -z "$hidden" ]
parts=$(find "$OUT" -name 'part-*' 2>/dev/null | wc -l)
echo "  complete part files left without _SUCCESS (allowed: docs/files.md): $parts"
unfill
"$BIN" export --store "$S" clicks "$OUT" --quiet >/dev/null 2>"$WORK/err"; rc=$?
check "retry with space succeeds" [ $rc -eq 0 ]
check "_SUCCESS written" [ -e "$OUT/clicks/_SUCCESS" ]
got=$("$BIN" query --store "$S" --format csv "SELECT $DIGEST FROM read_parquet('$OUT/clicks/*/*.parquet')" | tail -1)
check "export holds every row" [ "$got" = "$(digest clicks)" ]
rm -rf "$OUT"

# ---------------------------------------------------------------- COPY (query) TO
CASE="copy-to"
echo "== $CASE"
fill $((256 * 1024))
"$BIN" query --store "$S" "COPY (SELECT * FROM clicks) TO '$MNT/all.parquet' (FORMAT parquet)" >"$WORK/out" 2>"$WORK/err"; rc=$?
check "exit non-zero ($rc)" [ "$rc" -ne 0 ]
if grep -q "No space left on device" "$WORK/err" && grep -q "$MNT" "$WORK/err"; then ok "error names the file: $(grep -m1 'No space' "$WORK/err" | cut -c1-160)"; else bad "error message: $(head -c 300 "$WORK/err")"; fi
check "no output file" [ ! -e "$MNT/all.parquet" ]
hidden=$(find "$MNT" -maxdepth 1 -name '.*' 2>/dev/null)
check "no temporary files left${hidden:+: $hidden}" [ -z "$hidden" ]
fill $((256 * 1024))
"$BIN" query --store "$S" "COPY (SELECT * FROM clicks) TO '$MNT/hive' (FORMAT csv, PARTITION_BY (country))" >"$WORK/out" 2>"$WORK/err"; rc=$?
check "partitioned: exit non-zero ($rc)" [ "$rc" -ne 0 ]
grep -q "No space left on device" "$WORK/err" && ok "partitioned: error says No space left on device" || bad "partitioned: error message: $(head -c 300 "$WORK/err")"
hidden=$(find "$MNT/hive" -name '.*' 2>/dev/null)
check "partitioned: no temporary files left${hidden:+: $hidden}" [ -z "$hidden" ]
unfill
rm -rf "$MNT/hive"
"$BIN" query --store "$S" "COPY (SELECT * FROM clicks) TO '$MNT/all.parquet' (FORMAT parquet)" >/dev/null 2>"$WORK/err"; rc=$?
check "retry with space succeeds" [ $rc -eq 0 ]
got=$("$BIN" query --store "$S" --format csv "SELECT $DIGEST FROM read_parquet('$MNT/all.parquet')" | tail -1)
check "the file holds every row" [ "$got" = "$(digest clicks)" ]
rm -f "$MNT/all.parquet"

# ---------------------------------------------------------------- COPY t FROM
CASE="copy-from"
echo "== $CASE"
"$BIN" query --store "$S" "CREATE TABLE loaded AS SELECT * FROM clicks LIMIT 0" >/dev/null
"$BIN" query --store "$S" "COPY loaded FROM '$WORK/small.csv' (FORMAT csv, HEADER)" >/dev/null
before=$(digest loaded)
fill $((512 * 1024))
"$BIN" query --store "$S" "COPY loaded FROM '$WORK/big.csv' (FORMAT csv, HEADER)" >"$WORK/out" 2>"$WORK/err"; rc=$?
after_failure loaded $rc "$WORK/err" "$before"
"$BIN" query --store "$S" "COPY loaded FROM '$WORK/big.csv' (FORMAT csv, HEADER)" >/dev/null 2>"$WORK/err"; rc=$?
check "retry with space succeeds" [ $rc -eq 0 ]
check "retry loaded every row" [ "$(count loaded)" = "$((2000 + BIG_ROWS))" ]

# ---------------------------------------------------------------- sweep
# Small ingests with 0, 4, 8, ... KiB free: each fails at a different step (segment write,
# rename, manifest, garbage collection) or succeeds; every outcome is all or nothing.
CASE=sweep
echo "== $CASE"
"$BIN" query --store "$S" "CREATE TABLE sweep AS SELECT * FROM clicks LIMIT 0" >/dev/null
rows=0; failed=0; succeeded=0; wrong=0
for kb in 0 8 16 24 28 32 36 40 44 48 52 56 64 128 512; do
    "$BIN" gen --rows 1000 --days 2 --seed $((100 + kb)) --out "$WORK/s.csv" >/dev/null
    fill $((kb * 1024))
    "$BIN" ingest --store "$S" sweep "$WORK/s.csv" --quiet >/dev/null 2>"$WORK/err"; rc=$?
    unfill
    [ $rc -eq 0 ] && rows=$((rows + 1000))
    n=$(count sweep)
    printf '  %4d KiB free: exit %d %s\n' "$kb" "$rc" "$(grep -m1 -o 'error: .*' "$WORK/err" | sed -E 's#/tmp/strata-diskfull[^ ]*/mnt/##; s#seg-[0-9a-f-]+#seg-…#' | cut -c1-110)"
    if [ $rc -eq 0 ]; then succeeded=$((succeeded + 1)); else
        failed=$((failed + 1))
        grep -q "No space left on device" "$WORK/err" || { wrong=$((wrong + 1)); echo "  $kb KiB free: $(head -c 200 "$WORK/err")"; }
    fi
    [ "$n" = "$rows" ] || { wrong=$((wrong + 1)); echo "  $kb KiB free: rc $rc, $n rows, expected $rows"; }
done
echo "  15 ingests: $failed failed, $succeeded succeeded"
check "every sweep outcome all or nothing with a clear error" [ $wrong -eq 0 ]
check "verify clean after the sweep" verify_clean sweep
"$BIN" gc --store "$S" sweep --now >/dev/null
l=$(leaks sweep)
check "nothing leaked after the sweep${l:+: $l}" [ -z "$l" ]

echo
echo "disk full: $PASS checks passed, $FAIL failed"
printf '%s\n' "${RESULTS[@]}" | grep FAIL
[ "$FAIL" -eq 0 ]
