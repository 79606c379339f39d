#!/bin/bash
# `make bench` inside the VM, chrooted into the host's root (read-only, over
# 9p) so bpftrace, BCC, fio and python3 are the host's Debian packages.
# Prints "BENCH <kind> key=value..." lines on $RESULTS; bench/report.py turns
# them into tables.
#
# env: TOP BUILD (the checkout and its build directory, as the host sees them),
#      HEADERS (the guest kernel's headers, for BCC and bpftrace), SECS (seconds
#      per workload run), REPS (repetitions), ONLY (configurations to run; all
#      when empty), RESULTS (where BENCH lines go), KERNEL.
set -u

. "$TOP/bench/guest-lib.sh"

NT=$BUILD/nvmetrace
EMPTY=$BUILD/bench-empty
MARK=0x5eed			# cdw10 of the marker Identify (CNS 0xed: rejected, still traced)
MARK_RE='"cdw10":24301|cdw10: 5eed| 5eed( |$)|cns=237'	# how each tool prints it
HZ=$(getconf CLK_TCK)
export BCC_KERNEL_SOURCE=$HEADERS BPFTRACE_KERNEL_SOURCE=$HEADERS

# The seeds' bpftrace one-liner.
SEED_BT='kprobe:nvme_submit_user_cmd {
printf("opcode: %x\n", ((struct nvme_command *)arg1)->common.opcode);
printf("command_id: %x\n", ((struct nvme_command *)arg1)->common.command_id);
printf("nsid: %x\n", ((struct nvme_command *)arg1)->common.nsid);
printf("cdw10: %x\n", ((struct nvme_command *)arg1)->common.cdw10);
}'

# --- workloads ---------------------------------------------------------------
marker() { "$STORM" -n 1 -c "$MARK" "$CTRL" >/dev/null; }

# --- tracers -------------------------------------------------------------------
TPID=
is_bpf() { case $1 in tracefs|spin) return 1 ;; esac; return 0; }

# start_tool CONFIG OUT ERR: start it in the background, TPID = its pid.
start_tool() {
	local c=$1 o=$2 e=$3 t=/sys/kernel/tracing
	# Emptied here, not only by the tool's redirections: those run in the
	# child, and until they do, ready() would find the last run's
	# "attached" in the files (it did: bench-ab measured a tool before it
	# had loaded).
	: >"$e"
	case $o in /dev/*) ;; *) : >"$o" ;; esac
	case $c in
	nvmetrace)	"$NT" -v >"$o" 2>"$e" & ;;
	nvmetrace-j)	"$NT" -j -v >"$o" 2>"$e" & ;;
	nvmetrace-j-tiny) "$NT" -j -v --ringbuf-size=4 >"$o" 2>"$e" & ;;
	nvmetrace-a)	"$NT" -a -v >"$o" 2>"$e" & ;;
	nvmetrace-a-j)	"$NT" -a -j -v >"$o" 2>"$e" & ;;
	# Every command recorded as it comes, printed later (-r): the
	# capture's writes, no formatting.
	nvmetrace-a-w)	"$NT" -a -w /dev/null -v >"$o" 2>"$e" & ;;
	nvmetrace-a-j-storm) "$NT" -a -j -v -c nvme-storm >"$o" 2>"$e" & ;;
	nvmetrace-a-j-tiny) "$NT" -a -j -v -c nvme-storm --ringbuf-size=4 >"$o" 2>"$e" & ;;
	nvmetrace-H)	"$NT" -a -H -v >"$o" 2>"$e" & ;;
	bpftrace)	bpftrace -e "$SEED_BT" >"$o" 2>"$e" & ;;
	# Unbuffered, as on the terminal the seeds ran it on.
	bcc)		PYTHONUNBUFFERED=1 python3 "$TOP/bench/seed_bcc.py" >"$o" 2>"$e" & ;;
	# No tracer: a busy loop on one vCPU, at the lowest priority. What a
	# busy reader does to the emulated round trip, without tracing.
	spin)		nice -n 19 bash -c 'while :; do :; done' >"$o" 2>"$e" & ;;
	# Empty programs on every hook -a uses.
	empty-a)	"$EMPTY" empty_tp_btf empty_tp_setup2 empty_tp_done empty_tp_done2 >"$o" 2>"$e" & ;;
	# The least latency histogram on the same four programs (the second
	# ones empty): what -a -H's cost is held against.
	floor-hist)	"$EMPTY" floor_hist_setup empty_tp_setup2 floor_hist_done empty_tp_done2 \
				>"$o" 2>"$e" & ;;
	# The least tracer that sends each command to user space, with what
	# -a shows of it: what -a's cost is held against.
	floor-rec)	"$EMPTY" floor_rec_setup empty_tp_setup2 floor_rec_done empty_tp_done2 \
				>"$o" 2>"$e" & ;;
	# The same, each record printed as a line of text (to /dev/null),
	# in the least way: what -a's formatting is held against.
	floor-print)	"$EMPTY" --print /dev/null floor_rec_setup empty_tp_setup2 floor_rec_done \
				empty_tp_done2 >"$o" 2>"$e" & ;;
	# empty-kprobe -> program empty_kprobe, floor-sqe -> floor_sqe...
	empty-*|floor-*) "$EMPTY" "${c//-/_}" >"$o" 2>"$e" & ;;
	tracefs)
		: >$t/trace
		echo 1 >$t/events/nvme/nvme_setup_cmd/enable
		echo 1 >$t/events/nvme/nvme_complete_rq/enable
		cat $t/trace_pipe >"$o" 2>"$e" & ;;
	*) echo "bench: unknown configuration $c" >&2; return 1 ;;
	esac
	TPID=$!
}

stop_tool() {
	local c=$1 i t=/sys/kernel/tracing
	kill -INT "$TPID" 2>/dev/null
	# cat and the busy loop, started in the background by a script,
	# ignore SIGINT.
	case $c in tracefs|spin) kill -TERM "$TPID" 2>/dev/null ;; esac
	for i in $(seq 900); do
		kill -0 "$TPID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$TPID" 2>/dev/null; then
		out "ERROR config=$c: did not stop in 90 s after SIGINT; killed"
		kill -KILL "$TPID"
	fi
	wait "$TPID" 2>/dev/null
	if [ "$c" = tracefs ]; then
		echo 0 >$t/events/nvme/nvme_setup_cmd/enable
		echo 0 >$t/events/nvme/nvme_complete_rq/enable
	fi
}

# ready CONFIG OUT ERR: does the tracer trace yet? Asked cheaply (bpftool
# is slow under emulation): nvmetrace -v and bench-empty say when they are
# attached; bpftrace and BCC attach kprobes, listed in debugfs.
ready() {
	case $1 in
	nvmetrace*)	has "$3" 'attached to' ;;
	empty-*|floor-*) has "$2" '^attached' ;;
	bpftrace|bcc)	has /sys/kernel/debug/kprobes/list nvme_submit_user_cmd ;;
	*)		true ;;
	esac
}

# wait_attached CONFIG OUT ERR T0 [by-output]: wait until the tracer is
# ready, asked every 10 ms (bash builtins only: no process is started), or
# (by-output) until the marker command, issued every 50 ms, shows in its
# output. Prints the seconds since T0; fails after 600 s or if the tracer
# died.
wait_attached() {
	local c=$1 o=$2 e=$3 t0=$4 by_output=${5:-}
	while :; do
		kill -0 "$TPID" 2>/dev/null || return 1
		if [ -n "$by_output" ]; then
			marker
			has "$o" "$MARK_RE" && break
		elif ready "$c" "$o" "$e"; then
			break
		fi
		elapsed_us "$t0"
		[ "$ELAPSED_US" -lt 600000000 ] || return 1
		if [ -n "$by_output" ]; then nap 0.05; else nap 0.01; fi
	done
	elapsed "$t0"
}

hwm_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

# cpu_ticks PID: user + system clock ticks of the process, all its threads
# (fields 14 and 15 of /proc/PID/stat, counted after the command's ")").
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

# cost_lines CONFIG REP WORKLOAD BEFORE AFTER COUNT: per program of the
# tracer, runs and ns spent in the workload (from two progs snapshots).
cost_lines() {
	local c=$1 rep=$2 wl=$3 before=$4 after=$5 n=$6
	awk -v c="$c" -v rep="$rep" -v wl="$wl" -v n="$n" '
		FNR == NR { rt[$1] = $4; rc[$1] = $5; next }
		{ d = $5 - rc[$1]; if (d <= 0) next
		  printf "COST config=%s rep=%s workload=%s prog=%s type=%s runs=%.0f ns=%.0f commands=%.0f\n",
			c, rep, wl, $3, $2, d, $4 - rt[$1], n }' "$before" "$after" |
	while read -r line; do out "$line"; done
}

# --- phases ----------------------------------------------------------------------
# Loss and start-up: output to a file, counted against what nvme-storm issued.
loss_run() {
	local c=$1 o=$W/$1.out e=$W/$1.err t0 start issued rate got rep markers
	t0=$EPOCHREALTIME
	start_tool "$c" "$o" "$e" || return
	if ! start=$(wait_attached "$c" "$o" "$e" "$t0" output); then
		out "ERROR config=$c: not tracing after 600 s: $(tail -n 3 "$e" | tr '\n' ' ')"
		stop_tool "$c"
		return
	fi
	set -- $(storm "$SECS")
	issued=${1:-0} rate=${2:-0}
	sleep 2		# let the reader drain
	stop_tool "$c"
	# Markers are counted in the whole output, at the end: the last one
	# issued before the tool was seen tracing may show after that (it
	# did: one more record received than issued).
	markers=$(grep -c -E "$MARK_RE" "$o")
	case $c in
	nvmetrace*)	got=$(grep -c . "$o")
			rep=$(sed -n 's/^nvmetrace: lost \([0-9]*\) events.*/\1/p' "$e" | head -n 1) ;;
	bpftrace)	got=$(grep -c '^opcode:' "$o")
			rep=$(cat "$o" "$e" | sed -n 's/.*[Ll]ost \([0-9]*\) events.*/\1/p' | awk '{ s += $1 } END { print s + 0 }') ;;
	bcc)		got=$(grep -c 'nvme-storm' "$o")
			rep=$(sed -n 's/^lost \([0-9]*\) events/\1/p' "$e") ;;
	tracefs)	got=$(grep -c 'nvme_setup_cmd' "$o")
			rep=$(cat /sys/kernel/tracing/per_cpu/cpu*/stats | awk '/^overrun:/ { s += $2 } END { print s + 0 }') ;;
	esac
	# Every marker the tracer printed was issued; so were the storm's commands.
	out "LOSS config=$c issued=$((issued + markers)) received=$got reported=${rep:-0} rate=$rate start_s=$start markers=$markers"
}

# phase CONFIG REP WORKLOAD RUN EDGE: marks where a measured run starts and
# ends, for the host, which samples QEMU's threads (bench/run.sh).
phase() { out "PHASE config=$1 rep=$2 workload=$3 run=$4 edge=$5"; }

# Throughput: alternate untraced and traced runs of both workloads.
rate_run() {
	local c=$1 rep=$2 b_storm b_fio t_storm t_fio issued attach hwm o t0 cpu0 cpu1 cpu2
	phase "$c" "$rep" storm base start
	set -- $(storm "$SECS")
	b_storm=${2:-}
	phase "$c" "$rep" storm base end
	phase "$c" "$rep" fio base start
	b_fio=$(fio_run "$SECS")
	phase "$c" "$rep" fio base end
	if [ "$c" = none ]; then
		out "RATE config=none rep=$rep workload=storm base=$b_storm traced=$b_storm"
		out "RATE config=none rep=$rep workload=fio base=$b_fio traced=$b_fio"
		return
	fi
	# Output to /dev/null; bench-empty only says "attached" there.
	o=/dev/null
	case $c in empty-*|floor-*) o=$W/$c.out ;; esac
	t0=$EPOCHREALTIME
	start_tool "$c" "$o" "$W/$c.err" || return
	if ! attach=$(wait_attached "$c" "$o" "$W/$c.err" "$t0"); then
		out "ERROR config=$c: not tracing after 600 s: $(tail -n 3 "$W/$c.err" | tr '\n' ' ')"
		stop_tool "$c"
		return
	fi
	sleep 0.5
	# Rates with kernel.bpf_stats_enabled off, as in production: its two
	# clock reads and counter update a program run would be charged to
	# the tool.
	phase "$c" "$rep" storm traced start
	cpu0=$(cpu_ticks "$TPID")
	set -- $(storm "$SECS")
	t_storm=${2:-}
	cpu1=$(cpu_ticks "$TPID")
	phase "$c" "$rep" storm traced end
	phase "$c" "$rep" fio traced start
	t_fio=$(fio_run "$SECS")
	cpu2=$(cpu_ticks "$TPID")
	phase "$c" "$rep" fio traced end
	# Then its programs' cost with the stats on, in every repetition
	# (the report pools them: one window's figure varied by a third).
	if is_bpf "$c"; then
		stats 1
		progs >"$W/s0"
		set -- $(storm "$SECS")
		issued=${1:-0}
		progs >"$W/s1"
		fio_run "$SECS" >/dev/null
		progs >"$W/s2"
		stats 0
		cost_lines "$c" "$rep" storm "$W/s0" "$W/s1" "$issued"
		cost_lines "$c" "$rep" fio "$W/s1" "$W/s2" 0
	fi
	hwm=$(hwm_kib "$TPID")
	stop_tool "$c"
	out "RATE config=$c rep=$rep workload=storm base=$b_storm traced=$t_storm"
	out "RATE config=$c rep=$rep workload=fio base=$b_fio traced=$t_fio"
	out "ATTACH config=$c rep=$rep seconds=$attach"
	# bench-empty's own account of its start (see bench/bench-empty.c).
	case $c in empty-*) out "STARTPHASES config=$c rep=$rep $(sed -n 's/^phases //p' "$o")" ;; esac
	out "RSS config=$c rep=$rep kib=$hwm"
	# The tool's own process: CPU per second of each workload run.
	out "CPU config=$c rep=$rep storm=$(awk -v t=$((cpu1 - cpu0)) -v hz="$HZ" -v s="$SECS" \
		'BEGIN { printf "%.4f", t / hz / s }') fio=$(awk -v t=$((cpu2 - cpu1)) -v hz="$HZ" \
		-v s="$SECS" 'BEGIN { printf "%.4f", t / hz / s }')"
	grep -h -E '^(nvmetrace: lost|Lost|lost [1-9]|bench-empty: )' "$W/$c.err" | head -n 3 |
		while read -r l; do out "NOTE config=$c rep=$rep $l"; done
}

# --- instruction counts (make bench's second boot, BENCH_ICOUNT) ----------------------
# Under QEMU's -icount (shift 0, sleep off) the guest's clock advances 1 ns
# for each instruction the vCPU runs (one vCPU) and jumps over the time it
# is halted, so what the kernel counts in ns is a count of instructions:
# each BPF program's run time (bpf_stats), each task's run time
# (/proc/PID/task/*/schedstat), and the time the CPU was not idle.
# busy: "BUSY CLOCK": the instructions run so far, all of them (the clock
# of /proc/timer_list less the idle and iowait time it keeps to the ns),
# and that clock.
busy() {
	awk '/^now at / { now = $3 }
	     /^ *\.(idle|iowait)_sleeptime/ { for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) idle += $i }
	     END { printf "%.0f %.0f\n", now - idle, now }' /proc/timer_list
}

# task_ns PID: the run time of every thread of PID, ns.
task_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f\n", s }'; }

# ic_work WORKLOAD COUNT: COUNT storm commands or COUNT dd reads; prints how
# many were done.
ic_work() {
	case $1 in
	storm)	"$STORM" -n "$2" -c 1 "$CTRL" | sed -n 's/^issued=\([0-9]*\) .*/\1/p' ;;
	block)	dd_reads "$2" ;;
	esac
}

# ic_base REP: an untraced command's instructions, the whole system's: two
# runs of each workload, of IC_COUNT and IC_COUNT/4 commands, and the
# difference in busy over the difference in commands (what starting the
# workload and reading the counters cost falls out).
ic_base() {
	local rep=$1 wl b0 b1 b2 b3 n1 n2
	for wl in storm block; do
		read -r b0 _ < <(busy); n1=$(ic_work $wl "$IC_COUNT"); read -r b1 _ < <(busy)
		read -r b2 _ < <(busy); n2=$(ic_work $wl $((IC_COUNT / 4))); read -r b3 _ < <(busy)
		out "IBASE rep=$rep workload=$wl long_busy=$((b1 - b0)) long_commands=${n1:-0} short_busy=$((b3 - b2)) short_commands=${n2:-0}"
	done
}

# ic_tool CONFIG REP: the tool's BPF programs (bpf_stats) and its own
# process (the reader) over IC_COUNT commands of each workload; first, the
# reader idle for IC_IDLE seconds (its timers, which the report takes out
# of the workloads' windows: the clock jumps over halts, by minutes over
# the block reads, and the timers fire all the same).
ic_tool() {
	local c=$1 rep=$2 o=/dev/null t0 wl n r0 r1 k0 k1
	case $c in empty-*|floor-*) o=$W/$c.out ;; esac
	t0=$EPOCHREALTIME
	start_tool "$c" "$o" "$W/$c.err" || return
	if ! wait_attached "$c" "$o" "$W/$c.err" "$t0" >/dev/null; then
		out "ERROR config=$c: not tracing after 600 s: $(tail -n 3 "$W/$c.err" | tr '\n' ' ')"
		stop_tool "$c"
		return
	fi
	sleep 0.5
	read -r _ k0 < <(busy); r0=$(task_ns "$TPID")
	nap "$IC_IDLE"
	read -r _ k1 < <(busy); r1=$(task_ns "$TPID")
	out "IREADER config=$c rep=$rep workload=idle ns=$((r1 - r0)) clock_ns=$((k1 - k0)) commands=0"
	for wl in storm block; do
		stats 1
		progs >"$W/s0"
		read -r _ k0 < <(busy); r0=$(task_ns "$TPID")
		n=$(ic_work $wl "$IC_COUNT")
		# bpftrace's and BCC's readers may still be at work on the
		# last events: a moment to catch up.
		sleep 0.5
		read -r _ k1 < <(busy); r1=$(task_ns "$TPID")
		progs >"$W/s1"
		stats 0
		cost_lines "$c" "$rep" $wl "$W/s0" "$W/s1" "${n:-0}"
		out "IREADER config=$c rep=$rep workload=$wl ns=$((r1 - r0)) clock_ns=$((k1 - k0)) commands=${n:-0}"
		ic_sys "$c" "$rep" $wl
	done
	stop_tool "$c"
}

# ic_sys CONFIG REP WORKLOAD: the whole system's instructions with the tool
# attached, as ic_base counts an untraced command's (a long and a short run,
# the difference over the difference in commands), with bpf_stats off as in
# production (its clock reads would count): what the tool adds, every part
# of it, whoever runs it (its programs, its reader, the hooks' dispatch, the
# wakeups and switches it causes). The reader's run time is not that: it
# also holds the interrupts that come while the reader runs (their
# completions, their programs) where the kernel does not set
# CONFIG_IRQ_TIME_ACCOUNTING, as Debian's 6.1 does not.
ic_sys() {
	local c=$1 rep=$2 wl=$3 b0 b1 b2 b3 k0 k1 k2 k3 n1 n2
	read -r b0 k0 < <(busy); n1=$(ic_work $wl $((IC_COUNT / 2))); sleep 0.5; read -r b1 k1 < <(busy)
	read -r b2 k2 < <(busy); n2=$(ic_work $wl $((IC_COUNT / 8))); sleep 0.5; read -r b3 k3 < <(busy)
	out "ISYS config=$c rep=$rep workload=$wl long_busy=$((b1 - b0)) long_commands=${n1:-0} long_clock=$((k1 - k0)) short_busy=$((b3 - b2)) short_commands=${n2:-0} short_clock=$((k3 - k2))"
}

wanted() { [ -z "$ONLY" ] || case " $ONLY " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

# --- main ---------------------------------------------------------------------------
stats 1 || out "ERROR cannot enable kernel.bpf_stats_enabled"
stats 0
[ -x "$NT" ] && [ -x "$STORM" ] && [ -x "$EMPTY" ] || { out "ERROR missing $NT, $STORM or $EMPTY"; exit 0; }
if [ -n "${ICOUNT:-}" ]; then
	IC_COUNT=${IC_COUNT:-20000} IC_IDLE=${IC_IDLE:-10}
	out "INFO kernel=$(uname -r) cpus=$(nproc) reps=$REPS icount_shift=$ICOUNT commands=$IC_COUNT"
	ic_work storm 2000 >/dev/null
	ic_work block 2000 >/dev/null
	for rep in $(seq "$REPS"); do
		ic_base "$rep"
		for c in nvmetrace nvmetrace-a nvmetrace-a-j nvmetrace-a-w nvmetrace-H bpftrace bcc tracefs empty-a floor-hist \
			 floor-rec floor-print empty-kprobe empty-tp_btf; do
			wanted "$c" && ic_tool "$c" "$rep"
		done
	done
	out "DONE"
	exit 0
fi
if [ -z "$(fio_run 1)" ]; then
	FIO_ENGINE=libaio
fi
out "INFO kernel=$(uname -r) cpus=$(nproc) secs=$SECS reps=$REPS fio_engine=$FIO_ENGINE"
out "INFO versions nvmetrace=$("$NT" --version | head -n 1 | awk '{ print $2 }') $(bpftrace --version) bcc=$(python3 -c 'import bcc; print(bcc.__version__)' 2>/dev/null) fio=$(fio --version)"
# Warm the page cache and the tools (the first run of each reads them over 9p).
storm 2 >/dev/null
fio_run 2 >/dev/null

for c in nvmetrace-j nvmetrace-a-j-storm bpftrace bcc tracefs nvmetrace-j-tiny nvmetrace-a-j-tiny; do
	wanted "$c" && loss_run "$c"
done
for rep in $(seq "$REPS"); do
	for c in none nvmetrace nvmetrace-a nvmetrace-a-j nvmetrace-a-w nvmetrace-H bpftrace bcc tracefs spin empty-a \
		 floor-hist empty-kprobe empty-tp_btf floor-ktime floor-sqe floor-sqe_btf floor-lookup floor-delete floor-update \
		 floor-map floor-table floor-ringbuf floor-record; do
		# The floors' rates once; the -a and -H floors' as often as
		# -a's and -H's.
		case $c in empty-a|floor-hist) ;; empty-*|floor-*) [ "$rep" = 1 ] || continue ;; esac
		wanted "$c" && rate_run "$c" "$rep"
	done
done
out "DONE"
