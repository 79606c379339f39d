# Shared by the benchmark's guest scripts (bench/guest.sh, bench/ab-guest.sh),
# sourced under bash: the workloads, the clock, BPF run-time statistics.
# env: BUILD (the build directory as the guest sees it), RESULTS (where
#      "BENCH ..." lines go).

STORM=$BUILD/nvme-storm
CTRL=/dev/nvme0
NS=/dev/nvme0n1
W=/tmp/bench
mkdir -p "$W"

out() {
	echo "BENCH $*" >"$RESULTS"
	echo "bench: $*"
}
# Start-up times are measured by polling, where a fork and exec cost tens
# of milliseconds under emulation: the clock, the waits and the tests for
# readiness below start no process. Times are bash's $EPOCHREALTIME.
# elapsed_us T0: ELAPSED_US = microseconds since T0.
elapsed_us() { local a=${1/./} b=${EPOCHREALTIME/./}; ELAPSED_US=$((10#$b - 10#$a)); }
# elapsed T0: seconds since T0, to the millisecond.
elapsed() {
	elapsed_us "$1"
	printf '%d.%03d\n' $((ELAPSED_US / 1000000)) $((ELAPSED_US / 1000 % 1000))
}
# nap SECONDS: sleep (read's timeout on a FIFO no one writes to).
rm -f "$W/nap"; mkfifo "$W/nap"
exec {NAP_FD}<>"$W/nap"
nap() { read -r -t "$1" -u "$NAP_FD"; }
# has FILE REGEX: a line of FILE matches REGEX (extended).
has() {
	local l
	while IFS= read -r l || [ -n "$l" ]; do
		[[ $l =~ $2 ]] && return 0
	done <"$1"
	return 1
} 2>/dev/null

# --- workloads ---------------------------------------------------------------
# storm SECONDS -> "ISSUED RATE"
storm() {
	"$STORM" -t "$1" -c 1 "$CTRL" |
		sed -n 's/^issued=\([0-9]*\) .* rate=\([0-9.]*\)$/\1 \2/p'
}

FIO_ENGINE=${FIO_ENGINE:-io_uring}
# fio_run SECONDS -> read IOPS (4 KiB random O_DIRECT reads, queue depth 16)
fio_run() {
	fio --name=bench --filename="$NS" --rw=randread --bs=4k --direct=1 \
		--ioengine=$FIO_ENGINE --iodepth=16 --time_based --runtime="$1" \
		--norandommap --randrepeat=0 --output-format=terse --terse-version=3 \
		2>/dev/null | awk -F';' 'NR == 1 { print $8 }'
}

# dd_reads COUNT -> reads done: COUNT 4 KiB O_DIRECT reads, one at a time
# (the block I/O under -icount, where fio completes no I/O and dd's do).
dd_reads() {
	dd if="$NS" of=/dev/null bs=4k count="$1" iflag=direct 2>&1 |
		sed -n 's/^\([0-9]*\)+0 records in$/\1/p'
}

# stats 0|1: kernel.bpf_stats_enabled (run_time_ns and run_cnt per program).
stats() { echo "$1" >/proc/sys/kernel/bpf_stats_enabled; }

# BPF programs as "ID TYPE NAME RUN_TIME_NS RUN_CNT" (kernel.bpf_stats_enabled).
progs() {
	bpftool prog show 2>/dev/null | awk '/^[0-9]+:/ {
		id = $1; sub(":", "", id); name = "-"; rt = 0; rc = 0
		for (i = 2; i < NF; i++) {
			if ($i == "name") name = $(i + 1)
			if ($i == "run_time_ns") rt = $(i + 1)
			if ($i == "run_cnt") rc = $(i + 1)
		}
		print id, $2, name, rt, rc }'
}

