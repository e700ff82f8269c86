#!/usr/bin/env bash
# Coverage-guided fuzzing with libFuzzer (docs/reliability.md).
#
#   scripts/fuzz.sh                    list the targets, one per line
#   scripts/fuzz.sh TARGET SECONDS     build (debug, -sanitize=fuzzer,address) and run TARGET
#                                      for SECONDS; exit 1 and print the crashing input's path
#                                      when it finds a crash
#   scripts/fuzz.sh --build            only build every target
#
# The package is Fuzz/ (its own Package.swift; the root build never compiles it), built into
# Fuzz/.build. Each run copies the seed corpus Fuzz/Corpus/TARGET into a work folder outside
# the repository ($STRATA_FUZZ_WORK, default /tmp/strata-fuzz) and keeps growing it there, so
# runs do not dirty the checkout and successive runs continue where the last stopped. Crash
# inputs go to $STRATA_FUZZ_WORK/TARGET/crashes/. Extra libFuzzer flags: $FUZZ_FLAGS.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
fuzz="$root/Fuzz"
targets=(segment manifest csv ndjson ingest sql parquet values)

if [[ $# -eq 0 ]]; then
    printf '%s\n' "${targets[@]}"
    exit 0
fi

build() {
    # libFuzzer's runtime ships with the toolchain (lib/clang/*/lib/linux/libclang_rt.fuzzer*)
    (cd "$fuzz" && nice -n 19 swift build -c debug -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library "$@" 2>&1 |
        grep -E 'error|warning: unre|Build|Compiling' | grep -v '^\[' || true)
    (cd "$fuzz" && swift build -c debug -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library --show-bin-path)
}

if [[ "$1" == "--build" ]]; then
    build >/dev/null
    exit 0
fi

target="$1"
seconds="${2:?usage: scripts/fuzz.sh TARGET SECONDS}"
if [[ ! " ${targets[*]} " == *" $target "* ]]; then
    echo "unknown target '$target' (targets: ${targets[*]})" >&2
    exit 2
fi
bin="$(build --product "fuzz-$target" | tail -1)/fuzz-$target"
[[ -x "$bin" ]] || { echo "build of fuzz-$target failed" >&2; exit 2; }

work="${STRATA_FUZZ_WORK:-/tmp/strata-fuzz}/$target"
mkdir -p "$work/corpus" "$work/crashes"
cp -n "$fuzz/Corpus/$target"/* "$work/corpus/" 2>/dev/null || true
dict=()
[[ -f "$fuzz/Dictionaries/$target.dict" ]] && dict=(-dict="$fuzz/Dictionaries/$target.dict")
case "$target" in
    ingest|sql|manifest) maxlen=4096 ;;
    segment|parquet) maxlen=16384 ;;
    *) maxlen=2048 ;;
esac

log="$work/last-run.log"
set +e
# one process, niced: the machine is shared. Leak checks off: process-wide caches (time
# zones, dictionaries) live until exit by design.
# the Swift runtime's backtracer would run inside the crashed process (and trip ASan):
# libFuzzer's own handler reports and saves the input
SWIFT_BACKTRACE="${SWIFT_BACKTRACE:-enable=no}" \
ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1}" nice -n 19 "$bin" \
    "$work/corpus" "${dict[@]}" -max_total_time="$seconds" -max_len="$maxlen" -timeout=30 \
    -rss_limit_mb=3072 -malloc_limit_mb=2048 -detect_leaks=0 -print_final_stats=1 \
    -artifact_prefix="$work/crashes/" ${FUZZ_FLAGS:-} 2>&1 | tee "$log" | grep -E '^#[0-9]+.*(DONE|pulse)|ERROR|FUZZ CHECK|==[0-9]+==|artifact|stat::' 
status=${PIPESTATUS[0]}
set -e
final="$(grep -aE '^#[0-9]+' "$log" | tail -1 || true)"
echo "fuzz-$target: ${final:-no progress line} (exit $status, log $log)"
# (no match is the clean case: under pipefail the grep's status must not end the script)
crash="$(grep -aoE "Test unit written to [^ ]*(crash|leak|timeout|oom)-[^ ]+" "$log" | tail -1 | sed 's/Test unit written to //' || true)"
if [[ $status -ne 0 || -n "$crash" ]]; then
    echo "CRASH: fuzz-$target found a failing input: ${crash:-see $log}"
    exit 1
fi
