#!/usr/bin/env bash
# make fuzz: runs each fuzz target under libFuzzer for FUZZ_SECONDS (default 120), one after
# the other, and prints executions, executions per second and findings per target.
#
#   MREG_FUZZ=.build-fuzz/debug/MregFuzz bash Scripts/fuzz.sh
#
# FUZZ_TARGETS  the targets to run (default: all, as `MregFuzz --list` prints them)
# FUZZ_SECONDS  seconds per target (default 120); FUZZ_RSS_MB memory limit (default 2048)
#
# Each target's working corpus (what libFuzzer learns) is .build-fuzz/corpus/<target>; the
# committed seeds, Tests/FuzzCorpus/<target>, are read but never written. A crash, a hang
# (an input running over 10 s) or an input exceeding the memory limit is saved to
# Tests/FuzzCorpus/<target>/crashes/ (crash-*, timeout-*, oom-*): minimise it with
#   MregFuzz TARGET -minimize_crash=1 -max_total_time=60 -exact_artifact_path=OUT FILE
# then fix the code and commit the input; `make test` replays it from then on.
set -u
BIN=${MREG_FUZZ:?set MREG_FUZZ to the MregFuzz binary}
SECONDS_EACH=${FUZZ_SECONDS:-120}
RSS_MB=${FUZZ_RSS_MB:-2048}
CORPUS=Tests/FuzzCorpus
WORK=.build-fuzz/corpus
LOGS=.build-fuzz/logs
TARGETS=${FUZZ_TARGETS:-$("$BIN" --list | cut -f1)}

# Let libFuzzer and AddressSanitizer handle fatal signals (Swift's backtracer would take them
# first and the input would not be saved). Leak checks are off: the Swift runtime's caches,
# filled on first use inside an input, read as leaks.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1}
export TMPDIR=$PWD/.build-fuzz/tmp
mkdir -p "$WORK" "$LOGS" "$TMPDIR"
rm -rf "${TMPDIR:?}"/mreg-fuzz-*

status=0
report=$LOGS/report.txt
printf '%-12s %10s %8s %9s %7s  %s\n' target execs execs/s seconds rss_mb findings | tee "$report"
for target in $TARGETS; do
    mkdir -p "$WORK/$target" "$CORPUS/$target/crashes"
    before=$(ls "$CORPUS/$target/crashes" | sort)
    start=$(date +%s)
    "$BIN" "$target" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb="$RSS_MB" -detect_leaks=0 \
        -print_final_stats=1 -artifact_prefix="$CORPUS/$target/crashes/" \
        "$WORK/$target" "$CORPUS/$target" > "$LOGS/$target.log" 2>&1
    rc=$?
    took=$(( $(date +%s) - start ))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$LOGS/$target.log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$LOGS/$target.log" | tail -1)
    rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$LOGS/$target.log" | tail -1)
    found=$(comm -13 <(echo "$before") <(ls "$CORPUS/$target/crashes" | sort) | tr '\n' ' ')
    rmdir "$CORPUS/$target/crashes" 2>/dev/null
    if [ "$rc" -ne 0 ] || [ -n "$found" ]; then
        status=1
        [ -n "$found" ] || found="libFuzzer exited $rc: see $LOGS/$target.log"
    fi
    printf '%-12s %10s %8s %9s %7s  %s\n' "$target" "${execs:-?}" "${rate:-?}" "$took" "${rss:-?}" "${found:-none}" | tee -a "$report"
done
rm -rf "${TMPDIR:?}"/mreg-fuzz-*
[ "$status" -eq 0 ] && echo "no crashes, hangs or memory blow-ups" || echo "findings above: logs in $LOGS"
exit "$status"
