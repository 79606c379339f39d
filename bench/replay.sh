#!/bin/sh
# Replay benchmark, on the host: how fast `nvmetrace -r` turns a capture
# into each output, on one core, and how much memory it takes.
#
# usage: bench/replay.sh [RECORDS]        (default 5000000)
# env:   BUILD  where nvmetrace and mkcap are (default build; make builds
#               them: make BUILD=... $BUILD/nvmetrace $BUILD/mkcap)
#        RUNS   runs per output, the median is shown (default 5)
#        CPU    the core to pin to (default the last one)
#        TMPDIR where the capture is written (about 176 bytes a record)
#
# Prints a Markdown table: output, records, seconds (wall), records/s,
# CPU seconds (user + sys: on a shared machine the wall time also counts
# waiting for the core), peak RSS, target, met?. Builds nothing. Exits 1 with one line on stderr if a tool
# is missing or a run fails.
set -eu

RECORDS=${1:-5000000}
BUILD=${BUILD:-build}
RUNS=${RUNS:-5}
NVMETRACE=$BUILD/nvmetrace
MKCAP=$BUILD/mkcap
# Targets (issue 6): records per second on one core, peak RSS.
TABLE_RATE=5000000
JSON_RATE=2000000
RSS_MB=16

die() {
	echo "replay.sh: $*" >&2
	exit 1
}

case $RECORDS in
''|*[!0-9]*) die "invalid record count '$RECORDS': expected a number" ;;
esac
[ -x "$NVMETRACE" ] || die "$NVMETRACE not found: build it first (make BUILD=$BUILD)"
[ -x "$MKCAP" ] || die "$MKCAP not found: build it first (make BUILD=$BUILD $MKCAP)"
command -v taskset >/dev/null 2>&1 || die "taskset not found: install util-linux"
# GNU time, not the shell keyword: it reports the peak RSS.
/usr/bin/time -f %M true >/dev/null 2>&1 || die "/usr/bin/time (GNU) not found: install the Debian package time"
CPU=${CPU:-$(($(getconf _NPROCESSORS_ONLN) - 1))}

DIR=$(mktemp -d "${TMPDIR:-/tmp}/nvmetrace-replay.XXXXXX") || die "failed to create a temporary directory"
trap 'rm -rf "$DIR"' EXIT INT TERM
CAP=$DIR/cap.nvmt
"$MKCAP" "$RECORDS" "$CAP" || die "failed to write $CAP with $MKCAP"

# One run: prints "seconds peak-KiB cpu-seconds".
run_once() {
	taskset -c "$CPU" /usr/bin/time -o "$DIR/time" -f '%e %M %U %S' \
		"$NVMETRACE" -r "$CAP" "$@" >/dev/null 2>"$DIR/err" ||
		die "nvmetrace -r $* failed: $(head -n 1 "$DIR/err")"
	awk '{ print $1, $2, $3 + $4 }' "$DIR/time"
}

# RUNS runs; prints the median seconds, the largest peak RSS and the
# median CPU seconds.
measure() {
	i=0
	: >"$DIR/runs"
	while [ "$i" -lt "$RUNS" ]; do
		run_once "$@" >>"$DIR/runs"
		i=$((i + 1))
	done
	sort -n -k3 "$DIR/runs" | awk '{ c[NR] = $3 }
		END { print c[int((NR + 1) / 2)] }' >"$DIR/cpu"
	sort -n "$DIR/runs" | awk -v cpu="$(cat "$DIR/cpu")" '{ s[NR] = $1; if ($2 > m) m = $2 }
		END { print s[int((NR + 1) / 2)], m, cpu }'
}

# row NAME RATE-TARGET ARGS...: one line of the table.
row() {
	name=$1 rate=$2
	shift 2
	set -- $(measure "$@")
	awk -v name="$name" -v n="$RECORDS" -v s="$1" -v kib="$2" -v cpu="$3" -v rate="$rate" \
	    -v rss="$RSS_MB" 'BEGIN {
		r = s > 0 ? n / s : 0; mb = kib / 1024
		target = sprintf("<= %d MB", rss); ok = mb <= rss
		if (rate) {
			target = sprintf(">= %d/s, %s", rate, target)
			ok = ok && r >= rate
		}
		printf "| %s | %d | %.2f | %d | %.2f | %.1f | %s | %s |\n",
			name, n, s, r, cpu, mb, target, ok ? "yes" : "no"
	}'
}

echo "| output | records | seconds | records/s | CPU seconds | peak RSS (MB) | target | met? |"
echo "|---|---:|---:|---:|---:|---:|---|---|"
row "table" "$TABLE_RATE"
row "json (-j)" "$JSON_RATE" -j
row "histogram (-H)" 0 -H
row "summary (-S)" 0 -S
