#!/usr/bin/env bash
# Run the libFuzzer targets, each for FUZZ_TIME seconds, on a copy of the
# seed corpus in $BUILD/fuzz/corpus-TARGET/ (new inputs go there, never into
# tests/fuzz/corpus/). Prints "PASS fuzz TARGET: N runs" or
# "FAIL fuzz TARGET: <why>", keeping the crashing input in $BUILD/fuzz/.
#
# usage: tests/fuzz/run.sh [TARGET...]        (default: every fuzz_*.c)
# env:   BUILD      build directory (default build)
#        FUZZ_TIME  seconds per target (default 60)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
build=${BUILD:-build}
time=${FUZZ_TIME:-60}
targets=${*:-$(for f in tests/fuzz/fuzz_*.c; do basename "$f" .c | sed 's/^fuzz_//'; done)}
status=0
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

for t in $targets; do
	bin=$build/fuzz/fuzz_$t
	work=$build/fuzz/corpus-$t
	log=$build/fuzz/$t.log
	if [ ! -x "$bin" ]; then
		echo "FAIL fuzz $t: $bin not built (make fuzz)"
		status=1
		continue
	fi
	mkdir -p "$work"
	cp tests/fuzz/corpus/"$t"/* "$work"/
	# Captures nvmetrace recorded in the VM tests' guest (Debian 6.1).
	[ -d tests/fuzz/real/"$t" ] && cp tests/fuzz/real/"$t"/* "$work"/
	# -timeout: one input taking seconds is a bug too (a loop on bad input).
	"$bin" -max_total_time="$time" -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$build/fuzz/$t-" "$work" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	crash=$(sed -n 's/.*Test unit written to //p' "$log" | tail -n 1)
	if [ "$rc" -eq 0 ] && [ -z "$crash" ]; then
		echo "PASS fuzz $t: ${runs:-?} runs in ${time} s (${speed:-?}/s), corpus $(ls "$work" | wc -l) inputs"
		continue
	fi
	status=1
	# The report: a sanitizer's, a failed property (fuzz.h), a timeout.
	sed -n '/^==[0-9]*==ERROR\|runtime error:\|^fuzz: \|ERROR: libFuzzer/,/^SUMMARY/p' "$log" |
		grep -v '^    #[1-9][0-9]' | head -n 40 | sed 's/^/    /'
	why=$(grep -m 1 '^fuzz: ' "$log" || grep -m 1 'runtime error:' "$log" ||
	      grep -m 1 '^SUMMARY: ' "$log" || echo "exited $rc")
	echo "FAIL fuzz $t: ${why#SUMMARY: } (${crash:+crash file $crash, reproduce: $bin $crash; }log $log)"
done
exit $status
