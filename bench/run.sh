#!/usr/bin/env bash
# make bench: boot one Debian kernel under QEMU (TCG) with an emulated NVMe
# drive, measure nvmetrace against the alternatives in one boot
# (bench/guest.sh), count their instructions in a second boot under QEMU's
# -icount (the same script's ic_* phases), then replay on the host
# (bench/replay.sh); print the tables and write them to docs/PERFORMANCE.md.
#
# env: KERNEL (default 6.1; needs 9p: not 6.1-cloud), BENCH_SECONDS (per
#      workload run, default 8), BENCH_REPS (default 3), BENCH_ONLY (a space
#      list of configurations, for trying things out: then docs/ is not
#      written), BENCH_RECORDS (replay, default 5000000), BUILD (default build),
#      BENCH_TCG_THREAD (QEMU's TCG threading, default multi),
#      BENCH_ICOUNT_PASS (0: no instruction-count boot), BENCH_TIMED (0: no
#      timed boot; docs/ is not written), BENCH_ICOUNT (the -icount shift,
#      default 0);
#      bench/ab.sh's: BENCH_AB_A, BENCH_AB_B (two nvmetrace binaries: then
#      the VM runs bench/ab-guest.sh instead, and the report is
#      bench/ab-report.py's, in $BUILD/bench/ab.md), BENCH_AB_ARGS
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../tests/vm/lib.sh"

k=${KERNEL:-6.1}
secs=${BENCH_SECONDS:-8}
reps=${BENCH_REPS:-3}
only=${BENCH_ONLY:-}
build=$(cd "${BUILD:-$TOP/build}" && pwd)
out_dir="$build/bench"
mkdir -p "$out_dir"

"$here/deps.sh"
for f in nvmetrace nvme-storm bench-empty mkcap; do
	[ -x "$build/$f" ] || die "$build/$f not built (run make bench)"
done
"$TOP/tests/vm/fetch-kernels.sh" --headers "$k"
kdir="$CACHE/kernels/$k"
kv=$(cat "$kdir/release")

# TCG multi-threaded unless BENCH_TCG_THREAD=single (fio, below).
tcg_thread_timed=${BENCH_TCG_THREAD:-multi}

# BENCH_ICOUNT=SHIFT: QEMU's instruction counting (-icount): the guest's
# clock advances 2^SHIFT ns for each guest instruction, so a program's run
# time is the instructions it ran, the same from one run to the next.
# Single-threaded TCG, as icount requires, and one vCPU: with two, the
# guest's boot hung bringing up the second (QEMU 7.2, Linux 6.1).
# make bench boots twice: timed (BENCH_ICOUNT unset), then with -icount
# shift=0 for instruction counts (bench/guest.sh's ic_* phases), unless
# BENCH_ICOUNT_PASS=0. BENCH_ICOUNT=SHIFT alone: that boot only (bench-ab).
icount_only=${BENCH_ICOUNT:-}
if [ -n "$icount_only" ]; then
	case $icount_only in
	[0-9] | 10) ;;
	*) die "BENCH_ICOUNT: a shift from 0 to 10 (ns per guest instruction: 2^SHIFT), not '$icount_only'" ;;
	esac
fi
case ${BENCH_ICOUNT_PASS:-1}/${BENCH_TIMED:-1} in
0/0) [ -n "${BENCH_AB_A:-}" ] || die "BENCH_ICOUNT_PASS=0 and BENCH_TIMED=0: nothing to measure" ;;
[01]/[01]) ;;
*) die "BENCH_ICOUNT_PASS and BENCH_TIMED: 0 or 1, not '${BENCH_ICOUNT_PASS:-1}' and '${BENCH_TIMED:-1}'" ;;
esac

work=$(mktemp -d "${TMPDIR:-/tmp}/nvmetrace-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$TOP/tests/vm/mkinitramfs.sh" "$k" "$work/base.cpio"

# The benchmark's additions to the test initramfs: 9p (to reach the host's
# bpftrace, BCC, fio), the guest suite and, per boot, its settings.
stage="$work/stage"
mkdir -p "$stage/lib/modules/bench" "$stage/etc" "$stage/root"
depmod -b "$kdir/root" "$kv" 2>/dev/null
for m in virtio_pci 9pnet_virtio 9p; do
	modprobe -d "$kdir/root" -S "$kv" --show-depends "$m" 2>/dev/null ||
		die "kernel $k has no module $m (the benchmark needs 9p; 6.1, 6.12 and 7.2 have it)"
done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' | while read -r ko; do
	base=$(basename "$ko"); base=${base%.xz}; base=${base%.zst}
	case "$ko" in
	*.xz)  xz -dc "$ko" >"$stage/lib/modules/bench/$base" ;;
	*.zst) zstd -qdc "$ko" >"$stage/lib/modules/bench/$base" ;;
	*)     cp "$ko" "$stage/lib/modules/bench/$base" ;;
	esac
	echo "/lib/modules/bench/$base"
done >"$stage/etc/bench-modules.load"
cp "$here/vm-suite.sh" "$stage/root/bench.sh"

# Under TCG the guest distrusts its TSC and times with the HPET, whose every
# read is an exit to QEMU: each bpf_ktime_get_ns() (nvmetrace takes one per
# event) would cost microseconds no real machine pays. Real machines time
# with the TSC; so does the benchmark.

# sample_qemu TIMEOUT_PID RESULTS: every half second, the host CPU ticks
# QEMU's threads have used, by kind (main: the main loop, where the NVMe
# device model and 9p run; vcpu: the guest's vCPUs; other: I/O workers and
# the rest), with how many PHASE lines the guest has written by then: the
# report turns the ticks between a run's start and end into host CPU.
# One awk a sample, a fraction of a percent of a core.
sample_qemu() {
	local tp=$1 res=$2 q= n
	# Not under set -e: a sample that fails (QEMU gone) is simply none.
	set +e
	while kill -0 "$tp" 2>/dev/null; do
		[ -n "$q" ] || q=$(pgrep -P "$tp" qemu-system || true)
		if [ -n "$q" ]; then
			n=$(grep -c 'BENCH PHASE' "$res" 2>/dev/null || true)
			awk -v t="$EPOCHREALTIME" -v n="${n:-0}" '
				match($0, /\(.*\)/) {
					comm = substr($0, RSTART + 1, RLENGTH - 2)
					split(substr($0, RSTART + RLENGTH + 1), f, " ")
					kind = comm ~ /^CPU [0-9]+\/TCG/ ? "vcpu" : \
					       comm ~ /^qemu-system/ ? "main" : "other"
					ticks[kind] += f[12] + f[13]
				}
				END { printf "HOST t=%s phases=%d main=%d vcpu=%d other=%d\n",
					t, n, ticks["main"], ticks["vcpu"], ticks["other"] }
			' /proc/"$q"/task/*/stat 2>/dev/null || true
		fi
		sleep 0.5
	done
}

# boot ICOUNT NAME: one boot of the benchmark VM, timed (ICOUNT empty) or
# under -icount shift=ICOUNT; its BENCH lines in $out_dir/NAME.txt, its
# console in $out_dir/NAME.console.log.
boot() {
	local icount=$1 name=$2 tcg_thread=$tcg_thread_timed smp=2 fio_engine=io_uring rc=0
	local icount_args=() qemu_pid sampler_pid
	if [ -n "$icount" ]; then
		tcg_thread=single
		icount_args=(-icount "shift=$icount,sleep=off")
		smp=1
	fi
	# fio's engine in the guest: io_uring, unless single-threaded TCG
	# (icount too), under which io_uring's reads stalled on 6.1 (156 IOPS,
	# then none), where the test suites, with no fio, run fine. Under
	# icount libaio's did too (no I/O completed in a 4 s run): the block
	# I/O there is dd's reads, one at a time.
	[ "$tcg_thread" = multi ] || fio_engine=libaio
	{
		echo "TOP='$TOP'"
		echo "BUILD='$build'"
		echo "HEADERS='$kdir/headers'"
		echo "SECS='$secs'"
		echo "REPS='$reps'"
		echo "ONLY='$only'"
		echo "GUEST='${BENCH_AB_A:+ab-guest.sh}'"
		echo "AB_A='${BENCH_AB_A:-}'"
		echo "AB_B='${BENCH_AB_B:-}'"
		echo "AB_ARGS='${BENCH_AB_ARGS:-}'"
		echo "FIO_ENGINE='$fio_engine'"
		echo "ICOUNT='$icount'"
	} >"$stage/etc/nvmetrace-bench"
	cp "$work/base.cpio" "$work/initrd.cpio"
	(cd "$stage" && find . -mindepth 1 | cpio -o -H newc --quiet) >>"$work/initrd.cpio"
	rm -f "$work/disk0.img" "$work/console.log" "$work/results.log"
	truncate -s 1G "$work/disk0.img"

	log "bench: booting $k ($(if [ -n "$icount" ]; then echo "icount shift=$icount, one vCPU"; else echo "${secs}s per run"; fi), $reps repetitions, TCG thread=$tcg_thread)"
	timeout --foreground -k 10 "${BENCH_TIMEOUT:-7200}" qemu-system-x86_64 \
		-name nvmetrace-bench,debug-threads=on \
		-accel "tcg,thread=$tcg_thread" ${icount_args[@]+"${icount_args[@]}"} -cpu max -smp $smp -m 3072 \
		-display none -monitor none -no-reboot \
		-serial "file:$work/console.log" -serial "file:$work/results.log" \
		-kernel "$kdir/vmlinuz" -initrd "$work/initrd.cpio" \
		-append "console=ttyS0 panic=-1 loglevel=4 clocksource=tsc tsc=reliable nvmetrace.suite=bench" \
		-drive "file=$work/disk0.img,if=none,id=nvm0,format=raw" \
		-device nvme,serial=deadbeef,drive=nvm0 \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
		</dev/null >"$work/qemu.log" 2>&1 &
	qemu_pid=$!
	sample_qemu "$qemu_pid" "$work/results.log" >"$work/host.txt" &
	sampler_pid=$!
	wait "$qemu_pid" || rc=$?
	wait "$sampler_pid" || true
	cp "$work/console.log" "$out_dir/$name.console.log"
	{
		tr -d '\r' <"$work/results.log" | grep -E '^(BENCH|FAIL) '
		echo "BENCH HOSTHZ hz=$(getconf CLK_TCK)"
		sed 's/^/BENCH /' "$work/host.txt"
	} >"$out_dir/$name.txt" || true
	if ! grep -q '^BENCH DONE' "$out_dir/$name.txt"; then
		cat "$out_dir/$name.txt" >&2
		die "the benchmark VM did not finish (qemu exit $rc); console log in $out_dir/$name.console.log"
	fi
}

if [ -n "${BENCH_AB_A:-}" ]; then
	boot "$icount_only" vm
	rc=0
	python3 "$here/ab-report.py" --a "${BENCH_AB_A_NAME:-A}" --b "${BENCH_AB_B_NAME:-B}" \
		${icount_only:+--icount "$icount_only"} "$out_dir/vm.txt" >"$out_dir/ab.md" || rc=$?
	cat "$out_dir/ab.md"
	log "bench: written to $out_dir/ab.md"
	exit $rc
fi
# Replay first, on a host no VM has yet loaded: right after a boot, the
# same replay has run 25% slower here for a few minutes.
BUILD="$build" "$here/replay.sh" "${BENCH_RECORDS:-5000000}" >"$out_dir/replay.md"
# BENCH_TIMED=0: the instruction counts only (trying things out: then
# docs/ is not written).
[ "${BENCH_TIMED:-1}" = 0 ] || boot "" vm
icount_txt=
if [ "${BENCH_ICOUNT_PASS:-1}" = 1 ]; then
	boot "${icount_only:-0}" vm-icount
	icount_txt=$out_dir/vm-icount.txt
fi

cmd="make bench KERNEL=$k BENCH_SECONDS=$secs BENCH_REPS=$reps"
[ "$tcg_thread_timed" = multi ] || cmd="$cmd BENCH_TCG_THREAD=$tcg_thread_timed"
[ "${BENCH_ICOUNT_PASS:-1}" = 1 ] || cmd="$cmd BENCH_ICOUNT_PASS=0"
[ -z "$icount_only" ] || cmd="$cmd BENCH_ICOUNT=$icount_only"
[ "${BENCH_TIMED:-1}" = 1 ] || { only=${only:-timed-skipped}; : >"$out_dir/vm.txt"; }
python3 "$here/report.py" --command "$cmd" ${icount_txt:+--icount "$icount_txt"} \
	"$out_dir/vm.txt" "$out_dir/replay.md" >"$out_dir/PERFORMANCE.md"
cat "$out_dir/PERFORMANCE.md"
if [ -z "$only" ]; then
	cp "$out_dir/PERFORMANCE.md" "$TOP/docs/PERFORMANCE.md"
	log "bench: written to docs/PERFORMANCE.md"
fi
