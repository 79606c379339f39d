# Suite "agg": histograms (-H), summaries (-S), intervals (-i), capture
# files (-w/-r), with a workload of known size. Two namespaces, the second
# throttled. Sourced by /init after lib.sh.

find_namespaces
# Admin commands show the controller, or "?" where the NVMe driver has no
# BTF (Debian 5.10).
CTRL=nvme0
[ "$KERNEL" = 5.10 ] && CTRL='?'

NREAD=20 NWRITE=10 NIDENT=5

# A workload of known size: NREAD direct 4 KiB reads, NWRITE direct writes,
# NIDENT Identify commands, one rejected self-test.
known_workload() {
	dd if=/dev/$NS1 of=/dev/null bs=4096 count=$NREAD skip=64 iflag=direct 2>/dev/null
	dd if=/dev/zero of=/dev/$NS1 bs=4096 count=$NWRITE seek=512 oflag=direct conv=notrunc 2>/dev/null
	i=0
	while [ $i -lt $NIDENT ]; do
		nvme id-ctrl /dev/nvme0 >/dev/null
		i=$((i + 1))
	done
	nvme admin-passthru /dev/nvme0 -n 0x1 --opcode=0x14 --cdw10=0x1 -r >/dev/null 2>&1
}

# hist_count FILE GROUP: the count of a -H group ("device=nvme0n1 opcode=read").
hist_count() {
	sed -n "s/^$2: count \([0-9]*\),.*/\1/p" "$1"
}

t_agg() {
	BG=
	bg hist -a -H
	bg sum -a -S -j
	bg cap -a -w /tmp/cap.nvmt
	# A capture to a device is written, and the device keeps its mode.
	bg capnull -a -w /dev/null
	bg live -a -j
	bg comm -a -H --by=comm,opcode
	# The controller read at completion (--by=ctrl), or not at all.
	bg bctrl -a -H --by=ctrl,opcode
	bg bop -a -H --by=opcode
	# Passthrough calls (no -a): fentry/fexit or kprobes by default.
	bg phist -H --by=opcode
	bg pkhist -H --by=opcode,comm --attach=kprobe
	bg_wait_attached
	known_workload
	bg_stop
	for n in hist sum cap capnull live comm bctrl bop phist pkhist; do
		check "agg: $n exits 0 on SIGINT" "exit $(cat /tmp/$n.rc)" [ "$(cat /tmp/$n.rc)" = 0 ]
	done

	# --- histograms: exactly the workload's counts, per device and opcode
	check "-H: $NREAD reads on $NS1" "$(cat /tmp/hist.out)" \
		[ "$(hist_count /tmp/hist.out "device=$NS1 opcode=read")" = $NREAD ]
	check "-H: $NWRITE writes on $NS1" "" \
		[ "$(hist_count /tmp/hist.out "device=$NS1 opcode=write")" = $NWRITE ]
	check "-H: $NIDENT identify on $CTRL" "" \
		[ "$(hist_count /tmp/hist.out "device=$CTRL opcode=identify")" = $NIDENT ]
	check "-H: p50 <= p90 <= p99 <= p99.9 <= max, min <= p50" "$(grep count /tmp/hist.out)" \
		awk '/: count / { gsub(/,/, ""); for (i = 1; i <= NF; i++) v[$i] = $(i + 1);
			if (!(v["min"] <= v["p50"] && v["p50"] <= v["p90"] && v["p90"] <= v["p99"] &&
			      v["p99"] <= v["p99.9"] && v["p99.9"] <= v["max"])) bad = 1 }
			END { exit bad }' /tmp/hist.out
	check "-H: log2 bars" "" grep -q '^ *usecs : count    distribution$' /tmp/hist.out
	check "-H --by=ctrl,opcode: $NIDENT identify on $CTRL" "$(cat /tmp/bctrl.out)" \
		[ "$(hist_count /tmp/bctrl.out "ctrl=$CTRL opcode=identify")" = $NIDENT ]
	check "-H --by=ctrl,opcode: $NREAD reads on $CTRL" "" \
		[ "$(hist_count /tmp/bctrl.out "ctrl=$CTRL opcode=read")" = $NREAD ]
	check "-H --by=opcode: $NREAD reads, $NIDENT identify" "$(cat /tmp/bop.out)" \
		[ "$(hist_count /tmp/bop.out "opcode=read")/$(hist_count /tmp/bop.out "opcode=identify")" = $NREAD/$NIDENT ]
	check "-H --by=comm,opcode: dd's reads" "$(cat /tmp/comm.out)" \
		grep -q "^opcode=read comm=dd pid=[0-9]*: count $NREAD," /tmp/comm.out
	# Writes a kblockd worker dispatched count under dd too: the
	# submitter from block:block_rq_insert, which only histograms grouped
	# or filtered by process load.
	check "-H --by=comm,opcode: dd's writes, a worker's dispatch or not" "" \
		grep -q "^opcode=write comm=dd pid=[0-9]*: count $NWRITE," /tmp/comm.out
	for n in comm live; do
		check "records, -H --by=comm [$n]: block:block_rq_insert attached" "$(grep rq_insert /tmp/$n.err)" \
			sh -c "! grep -q 'block_rq_insert not attached' /tmp/$n.err"
	done
	for n in hist sum bop; do
		check "-H/-S without a process dimension [$n]: block:block_rq_insert not loaded" \
			"$(grep '^nvmetrace' /tmp/$n.err)" \
			grep -q '^nvmetrace: block:block_rq_insert not attached: no process to tell' /tmp/$n.err
	done
	# Passthrough calls: the Identify commands, one by one, and no block I/O.
	check "-H (passthrough calls): $NIDENT identify" "$(cat /tmp/phist.out)" \
		[ "$(hist_count /tmp/phist.out "opcode=identify")" = $NIDENT ]
	check "-H (passthrough calls): no reads" "" sh -c '! grep -q "^opcode=read" /tmp/phist.out'
	check "-H --attach=kprobe --by=opcode,comm: nvme's $NIDENT identify" "$(cat /tmp/pkhist.out)" \
		grep -q "^opcode=identify comm=nvme pid=[0-9]*: count 1," /tmp/pkhist.out
	check "-H --attach=kprobe: one group a process, $NIDENT in all" "" \
		[ "$(sed -n 's/^opcode=identify comm=nvme pid=[0-9]*: count \([0-9]*\),.*/\1/p' /tmp/pkhist.out |
		     awk '{ n += $1 } END { print n + 0 }')" = $NIDENT ]

	# --- summary: the same counts, errors by name
	check "-S: $NREAD reads" "$(cat /tmp/sum.out)" \
		grep -q "{\"device\":\"$NS1\",\"opcode\":\"read\",\"commands\":$NREAD," /tmp/sum.out
	check "-S: $NWRITE writes, $((NWRITE * 4096)) bytes" "" \
		grep -q "{\"device\":\"$NS1\",\"opcode\":\"write\",\"commands\":$NWRITE,.*\"bytes\":$((NWRITE * 4096))," /tmp/sum.out
	check "-S: self-test error by status name" "" \
		grep -q '"opcode":"dev_self_test","commands":1,.*"errors":1,"by_status":\[{"status":16385,"name":"Invalid Command Opcode","count":1}\]' /tmp/sum.out

	# --- capture: 0600, replays to what a live instance printed
	check "-w: capture is mode 0600" "$(ls -l /tmp/cap.nvmt)" [ "$(stat -c %a /tmp/cap.nvmt)" = 600 ]
	check "-w /dev/null: /dev/null keeps its mode 0666" "$(ls -l /dev/null)" \
		[ "$(stat -c %a /dev/null)" = 666 ]
	# The live instance and the recording saw the same commands; only
	# their own timestamps differ.
	untimed() { sed -e 's/"ts_ns":[0-9]*,"time":"[^"]*",//' -e 's/,"latency_us":[0-9.]*}$/}/' "$1" | sort; }
	nvmetrace -r /tmp/cap.nvmt -j >/tmp/replay.out 2>/tmp/replay.err
	rc=$?
	check "-r: exit 0" "exit $rc: $(cat /tmp/replay.err)" [ $rc -eq 0 ]
	untimed /tmp/live.out >/tmp/live.u
	untimed /tmp/replay.out >/tmp/replay.u
	check "-r: replay = live output (but timestamps)" "$(diff /tmp/live.u /tmp/replay.u | head -5)" \
		cmp -s /tmp/live.u /tmp/replay.u
	check "-r: replay has the workload" "" \
		[ "$(grep -c '"opcode_name":"read"' /tmp/replay.out)" -eq $NREAD ]
	nvmetrace -r /tmp/cap.nvmt -H >/tmp/replay.hist 2>&1
	check "-r -H: same counts as live -H" "$(cat /tmp/replay.hist)" sh -c "
		[ \"\$(sed -n 's/^device=$NS1 opcode=read: count \([0-9]*\),.*/\1/p' /tmp/replay.hist)\" = $NREAD ] &&
		[ \"\$(sed -n 's/^device=$NS1 opcode=write: count \([0-9]*\),.*/\1/p' /tmp/replay.hist)\" = $NWRITE ]"
	nvmetrace -r /tmp/cap.nvmt -o identify -j >/tmp/replay.f 2>&1
	check "-r -o identify: filters apply" "$(cat /tmp/replay.f)" \
		[ "$(grep -c '"opcode_name":"identify"' /tmp/replay.f)" -eq $NIDENT ] &&
		[ "$(wc -l </tmp/replay.f)" -eq $NIDENT ]
	# Reading needs no privilege.
	chmod 0644 /tmp/cap.nvmt
	/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		--bounding-set=-all nvmetrace -r /tmp/cap.nvmt -j >/tmp/replay.np 2>&1
	rc=$?
	check "-r as nobody, no capabilities" "exit $rc: $(head -3 /tmp/replay.np)" \
		sh -c "[ $rc -eq 0 ] && cmp -s /tmp/replay.np /tmp/replay.out"
	# Truncated: what was valid is kept, then where it stopped.
	head -c $(( $(stat -c %s /tmp/cap.nvmt) - 50 )) /tmp/cap.nvmt >/tmp/cut.nvmt
	nvmetrace -r /tmp/cut.nvmt -j >/tmp/cut.out 2>/tmp/cut.err
	rc=$?
	check "-r truncated: exit 1, one line" "exit $rc: $(cat /tmp/cut.err)" \
		sh -c "[ $rc -eq 1 ] && [ \$(wc -l </tmp/cut.err) -eq 1 ] &&
		       grep -q '^nvmetrace: /tmp/cut.nvmt: truncated at byte ' /tmp/cut.err"
	check "-r truncated: all records but the last" "" \
		[ "$(wc -l </tmp/cut.out)" -eq $(( $(wc -l </tmp/replay.out) - 1 )) ]
}

# -i SECONDS COUNT: timestamped reports, each reset, then exits by itself.
# (nvmetrace's start takes a while under TCG: the reads happen in the
# first interval or two, and must be counted exactly once.)
t_interval() {
	nvmetrace -a -H -i 1 3 >/tmp/int.out 2>/tmp/int.err &
	ipid=$!
	wait_line /tmp/int.err '^nvmetrace: aggregating in the kernel' $ipid
	dd if=/dev/$NS1 of=/dev/null bs=4096 count=50 iflag=direct 2>/dev/null
	n=0
	while kill -0 $ipid 2>/dev/null && [ $n -lt 600 ]; do
		usleep 100000
		n=$((n + 1))
	done
	wait $ipid
	rc=$?
	cat /tmp/int.out
	check "-i 1 3: exits by itself, 0" "exit $rc: $(cat /tmp/int.err)" [ $rc -eq 0 ]
	check "-i 1 3: three timestamped reports" "$(cat /tmp/int.out)" \
		[ "$(grep -c '^[0-9][0-9]:[0-9][0-9]:[0-9][0-9]$' /tmp/int.out)" -eq 3 ]
	check "-i: the 50 reads counted once across the intervals" "$(cat /tmp/int.out)" \
		[ "$(sed -n "s/^device=$NS1 opcode=read: count \([0-9]*\),.*/\1/p" /tmp/int.out |
		     awk '{ n += $1 } END { print n + 0 }')" -eq 50 ]
}

# -S -j -i: JSON objects carry the interval's time.
t_interval_json() {
	nvmetrace -a -S -j -i 1 2 >/tmp/ij.out 2>/tmp/ij.err &
	ipid=$!
	wait_line /tmp/ij.err '^nvmetrace: aggregating in the kernel' $ipid
	dd if=/dev/$NS1 of=/dev/null bs=4096 count=5 iflag=direct 2>/dev/null
	wait $ipid
	rc=$?
	check "-S -j -i 1 2: exit 0" "exit $rc: $(cat /tmp/ij.err)" [ $rc -eq 0 ]
	check "-S -j -i: every object has the interval's time" "$(cat /tmp/ij.out)" \
		awk '!/^\{"time":"[0-9][0-9]:[0-9][0-9]:[0-9][0-9]","device":/ { bad = 1 } END { exit bad || NR == 0 }' /tmp/ij.out
}

# under_load NAME READY ARGS...: nvmetrace ARGS in the background
# (/tmp/NAME.out, /tmp/NAME.err) until READY shows in its stderr; then a dd
# of 1000 direct 4 KiB reads of $NS1 beside a 3 s Identify storm on the
# admin queue (/tmp/NAME.storm), then SIGINT. Sets rc (its exit status),
# issued (the storm's commands) and msgs (its nvmetrace: lines).
under_load() {
	name=$1 ready=$2
	shift 2
	nvmetrace "$@" >/tmp/$name.out 2>/tmp/$name.err &
	ipid=$!
	wait_line /tmp/$name.err "$ready" $ipid
	dd if=/dev/$NS1 of=/dev/null bs=4096 count=1000 iflag=direct 2>/dev/null &
	dpid=$!
	nvme-storm -t 3 -c 1 /dev/nvme0 >/tmp/$name.storm 2>&1
	wait $dpid
	kill -INT $ipid
	wait $ipid
	rc=$?
	issued=$(sed -n 's/^issued=\([0-9]*\) ok=[0-9]* failed=0 .*/\1/p' /tmp/$name.storm)
	msgs=$(grep '^nvmetrace:' /tmp/$name.err | tr '\n' ' ')
}

LOST_RE='^nvmetrace: (lost |.* not traced: |.* not counted: |.* missed: |.*cannot wait for the running programs)'

# -i under load: every command of the storm (the admin queue) and of the dd
# (an I/O queue) counted exactly once, across the many reports that fall
# while they run (the programs count into one generation of the table while
# nvmetrace reads and clears the other).
t_interval_load() {
	under_load il '^nvmetrace: aggregating in the kernel' -a -H --by=opcode -i 0.2
	sum_of() {
		sed -n "s/^opcode=$1: count \([0-9]*\),.*/\1/p" /tmp/il.out | awk '{ n += $1 } END { print n + 0 }'
	}
	check "-i 0.2 under load: exit 0 on SIGINT" "exit $rc: $msgs" [ $rc -eq 0 ]
	check "-i 0.2 under load: nvme-storm ran" "$(cat /tmp/il.storm)" [ -n "$issued" ]
	check "-i 0.2 under load: at least 10 reports" "$(grep -c '^[0-9][0-9]:' /tmp/il.out) reports" \
		[ "$(grep -c '^[0-9][0-9]:[0-9][0-9]:[0-9][0-9]$' /tmp/il.out)" -ge 10 ]
	check "-i 0.2 under load: the storm's $issued identify counted once" \
		"counted $(sum_of identify): $(grep -v '^ ' /tmp/il.out | head -40)" [ "$(sum_of identify)" = "$issued" ]
	check "-i 0.2 under load: dd's 1000 reads counted once" \
		"counted $(sum_of read): $msgs" [ "$(sum_of read)" = 1000 ]
	check "-i 0.2 under load: nothing reported lost" "$msgs" sh -c "! grep -qE '$LOST_RE' /tmp/il.err"
}

# Records under the same load: the dd's reads complete in interrupts that
# can land while the storm's completions (a softirq: one queue) run the
# completion program; each read must still come out once.
t_records_load() {
	under_load rl '^nvmetrace: attached to' -v -a -j -c dd
	check "-a -j -c dd under a storm: exit 0" "exit $rc: $msgs" [ $rc -eq 0 ]
	check "-a -j -c dd under a storm: 1000 completed reads" \
		"$(grep -c '"opcode_name":"read"' /tmp/rl.out) reads: $msgs" \
		[ "$(grep '"opcode_name":"read"' /tmp/rl.out | grep -c '"state":"completed","status":0,')" = 1000 ]
	check "-a -j -c dd under a storm: nothing reported lost" "$msgs" sh -c "! grep -qE '$LOST_RE' /tmp/rl.err"
}

t_agg
t_interval
t_interval_json
t_interval_load
t_records_load
