# Suite "all": nvmetrace -a on every command, checked against the kernel's
# own nvme:* tracepoints, and every filter against the unfiltered trace.
# Two namespaces (nvme0n1, nvme0n2). Sourced by /init after lib.sh.

find_namespaces
NG=/dev/ng0${NS1#nvme0}
[ -e $NG ] || NG=/dev/$NS1	# generic char devices came in 5.13

# Kernels whose BTF lacks the NVMe driver's types (no module BTF).
nvme_btf() { [ "$KERNEL" != 5.10 ]; }

# has_in FILE "k=v ...": some record of the JSON trace FILE matches.
has_in() { WANT="$2" jawk has "$1"; }

# Completed commands of a JSON trace as sortable keys.
keys() {
	jawk keys "$@" | sort
}

# missed ERR...: commands the instances whose stderr is ERR... reported not
# traced, or whose completion they reported missed: since Linux 6.1 the
# kernel skips a program already running on its CPU, and nvmetrace says so.
missed() {
	grep -hE '^nvmetrace: up to [0-9]+ (commands not traced|completions missed): ' "$@" |
		awk '{ s += $4 } END { print s + 0 }'
}

# same_keys TAG WANT GOT ERR...: GOT has exactly WANT's commands, but for
# at most as many as the instances (ERR...) reported missed.
same_keys() {
	tag=$1 want=$2 got=$3
	shift 3
	n=$(missed "$@")
	# Lines in one and not the other (busybox diff prints no "<" ">").
	d=$(awk 'NR == FNR { c[$0]++; next } { c[$0]-- }
		END { for (k in c) d += c[k] < 0 ? -c[k] : c[k]; print d + 0 }' "$want" "$got")
	check "$tag" "$(diff "$want" "$got"; echo "reported missed: $n")" [ "$d" -le "$n" ]
}

# Wait until no NVMe command was set up for a second (kernel's trace).
quiesce() {
	n=0
	before=-1
	while [ $n -lt 30 ]; do
		now=$(grep -c 'nvme_setup_cmd:' $TP/trace)
		[ "$now" = "$before" ] && return 0
		before=$now
		sleep 1
		n=$((n + 1))
	done
}

workload() {
	dd if=/dev/$NS1 of=/dev/null bs=4096 skip=100 count=2 iflag=direct 2>/dev/null
	dd if=/tmp/pat of=/dev/$NS1 bs=4096 seek=200 count=1 oflag=direct conv=notrunc 2>/dev/null
	run_cmd nvme id-ctrl /dev/nvme0
	IDCTRL_PID=$LAST_PID
	nvme id-ns /dev/$NS1 >/dev/null
	nvme get-log /dev/nvme0 --log-id=2 --log-len=512 >/dev/null
	nvme get-feature /dev/nvme0 --feature-id=7 >/dev/null
	nvme set-feature /dev/nvme0 --feature-id=4 --value=0x17f >/dev/null
	nvme io-passthru $NG --opcode=0x2 --namespace-id=1 --data-len=4096 --read \
		--cdw10=8 --cdw12=7 >/dev/null 2>&1
	nvme admin-passthru /dev/nvme0 --opcode=0xc4 >/tmp/cli.invalid 2>&1
	nvme admin-passthru /dev/nvme0 -n 0x1 --opcode=0x14 --cdw10=0x1 -r >/tmp/cli.selftest 2>&1
	# Namespace 2 is throttled to 2 IOPS: these reads take ~0.5 s each,
	# far above everything else (the -m test relies on it).
	dd if=/dev/$NS2 of=/dev/null bs=4096 skip=10 count=3 iflag=direct 2>/dev/null
	nvme id-ns /dev/$NS2 >/dev/null
	echo go >/tmp/go		# the -p target runs now
	wait "$PTARGET"
	# A controller reset: the driver deletes and re-creates its I/O queues
	# (commands the kernel's tracepoint decodes), cancels the outstanding
	# Asynchronous Event Request and posts a new one (in flight at exit).
	nvme reset /dev/nvme0
	# After a reset the driver rescans namespaces asynchronously (7.2):
	# wait until the controller is quiet, so every instance (stopped one
	# after the other) and the kernel's trace see the same commands.
	quiesce

}

t_all() {
	dd if=/dev/urandom of=/tmp/pat bs=4096 count=1 2>/dev/null
	rm -f /tmp/go; mkfifo /tmp/go
	sh -c "echo \$\$ >/tmp/ptarget; read x </tmp/go; exec nvme id-ns /dev/$NS2 >/dev/null" &
	PTARGET=$!
	while [ ! -s /tmp/ptarget ]; do usleep 50000; done
	# An I/O scheduler on the first namespace, as a disk with one I/O
	# queue gets by default: its requests are queued (block:block_rq_insert,
	# where the submitter is noted) and kblockd may dispatch them.
	echo mq-deadline >/sys/block/$NS1/queue/scheduler
	check "I/O scheduler mq-deadline on $NS1" "$(cat /sys/block/$NS1/queue/scheduler)" \
		grep -q '\[mq-deadline\]' /sys/block/$NS1/queue/scheduler

	tp_on

	BG=
	bg A -a -j
	bg pid -a -j -p "$(cat /tmp/ptarget)"
	bg comm -a -j -c dd
	bg disk -a -j -d $NS2
	nvme_btf && bg ctrl -a -j -d nvme0
	bg nsid -a -j -n 2
	bg qid -a -j -q 0
	bg opname -a -j -o read
	bg opnum -a -j -o 0x2
	bg failed -a -j --failed
	bg slow -a -j -m 200000
	bg table -a
	bg raw -a -j --attach=raw_tp
	export NVMETRACE_TEST_PAIRS=1	# a one-entry pairing table
	bg pairs1 -a -j
	unset NVMETRACE_TEST_PAIRS
	# The first setup program leaves about every other setup to the
	# second, as when the kernel skips it (already running on the CPU):
	# through the table, the hash map, and raw_tp.
	export NVMETRACE_TEST_SKIP_SETUP=2
	bg skip -a -j
	export NVMETRACE_TEST_PAIRS=1
	bg skip1 -a -j
	unset NVMETRACE_TEST_PAIRS
	bg skipraw -a -j --attach=raw_tp
	unset NVMETRACE_TEST_SKIP_SETUP
	bg_wait_attached
	for name in $BG; do
		check "-a start [$name]" "$(cat /tmp/$name.err)" grep -q '^nvmetrace: attached to ' /tmp/$name.err
	done
	workload
	bg_stop
	tp_off
	echo none >/sys/block/$NS1/queue/scheduler

	for name in A pid comm disk nsid qid opname opnum failed slow table raw pairs1 skip skip1 skipraw; do
		check "-a SIGINT exit 0 [$name]" "exit $(cat /tmp/$name.rc)" [ "$(cat /tmp/$name.rc)" = 0 ]
	done
	echo "---- A"; cat /tmp/A.out; echo "---- table"; cat /tmp/table.out
	echo "---- kernel"; grep -E 'nvme_(setup_cmd|complete_rq):' /tmp/kernel.trace

	# --- the kernel's tracepoints as the oracle
	jawk oracle /tmp/A.out /tmp/kernel.trace >/tmp/oracle.out
	cat /tmp/oracle.out
	matched=$(sed -n 's/^SUMMARY matched=\([0-9]*\) .*/\1/p' /tmp/oracle.out)
	# Only commands A reported missed may be missing, and nothing else bad.
	bad=$(sed -n 's/^SUMMARY matched=[0-9]* bad=\([0-9]*\)$/\1/p' /tmp/oracle.out)
	check "oracle: same commands as nvme:* tracepoints" \
		"$(grep -v '^MATCH' /tmp/oracle.out; echo "reported missed: $(missed /tmp/A.err)")" \
		sh -c "[ -n '$bad' ] && [ '$bad' -eq \$(grep -c '^MISSING' /tmp/oracle.out) ] &&
			[ '$bad' -le $(missed /tmp/A.err) ]"
	check "oracle: the workload's commands seen" "matched $matched" [ "${matched:-0}" -ge 14 ]
	for op in create_sq create_cq delete_sq delete_cq; do
		check "oracle: reset's $op decoded as the kernel does" "$(grep "nvme_admin_$op" /tmp/oracle.out)" \
			grep -q "^MATCH .*nvme_admin_$op" /tmp/oracle.out
	done

	# --- attach methods: tp_btf where the driver has BTF, raw_tp otherwise;
	# forced raw_tp sees exactly the same commands
	chosen=$(sed -n 's/^nvmetrace: attached to nvme:nvme_setup_cmd\/nvme_complete_rq by \([a-z_]*\).*/\1/p' /tmp/A.err)
	matrix all "${chosen:-failed}"
	if nvme_btf; then
		check "-a auto picks tp_btf" "$(grep attached /tmp/A.err)" [ "$chosen" = tp_btf ]
	else
		check "-a auto falls back to raw_tp" "$(grep -e attached -e unavailable /tmp/A.err)" \
			sh -c "grep -q 'by raw_tp\$' /tmp/A.err &&
				grep -q '^nvmetrace: tp_btf unavailable: module nvme_core has no BTF\$' /tmp/A.err"
	fi
	keys /tmp/A.out >/tmp/A.keys
	keys /tmp/raw.out >/tmp/raw.keys
	same_keys "-a --attach=raw_tp: same commands" /tmp/A.keys /tmp/raw.keys /tmp/A.err /tmp/raw.err
	keys /tmp/pairs1.out >/tmp/pairs1.keys
	same_keys "-a with a one-entry pairing table: same commands" /tmp/A.keys /tmp/pairs1.keys \
		/tmp/A.err /tmp/pairs1.err
	for inst in skip skip1 skipraw; do
		echo "---- $inst"; grep -v '^libbpf' /tmp/$inst.err
		keys /tmp/$inst.out >/tmp/$inst.keys
		same_keys "second setup program [$inst]: same commands" /tmp/A.keys /tmp/$inst.keys \
			/tmp/A.err /tmp/$inst.err
		left=$(sed -n 's/^nvmetrace: test: \([0-9]*\) setups left to the second setup program$/\1/p' /tmp/$inst.err)
		took=$(sed -n 's/^nvmetrace: \([0-9]*\) commands taken by the second setup program$/\1/p' /tmp/$inst.err)
		check "second setup program [$inst]: took every setup left to it ($left), none reported not traced" \
			"$(grep -v '^libbpf' /tmp/$inst.err)" \
			sh -c "[ '${left:-0}' -gt 0 ] && [ '${took:-0}' -ge '${left:-0}' ] &&
				! grep -q 'not traced' /tmp/$inst.err"
	done

	# --- who submitted: every I/O and passthrough command is charged to a
	# workload process, never to a kernel worker, even where the kernel's
	# own trace shows a worker dispatching it (the reset's own admin
	# commands do come from a worker): with tp_btf through the submitters'
	# table, with a one-entry table (the rest in the hash map), and with
	# raw_tp (the hash map alone).
	workers=$(grep -c 'kworker.*nvme_setup_cmd: .*disk=' /tmp/kernel.trace)
	for inst in A pairs1 raw; do
		check "submitter is the process, not the dispatching worker [$inst] ($workers I/O dispatched by workers)" \
			"$(grep -E '"passthru":true|"queue_type":"io"' /tmp/$inst.out | grep -vE '"comm":"(dd|nvme)"')" \
			awk '/"passthru":true|"queue_type":"io"/ && !/"comm":"(dd|nvme)"/ { bad = 1 } END { exit bad }' /tmp/$inst.out
	done
	check "the reset's commands are the kernel's own (a worker)" "" \
		grep -q '"comm":"kworker/[^"]*",.*"opcode_name":"create_sq"' /tmp/A.out

	# --- known commands, exact fields
	has() { has_in /tmp/A.out "$1"; }
	check "dd read LBA 800, 8 blocks" "$(cat /tmp/A.out)" has "comm=dd opcode=2 nsid=1 disk=$NS1 cdw10=800 cdw11=0 cdw12=7 passthru=false status=0"
	check "dd read LBA 808, 8 blocks" "" has "comm=dd opcode=2 nsid=1 disk=$NS1 cdw10=808 cdw11=0 cdw12=7 passthru=false status=0"
	check "dd write LBA 1600, 8 blocks" "" has "comm=dd opcode=1 nsid=1 disk=$NS1 cdw10=1600 cdw12=7 passthru=false status=0"
	check "dd read on namespace 2" "" has "comm=dd opcode=2 nsid=2 disk=$NS2 cdw10=80 cdw12=7 status=0"
	if [ "$KERNEL" = 5.10 ]; then
		# Block I/O built its SQE on the stack before 5.17: unknown.
		check "data pointer of a read: unknown before 5.17" "" has "comm=dd opcode=2 nsid=1 cdw10=800 data="
	else
		check "data pointer of a read (mapped after setup)" "" has "comm=dd opcode=2 nsid=1 cdw10=800 data=true"
		check "no data pointer for the self-test" "" has 'opcode=20 qid=0 data=false'
		# The pointers are read at completion (with the head of
		# nvme_request where the SQE follows it): on an I/O queue a
		# command has a data pointer exactly when it moves data.
		for inst in A raw; do
			check "data pointer of every I/O command as its length says [$inst]" \
				"$(grep -c '"queue_type":"io"' /tmp/$inst.out) I/O commands; $(grep '"queue_type":"io"' /tmp/$inst.out |
					grep -vE '"data_len":[1-9][0-9]*,.*"data":true|"data_len":0,.*"data":false')" \
				awk '/"queue_type":"io"/ { n++; if (!/"data_len":[1-9][0-9]*,.*"data":true|"data_len":0,.*"data":false/) bad = 1 }
				     END { exit bad || n < 5 }' /tmp/$inst.out
		done
	fi
	check "passthrough I/O read" "" has 'comm=nvme opcode=2 nsid=1 cdw10=8 cdw12=7 passthru=true status=0'
	check "id-ctrl: submitter, passthru" "" has "comm=nvme pid=$IDCTRL_PID opcode=6 qid=0 cdw10=1 passthru=true status=0"
	check "invalid opcode: 0x4001 = SCT 0, SC 0x1, DNR" "" has 'opcode=196 qid=0 status=16385 sct=0 sc=1 dnr=true more=false crd=0'
	check "self-test: 0x4001 = SCT 0, SC 0x1, DNR" "" has 'opcode=20 qid=0 nsid=1 cdw10=1 status=16385 sct=0 sc=1 dnr=true'
	check "get-log: lid 2, 512 bytes" "" has 'opcode=2 qid=0 passthru=true status=0'
	check "set-feature fid 4" "" has 'opcode=9 qid=0 cdw11=383 status=0'
	if nvme_btf; then
		check "controller known" "" has 'opcode=6 ctrl=nvme0'
	else
		check "no NVMe BTF: controller unknown, said so" "$(cat /tmp/A.err)" \
			grep -q "no BTF for the NVMe driver's types (module nvme_core)" /tmp/A.err
	fi
	check "table: -a columns" "$(head -n 1 /tmp/table.out)" \
		[ "$(head -n 1 /tmp/table.out | tr -s ' ')" = "TIME COMM PID OPCODE COMMAND-ID NSID CDW10 STATUS LAT(us) DEVICE QID DETAILS" ]

	# --- decoded commands and statuses (DETAILS, JSON fields)
	for want in \
		' Read slba=800 nlb=8$' \
		' Write slba=1600 nlb=8$' \
		' Identify cns=0x1 (Identify Controller)$' \
		' Identify cns=0 (Identify Namespace)$' \
		' Get Log Page lid=0x2 (SMART / Health Information) numd=128 (512 B)$' \
		' Get Features fid=0x7 (Number of Queues) sel=0 (Current)$' \
		' Set Features fid=0x4 (Temperature Threshold) tmpth=383 tmpsel=0 thsel=0 (Over Temperature Threshold)$' \
		' Device Self-test stc=0x1 (Short device self-test) -> Invalid Command Opcode, DNR$' \
		' Vendor Specific -> Invalid Command Opcode, DNR$'; do
		check "details:$want" "$(cat /tmp/table.out)" grep -q -- "$want" /tmp/table.out
	done
	check "json fields: get-log" "" has 'opcode=2 qid=0 lid=2 numd=128 numd_bytes=512'
	check "json fields: get-log name" "" grep -q '"fields":{"lid":2,"lid_name":"SMART / Health Information","numd":128,"numd_bytes":512}' /tmp/A.out
	check "json fields: read" "" has "comm=dd opcode=2 slba=800 nlb=8 opcode_name=read opcode_desc=Read queue_type=io"
	check "json status name" "" grep -q '"opcode":196,.*"sct_name":"Generic Command Status","status_name":"Invalid Command Opcode"' /tmp/A.out
	# nvme-cli names the same statuses (it prints them from libnvme too).
	for cli in invalid selftest; do
		check "status name as nvme-cli says it ($cli)" "$(cat /tmp/cli.$cli)" \
			grep -q 'Invalid Command Opcode' /tmp/cli.$cli
	done
	check "table: as many rows as JSON" "" \
		[ "$(($(wc -l </tmp/table.out) - 1))" -eq "$(wc -l </tmp/A.out)" ]

	# --- filters: each instance saw exactly the unfiltered trace's subset
	t_filter pid "pid=$(cat /tmp/ptarget)"
	t_filter comm 'comm=dd'
	t_filter disk "disk=$NS2"
	nvme_btf && t_filter ctrl 'ctrl=nvme0'
	t_filter nsid 'nsid=2'
	t_filter qid 'qid=0'
	t_filter opname 'opcode=2 io=1'
	t_filter opnum 'opcode=2'
	t_filter failed 'failed=1'
	# Latency: the instances time each command separately (and a dozen
	# programs run on each event under TCG), so only commands clearly
	# above or below 200 ms are judged: the throttled reads of namespace
	# 2 (~500 ms) must be kept, everything else (< 100 ms) dropped.
	MIN=200000 MARGIN=100000 jawk slow /tmp/A.out /tmp/slow.out >/tmp/slow.check
	check "filter -m 200000: keeps slower, drops faster" "$(cat /tmp/slow.check)" \
		grep -q '^OK [1-9][0-9]* slower kept, [1-9][0-9]* faster dropped' /tmp/slow.check
	if ! nvme_btf; then
		nvmetrace -a -d nvme0 >/tmp/out 2>/tmp/err
		rc=$?
		check "no NVMe BTF: -d nvme0 refused" "exit $rc: $(cat /tmp/err)" \
			sh -c "[ $rc -eq 1 ] && grep -q '^nvmetrace: cannot filter by controller: this kernel has no BTF for the NVMe driver' /tmp/err"
	fi
}

# Namespace 2 is throttled to 2 IOPS (run.sh): a sequential dd always has
# one read in flight when tracing stops, which must be listed, not lost.
t_inflight() {
	start_tracer -a -j -v || { fail "inflight start" "$(cat /tmp/err)"; return; }
	dd if=/dev/$NS2 of=/dev/null bs=4096 skip=30 count=100 iflag=direct 2>/dev/null &
	slowdd=$!
	# Stop once some reads have completed (one is then in flight).
	n=0
	while [ "$(grep -c '"comm":"dd".*"state":"completed"' /tmp/out)" -lt 2 ] && [ $n -lt 300 ]; do
		usleep 100000
		n=$((n + 1))
	done
	stop_tracer INT
	kill $slowdd
	wait $slowdd
	check "inflight: exit 0" "exit $TRC" [ "$TRC" -eq 0 ]
	check "inflight: the read in flight at exit is listed" "$(cat /tmp/out)" \
		has_in /tmp/out "comm=dd opcode=2 nsid=2 disk=$NS2 state=inflight"
	check "inflight: count reported" "$(cat /tmp/err)" \
		grep -q '^nvmetrace: 1 command still in flight at exit (listed as inflight)$' /tmp/err
}

# t_filter NAME PREDICATE: instance NAME printed exactly the commands of A
# that match PREDICATE (see keys.awk), and there were some; and it dropped
# some (not for -d nvme0: the VM has one controller).
t_filter() {
	PRED="$2" keys /tmp/A.out >/tmp/want.keys
	keys /tmp/$1.out >/tmp/got.keys
	check "filter [$1] keeps what it should" "$(cat /tmp/want.keys)" [ -s /tmp/want.keys ]
	same_keys "filter [$1] = unfiltered trace where $2" /tmp/want.keys /tmp/got.keys \
		/tmp/A.err /tmp/$1.err
	[ "$1" = ctrl ] && return
	check "filter [$1] dropped something" "" \
		[ "$(keys /tmp/A.out | wc -l)" -gt "$(wc -l </tmp/got.keys)" ]
}

t_all
t_inflight
