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
expect "bad --attach" 2 "nvmetrace: invalid --attach 'x': expected auto, fentry or kprobe" --attach=x
expect "missing --attach value" 2 "nvmetrace: option '--attach' requires an argument" --attach
expect "bad --ringbuf-size" 2 "nvmetrace: invalid --ringbuf-size '3': expected a power of two from 4 to 2097152 (KiB)" --ringbuf-size=3
expect "non-numeric --ringbuf-size" 2 "nvmetrace: invalid --ringbuf-size '1k': expected a power of two from 4 to 2097152 (KiB)" --ringbuf-size=1k
expect "negative --ringbuf-size" 2 "nvmetrace: invalid --ringbuf-size '-8': expected a power of two from 4 to 2097152 (KiB)" --ringbuf-size=-8
expect "stray argument" 2 "nvmetrace: unexpected argument 'foo'" foo

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
fi
