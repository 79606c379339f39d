#!/usr/bin/env bash
# Boot one Debian kernel under QEMU (TCG) with an emulated NVMe controller and
# run a guest suite in it. Prints the guest's "PASS ..." / "FAIL ..." lines;
# a guest that does not finish is itself a FAIL. Exit status 1 if anything
# failed.
#
# usage: run.sh KERNEL [SUITE]      (SUITE: a tests/vm/guest/SUITE.sh, default seed)
# The seed suite gets one namespace (as the seeds' machine); the others two
# (nvme-ns devices on one controller), the second throttled to 2 IOPS so
# commands can be caught in flight.
# env:   VM_TIMEOUT (s, default 900), VM_MEM (MiB, default 1024), VM_KEEP=1
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
[ "${VM_KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT
"$here/mkinitramfs.sh" "$k" "$work/initrd.cpio"
truncate -s 64M "$work/disk0.img" "$work/disk1.img"
if [ "$suite" = seed ]; then
	nvme_dev=(-drive "file=$work/disk0.img,if=none,id=nvm0,format=raw"
		  -device nvme,serial=deadbeef,drive=nvm0)
else
	nvme_dev=(-device nvme,id=nvme0,serial=deadbeef
		  -drive "file=$work/disk0.img,if=none,id=nvm0,format=raw"
		  -device nvme-ns,drive=nvm0,bus=nvme0,nsid=1
		  -drive "file=$work/disk1.img,if=none,id=nvm1,format=raw,throttling.iops-total=2"
		  -device nvme-ns,drive=nvm1,bus=nvme0,nsid=2)
fi

start=$(date +%s)
rc=0
timeout --foreground -k 10 "$timeout_s" qemu-system-x86_64 \
	-accel tcg,thread=multi -cpu max -smp 2 -m "$mem" \
	-display none -monitor none -no-reboot \
	-serial "file:$work/console.log" -serial "file:$work/results.log" \
	-kernel "$CACHE/kernels/$k/vmlinuz" -initrd "$work/initrd.cpio" \
	-append "console=ttyS0 panic=-1 loglevel=4 nvmetrace.suite=$suite" \
	"${nvme_dev[@]}" \
	</dev/null >"$work/qemu.log" 2>&1 || rc=$?
elapsed=$(( $(date +%s) - start ))

results=$(tr -d '\r' <"$work/results.log" 2>/dev/null || true)
failed=0
printf '%s\n' "$results" | grep -E '^(PASS|FAIL|MATRIX) ' || true
if printf '%s\n' "$results" | grep -q '^FAIL '; then
	failed=1
fi
if ! printf '%s\n' "$results" | grep -q "^END $k"; then
	echo "FAIL $k vm: the guest did not finish (qemu exit $rc after ${elapsed}s)"
	failed=1
fi
log "$k/$suite: guest ran ${elapsed}s"
# The console log (every output the suite printed) is kept for reading.
mkdir -p "$TOP/build/vm-logs"
cp "$work/console.log" "$TOP/build/vm-logs/$k-$suite-console.log" 2>/dev/null || true
cp "$work/qemu.log" "$TOP/build/vm-logs/$k-$suite-qemu.log" 2>/dev/null || true
if [ $failed -ne 0 ]; then
	log "$k/$suite: console log in build/vm-logs/$k-$suite-console.log"
	if [ -n "${CI:-}" ]; then
		echo "---- $k console (last 80 lines)" >&2
		tail -n 80 "$work/console.log" >&2 || true
	fi
fi
exit $failed
