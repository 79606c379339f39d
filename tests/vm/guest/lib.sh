# Guest test helpers (busybox sh). Every check reports PASS or FAIL with the
# kernel's name on the results port; nothing is skipped silently.

pass() { echo "PASS $KERNEL $1" >$RESULTS; }
fail() { echo "FAIL $KERNEL $1: $2" >$RESULTS; dump_tracer; }

# matrix METHOD RESULT: one cell of the kernel x attach-method table.
matrix() { echo "MATRIX $KERNEL $1 $2" >$RESULTS; }

# check NAME MESSAGE COMMAND...: PASS if COMMAND succeeds.
check() {
	name=$1 msg=$2
	shift 2
	if "$@"; then pass "$name"; else fail "$name" "$msg"; fi
}

dump_tracer() {
	echo "---- stdout"; cat /tmp/out 2>/dev/null
	echo "---- stderr"; cat /tmp/err 2>/dev/null
	echo "----"
}

# start_tracer ARGS...: run nvmetrace in the background and wait until it
# is attached: it printed its table header, or with -v said "attached".
# Returns 1 if it exits first.
start_tracer() {
	: >/tmp/out
	: >/tmp/err
	nvmetrace "$@" >/tmp/out 2>/tmp/err &
	TPID=$!
	n=0
	while [ $n -lt 1200 ]; do
		[ -s /tmp/out ] && return 0
		grep -q '^nvmetrace: attached to ' /tmp/err && return 0
		kill -0 $TPID 2>/dev/null || { wait $TPID; TRC=$?; return 1; }
		usleep 100000
		n=$((n + 1))
	done
	return 1
}

# stop_tracer [SIGNAL]: signal the tracer, wait for it, exit status in TRC.
stop_tracer() {
	kill -"${1:-INT}" $TPID
	wait $TPID
	TRC=$?
}

# The table's data rows as "COMM PID OPCODE COMMAND-ID NSID CDW10".
rows() {
	awk 'NR > 1 { print $2, $3, $4, $5, $6, $7 }' /tmp/out
}

# run_cmd CMD...: run a command in the background so its PID is known
# (LAST_PID), wait for it; its status in LAST_RC.
run_cmd() {
	"$@" >/tmp/cmd.out 2>&1 &
	LAST_PID=$!
	wait $LAST_PID
	LAST_RC=$?
}

# Kernels where fentry on nvme_submit_user_cmd works (from the environment
# facts: 6.1 trampolines take 6 arguments, 5.10 has no module BTF).
fentry_works() {
	case "$KERNEL" in
	6.12|7.2) return 0 ;;
	*) return 1 ;;
	esac
}

# jawk PROG ARGS...: run /root/PROG.awk with the JSON helpers of json.awk.
jawk() {
	prog=$1
	shift
	awk "$(cat /root/json.awk /root/$prog.awk)" "$@"
}

# find_namespaces: NS1 and NS2, the disks of namespaces 1 and 2. Disk names
# follow discovery order, not the namespace id (newer kernels scan
# namespaces in parallel).
find_namespaces() {
	for d in /sys/block/nvme0n*; do
		case "$(cat $d/nsid 2>/dev/null)" in
		1) NS1=${d##*/} ;;
		2) NS2=${d##*/} ;;
		esac
	done
}

# bg NAME ARGS...: start "nvmetrace -v ARGS" writing /tmp/NAME.{out,err}.
bg() {
	name=$1
	shift
	nvmetrace -v "$@" >/tmp/$name.out 2>/tmp/$name.err &
	echo $! >/tmp/$name.pid
	BG="$BG $name"
}

# wait_line FILE PATTERN [PID]: wait (up to 120 s) until FILE has a line
# matching PATTERN; give up early if process PID exits.
wait_line() {
	n=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		[ -n "${3:-}" ] && ! kill -0 "$3" 2>/dev/null && return 1
		[ $n -ge 1200 ] && return 1
		usleep 100000
		n=$((n + 1))
	done
}

# Wait until every started instance says it is attached (or died).
bg_wait_attached() {
	for name in $BG; do
		wait_line /tmp/$name.err '^nvmetrace: attached to ' "$(cat /tmp/$name.pid)"
	done
}

bg_stop() {
	for name in $BG; do
		kill -INT "$(cat /tmp/$name.pid)" 2>/dev/null
	done
	for name in $BG; do
		wait "$(cat /tmp/$name.pid)"
		echo $? >/tmp/$name.rc
		echo "---- $name: $(cat /tmp/$name.rc)"; grep -v "^libbpf: " /tmp/$name.err
	done
	BG=
}

TP=/sys/kernel/tracing
# The kernel's own nvme:* trace, the oracle: tp_on clears and starts it,
# tp_off stops it and leaves it in /tmp/kernel.trace.
tp_on() {
	echo 0 >$TP/tracing_on
	echo 4096 >$TP/buffer_size_kb
	echo >$TP/trace
	echo 1 >$TP/events/nvme/nvme_setup_cmd/enable
	echo 1 >$TP/events/nvme/nvme_complete_rq/enable
	echo 1 >$TP/tracing_on
}
tp_off() {
	echo 0 >$TP/tracing_on
	echo 0 >$TP/events/nvme/nvme_setup_cmd/enable
	echo 0 >$TP/events/nvme/nvme_complete_rq/enable
	cp $TP/trace /tmp/kernel.trace
}
