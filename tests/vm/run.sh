#!/usr/bin/env bash
# Boot one Debian kernel under QEMU (TCG) with an emulated NVMe controller and
# run a guest suite in it. Prints the guest's "PASS ..." / "FAIL ..." lines;
# a guest that does not finish is itself a FAIL. Exit status 1 if anything
# failed.
#
# usage: run.sh KERNEL [SUITE]      (SUITE: a tests/vm/guest/SUITE.sh, default seed)
# The seed suite gets one namespace (as the seeds' machine); faults three
# controllers (QEMU ids nvme0, nvme1, nvme2; serials deadbeef, feedface,
# cafe0002), the last two throttled to 2 IOPS (one to reset, one to remove);
# the others two namespaces (nvme-ns devices on
# one controller), the second throttled. Throttled commands stay in flight
# long enough to be caught there.
# The guest can ask for QEMU monitor commands (hot-unplug): a line
# "HOST <command>" on the results port is sent to the monitor.
# env:   VM_TIMEOUT (s, default 900), VM_MEM (MiB, default 1024), VM_KEEP=1,
#        VM_ONLY (the suite's tests to run, comma list; suites that know it),
#        SOAK_SECONDS (the faults suite's soak, default 45),
#        VM_TCG_THREAD (QEMU TCG threading: single, the default, or multi)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

k=$1 suite=${2:-seed}
timeout_s=${VM_TIMEOUT:-900}
mem=${VM_MEM:-1024}

command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found (run tests/vm/deps.sh)"
[ -x "$TOP/build/nvmetrace" ] || die "build/nvmetrace not built (run make)"
"$here/fetch-kernels.sh" "$k"

work=$(mktemp -d "${TMPDIR:-/tmp}/nvmetrace-vm.XXXXXX")
qemu=
cleanup() {
	[ -z "$qemu" ] || kill "$qemu" 2>/dev/null || true
	[ "${VM_KEEP:-0}" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
"$here/mkinitramfs.sh" "$k" "$work/initrd.cpio"
truncate -s 64M "$work/disk0.img" "$work/disk1.img" "$work/disk2.img"
if [ "$suite" = seed ]; then
	nvme_dev=(-drive "file=$work/disk0.img,if=none,id=nvm0,format=raw"
		  -device nvme,serial=deadbeef,drive=nvm0)
elif [ "$suite" = faults ]; then
	nvme_dev=(-drive "file=$work/disk0.img,if=none,id=nvm0,format=raw"
		  -device nvme,id=nvme0,serial=deadbeef,drive=nvm0
		  -drive "file=$work/disk1.img,if=none,id=nvm1,format=raw,throttling.iops-total=2"
		  -device nvme,id=nvme1,serial=feedface,drive=nvm1
		  -drive "file=$work/disk2.img,if=none,id=nvm2,format=raw,throttling.iops-total=2"
		  -device nvme,id=nvme2,serial=cafe0002,drive=nvm2)
else
	nvme_dev=(-device nvme,id=nvme0,serial=deadbeef
		  -drive "file=$work/disk0.img,if=none,id=nvm0,format=raw"
		  -device nvme-ns,drive=nvm0,bus=nvme0,nsid=1
		  -drive "file=$work/disk1.img,if=none,id=nvm1,format=raw,throttling.iops-total=2"
		  -device nvme-ns,drive=nvm1,bus=nvme0,nsid=2)
fi

# The monitor on a pair of FIFOs (QEMU's pipe chardev opens PATH.in and
# PATH.out read-write, so neither side blocks); its replies are logged.
mkfifo "$work/mon.in" "$work/mon.out"
: >"$work/results.log"
cat "$work/mon.out" >"$work/monitor.log" &
mon_reader=$!
# tail stops within a second of this script (--pid), the loop with it.
tail -n +1 -f --pid=$$ "$work/results.log" 2>/dev/null | while IFS= read -r line; do
	line=${line%$'\r'}
	case "$line" in
	"HOST "*) printf '%s\n' "${line#HOST }" >"$work/mon.in" ;;
	esac
done &

# tsc=reliable: no clocksource watchdog, whose switch away from a TSC that
# TCG made look unstable patches kernel text and can crash a TCG guest.
args="console=ttyS0 panic=-1 loglevel=4 clocksource=tsc tsc=reliable nvmetrace.suite=$suite"
[ -n "${VM_ONLY:-}" ] && args="$args nvmetrace.only=$VM_ONLY"
[ -n "${SOAK_SECONDS:-}" ] && args="$args nvmetrace.soak=$SOAK_SECONDS"
# A guest kernel that fails on its own: crashes, or a CPU stuck in the
# kernel. Under TCG (QEMU 7.2, thread=multi) kernel text patching has
# taken int3 Oopses in sched_clock_cpu while booting 7.2, and 6.1 has
# sat in a soft lockup of pid 1 with CPU 0's timers stopped while tracefs
# enabled an event (a static key: text patching again).
crash='Oops:|Kernel panic|soft lockup'
# Seconds a soft lockup may last before the guest counts as hung.
lockup_s=60

# guest_failed CONSOLE: true if the guest kernel crashed or has been
# stuck for lockup_s or more.
guest_failed() {
	grep -qE 'Oops:|Kernel panic' "$1" && return 0
	grep -oE 'soft lockup - CPU#[0-9]+ stuck for [0-9]+s' "$1" |
		awk -v max="$lockup_s" '{ s = $NF; sub(/s$/, "", s); if (s + 0 >= max) f = 1 } END { exit !f }'
}

# Single-threaded TCG by default: one host thread runs both vCPUs in
# turn, so code one vCPU patches is never being run by the other at the
# same time (see above); measured as fast as thread=multi on the faults
# suite (143 s vs 147 s on 6.1, 2 host cores). VM_TCG_THREAD=multi for
# the other.
tcg_thread=${VM_TCG_THREAD:-single}
for attempt in 1 2; do
	start=$(date +%s)
	rc=0
	: >"$work/console.log"
	: >"$work/results.log"
	timeout --foreground -k 10 "$timeout_s" qemu-system-x86_64 \
		-accel "tcg,thread=$tcg_thread" -cpu max -smp 2 -m "$mem" \
		-display none -monitor none -no-reboot \
		-chardev "pipe,id=mon0,path=$work/mon" -mon chardev=mon0,mode=readline \
		-serial "file:$work/console.log" -serial "file:$work/results.log" \
		-kernel "$CACHE/kernels/$k/vmlinuz" -initrd "$work/initrd.cpio" \
		-append "$args" \
		"${nvme_dev[@]}" \
		</dev/null >"$work/qemu.log" 2>&1 &
	qemu=$!
	# A crashed or stuck guest is stopped at once, not left to the timeout
	# (a few seconds more for the console to show the traces).
	while kill -0 "$qemu" 2>/dev/null; do
		if guest_failed "$work/console.log"; then
			sleep 5
			kill "$qemu" 2>/dev/null || true
			break
		fi
		sleep 2
	done
	wait "$qemu" || rc=$?
	qemu=
	elapsed=$(( $(date +%s) - start ))
	results=$(tr -d '\r' <"$work/results.log" 2>/dev/null || true)
	# A guest kernel that failed on its own (above) before any check
	# failed is booted once more, from fresh disks, and the suite run
	# again; it is said, and the console kept. The second run's lines
	# are the suite's result: a failure again, or any FAIL line, fails.
	if [ $attempt = 1 ] && guest_failed "$work/console.log" &&
	   ! printf '%s\n' "$results" | grep -q '^FAIL '; then
		mkdir -p "$TOP/build/vm-logs"
		cp "$work/console.log" "$TOP/build/vm-logs/$k-$suite-crash-console.log"
		log "$k/$suite: the guest kernel failed on its own after ${elapsed}s" \
		    "($(grep -m 1 -E "$crash" "$work/console.log" | sed 's/^\[[^]]*\] *//'))," \
		    "$(printf '%s\n' "$results" | grep -c '^PASS ') checks in, none failed;" \
		    "running the suite again (console in build/vm-logs/$k-$suite-crash-console.log)"
		truncate -s 0 "$work/disk0.img" "$work/disk1.img" "$work/disk2.img"
		truncate -s 64M "$work/disk0.img" "$work/disk1.img" "$work/disk2.img"
		continue
	fi
	break
done
kill "$mon_reader" 2>/dev/null || true

failed=0
printf '%s\n' "$results" | grep -E '^(PASS|FAIL|MATRIX) ' || true
if printf '%s\n' "$results" | grep -q '^FAIL '; then
	failed=1
fi
if ! printf '%s\n' "$results" | grep -q "^END $k"; then
	if guest_failed "$work/console.log"; then
		echo "FAIL $k vm: the guest kernel failed after ${elapsed}s:" \
		     "$(grep -m 1 -E "$crash" "$work/console.log" | sed 's/^\[[^]]*\] *//')"
	else
		echo "FAIL $k vm: the guest did not finish (qemu exit $rc after ${elapsed}s)"
	fi
	failed=1
fi
log "$k/$suite: guest ran ${elapsed}s"
# The console log (every output the suite printed) is kept for reading.
mkdir -p "$TOP/build/vm-logs"
cp "$work/console.log" "$TOP/build/vm-logs/$k-$suite-console.log" 2>/dev/null || true
cp "$work/qemu.log" "$TOP/build/vm-logs/$k-$suite-qemu.log" 2>/dev/null || true
cp "$work/monitor.log" "$TOP/build/vm-logs/$k-$suite-monitor.log" 2>/dev/null || true
if [ $failed -ne 0 ]; then
	log "$k/$suite: console log in build/vm-logs/$k-$suite-console.log"
	if [ -n "${CI:-}" ]; then
		echo "---- $k console (last 80 lines)" >&2
		tail -n 80 "$work/console.log" >&2 || true
	fi
fi
exit $failed
