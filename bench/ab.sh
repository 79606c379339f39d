#!/usr/bin/env bash
# make bench-ab A=REV B=REV: how much BPF time a change saves or costs, told
# apart from this emulated machine's swings. Builds nvmetrace at two git
# revisions ("work": this tree as it is, built by make), boots the bench VM
# once and runs both builds attached at the same time to the passthrough
# storm and the block I/O, in both attach orders, round after round
# (bench/ab-guest.sh); prints per command BPF time of each, and B - A, and
# writes it to build/bench/ab.md.
#
# usage: ab.sh REV_A REV_B
# env:   AB_ARGS (nvmetrace's options for both, default -a; "default": none), KERNEL,
#        BENCH_SECONDS (per workload run, default 8), BENCH_REPS (rounds,
#        default 3), as for make bench.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../tests/vm/lib.sh"

[ $# -eq 2 ] && [ -n "$1" ] && [ -n "$2" ] ||
	die "usage: make bench-ab A=REV B=REV [AB_ARGS=OPTIONS|default] (REV: a git revision, or work for this tree)"
dir="$TOP/build/ab"
mkdir -p "$dir"

# build NAME REV: nvmetrace at REV in build/ab/NAME; BIN = the binary,
# LABEL = how the report names it.
build() {
	local name=$1 rev=$2 sha d="$dir/$1"
	if [ "$rev" = work ]; then
		BIN="$TOP/build/nvmetrace"
		LABEL="work ($(git -C "$TOP" rev-parse --short HEAD)$(git -C "$TOP" diff --quiet HEAD -- || echo ', modified'))"
		return
	fi
	sha=$(git -C "$TOP" rev-parse --verify --quiet "$rev^{commit}") || die "not a git revision: $rev"
	rm -rf "$d"
	mkdir -p "$d"
	git -C "$TOP" archive "$sha" | tar -x -C "$d"
	log "bench-ab: building $rev ($sha) in $d"
	make -C "$d" -j"$(nproc)" all >"$d.log" 2>&1 || die "building $rev failed (see $d.log)"
	BIN="$d/build/nvmetrace"
	LABEL="$rev ($(git -C "$TOP" rev-parse --short "$sha"))"
}

build A "$1"
a_bin=$BIN a_label=$LABEL
build B "$2"
BENCH_AB_A=$a_bin BENCH_AB_A_NAME=$a_label BENCH_AB_B=$BIN BENCH_AB_B_NAME=$LABEL \
	BENCH_AB_ARGS="${AB_ARGS:--a}" exec "$here/run.sh"
