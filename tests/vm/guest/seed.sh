# Suite "seed": the seeds' scenario on a real kernel, passthrough mode.
# Sourced by /init after lib.sh.

# --- the seeds: nvme list, then the self-test passthrough ------------------
# wait_rows N TENTHS: the tracer printed N rows (after its header) in time.
wait_rows() {
	n=0
	while [ "$(awk 'NR > 1' /tmp/out | wc -l)" -lt "$1" ]; do
		[ $n -ge "$2" ] && return 1
		usleep 100000
		n=$((n + 1))
	done
}

t_seed() {
	mode=$1
	if ! start_tracer ${mode:+--attach=$mode}; then
		fail "seed[$mode] start" "nvmetrace did not start (exit $TRC)"
		return
	fi
	pass "seed[$mode] start"
	run_cmd nvme list
	list_pid=$LAST_PID
	check "seed[$mode] nvme list ran" "nvme list failed: $(cat /tmp/cmd.out)" [ $LAST_RC -eq 0 ]
	# As on the seeds' terminal: the rows show while tracing goes on.
	check "seed[$mode] live: rows printed while tracing" "no row of nvme list within 5 s" \
		wait_rows 2 50
	run_cmd nvme admin-passthru /dev/nvme0 -n 0x1 --opcode=0x14 --cdw10=0x1 -r
	st_pid=$LAST_PID
	stop_tracer INT
	check "seed[$mode] SIGINT exit 0" "exit status $TRC" [ "$TRC" -eq 0 ]
	expect="nvme $list_pid 6 0 1 0
nvme $list_pid 6 0 1 3
nvme $st_pid 14 0 1 1"
	echo "---- nvmetrace ${mode:+--attach=$mode}"; cat /tmp/out /tmp/err
	got=$(rows)
	[ -n "$mode" ] && matrix "$mode" "$( [ "$got" = "$expect" ] && echo ok || echo 'wrong rows')"
	check "seed[$mode] rows" "expected
$expect
got
$got" [ "$got" = "$expect" ]
	check "seed[$mode] header" "bad header: $(head -n 1 /tmp/out)" \
		[ "$(head -n 1 /tmp/out | tr -s ' ')" = "TIME COMM PID OPCODE COMMAND-ID NSID CDW10 STATUS LAT(us) DETAILS" ]
	got=$(awk 'NR > 1 { sub(/^([^ ]+ +){9}/, ""); print }' /tmp/out)
	expect="Identify cns=0 (Identify Namespace)
Identify cns=0x3 (Namespace Identification Descriptor list)
Device Self-test stc=0x1 (Short device self-test) -> Invalid Command Opcode, DNR"
	check "seed[$mode] details" "expected
$expect
got
$got" [ "$got" = "$expect" ]
	# nvme list succeeds; QEMU rejects the self-test: DNR + Invalid Command Opcode.
	got=$(awk 'NR > 1 { print $8 }' /tmp/out | tr '\n' ' ')
	check "seed[$mode] status" "got $got" [ "$got" = "0 0 0x4001 " ]
	check "seed[$mode] latency" "LAT(us) not a positive number" \
		awk 'NR > 1 && !($9 > 0) { exit 1 }' /tmp/out
	check "seed[$mode] time column" "TIME is not HH:MM:SS" \
		awk 'NR > 1 && $1 !~ /^[0-9][0-9]:[0-9][0-9]:[0-9][0-9]$/ { exit 1 }' /tmp/out
	check "seed[$mode] quiet stderr" "stderr: $(cat /tmp/err)" [ ! -s /tmp/err ]
}

# The kernel's own tracepoint as an oracle for the same commands.
t_oracle_tracepoint() {
	tp=/sys/kernel/tracing
	echo 0 >$tp/tracing_on
	echo >$tp/trace
	echo 1 >$tp/events/nvme/nvme_setup_cmd/enable
	echo 1 >$tp/tracing_on
	start_tracer || { fail "oracle start" "nvmetrace did not start"; return; }
	run_cmd nvme admin-passthru /dev/nvme0 -n 0x1 --opcode=0x14 --cdw10=0x1 -r
	run_cmd nvme id-ctrl /dev/nvme0
	stop_tracer INT
	echo 0 >$tp/events/nvme/nvme_setup_cmd/enable
	# nvme_setup_cmd: nvme0: qid=0, cmdid=..., nsid=1, flags=0x0, meta=0x0, cmd=(nvme_admin_... cdw10=...)
	kern=$(grep 'nvme_setup_cmd:' $tp/trace | grep 'qid=0,' |
		sed -n 's/.*nsid=\([0-9a-fx]*\),.*/\1/p' | tr '\n' ' ')
	ours=$(rows | awk '{ printf "%d ", "0x" $5 }')
	check "oracle nsid matches nvme:nvme_setup_cmd" "kernel: $kern ours: $ours" [ "$kern" = "$ours" ]
	kops=$(grep -c 'nvme_setup_cmd:.*qid=0,' $tp/trace)
	check "oracle command count matches nvme:nvme_setup_cmd" "kernel $kops, ours $(rows | wc -l)" \
		[ "$kops" -eq "$(rows | wc -l)" ]
}

# Every dword the submission entry carries from user space, through each
# way of reading it: the helper's 64-byte copy (kprobe, raw_tp) and the
# member-by-member loads from BTF (fentry, tp_btf), wherever they attach.
t_sqe_words() {
	want='"opcode":193,.*"nsid":305419896,"cdw2":286331153,"cdw3":572662306,"cdw10":2694881440,"cdw11":2964369584,"cdw12":3233857728,"cdw13":3503345872,"cdw14":3772834016,"cdw15":4042322160,'
	for how in "" "--attach=kprobe" "-a" "-a --attach=raw_tp"; do
		start_tracer -j -v $how || { fail "sqe words [$how] start" "$(cat /tmp/err)"; continue; }
		run_cmd nvme admin-passthru /dev/nvme0 --opcode=0xc1 -n 0x12345678 \
			--cdw2=0x11111111 --cdw3=0x22222222 --cdw10=0xa0a0a0a0 --cdw11=0xb0b0b0b0 \
			--cdw12=0xc0c0c0c0 --cdw13=0xd0d0d0d0 --cdw14=0xe0e0e0e0 --cdw15=0xf0f0f0f0
		stop_tracer INT
		by=$(sed -n 's/.*attached to .* by \([a-z_]*\).*/\1/p' /tmp/err)
		check "sqe words [$how] by $by: every dword as sent" \
			"no record with $want in: $(grep '"opcode":193' /tmp/out)" \
			grep -q "$want" /tmp/out
	done
}

# --- attach methods ----------------------------------------------------------
# No line of libbpf's debug log in /tmp/err.
no_debug_log() {
	! grep -q -e 'libbpf: loading object' -e 'libbpf: prog .*: relo #' /tmp/err
}
# check_btf_ids LABEL: the attach targets' BTF ids nvmetrace -vv printed
# (/tmp/err) are those bpftool gives them (/tmp/btf.txt).
check_btf_ids() {
	for t in "FUNC nvme_submit_user_cmd" "TYPEDEF btf_trace_nvme_setup_cmd" \
		 "TYPEDEF btf_trace_nvme_complete_rq"; do
		kind=${t% *} name=${t#* }
		want=$(sed -n "s/^\[\([0-9]*\)\] $kind '$name' .*/\1/p" /tmp/btf.txt)
		got=$(sed -n "s/^nvmetrace: [a-z_]*\/[a-z_]*: $name \[\([0-9]*\)\] in nvme_core's BTF\$/\1/p" \
			/tmp/err | sort -u)
		check "$1: $name's BTF id as bpftool's" \
			"nvmetrace: '$got', bpftool: '$want' ($(grep -c . /tmp/btf.txt) lines)" \
			[ -n "$want" -a "$got" = "$want" ]
	done
}


t_attach_verbose() {
	start_tracer -v || { fail "auto -v start" "nvmetrace did not start: $(cat /tmp/err)"; return; }
	bpftool prog show >/tmp/progs.txt 2>&1
	stop_tracer TERM
	check "SIGTERM exit 0" "exit status $TRC" [ "$TRC" -eq 0 ]
	chosen=$(sed -n 's/.*attached to nvme_submit_user_cmd by \([a-z]*\).*/\1/p' /tmp/err)
	matrix auto "${chosen:-failed}"
	if fentry_works; then
		check "auto picks fentry" "stderr: $(cat /tmp/err)" \
			grep -q 'attached to nvme_submit_user_cmd by fentry' /tmp/err
	else
		check "auto falls back to kprobe" "stderr: $(cat /tmp/err)" \
			sh -c "grep -q 'attached to nvme_submit_user_cmd by kprobe\$' /tmp/err &&
				grep -q '^nvmetrace: fentry unavailable: ' /tmp/err"
		# The reason, from the argument count the BTF thread read.
		if [ -e /sys/kernel/btf/nvme_core ]; then
			check "auto: why fentry is unavailable" "$(grep unavailable /tmp/err)" \
				grep -Eq "^nvmetrace: fentry unavailable: nvme_submit_user_cmd has (9|10) arguments, more than this kernel's BPF trampolines take \(ENOTSUPP\)\$" /tmp/err
		fi
	fi
	# With nvme_core's BTF, an empty fentry program tried beside the BTF
	# work tells which method attaches: only that one's programs are
	# loaded (bpftool's list, taken while tracing), and the probe is gone.
	if [ -e /sys/kernel/btf/nvme_core ]; then
		if fentry_works; then
			loaded=nvmetrace_fe unloaded=nvmetrace_kp
		else
			loaded=nvmetrace_kp unloaded=nvmetrace_f
		fi
		check "auto loads the $loaded programs, not the $unloaded ones" \
			"$(grep -e 'name nvmetrace_' -e '^[0-9]*: tracing' /tmp/progs.txt)" \
			sh -c "grep -q 'name $loaded' /tmp/progs.txt && ! grep -q 'name $unloaded' /tmp/progs.txt"
		check "auto: the fentry probe does not stay loaded" \
			"$(grep -e '^[0-9]*: tracing' /tmp/progs.txt)" \
			sh -c "! grep -Eq '^[0-9]+: tracing +tag' /tmp/progs.txt"
	fi
	# libbpf's debug log (every CO-RE relocation) with -vv only.
	check "-v hides libbpf's debug log" "$(grep -c 'libbpf: ' /tmp/err) libbpf lines, first: $(grep -m 1 'libbpf: ' /tmp/err)" \
		no_debug_log
	start_tracer -vv || { fail "auto -vv start" "nvmetrace did not start: $(cat /tmp/err)"; return; }
	stop_tracer TERM
	check "-vv shows libbpf's debug log" "no libbpf debug line in: $(head -c 400 /tmp/err)" \
		grep -q "libbpf: loading object 'nvmetrace_bpf'" /tmp/err
	check "-vv still says the method" "$(grep '^nvmetrace' /tmp/err)" \
		grep -q 'attached to nvme_submit_user_cmd by ' /tmp/err
	# No module BTF (5.10), or the driver built in (the cloud kernel):
	# libbpf looks the targets up, nvmetrace prints no id.
	if [ ! -e /sys/kernel/btf/nvme_core ]; then
		check "-vv: no BTF ids of its own without nvme_core's BTF" "$(grep "BTF" /tmp/err)" \
			sh -c "! grep -q \"in nvme_core's BTF\" /tmp/err"
		return
	fi
	# The attach targets nvmetrace finds in nvme_core's BTF itself (not
	# through libbpf) have the ids bpftool gives them.
	bpftool btf dump file /sys/kernel/btf/nvme_core --base-btf /sys/kernel/btf/vmlinux \
		>/tmp/btf.txt 2>&1
	check_btf_ids "-vv"
	if fentry_works; then
		want='an empty fentry program on nvme_submit_user_cmd attached'
	else
		want='an empty fentry program on nvme_submit_user_cmd failed to attach (ENOTSUPP)'
	fi
	check "-vv: says what the fentry probe found" "$(grep '^nvmetrace' /tmp/err)" \
		grep -qx "nvmetrace: $want" /tmp/err
	# CO-RE against the few types nvmetrace takes from the kernel's BTF,
	# with no vmlinux BTF parsed by libbpf.
	check "-vv: CO-RE against the types taken from the kernel's BTF" "$(grep "BTF" /tmp/err)" \
		grep -q "^nvmetrace: CO-RE against [1-9][0-9]* types taken from the kernel's BTF" /tmp/err
	# No parse of vmlinux BTF by libbpf until attached (-v may parse it
	# later, to say why fentry did not attach).
	check "-vv: libbpf parses no vmlinux BTF until attached" "$(grep "loading kernel BTF\|attached" /tmp/err)" \
		[ "$(awk '/^nvmetrace: attached to/ { exit } /^libbpf: loading kernel BTF/ { n++ } END { print n + 0 }' /tmp/err)" = 0 ]
	# Where that fails, CO-RE is against vmlinux's and nvme_core's BTF
	# merged, the ids come from libbpf's parse: the same ones, and -a
	# (tp_btf, by these ids) still traces.
	export NVMETRACE_TEST_CORE_BTF_FAILS=1
	start_tracer -vv -a -j
	rc=$?
	unset NVMETRACE_TEST_CORE_BTF_FAILS
	[ $rc = 0 ] ||
		{ fail "-vv, no CO-RE BTF: start" "nvmetrace did not start: $(tail -n 3 /tmp/err)"; return; }
	run_cmd nvme id-ctrl /dev/nvme0
	stop_tracer TERM
	check "-vv, no CO-RE BTF: says it merges vmlinux's and nvme_core's" "$(grep "BTF" /tmp/err)" \
		grep -q "CO-RE's types not taken from the kernel's BTF (ENODATA): merging vmlinux's and nvme_core's" /tmp/err
	check "-vv, no CO-RE BTF: traces by tp_btf" "$(grep -v '^libbpf' /tmp/err | tail -n 3)" \
		grep -q 'attached to .* by tp_btf' /tmp/err
	check "-vv, no CO-RE BTF: the Identify is recorded" "$(head -c 300 /tmp/out)" \
		grep -q "\"comm\":\"nvme\",.*\"opcode\":6," /tmp/out
	check_btf_ids "-vv, no CO-RE BTF"
}

t_attach_fentry() {
	if fentry_works; then
		t_seed fentry
		return
	fi
	nvmetrace --attach=fentry >/tmp/out 2>/tmp/err
	rc=$?
	matrix fentry "$( [ $rc -eq 0 ] && echo ok ||
		sed -e 's/.*nvme_submit_user_cmd: /fails: /' \
		    -e 's/nvme_submit_user_cmd has \([0-9]*\) arguments.*(\(.*\))/\1 args (\2)/' /tmp/err)"
	check "--attach=fentry fails cleanly" "exit $rc, stderr: $(cat /tmp/err)" [ $rc -eq 1 ]
	check "--attach=fentry one line" "stderr: $(cat /tmp/err)" [ "$(wc -l </tmp/err)" -eq 1 ]
	case "$KERNEL" in
	5.10) want='failed to attach fentry to nvme_submit_user_cmd: module nvme_core has no BTF' ;;
	6.1-cloud) want='failed to attach fentry to nvme_submit_user_cmd: nvme_submit_user_cmd has 10 arguments' ;;
	*) want='failed to attach fentry to nvme_submit_user_cmd: nvme_submit_user_cmd has 10 arguments' ;;
	esac
	check "--attach=fentry says why" "stderr: $(cat /tmp/err)" grep -q "$want" /tmp/err
	check "--attach=fentry prints no table" "stdout: $(cat /tmp/out)" [ ! -s /tmp/out ]
}

# --- no probe left behind ----------------------------------------------------
t_sigkill() {
	start_tracer || { fail "SIGKILL start" "nvmetrace did not start"; return; }
	progs=$(bpftool prog show | grep -c 'name nvmetrace_')
	check "bpftool sees the program while tracing" "bpftool prog: $(bpftool prog show)" [ "$progs" -ge 1 ]
	stop_tracer KILL
	# Programs are freed once the last reference goes; give RCU a moment.
	n=0
	while bpftool prog show | grep -q 'name nvmetrace_' && [ $n -lt 50 ]; do
		usleep 100000; n=$((n + 1))
	done
	check "SIGKILL leaves no program" "$(bpftool prog show | grep -A2 nvmetrace_)" \
		sh -c '! bpftool prog show | grep -q "name nvmetrace_"'
	check "SIGKILL leaves no link" "$(bpftool link show)" \
		sh -c '! bpftool link show | grep -q "prog_id"'
	if [ -r /sys/kernel/debug/kprobes/list ]; then
		check "SIGKILL leaves no kprobe" "$(cat /sys/kernel/debug/kprobes/list)" \
			sh -c '! grep -q nvme_submit_user_cmd /sys/kernel/debug/kprobes/list'
	fi
	# The next instance starts cleanly.
	t_seed kprobe
}

# --- --list --------------------------------------------------------------------
t_list() {
	nvmetrace --list >/tmp/out 2>/tmp/err
	rc=$?
	echo "---- nvmetrace --list"; cat /tmp/out /tmp/err
	check "--list exit 0" "exit $rc: $(cat /tmp/err)" [ $rc -eq 0 ]
	check "--list shows nvme_submit_user_cmd as used" "$(cat /tmp/out)" \
		grep -Eq '^function +nvme_submit_user_cmd +[a-z_]+ +yes ' /tmp/out
	for tp in nvme_setup_cmd nvme_complete_rq nvme_async_event nvme_sq; do
		check "--list shows nvme:$tp" "$(cat /tmp/out)" grep -Eq "^tracepoint +nvme:$tp " /tmp/out
	done
	line=$(grep -E '^function +nvme_submit_user_cmd ' /tmp/out)
	if fentry_works; then
		check "--list: fentry yes" "$line" sh -c "echo '$line' | grep -q ' yes\$'"
	elif [ "$KERNEL" = 5.10 ]; then
		check "--list: fentry no BTF" "$line" sh -c "echo '$line' | grep -q ' no BTF\$'"
	else
		check "--list: fentry no (10 args)" "$line" sh -c "echo '$line' | grep -q ' no (10 args, ENOTSUPP)\$'"
	fi
	nvmetrace --list='*admin*' >/tmp/out 2>/tmp/err
	check "--list=GLOB filters" "$(cat /tmp/out)" sh -c '! grep -q nvme_submit_user_cmd /tmp/out'
}

# --- errors --------------------------------------------------------------------
t_errors() {
	# The full path: busybox sh prefers its own setpriv applet.
	/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		--bounding-set=-all nvmetrace >/tmp/out 2>/tmp/err
	rc=$?
	check "unprivileged: exit 1" "exit $rc: $(cat /tmp/err)" [ $rc -eq 1 ]
	check "unprivileged: stdout empty" "$(cat /tmp/out)" [ ! -s /tmp/out ]
	check "unprivileged: says why" "$(cat /tmp/err)" \
		grep -qx 'nvmetrace: permission denied: tracing needs root, or CAP_BPF and CAP_PERFMON (try sudo)' /tmp/err
	nvmetrace --attach=bogus >/tmp/out 2>/tmp/err
	rc=$?
	check "bad argument: exit 2" "exit $rc" [ $rc -eq 2 ]
	check "bad argument: says why" "$(cat /tmp/err)" \
		grep -qx "nvmetrace: invalid --attach 'bogus': expected auto, fentry, kprobe, tp_btf or raw_tp" /tmp/err
}

t_seed ""
t_seed kprobe
t_attach_verbose
t_attach_fentry
t_oracle_tracepoint
t_sqe_words
t_sigkill
t_list
t_errors
