#!/usr/bin/env bash
# Host tests of the nvmetrace binary: command line and the errors a machine
# without an NVMe driver gives. No VM, no BPF program is loaded.
set -u
bin=${NVMETRACE:-$(cd "$(dirname "$0")/../.." && pwd)/build/nvmetrace}
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

pass() { echo "PASS host $1"; }
fail() { echo "FAIL host $1: $2"; }

# expect NAME STATUS STDERR-LINE ARGS...: exit status and the exact one line.
expect() {
	local name=$1 status=$2 line=$3 rc
	shift 3
	"$bin" "$@" >"$out" 2>"$err" </dev/null
	rc=$?
	if [ $rc -ne "$status" ]; then
		fail "$name" "exit $rc, want $status; stderr: $(cat "$err")"
	elif [ "$(head -n 1 "$err")" != "$line" ]; then
		fail "$name" "stderr '$(head -n 1 "$err")', want '$line'"
	elif [ -s "$out" ]; then
		fail "$name" "stdout not empty: $(cat "$out")"
	else
		pass "$name"
	fi
}

# --- bad command lines: one clear line, exit 2 -------------------------------
expect "unknown option" 2 "nvmetrace: unrecognized option '--bogus'" --bogus
expect "bad --attach" 2 "nvmetrace: invalid --attach 'x': expected auto, fentry, kprobe, tp_btf or raw_tp" --attach=x
expect "missing --attach value" 2 "nvmetrace: option '--attach' requires an argument" --attach
expect "bad --ringbuf-size" 2 "nvmetrace: invalid --ringbuf-size '3': expected a power of two from 4 to 2097152 (KiB)" --ringbuf-size=3
expect "non-numeric --ringbuf-size" 2 "nvmetrace: invalid --ringbuf-size '1k': expected a power of two from 4 to 2097152 (KiB)" --ringbuf-size=1k
expect "negative --ringbuf-size" 2 "nvmetrace: invalid --ringbuf-size '-8': expected a power of two from 4 to 2097152 (KiB)" --ringbuf-size=-8
expect "stray argument" 2 "nvmetrace: unexpected argument 'foo'" foo
expect "--pid 0" 2 "nvmetrace: invalid --pid '0': expected a process id" -p 0
expect "--pid text" 2 "nvmetrace: invalid --pid 'abc': expected a process id" -p abc
expect "--pid huge" 2 "nvmetrace: invalid --pid '99999999999': expected a process id" -p 99999999999
expect "--comm empty" 2 "nvmetrace: invalid --comm '': expected 1 to 15 characters" -c ''
expect "--comm too long" 2 "nvmetrace: invalid --comm '0123456789abcdef': expected 1 to 15 characters" -c 0123456789abcdef
expect "--device sda" 2 "nvmetrace: invalid --device 'sda': expected nvmeN or nvmeNnM" -a -d sda
expect "--device nvme" 2 "nvmetrace: invalid --device 'nvme': expected nvmeN or nvmeNnM" -a -d nvme
expect "--device nvme0x" 2 "nvmetrace: invalid --device 'nvme0x': expected nvmeN or nvmeNnM" -a -d nvme0x
expect "--nsid negative" 2 "nvmetrace: invalid --nsid '-1': expected 0 to 0xffffffff" -n -1
expect "--nsid too big" 2 "nvmetrace: invalid --nsid '0x100000000': expected 0 to 0xffffffff" -n 0x100000000
expect "--qid too big" 2 "nvmetrace: invalid --qid '65536': expected 0 to 65535" -a -q 65536
expect "--opcode unknown name" 2 "nvmetrace: invalid --opcode 'bogus': expected 0 to 0xff or an opcode name (admin:NAME or io:NAME if ambiguous)" -o bogus
expect "--opcode ambiguous" 2 "nvmetrace: invalid --opcode 'fabrics': expected 0 to 0xff or an opcode name (admin:NAME or io:NAME if ambiguous)" -o fabrics
expect "--opcode too big" 2 "nvmetrace: invalid --opcode '0x100': expected 0 to 0xff or an opcode name (admin:NAME or io:NAME if ambiguous)" -o 0x100
expect "--min-latency text" 2 "nvmetrace: invalid --min-latency 'abc': expected microseconds >= 0" -m abc
expect "--min-latency negative" 2 "nvmetrace: invalid --min-latency '-5': expected microseconds >= 0" -m -5
expect "--min-latency nan" 2 "nvmetrace: invalid --min-latency 'nan': expected microseconds >= 0" -m nan
expect "--time bogus" 2 "nvmetrace: invalid --time 'bogus': expected wall, iso, rel or ns" -T bogus
expect "--qid without -a" 2 "nvmetrace: --qid needs -a (passthrough calls are seen before the driver picks a queue)" -q 1
expect "--device without -a" 2 "nvmetrace: --device needs -a (passthrough calls are seen before the driver resolves the device)" -d nvme0
expect "--attach=raw_tp without -a" 2 "nvmetrace: --attach=raw_tp needs -a (passthrough calls use fentry or kprobe)" --attach=raw_tp
expect "-H with -S" 2 "nvmetrace: -H and -S are two views: choose one" -a -H -S
expect "-i without -H/-S" 2 "nvmetrace: --interval needs -H or -S" -a -i 1
expect "-i zero" 2 "nvmetrace: invalid --interval '0': expected seconds from 0.01 to 86400" -a -H -i 0
expect "-i text" 2 "nvmetrace: invalid --interval 'x': expected seconds from 0.01 to 86400" -a -H -i x
expect "COUNT without -i" 2 "nvmetrace: unexpected argument '5'" -a -H 5
expect "COUNT zero" 2 "nvmetrace: unexpected argument '0'" -a -H -i 1 0
expect "--by bogus" 2 "nvmetrace: invalid --by 'disk,bogus': expected a comma list of disk, ctrl, qid, opcode, status, comm" -a -H --by=disk,bogus
expect "-w with -H" 2 "nvmetrace: --write records raw records: -H and -S do not apply (use them when reading)" -a -H -w /tmp/x
expect "-w with -j" 2 "nvmetrace: --write records raw records: -j does not apply (use -j when reading)" -a -j -w /tmp/x
expect "-w empty" 2 "nvmetrace: invalid --write '': expected a file name or -" -w ''
expect "-r with -i" 2 "nvmetrace: --interval does not apply to --read: a capture is reported once" -r x -H -i 1
expect "-r with -a" 2 "nvmetrace: --read replays what was recorded: -a does not apply" -r x -a
expect "-r with --attach" 2 "nvmetrace: --read replays a capture: --attach, --ringbuf-size and --list do not apply" -r x --attach=kprobe
expect "-r missing file" 1 "nvmetrace: failed to open /nonexistent.nvmt: No such file or directory" -r /nonexistent.nvmt
expect "-r foreign file" 1 "nvmetrace: failed to read /etc/passwd: not an nvmetrace capture file" -r /etc/passwd
expect "-r empty stdin" 1 "nvmetrace: failed to read stdin: not an nvmetrace capture file" -r -
expect "--attach=kprobe with -a" 2 "nvmetrace: --attach=kprobe cannot be used with -a (use tp_btf or raw_tp)" -a --attach=kprobe

# --- help and version ----------------------------------------------------------
if "$bin" --help >"$out" 2>"$err" && grep -q -- '--attach=METHOD' "$out" &&
   grep -q -- '--list\[=GLOB\]' "$out" && grep -q -- '--verbose' "$out"; then
	pass "--help lists the options"
else
	fail "--help lists the options" "$(cat "$out" "$err")"
fi
if "$bin" --version >"$out" 2>&1 && grep -Eqx 'nvmetrace [0-9.]+ \(libbpf [0-9]+\.[0-9]+\)' "$out"; then
	pass "--version"
else
	fail "--version" "$(cat "$out")"
fi

# --- a kernel without the nvme driver (this host's) ---------------------------
if grep -qw nvme_submit_user_cmd /proc/kallsyms; then
	fail "no nvme driver" "this host has the nvme driver loaded; the test needs a host without it"
elif [ "$(id -u)" -ne 0 ]; then
	expect "no privilege" 1 "nvmetrace: permission denied: tracing needs root, or CAP_BPF and CAP_PERFMON (try sudo)"
else
	expect "no nvme driver" 1 "nvmetrace: nvme_submit_user_cmd not found: is the nvme driver loaded?"
	expect "no nvme driver, --attach=kprobe" 1 "nvmetrace: nvme_submit_user_cmd not found: is the nvme driver loaded?" --attach=kprobe
	expect "no nvme driver, -a" 1 "nvmetrace: tracepoint nvme:nvme_setup_cmd not found: is the nvme driver loaded?" -a
fi

# --- --help and the man page describe the same options -----------------------
man=$(cd "$(dirname "$0")/../.." && pwd)/man/nvmetrace.8
opts=$("$bin" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u)
missing=""
for o in $opts; do
	# groff writes "--name" as "\-\-name"
	grep -q -- "$(printf '%s' "$o" | sed 's/-/\\\\-/g')" "$man" || missing="$missing $o"
done
if [ -z "$missing" ]; then
	pass "every --help option is in the man page ($(echo $opts | wc -w))"
else
	fail "every --help option is in the man page" "missing:$missing"
fi
missing=""
for o in $(grep -oE -- '\\-\\-[a-z][a-z-]+' "$man" | sed 's/\\//g' | sort -u); do
	"$bin" --help | grep -q -- "$o" || missing="$missing $o"
done
if [ -z "$missing" ]; then
	pass "every man page option is in --help"
else
	fail "every man page option is in --help" "missing:$missing"
fi

# --- bash completion: valid, and offers every long option of --help --------
comp=$(cd "$(dirname "$0")/../.." && pwd)/completion/nvmetrace.bash
missing=""
for o in $("$bin" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
	grep -q -- "$o" "$comp" || missing="$missing $o"
done
if bash -n "$comp" && [ -z "$missing" ]; then
	pass "bash completion parses and offers every --help option"
else
	fail "bash completion parses and offers every --help option" "missing:$missing"
fi
got=$(bash -c ". '$comp'; COMP_WORDS=(nvmetrace --attach ''); COMP_CWORD=2; _nvmetrace; echo \${COMPREPLY[*]}" 2>&1)
if [ "$got" = "auto fentry kprobe tp_btf raw_tp" ]; then
	pass "bash completion completes --attach values"
else
	fail "bash completion completes --attach values" "got '$got'"
fi

# --- replay of the seed corpus: what a requeued command looks like ----------
cap=$(cd "$(dirname "$0")/../.." && pwd)/tests/fuzz/corpus/capture/all.nvmt
got=$("$bin" -r "$cap" 2>&1 | grep ' 21c0 ')
if [[ "$got" =~ ^[0-9:]+\ +dd\ +330\ +2\ +21c0\ +1\ +410\ +requeued\ +81\.2\ nvme0n1\ +2\ +Read\ slba=1040\ nlb=8$ ]]; then
	pass "replay: a requeued command's row"
else
	fail "replay: a requeued command's row" "got '$got'"
fi
got=$("$bin" -r "$cap" -j 2>&1 | grep '"cid":8640')
if [[ "$got" == *'"state":"requeued","age_us":81.200}' && "$got" != *'"status"'* ]]; then
	pass "replay: a requeued command's JSON state, age and no status"
else
	fail "replay: a requeued command's JSON state, age and no status" "got '$got'"
fi
got=$("$bin" -r "$cap" -S 2>&1 | tail -n 2 | tr -s ' ')
if [ "$got" = "REQUEUED nvme0n1 1
IN FLIGHT nvme0n2 1" ]; then
	pass "replay -S: requeued and in-flight commands per device"
else
	fail "replay -S: requeued and in-flight commands per device" "got '$got'"
fi

# --- replay output in blocks: the lines of a capture replayed 300 times (its
# records repeated, each framed with its CRC) are its lines 300 times, in
# order, across the 128 KiB blocks that records go to stdout in -------------
big=$(mktemp)
{
	head -c 256 "$cap"
	for _ in $(seq 300); do tail -c +257 "$cap"; done
} >"$big"
for fmt in table json; do
	args=()
	skip=2	# the table's header
	[ $fmt = json ] && args=(-j) skip=1
	one=$("$bin" -r "$cap" "${args[@]}" 2>&1 | tail -n +$skip)
	want=$(for _ in $(seq 300); do printf '%s\n' "$one"; done)
	got=$("$bin" -r "$big" "${args[@]}" 2>&1 | tail -n +$skip)
	if [ -n "$one" ] && [ "$got" = "$want" ] && [ ${#got} -gt $((2 * 128 * 1024)) ]; then
		pass "replay ($fmt): lines across output blocks ($(printf '%s\n' "$got" | wc -l) lines, ${#got} bytes)"
	else
		fail "replay ($fmt): lines across output blocks" "$(printf '%s\n' "$got" | wc -l) lines, ${#got} bytes, want ${#want}"
	fi
done
rm -f "$big"

# --- replay from a pipe (a live -w -): each record is printed as it comes,
# not held until the output block fills or the pipe closes. The writer keeps
# the pipe open until the row shows (or 10 s pass) ------------------------
held=$(mktemp -u)
for fmt in table json; do
	args=(-r -)
	want=2	# the header and the row
	[ $fmt = json ] && args+=(-j) want=1
	rm -f "$held"
	{
		head -c 256 "$cap"
		tail -c +257 "$cap" | head -c 176
		while [ ! -e "$held" ]; do sleep 0.1; done
	} | "$bin" "${args[@]}" >"$out" 2>"$err" &
	for _ in $(seq 100); do
		[ "$(wc -l <"$out")" -ge $want ] && break
		sleep 0.1
	done
	got=$(wc -l <"$out")
	touch "$held"
	wait
	if [ "$got" -eq "$want" ]; then
		pass "replay from a pipe ($fmt): the record printed before the pipe closes"
	else
		fail "replay from a pipe ($fmt)" "$got lines while the pipe was open, want $want; stderr '$(cat "$err")'"
	fi
done
rm -f "$held"

# --- a full disk: one line, exit 1 ---------------------------------------------
for fmt in table json; do
	args=(-r "$cap")
	[ $fmt = json ] && args+=(-j)
	"$bin" "${args[@]}" >/dev/full 2>"$err"
	rc=$?
	if [ $rc -eq 1 ] && [ "$(cat "$err")" = "nvmetrace: failed to write stdout: No space left on device" ]; then
		pass "replay to a full disk ($fmt): one line, exit 1"
	else
		fail "replay to a full disk ($fmt)" "exit $rc, stderr '$(cat "$err")'"
	fi
done
