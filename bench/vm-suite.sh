# /root/bench.sh in the benchmark VM, sourced by the test initramfs's /init
# (busybox sh): load 9p, mount the host's root read-only and run
# bench/guest.sh (make bench-ab: bench/ab-guest.sh) in it, where bpftrace,
# BCC, fio and python3 are. The share is read-only, so the guest may cache
# it (cache=loose): without, every exec reads its binary over 9p again and
# start-up times measure 9p.
. /etc/nvmetrace-bench
while read -r m; do
	insmod "$m" 2>/dev/null || echo "bench: insmod $m failed"
done </etc/bench-modules.load
mkdir -p /host
if ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=524288,cache=loose,ro hostroot /host; then
	echo "FAIL $KERNEL bench: cannot mount the host's root over 9p" >$RESULTS
else
	mount -t proc proc /host/proc
	mount -t sysfs sys /host/sys
	mount -t devtmpfs dev /host/dev
	ln -sf /proc/self/fd /host/dev/fd
	mount -t debugfs debugfs /host/sys/kernel/debug
	mount -t tracefs tracefs /host/sys/kernel/tracing
	mount -t bpf bpf /host/sys/fs/bpf
	mount -t tmpfs tmp /host/tmp
	mount -t tmpfs run /host/run
	chroot /host /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp \
		TOP="$TOP" BUILD="$BUILD" HEADERS="$HEADERS" SECS="$SECS" REPS="$REPS" \
		ONLY="$ONLY" RESULTS=$RESULTS KERNEL=$KERNEL \
		AB_A="$AB_A" AB_B="$AB_B" AB_ARGS="$AB_ARGS" FIO_ENGINE="$FIO_ENGINE" ICOUNT="$ICOUNT" \
		/bin/bash "$TOP/bench/${GUEST:-guest.sh}"
fi
