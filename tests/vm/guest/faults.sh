# Suite "faults": nvmetrace under faults and overload, and its privileges.
# Three controllers (run.sh): serial deadbeef (plain), feedface (throttled
# to 2 IOPS, so reads to it stay in flight; reset) and cafe0002 (throttled,
# QEMU id nvme2; removed). Sourced by /init
# after lib.sh. ONLY (run.sh's VM_ONLY) picks tests; SOAK (SOAK_SECONDS) sets
# the soak's length. Tests that change the machine for good (hot-unplug,
# kernel conditions, lockdown) run last.


# The controllers by serial (names follow probe order, which is parallel).
for c in /sys/class/nvme/nvme*; do
	case "$(cat $c/serial 2>/dev/null)" in
	deadbeef*) C0=${c##*/} ;;
	feedface*) C1=${c##*/} ;;
	cafe0002*) C2=${c##*/} ;;
	esac
done
D0=${C0}n1 D1=${C1}n1 D2=${C2}n1
echo "faults: plain $C0 ($D0), throttled $C1 ($D1) and $C2 ($D2)"

# want TEST: run TEST unless ONLY names others.
want() {
	[ -z "$ONLY" ] && return 0
	case ",$ONLY," in *",$1,"*) return 0 ;; esac
	return 1
}

# has_in FILE "k=v ...": some record of the JSON trace FILE matches.
has_in() { WANT="$2" jawk has "$1"; }

# Kernels whose BTF lacks the NVMe driver's types (detected, not by name).
nvme_btf() { [ -e /sys/kernel/btf/nvme_core ] || grep -q nvme_request /sys/kernel/btf/vmlinux 2>/dev/null; }

# What nvmetrace could have left in the kernel; empty when nothing.
leftovers() {
	bpftool prog show 2>/dev/null | grep 'name nvmetrace_'
	bpftool map show 2>/dev/null | grep 'name nvmetra'
	bpftool link show 2>/dev/null | grep -E '^[0-9]+: '
	grep nvme_submit_user_cmd /sys/kernel/debug/kprobes/list 2>/dev/null
	cat $TP/kprobe_events 2>/dev/null
}

# Programs and maps are freed after the last reference goes (RCU, work
# queues): wait up to 5 s for nothing to be left.
wait_clean() {
	n=0
	while [ -n "$(leftovers)" ] && [ $n -lt 50 ]; do
		usleep 100000
		n=$((n + 1))
	done
	[ -z "$(leftovers)" ]
}

# stop_bg NAME [SIGNAL]: stop background instance NAME (lib.sh's bg), at
# most 30 s; its status in /tmp/NAME.rc ("hang" if it had to be killed).
stop_bg() {
	pid=$(cat /tmp/$1.pid)
	kill -"${2:-INT}" $pid 2>/dev/null
	wait_exit $pid 300 /tmp/$1.rc
}

# wait_exit PID TENTHS RCFILE: wait for background child PID to exit;
# its status, or "hang" (then it is killed), in RCFILE.
wait_exit() {
	n=0
	while kill -0 $1 2>/dev/null && [ $n -lt $2 ]; do
		# A zombie is done: wait reaps it.
		grep -q '^State:.*Z' /proc/$1/status 2>/dev/null && break
		usleep 100000
		n=$((n + 1))
	done
	if kill -0 $1 2>/dev/null && ! grep -q '^State:.*Z' /proc/$1/status 2>/dev/null; then
		kill -9 $1
		wait $1
		echo hang >$3
	else
		wait $1
		echo $? >$3
	fi
}

# watchdog SECONDS STEP: if step STEP is still running after SECONDS, say so
# on the results port, show what the suite's shell (pid 1) and each tool is
# doing (state, wait channel, kernel stack) and the kernel's last messages,
# and kill the tools, so that a hang fails with its cause on the console
# instead of the whole guest timing out silently. unwatch cancels it.
watchdog() {
	(
		sleep $1
		echo "FAIL $KERNEL $2: still running after $1 s (watchdog; the console has what each process was doing)" >$RESULTS
		echo "---- watchdog: $2 still running after $1 s"
		for p in /proc/[0-9]*; do
			st=$(awk '/^State:/ { print $2 }' $p/status 2>/dev/null)
			comm=$(cat $p/comm 2>/dev/null)
			case "${p#/proc/}:$st:$comm" in
			1:*|*:D:*|*:nvmetrace|*:nvme|*:dd|*:nvme-storm)
				echo "-- ${p#/proc/} $comm state=$st wchan=$(cat $p/wchan 2>/dev/null)"
				echo "   cmdline: $(tr '\0' ' ' <$p/cmdline 2>/dev/null)"
				sed 's/^/   /' $p/stack 2>/dev/null ;;
			esac
		done
		for q in /sys/block/nvme*/inflight; do echo "-- $q: $(cat $q)"; done
		echo "-- dmesg"; dmesg | tail -n 40
		echo "---- watchdog: killing the tools"
		killall -9 nvme dd nvme-storm nvmetrace 2>/dev/null
	) &
	WATCHDOG=$!
}

unwatch() { kill $WATCHDOG 2>/dev/null; wait $WATCHDOG 2>/dev/null; }

# oracle NAME OURS.json CTRL DISK: nvmetrace's records of DISK equal the
# kernel's trace of DISK's commands (oracle.awk keys on qid and command id,
# so one disk at a time). Leaves /tmp/oracle.out.
oracle() {
	grep -E "nvme_setup_cmd: $3: disk=$4,|nvme_complete_rq: $3:" /tmp/kernel.trace >/tmp/oracle.trace
	grep "\"disk\":\"$4\"" "$2" >/tmp/oracle.json
	jawk oracle /tmp/oracle.json /tmp/oracle.trace >/tmp/oracle.out
	cat /tmp/oracle.out
	check "$1: $4's commands as the kernel's nvme:* tracepoints show them" \
		"$(grep -v '^MATCH' /tmp/oracle.out)" grep -q '^SUMMARY matched=[1-9][0-9]* bad=0$' /tmp/oracle.out
}

# mark TEXT: a line in the kernel's trace (the moment a fault begins).
mark() { echo "faults: $*" >$TP/trace_marker; }

# spanning CTRL DISK: DISK's commands in flight at the trace's "faults:"
# mark (a reset or removal requested), from the kernel's trace, as
# "qid cid status" (status in decimal; "inflight" if never completed).
spanning() {
	awk -v c="$1" -v d="$2" '
	function f(k,    v) { if (!match($0, k "=[0-9a-fx]+")) return ""; v = substr($0, RSTART + length(k) + 1, RLENGTH - length(k) - 1); return v }
	function num(s,    i, n) { if (substr(s, 1, 2) != "0x") return s + 0
		n = 0; for (i = 3; i <= length(s); i++) n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1; return n }
	/tracing_mark_write: faults: / && !started { started = 1
		for (k in open) span[k] = 1 }
	$0 ~ "nvme_setup_cmd: " c ": disk=" d "," { open[f("qid") " " f("cmdid") % 4096] = f("qid") " " f("cmdid") }
	$0 ~ "nvme_complete_rq: " c ": disk=" d "," {
		k = f("qid") " " f("cmdid") % 4096
		if (k in span) { print open[k], num(f("status")); delete span[k] }
		delete open[k] }
	END { for (k in span) print open[k], "inflight" }' /tmp/kernel.trace
}

# spans OURS.json TAG EVENT: the commands of /tmp/span (spanning's output)
# are in OURS.json with the kernel's final status (or in flight).
spans() {
	n=$(wc -l </tmp/span)
	sts=$(awk '{ print $3 }' /tmp/span | sort | uniq -c | awk '{ printf "%s%s x%s", sep, $2, $1; sep = ", " }')
	check "$2: commands in flight across $3 (kernel: $sts)" "none in the kernel's trace" [ "$n" -gt 0 ]
	bad=
	while read -r q c st; do
		if [ "$st" = inflight ]; then
			has_in "$1" "qid=$q cid=$c state=inflight" || bad="$bad [qid $q cid $c inflight]"
		else
			has_in "$1" "qid=$q cid=$c state=completed status=$st" || bad="$bad [qid $q cid $c status $st]"
		fi
	done </tmp/span
	check "$2: nvmetrace shows each with the kernel's status" "missing:$bad" [ -z "$bad" ]
}

# ---- 4. SIGINT/SIGTERM at any moment, start-up included ---------------------
t_signals() {
	i=0
	for mode in "" "-a" "-a -H"; do
		for d in 0 50000 300000 1000000 2500000 attached; do
			i=$((i + 1))
			if [ $((i % 2)) = 1 ]; then sig=INT signo=2; else sig=TERM signo=15; fi
			tn="signal [nvmetrace $mode] SIG$sig after ${d} us"
			[ "$d" = attached ] && tn="signal [nvmetrace $mode] SIG$sig once attached"
			if [ "$d" = attached ]; then
				if start_tracer $mode -v; then
					kill -$sig $TPID
					wait_exit $TPID 300 /tmp/sig.rc
					rc=$(cat /tmp/sig.rc)
					verdict="caught=yes exit=$rc"
				else
					verdict="did not start: $(cat /tmp/err)"
				fi
				cp /tmp/err /tmp/sig.err
			else
				sigat $d $signo 30 nvmetrace $mode >/tmp/sig.out 2>/tmp/sig.err
				verdict=$(sed -n 's/^sigat: //p' /tmp/sig.err)
			fi
			others=$(grep -v -e '^sigat: ' -e '^nvmetrace: aggregating' \
				-e '^nvmetrace: attached to ' -e '^nvmetrace: [a-z_]* unavailable: ' \
				-e '^libbpf: ' -e '^nvmetrace: no BTF for the NVMe' \
				-e '^nvmetrace: BPF atomics ' \
				-e '^nvmetrace: block:block_rq_insert not attached: no process to tell' \
				/tmp/sig.err)
			case "$verdict" in
			"caught=yes exit=0"|"caught=no exit=0")
				check "$tn: exit 0" "stderr: $others" [ -z "$others" ] ;;
			"caught=no signal=$signo")
				# Before the handlers exist (exec, the dynamic loader)
				# the default action ends it, before it did anything.
				check "$tn: ended by the signal before its handlers were set" \
					"stdout: $(cat /tmp/sig.out) stderr: $others" \
					[ -z "$others" ] ;;
			*)
				fail "$tn: exit 0" "$verdict; stderr: $(cat /tmp/sig.err)" ;;
			esac
			wait_clean
			check "$tn: nothing left attached" "$(leftovers)" [ -z "$(leftovers)" ]
			echo "---- $tn: $verdict"
		done
	done
}

# ---- 1. ring buffer overflow: exact loss, keeps running; none by default -----
# storm N CDW10: nvme-storm on the plain controller; adds to ISSUED.
storm() {
	nvme-storm "$@" /dev/$C0 >/tmp/storm.out 2>&1
	cat /tmp/storm.out
	n=$(sed -n 's/^issued=\([0-9]*\) ok=\([0-9]*\) failed=0 .*/\1/p' /tmp/storm.out)
	ISSUED=$((ISSUED + ${n:-0}))
	[ -n "$n" ] || fail "nvme-storm $*" "$(cat /tmp/storm.out)"
}

# Records of the storm in the table (COMM column).
storm_rows() { awk -v c="$1" '$2 == "nvme-storm" && (c == "" || $7 == c)' /tmp/out | wc -l; }

t_ringbuf() {
	for mode in "" "-a"; do
		tag="ringbuf [nvmetrace $mode]"
		ISSUED=0
		if ! start_tracer $mode -c nvme-storm --ringbuf-size=4; then
			fail "$tag --ringbuf-size=4 start" "$(cat /tmp/err)"
			continue
		fi
		# kprobes cost more than tracepoints under TCG: fewer in default mode.
		if [ -n "$mode" ]; then storm -n 3000 -c 1; else storm -n 1000 -c 1; fi
		# The reader stopped: the 4 KiB ring fills, the rest is lost.
		kill -STOP $TPID
		storm -n 500 -c 1
		kill -CONT $TPID
		# Still tracing after the overflow.
		storm -n 200 -c 2
		stop_tracer INT
		printed=$(storm_rows)
		after=$(storm_rows 2)
		lost=$(sed -n 's/^nvmetrace: lost \([0-9]*\) events$/\1/p' /tmp/err)
		echo "---- $tag: issued $ISSUED printed $printed (after $after) lost $lost"
		check "$tag --ringbuf-size=4: exit 0 after the overflow" "exit $TRC" [ "$TRC" -eq 0 ]
		check "$tag --ringbuf-size=4: events lost" "stderr: $(cat /tmp/err)" [ "${lost:-0}" -gt 0 ]
		check "$tag --ringbuf-size=4: lost = issued - printed ($ISSUED - $printed)" \
			"lost ${lost:-none}" [ "${lost:-0}" -eq $((ISSUED - printed)) ]
		check "$tag --ringbuf-size=4: still tracing after the overflow" \
			"$after of 200 records after it" [ "$after" -gt 0 ]

		ISSUED=0
		start_tracer $mode -c nvme-storm || { fail "$tag start" "$(cat /tmp/err)"; continue; }
		storm -t 5
		rate=$(sed -n 's/.* rate=\([0-9]*\)$/\1/p' /tmp/storm.out)
		stop_tracer INT
		printed=$(storm_rows)
		check "$tag default buffer at $rate commands/s: exit 0" "exit $TRC" [ "$TRC" -eq 0 ]
		check "$tag default buffer at $rate commands/s: nothing lost" "$(cat /tmp/err)" \
			sh -c '! grep -q lost /tmp/err'
		check "$tag default buffer at $rate commands/s: $ISSUED records" "got $printed" \
			[ "$printed" -eq "$ISSUED" ]
	done
}

# ---- 1b. passthrough calls from threads at once, pairing table of one entry ----
# Three storms at once: all but one call at a time wait in the hash map;
# every call is traced once.
t_calls() {
	tag="calls [1-entry table]"
	export NVMETRACE_TEST_PAIRS=1
	start_tracer -v -c nvme-storm
	rc=$?
	unset NVMETRACE_TEST_PAIRS
	[ $rc -eq 0 ] || { fail "$tag start" "$(cat /tmp/err)"; return; }
	PIDS=
	for i in 1 2 3; do
		nvme-storm -n 300 -c 1 /dev/$C0 >/tmp/storm$i.out 2>&1 &
		PIDS="$PIDS $!"
	done
	# Meanwhile, processes of one call each: a return not seen there is
	# found only at exit, the thread being gone.
	for i in $(seq 4 23); do
		nvme-storm -n 1 -c 2 /dev/$C0 >/tmp/storm$i.out 2>&1
	done
	for p in $PIDS; do wait $p; done
	ISSUED=0
	for i in $(seq 1 23); do
		n=$(sed -n 's/^issued=\([0-9]*\) ok=\([0-9]*\) failed=0 .*/\1/p' /tmp/storm$i.out)
		[ -n "$n" ] || cat /tmp/storm$i.out
		ISSUED=$((ISSUED + ${n:-0}))
	done
	stop_tracer INT
	printed=$(storm_rows)
	grep -v '^libbpf' /tmp/err
	check "$tag: exit 0" "exit $TRC" [ "$TRC" -eq 0 ]
	# Where BPF programs are preemptible, the kernel may skip one that
	# another thread's run left active on that CPU: nvmetrace reports it.
	missed=$(sed -n 's/^nvmetrace: up to \([0-9]*\) passthrough calls missed: .*/\1/p' /tmp/err)
	check "$tag: every call traced once, or reported missed ($ISSUED issued, ${missed:-0} missed)" \
		"printed $printed" \
		[ "$ISSUED" -eq 920 -a "$printed" -le "$ISSUED" -a $((ISSUED - printed)) -le "${missed:-0}" ]
	check "$tag: nothing lost or left in flight" "$(grep -v '^libbpf' /tmp/err)" \
		sh -c "! grep -Eq '^nvmetrace: .*(lost|not traced|in flight)' /tmp/err"
	# A kretprobe follows few calls at once where the kernel is not
	# preemptible (one per CPU: Debian 5.10); the others' returns are not
	# seen, and nvmetrace says how many it listed without a status.
	unseen=$(sed -n 's/^nvmetrace: \([0-9]*\) passthrough calls\{0,1\} whose return was not seen .*/\1/p' /tmp/err)
	rows_inflight=$(awk '$2 == "nvme-storm" && / inflight /' /tmp/out | wc -l)
	echo "calls: $(awk '$2 == "nvme-storm" && $7 == 2 && / inflight /' /tmp/out | wc -l)" \
		"of the one-call processes' returns not seen"
	check "$tag: calls whose return was not seen, listed and counted alike ($rows_inflight)" \
		"stderr says ${unseen:-none}" [ "${unseen:-0}" -eq "$rows_inflight" ]
	if grep -q '^nvmetrace: BPF atomics available' /tmp/err; then
		check "$tag: calls at once went through the hash map" "$(grep -v '^libbpf' /tmp/err)" \
			grep -Eq '^nvmetrace: [1-9][0-9]* commands? paired through the hash map' /tmp/err
	fi
}

# ---- 2. controller reset with commands in flight -----------------------------
# slow_reads N DISK: N sequential-read dd's on a throttled disk, in the background.
slow_reads() {
	DDS=
	for i in $(seq 1 $1); do
		dd if=/dev/$2 of=/dev/null bs=4096 skip=$((i * 64)) count=3 iflag=direct 2>/dev/null &
		DDS="$DDS $!"
	done
	# Let the first reads reach the controller (throttled, they stay there).
	sleep 1
}

t_reset() {
	tp_on
	BG=
	bg reset -a -j
	# A one-entry pairing table: the reads share it, so all but one wait
	# in the hash map, and the requeue/in-flight logic runs across both.
	export NVMETRACE_TEST_PAIRS=1
	bg reset1 -a -j
	unset NVMETRACE_TEST_PAIRS
	bg_wait_attached
	slow_reads 3 $D1
	mark "nvme reset /dev/$C1"
	nvme reset /dev/$C1
	rc=$?
	run_cmd nvme id-ctrl /dev/$C1
	after_pid=$LAST_PID
	for p in $DDS; do wait $p; done
	stop_bg reset
	stop_bg reset1
	tp_off
	echo "---- reset"; cat /tmp/reset.out; grep -v '^libbpf: ' /tmp/reset.err
	echo "---- kernel"; grep -E 'nvme_(setup_cmd|complete_rq):' /tmp/kernel.trace
	check "reset: nvme reset /dev/$C1 succeeded" "exit $rc" [ $rc -eq 0 ]
	check "reset: nvmetrace -a neither crashed nor hung (exit 0)" "exit $(cat /tmp/reset.rc)" \
		[ "$(cat /tmp/reset.rc)" = 0 ]
	check "reset: nothing lost or missed" "$(grep -v '^libbpf: ' /tmp/reset.err)" \
		sh -c "! grep -Eq '^nvmetrace: .*(lost|missed|not traced)' /tmp/reset.err"
	oracle reset /tmp/reset.out $C1 $D1
	spanning $C1 $D1 >/tmp/span
	spans /tmp/reset.out reset "the reset"
	check "reset: traced after the reset (id-ctrl)" "$(cat /tmp/reset.out)" \
		has_in /tmp/reset.out "pid=$after_pid opcode=6 qid=0 cdw10=1 status=0"

	echo "---- reset1"; cat /tmp/reset1.out; grep -v '^libbpf: ' /tmp/reset1.err
	check "reset [1-entry table]: exit 0, nothing lost or missed" \
		"exit $(cat /tmp/reset1.rc): $(grep -v '^libbpf: ' /tmp/reset1.err)" \
		sh -c "[ $(cat /tmp/reset1.rc) = 0 ] && ! grep -Eq '^nvmetrace: .*(lost|missed|not traced)' /tmp/reset1.err"
	oracle reset1 /tmp/reset1.out $C1 $D1
	spans /tmp/reset1.out reset1 "the reset"
	if grep -q 'by tp_btf$' /tmp/reset1.err; then
		check "reset [1-entry table]: the hash map took the reads the table could not" \
			"$(grep -v '^libbpf: ' /tmp/reset1.err)" \
			grep -Eq '^nvmetrace: [1-9][0-9]* commands paired through the hash map' /tmp/reset1.err
	fi
}

# ---- 3. hot-unplug of a controller with commands in flight ---------------------
# gone_exit NAME WHAT: instance NAME ended by itself, status 3, saying that
# WHAT was removed.
gone_exit() {
	wait_exit "$(cat /tmp/$1.pid)" 100 /tmp/$1.rc
	check "unplug [$1]: exits by itself, status 3" "exit $(cat /tmp/$1.rc): $(grep -v '^libbpf' /tmp/$1.err); /sys/block: $(ls /sys/block)" \
		[ "$(cat /tmp/$1.rc)" = 3 ]
	check "unplug [$1]: says why" "$(grep -v '^libbpf' /tmp/$1.err)" \
		[ "$(tail -n 1 /tmp/$1.err)" = "nvmetrace: $2 was removed; nothing left to trace" ]
}

# device_del ID CTRL: ask the host to remove QEMU device ID; wait for CTRL to go.
device_del() {
	echo "HOST device_del $1" >$RESULTS
	n=0
	while [ -e /sys/class/nvme/$2 ] && [ $n -lt 600 ]; do
		usleep 100000
		n=$((n + 1))
	done
	check "unplug: $2 removed by QEMU device_del $1" "still there after 60 s" [ ! -e /sys/class/nvme/$2 ]
}

t_unplug() {
	if [ ! -e /dev/$D2 ]; then
		fail "unplug" "/dev/$D2 does not exist: $(ls /sys/block)"
		return
	fi
	tp_on
	BG=
	bg unplug_a -a -j
	bg unplug_p -j
	bg unplug_disk -a -j -d $D2
	nvme_btf && bg unplug_ctrl -a -j -d $C2
	bg_wait_attached
	slow_reads 3 $D2
	# A passthrough read of the throttled namespace, in flight too.
	nvme io-passthru /dev/$D2 --opcode=0x2 --namespace-id=1 --data-len=4096 --read \
		--cdw10=0 --cdw12=0 >/tmp/pt.out 2>&1 &
	ptpid=$!
	sleep 1
	mark "device_del nvme2"
	device_del nvme2 $C2
	for p in $DDS; do wait $p; done
	wait $ptpid
	ptrc=$?
	gone_exit unplug_disk $D2
	nvme_btf && gone_exit unplug_ctrl $C2
	run_cmd nvme id-ctrl /dev/$C0
	after_pid=$LAST_PID
	stop_bg unplug_a
	stop_bg unplug_p
	tp_off
	for name in unplug_a unplug_p unplug_disk unplug_ctrl; do
		[ -e /tmp/$name.out ] || continue
		echo "---- $name: $(cat /tmp/$name.rc)"; cat /tmp/$name.out; grep -v '^libbpf: ' /tmp/$name.err
	done
	echo "---- io-passthru: $ptrc $(cat /tmp/pt.out)"
	echo "---- kernel"; grep -E 'nvme_(setup_cmd|complete_rq):' /tmp/kernel.trace
	check "unplug [-a]: neither crashed nor hung (exit 0)" "exit $(cat /tmp/unplug_a.rc)" \
		[ "$(cat /tmp/unplug_a.rc)" = 0 ]
	check "unplug [default]: neither crashed nor hung (exit 0)" "exit $(cat /tmp/unplug_p.rc)" \
		[ "$(cat /tmp/unplug_p.rc)" = 0 ]
	check "unplug [-a]: nothing lost or missed" "$(grep -v '^libbpf: ' /tmp/unplug_a.err)" \
		sh -c "! grep -Eq '^nvmetrace: .*(lost|missed|not traced)' /tmp/unplug_a.err"
	oracle unplug /tmp/unplug_a.out $C2 $D2
	spanning $C2 $D2 >/tmp/span
	spans /tmp/unplug_a.out "unplug [-a]" "the removal"
	# The passthrough read: the kernel's status for it, and what the
	# ioctl returned (default mode shows the call's return value).
	kst=$(awk -v c="$C2" '$0 ~ "nvme_complete_rq: " c ":.*flags=0x2," && /qid=[1-9]/ {
		match($0, /status=0x[0-9a-f]+/); print substr($0, RSTART + 7, RLENGTH - 7) }' /tmp/kernel.trace)
	ours=$(grep "\"pid\":$ptpid," /tmp/unplug_p.out)
	check "unplug [default]: the passthrough read in flight is reported (kernel status ${kst:-none}, nvme-cli exit $ptrc)" \
		"$(cat /tmp/unplug_p.out)" [ -n "$ours" ]
	echo "---- passthrough: kernel $kst ours $ours"
	check "unplug [-a]: still tracing $C0 (id-ctrl after the removal)" "" \
		has_in /tmp/unplug_a.out "pid=$after_pid opcode=6 qid=0 cdw10=1 status=0"
	check "unplug [default]: still tracing $C0 (id-ctrl after the removal)" "" \
		has_in /tmp/unplug_p.out "pid=$after_pid opcode=6 cdw10=1 status=0"
}

# The last controller goes: nothing at all is left to trace.
t_last() {
	BG=
	bg last_a -a
	bg last_p
	bg_wait_attached
	echo "HOST device_del nvme0" >$RESULTS
	echo "HOST device_del nvme1" >$RESULTS
	for inst in last_a last_p; do
		wait_exit "$(cat /tmp/$inst.pid)" 600 /tmp/$inst.rc
		check "last controller removed [$inst]: exits by itself, status 3" \
			"exit $(cat /tmp/$inst.rc): $(grep -v '^libbpf' /tmp/$inst.err)" [ "$(cat /tmp/$inst.rc)" = 3 ]
		check "last controller removed [$inst]: says why" "$(grep -v '^libbpf' /tmp/$inst.err)" \
			[ "$(tail -n 1 /tmp/$inst.err)" = "nvmetrace: every NVMe controller was removed; nothing left to trace" ]
	done
	wait_clean
	check "last controller removed: nothing left attached" "$(leftovers)" [ -z "$(leftovers)" ]
}

# ---- 7. least privilege: CAP_BPF + CAP_PERFMON as an unprivileged user ----------
# as_user CAPS ARGS...: nvmetrace as uid/gid 65534 holding only CAPS
# ("bpf,perfmon", or "" for none), in the background (TPID), like start_tracer.
as_user() {
	caps=$1
	shift
	: >/tmp/out
	: >/tmp/err
	if [ -n "$caps" ]; then
		capl=$(echo "$caps" | sed 's/^/+/; s/,/,+/g')
		# systemd's default memlock limit, not init's unlimited one.
		(ulimit -l 8192; exec /usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups \
			--inh-caps=-all,$capl --ambient-caps=-all,$capl \
			--bounding-set=-all,$capl nvmetrace "$@") >/tmp/out 2>/tmp/err &
	else
		(ulimit -l 8192; exec /usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups \
			--inh-caps=-all --bounding-set=-all nvmetrace "$@") >/tmp/out 2>/tmp/err &
	fi
	TPID=$!
	wait_line /tmp/err '^nvmetrace: attached to ' $TPID
}

t_privileges() {
	paranoid=$(cat /proc/sys/kernel/perf_event_paranoid)
	for mode in "" "-a"; do
		tag="least privilege [nvmetrace $mode]"
		if [ -z "$mode" ] && [ "$paranoid" -gt 2 ]; then
			# Debian's perf_event_paranoid=3 keeps perf events (kprobes)
			# for CAP_SYS_ADMIN: say so, then lower it to 2.
			as_user bpf,perfmon
			wait $TPID
			rc=$?
			check "$tag: perf_event_paranoid=$paranoid: exit 1" "exit $rc" [ $rc -eq 1 ]
			check "$tag: perf_event_paranoid=$paranoid: says so" "$(cat /tmp/err)" \
				[ "$(cat /tmp/err)" = "nvmetrace: failed to attach kprobe to nvme_submit_user_cmd: permission denied: kernel.perf_event_paranoid=$paranoid lets only CAP_SYS_ADMIN open perf events (kprobes); set it to 2 for CAP_BPF and CAP_PERFMON to suffice, or run as root" ]
			echo 2 >/proc/sys/kernel/perf_event_paranoid
		fi
		if ! as_user bpf,perfmon $mode -v -j; then
			wait $TPID
			fail "$tag: starts as uid 65534 with CAP_BPF and CAP_PERFMON" "exit $?: $(grep -v '^libbpf: ' /tmp/err)"
			grep '^libbpf: ' /tmp/err | tail -n 20
			continue
		fi
		pass "$tag: starts as uid 65534 with CAP_BPF and CAP_PERFMON"
		check "$tag: runs as uid 65534" "$(grep -E '^(Uid|CapEff)' /proc/$TPID/status)" \
			grep -q '^Uid:[[:space:]]*65534[[:space:]]' /proc/$TPID/status
		run_cmd nvme id-ctrl /dev/$C0
		pid=$LAST_PID
		run_cmd nvme admin-passthru /dev/$C0 -n 0x1 --opcode=0x14 --cdw10=0x1 -r
		st_pid=$LAST_PID
		stop_tracer INT
		grep -v '^libbpf: ' /tmp/err; cat /tmp/out
		check "$tag: exit 0" "exit $TRC" [ "$TRC" -eq 0 ]
		check "$tag: id-ctrl record" "$(cat /tmp/out)" \
			has_in /tmp/out "comm=nvme pid=$pid opcode=6 cdw10=1 status=0"
		check "$tag: self-test record" "" \
			has_in /tmp/out "comm=nvme pid=$st_pid opcode=20 nsid=1 cdw10=1 status=16385"
		check "$tag: exactly those two" "" [ "$(grep -c '^{' /tmp/out)" -eq 2 ]
		check "$tag: how it attached" "" grep '^nvmetrace: attached to ' /tmp/err
		echo "---- $tag: $(grep '^nvmetrace: attached to ' /tmp/err)"
		# Each capability alone is not enough.
		for caps in bpf perfmon ""; do
			as_user "$caps" $mode
			wait $TPID
			rc=$?
			check "$tag: with only [${caps:-no capability}]: exit 1" "exit $rc: $(cat /tmp/err)" [ $rc -eq 1 ]
			check "$tag: with only [${caps:-no capability}]: the one-line explanation" "$(cat /tmp/err)" \
				[ "$(cat /tmp/err)" = "nvmetrace: permission denied: tracing needs root, or CAP_BPF and CAP_PERFMON (try sudo)" ]
		done
	done
	echo "$paranoid" >/proc/sys/kernel/perf_event_paranoid
}

# ---- 8. data buffers are never read ------------------------------------------------
t_data() {
	marker=NVMETRACE-SECRET-$(cat /proc/sys/kernel/random/uuid)
	# 512 bytes of the marker repeated; 4096 for the block write.
	i=0; : >/tmp/secret
	while [ $i -lt 128 ]; do printf '%s' "$marker" >>/tmp/secret; i=$((i + 1)); done
	dd if=/tmp/secret of=/tmp/secret.512 bs=512 count=1 2>/dev/null
	dd if=/tmp/secret of=/tmp/secret.4k bs=4096 count=1 2>/dev/null
	BG=
	bg data_w -a -w /tmp/data.nvmt
	bg data_j -a -j
	bg data_p -j
	bg_wait_attached
	# Security Send (0x81) with the marker as its payload, a Set Features
	# with a data buffer, and a block write of the marker.
	run_cmd nvme admin-passthru /dev/$C0 --opcode=0x81 --cdw10=0x01000000 --cdw11=512 \
		--data-len=512 -w --input-file=/tmp/secret.512
	sec_pid=$LAST_PID
	nvme set-feature /dev/$C0 --feature-id=0x0e --data-len=512 --data=/tmp/secret.512 >/dev/null 2>&1
	dd if=/tmp/secret.4k of=/dev/$D0 bs=4096 seek=300 count=1 oflag=direct conv=notrunc 2>/dev/null
	for name in $BG; do stop_bg $name; done
	check "data: the marker was written to the disk" "" \
		sh -c "dd if=/dev/$D0 bs=4096 skip=300 count=1 iflag=direct 2>/dev/null | grep -q $marker"
	check "data: the Security Send was traced" "$(cat /tmp/data_j.out)" \
		has_in /tmp/data_j.out "pid=$sec_pid opcode=129 qid=0"
	check "data: and its 512-byte transfer length (cdw11) is in the SQE" "" \
		has_in /tmp/data_j.out "pid=$sec_pid opcode=129 cdw11=512"
	check "data: the marker write was traced" "" \
		has_in /tmp/data_j.out "comm=dd opcode=1 cdw10=2400"
	# busybox grep reads binary files as text; the marker is found where
	# it is (the payload file itself).
	check "data: the search finds the marker where it is" "" grep -Fq "$marker" /tmp/secret.512
	tail=${marker#NVMETRACE-SECRET-????????}
	# (-e: the part begins with the uuid's "-")
	check "data: the search finds part of the marker where it is" "" grep -Fq -e "$tail" /tmp/secret.512
	for f in /tmp/data.nvmt /tmp/data_j.out /tmp/data_p.out; do
		check "data: no payload byte in $f" "the marker is in it" sh -c "! grep -Fq NVMETRACE-SECRET $f"
		# Part of the marker, in case a record cut it.
		check "data: no part of the payload in $f" "" sh -c "! grep -Fq -e '$tail' $f"
		check "data: $f has records" "" [ -s $f ]
	done
	check "data: capture file mode 0600" "$(ls -l /tmp/data.nvmt)" \
		[ "$(stat -c %a /tmp/data.nvmt)" = 600 ]
}

# ---- 5. soak: every mode at once under mixed load; memory stays flat -----------
rss() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/$1/status; }

# Entries of every instance's in-flight maps ("name count" lines); with
# "all", also the pairing tables' taken entries (slower: 4096 a table).
inflight_counts() {
	bpftool map show 2>/dev/null | sed -En 's/^([0-9]+): .*name (nvmetrace_(infl|call|pair)[a-z]*) .*/\1 \2/p' |
	while read -r id name; do
		case $name in
		nvmetrace_pair*)
			[ "${1:-}" = all ] || continue
			# BTF's "formatted" copy names the owner of each entry.
			echo "$name $(bpftool -j map dump id $id 2>/dev/null | grep -o '"req":[1-9]' | wc -l)" ;;
		*)
			# One {"key":[ per element (BTF adds a "formatted" copy).
			echo "$name $(bpftool -j map dump id $id 2>/dev/null | grep -o '{"key":\[' | wc -l)" ;;
		esac
	done
}

soak_load() {
	end=$(($(date +%s) + $1))
	while [ "$(date +%s)" -lt $end ]; do
		dd if=/dev/$D0 of=/dev/null bs=4096 skip=$((RANDOM % 1000)) count=16 iflag=direct 2>/dev/null
		dd if=/tmp/pat of=/dev/$D0 bs=4096 seek=$((2000 + RANDOM % 1000)) count=4 oflag=direct conv=notrunc 2>/dev/null
		nvme-storm -n 100 /dev/$C0 >/dev/null
		nvme id-ctrl /dev/$C0 >/dev/null
		nvme get-log /dev/$C0 --log-id=2 --log-len=512 >/dev/null
	done
}

t_soak() {
	secs=${SOAK:-45}
	dd if=/dev/urandom of=/tmp/pat bs=4096 count=4 2>/dev/null
	BG=
	bg soak_p
	bg soak_a -a
	bg soak_j -a -j
	bg soak_h -a -H -i 1
	bg soak_s -a -S -i 1
	bg soak_w -a -w /tmp/soak.nvmt
	bg_wait_attached
	inflight_counts all | sort >/tmp/infl.start
	soak_load $secs &
	loadpid=$!
	warm=$((secs / 4))
	t=0
	: >/tmp/rss.log
	while kill -0 $loadpid 2>/dev/null; do
		line="t=$t"
		for name in $BG; do line="$line $name=$(rss $(cat /tmp/$name.pid))"; done
		echo "$line $(inflight_counts | awk '{ s += $2 } END { print "inflight=" s + 0 }')" | tee -a /tmp/rss.log
		[ $t -le $warm ] && for name in $BG; do rss $(cat /tmp/$name.pid) >/tmp/$name.rss0; done
		sleep 5
		t=$((t + 5))
	done
	wait $loadpid
	# Idle: every command completed.
	sleep 2
	inflight_counts all | sort >/tmp/infl.end
	for name in $BG; do rss $(cat /tmp/$name.pid) >/tmp/$name.rss1; done
	for name in $BG; do stop_bg $name; done
	echo "---- in-flight maps, start:"; cat /tmp/infl.start; echo "---- end:"; cat /tmp/infl.end
	for inst in soak_p soak_a soak_j soak_h soak_s soak_w; do
		r0=$(cat /tmp/$inst.rss0) r1=$(cat /tmp/$inst.rss1)
		check "soak [$inst] ${secs}s: exit 0" "exit $(cat /tmp/$inst.rc): $(grep -v '^libbpf' /tmp/$inst.err)" \
			[ "$(cat /tmp/$inst.rc)" = 0 ]
		check "soak [$inst] ${secs}s: RSS flat after warm-up ($r0 -> $r1 KiB)" "grew by $((r1 - r0)) KiB" \
			[ $((r1 - r0)) -le 256 ]
		check "soak [$inst] ${secs}s: nothing lost" "$(grep -v '^libbpf' /tmp/$inst.err)" \
			sh -c "! grep -qE '^nvmetrace: (lost |.* not traced: |.* not counted: |.* missed: )' /tmp/$inst.err"
	done
	check "soak: records written" "" [ "$(grep -c '^{' /tmp/soak_j.out)" -gt 100 ]
	# Instances are independent: two that both saw the whole load saw
	# every one of its commands.
	nj=$(grep -c '"comm":"nvme-storm"' /tmp/soak_j.out)
	nw=$(nvmetrace -r /tmp/soak.nvmt -j | grep -c '"comm":"nvme-storm"')
	check "soak: two instances saw the same storm commands (-j $nj, -w $nw)" "" \
		[ "$nj" -gt 0 -a "$nj" -eq "$nw" ]
	check "soak: in-flight maps back to their start size when idle" \
		"start: $(cat /tmp/infl.start) end: $(cat /tmp/infl.end)" cmp -s /tmp/infl.start /tmp/infl.end
	check "soak: the in-flight maps of six instances sampled" "$(cat /tmp/infl.start)" \
		[ "$(grep -c '^nvmetrace_[a-z]* [0-9][0-9]*$' /tmp/infl.start)" -eq 18 ]
	check "soak: the -w capture replays" "" sh -c 'nvmetrace -r /tmp/soak.nvmt -H >/dev/null'
}

# ---- 6. kernel conditions: one clear line each -------------------------------------
t_conditions() {
	# No BTF: /sys/kernel/btf hidden under an empty tmpfs.
	mount -t tmpfs none /sys/kernel/btf
	nvmetrace >/tmp/out 2>/tmp/err
	rc=$?
	echo "---- no BTF: $rc $(cat /tmp/err)"
	check "no BTF [nvmetrace]: exit 1" "exit $rc" [ $rc -eq 1 ]
	check "no BTF [nvmetrace]: one clear line" "$(cat /tmp/err)" \
		[ "$(cat /tmp/err)" = "nvmetrace: failed to load the kprobe programs: the kernel has no BTF (/sys/kernel/btf/vmlinux); use a kernel built with CONFIG_DEBUG_INFO_BTF" ]
	nvmetrace -a >/tmp/out 2>/tmp/err
	rc=$?
	check "no BTF [nvmetrace -a]: exit 1" "exit $rc" [ $rc -eq 1 ]
	check "no BTF [nvmetrace -a]: one clear line" "$(cat /tmp/err)" \
		[ "$(cat /tmp/err)" = "nvmetrace: failed to trace every command (-a): the kernel has no BTF (/sys/kernel/btf/vmlinux); use a kernel built with CONFIG_DEBUG_INFO_BTF" ]
	umount /sys/kernel/btf

	# No tracefs: nvmetrace does not need it (kprobes through perf
	# events, tracepoints through bpf()); --list lists functions anyway.
	umount /sys/kernel/debug/tracing 2>/dev/null
	umount /sys/kernel/tracing
	umount /sys/kernel/debug
	check "no tracefs: unmounted" "$(grep -E 'tracefs|debugfs' /proc/mounts)" \
		sh -c '! grep -qE "tracefs|debugfs" /proc/mounts'
	for mode in "" "-a"; do
		if ! start_tracer $mode -j -v; then
			fail "no tracefs [nvmetrace $mode]: traces" "exit $TRC: $(grep -v ^libbpf /tmp/err)"
			continue
		fi
		run_cmd nvme id-ctrl /dev/$C0
		stop_tracer INT
		check "no tracefs [nvmetrace $mode]: traces (exact id-ctrl record)" "$(cat /tmp/out)" \
			has_in /tmp/out "comm=nvme pid=$LAST_PID opcode=6 cdw10=1 status=0"
		check "no tracefs [nvmetrace $mode]: exit 0" "exit $TRC" [ $TRC -eq 0 ]
	done
	nvmetrace --list >/tmp/out 2>/tmp/err
	rc=$?
	check "no tracefs [--list]: exit 0" "exit $rc" [ $rc -eq 0 ]
	check "no tracefs [--list]: functions listed" "$(cat /tmp/out)" \
		grep -Eq '^function +nvme_submit_user_cmd ' /tmp/out
	check "no tracefs [--list]: says why tracepoints are missing" "$(cat /tmp/err)" \
		[ "$(cat /tmp/err)" = "nvmetrace: tracefs is not mounted: tracepoints not listed (mount -t tracefs nodev /sys/kernel/tracing)" ]
	mount -t debugfs debugfs /sys/kernel/debug
	mount -t tracefs tracefs /sys/kernel/tracing

	# kernel.unprivileged_bpf_disabled=1 (cannot be undone) for a user
	# without capabilities.
	echo 1 >/proc/sys/kernel/unprivileged_bpf_disabled
	as_user "" -a
	wait $TPID
	rc=$?
	check "unprivileged_bpf_disabled=1: exit 1" "exit $rc" [ $rc -eq 1 ]
	check "unprivileged_bpf_disabled=1: says so" "$(cat /tmp/err)" \
		[ "$(cat /tmp/err)" = "nvmetrace: permission denied: tracing needs root, or CAP_BPF and CAP_PERFMON; kernel.unprivileged_bpf_disabled=1 also refuses bpf() to users without CAP_BPF (try sudo)" ]
	# It does not stop one with the capabilities.
	if as_user bpf,perfmon -a -v; then
		stop_tracer INT
		check "unprivileged_bpf_disabled=1: CAP_BPF + CAP_PERFMON still trace" "exit $TRC" [ $TRC -eq 0 ]
	else
		fail "unprivileged_bpf_disabled=1: CAP_BPF + CAP_PERFMON still trace" "$(grep -v ^libbpf /tmp/err)"
	fi
}

# Lockdown cannot be lifted: the very last test.
t_lockdown() {
	mount -t securityfs none /sys/kernel/security 2>/dev/null
	if [ ! -e /sys/kernel/security/lockdown ]; then
		fail "lockdown" "this kernel has no lockdown LSM (/sys/kernel/security/lockdown)"
		return
	fi
	echo confidentiality >/sys/kernel/security/lockdown
	check "lockdown: confidentiality set" "$(cat /sys/kernel/security/lockdown)" \
		grep -q '\[confidentiality\]' /sys/kernel/security/lockdown
	for mode in "" "-a"; do
		nvmetrace $mode >/tmp/out 2>/tmp/err
		rc=$?
		check "lockdown [nvmetrace $mode]: exit 1" "exit $rc" [ $rc -eq 1 ]
		check "lockdown [nvmetrace $mode]: one clear line" "$(cat /tmp/err)" \
			[ "$(cat /tmp/err)" = "nvmetrace: failed to load the tracing programs: the kernel is locked down (confidentiality), which forbids BPF from reading kernel memory (see /sys/kernel/security/lockdown; only a reboot lifts it)" ]
	done
}

for t in signals ringbuf calls reset privileges data soak unplug conditions last lockdown; do
	want $t || continue
	echo "==== $t at $(cut -d' ' -f1 /proc/uptime) s"
	# A step takes seconds (the soak, its length more): 240 s is a hang.
	limit=240
	[ $t = soak ] && limit=$((240 + ${SOAK:-45}))
	watchdog $limit "$t"
	t_$t
	unwatch
done
echo "==== end at $(cut -d' ' -f1 /proc/uptime) s"
