#!/bin/bash
# `make bench-ab` inside the VM (see bench/ab.sh): two builds of nvmetrace,
# A and B, attached at the same time to the same workloads, and each
# program's BPF run time (kernel.bpf_stats_enabled) told apart by the
# program ids each process holds. Measured side by side, the two see the
# same commands in the same window: the swings of this emulated machine,
# which move a configuration measured alone by more than most changes,
# fall on both. Whichever attaches first runs first on every hook and pays
# more (cold caches), so every round runs both orders, A then B and B then
# A. Prints "BENCH AB ..." lines on $RESULTS; bench/ab-report.py reads them.
#
# env: TOP BUILD (the checkout and its build directory, as the host sees
#      them: the workloads), AB_A AB_B (the two nvmetrace binaries), AB_ARGS
#      (their options, default -a; "default" for none), SECS (seconds per workload run), REPS
#      (rounds), RESULTS, KERNEL, ICOUNT (QEMU's -icount shift, if set:
#      the block I/O is dd's reads, one at a time).
set -u
ICOUNT=${ICOUNT:-}

. "$TOP/bench/guest-lib.sh"

AB_ARGS=${AB_ARGS:--a}
# "default": no option, the default mode.
[ "$AB_ARGS" = default ] && AB_ARGS=

# prog_ids PID: the ids of the BPF programs the process holds (its program
# and link fds' fdinfo), on one line.
prog_ids() {
	local f l ids=
	for f in /proc/"$1"/fdinfo/*; do
		while IFS= read -r l; do
			case $l in prog_id:*) ids="$ids ${l#prog_id:}" ;; esac
		done <"$f"
	done 2>/dev/null
	echo $ids
}

# cost IDS BEFORE AFTER: "NS RUNS" of programs IDS between two progs
# snapshots.
cost() {
	awk -v ids=" $1 " 'FNR == NR { rt[$1] = $4; rc[$1] = $5; next }
		index(ids, " " $1 " ") { ns += $4 - rt[$1]; n += $5 - rc[$1] }
		END { printf "%.0f %.0f\n", ns, n }' "$2" "$3"
}

# start BUILD: start nvmetrace BUILD (A or B) and wait until it is
# attached, asked every 10 ms; PID_<BUILD> is its pid, START_<BUILD> the
# microseconds that took. Fails after 600 s or if it exited.
start() {
	local b=$1 bin pid t0
	[ "$b" = A ] && bin=$AB_A || bin=$AB_B
	# Emptied before the start: the redirection below runs in the child,
	# and until it does the last round's "attached to" is still there (it
	# was read: the build was measured before it had loaded, 0 runs).
	: >"$W/$b.err"
	# shellcheck disable=SC2086
	"$bin" $AB_ARGS -v >/dev/null 2>"$W/$b.err" &
	pid=$!
	printf -v "PID_$b" %s "$pid"
	t0=$EPOCHREALTIME
	until has "$W/$b.err" 'attached to'; do
		kill -0 "$pid" 2>/dev/null || return 1
		elapsed_us "$t0"
		[ "$ELAPSED_US" -lt 600000000 ] || return 1
		nap 0.01
	done
	elapsed_us "$t0"
	printf -v "START_$b" %s "$ELAPSED_US"
	return 0
}

stop() {
	local pid
	for pid in "$@"; do kill -INT "$pid" 2>/dev/null; done
	for pid in "$@"; do wait "$pid" 2>/dev/null; done
}

# round N ORDER (AB or BA): both attached in ORDER, then the storm and the
# block I/O with the statistics on.
round() {
	local n=$1 order=$2 ids_a ids_b ids issued iops reads c us
	PID_A= PID_B=
	if ! start "${order:0:1}" || ! start "${order:1:1}"; then
		out "ERROR round $n $order: not attached: $(tail -n 2 "$W/A.err" "$W/B.err" | tr '\n' ' ')"
		stop ${PID_A:-} ${PID_B:-}
		return 1
	fi
	ids_a=$(prog_ids "$PID_A")
	ids_b=$(prog_ids "$PID_B")
	if [ -z "$ids_a" ] || [ -z "$ids_b" ]; then
		out "ERROR round $n $order: no BPF programs held by A (${ids_a:-none}) or B (${ids_b:-none})"
		stop "$PID_A" "$PID_B"
		return 1
	fi
	stats 1
	progs >"$W/s0"
	set -- $(storm "$SECS")
	issued=${1:-0}
	progs >"$W/s1"
	if [ -n "$ICOUNT" ]; then
		reads=$(dd_reads "$IC_READS")
	else
		iops=$(fio_run "$SECS")
	fi
	progs >"$W/s2"
	stats 0
	stop "$PID_A" "$PID_B"
	for c in A B; do
		[ $c = A ] && ids=$ids_a || ids=$ids_b
		[ $c = A ] && us=$START_A || us=$START_B
		out "AB round=$n order=$order build=$c workload=start us=$us"
		set -- $(cost "$ids" "$W/s0" "$W/s1")
		out "AB round=$n order=$order build=$c workload=storm ns=$1 runs=$2 commands=$issued"
		set -- $(cost "$ids" "$W/s1" "$W/s2")
		if [ -n "$ICOUNT" ]; then
			out "AB round=$n order=$order build=$c workload=fio ns=$1 runs=$2 commands=${reads:-0}"
		else
			out "AB round=$n order=$order build=$c workload=fio ns=$1 runs=$2 commands=$(awk -v i="${iops:-0}" -v s="$SECS" 'BEGIN { printf "%.0f", i * s }')"
		fi
	done
}

# --- main ------------------------------------------------------------------------
stats 1 || out "ERROR cannot enable kernel.bpf_stats_enabled"
stats 0
[ -x "$AB_A" ] && [ -x "$AB_B" ] && [ -x "$STORM" ] || { out "ERROR missing $AB_A, $AB_B or $STORM"; out DONE; exit 0; }
if [ -n "$ICOUNT" ]; then
	# Under icount fio completes no I/O (see bench/run.sh): dd's reads.
	IC_READS=${IC_READS:-10000}
	out "INFO kernel=$(uname -r) cpus=$(nproc) secs=$SECS rounds=$REPS icount_shift=$ICOUNT reads=$IC_READS args=$AB_ARGS"
else
	if [ -z "$(fio_run 1)" ]; then
		FIO_ENGINE=libaio
	fi
	out "INFO kernel=$(uname -r) cpus=$(nproc) secs=$SECS rounds=$REPS fio_engine=$FIO_ENGINE args=$AB_ARGS"
fi
# Warm the page cache and both builds (the first run of each reads them over 9p).
storm 2 >/dev/null
if [ -n "$ICOUNT" ]; then dd_reads 1000 >/dev/null; else fio_run 2 >/dev/null; fi
"$AB_A" --version >/dev/null
"$AB_B" --version >/dev/null
for n in $(seq "$REPS"); do
	round "$n" AB
	round "$n" BA
done
out "DONE"
