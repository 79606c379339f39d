# Compare nvmetrace -a -j records with the kernel's own nvme:nvme_setup_cmd /
# nvme:nvme_complete_rq trace (tracefs text). busybox awk.
#
# usage: jawk oracle OURS.json KERNEL.trace   (with json.awk)
# Prints "MATCH n" for each command found on both sides with equal fields,
# "DIFF ..." for a field that differs, "MISSING ..." for a kernel command
# nvmetrace did not report, "EXTRA ..." for one it reported that the kernel
# did not trace, "UNKNOWN ..." for a kernel field this script cannot check.

function le_bytes(v,    i, out) {
	out = ""
	for (i = 0; i < 4; i++) {
		out = out (out == "" ? "" : " ") sprintf("%02x", v % 256)
		v = int(v / 256)
	}
	return out
}
# The kernel's decoded field, rebuilt from nvmetrace's decoded fields.
function decoded(k, key, name) {
	if (!O[k, "has_fields"]) return "NOFIELDS"
	if (key == "slba" || key == "cns" || key == "fid" || key == "sel" || key == "sv")
		return O[k, "f." key] + 0
	if (key == "len") return O[k, "f.nlb"] - 1
	if (key == "ctrlid") return O[k, "f.cntid"] + 0
	# The I/O control word: LR 15, FUA 14, PRINFO 13:10, DEAC/PIREMAP 9,
	# STC 8, DTYPE 7:4.
	if (key == "ctrl")
		return O[k, "f.lr"] * 32768 + O[k, "f.fua"] * 16384 + O[k, "f.prinfo"] * 1024 + \
		       (O[k, "f.deac"] + O[k, "f.piremap"]) * 512 + O[k, "f.stc"] * 256 + O[k, "f.dtype"] * 16
	if (key == "dsmgmt") return O[k, "f.dsm"] + O[k, "f.dspec"] * 65536
	if (key == "sqid") return O[k, "f.qid"] + 0
	if (key == "qsize") return O[k, "f.qsize"] - 1
	if (key == "cqid") return name == "nvme_admin_create_sq" ? O[k, "f.cqid"] + 0 : O[k, "f.qid"] + 0
	if (key == "sq_flags") return O[k, "f.pc"] + O[k, "f.qprio"] * 2
	if (key == "cq_flags") return O[k, "f.pc"] + O[k, "f.ien"] * 2
	if (key == "irq_vector") return O[k, "f.iv"] + 0
	return "SKIP"
}

# The value nvmetrace's record gives for a field the kernel printed.
function ours_field(k, key, name,    c10, c11, c12, c13, c14, c15) {
	c10 = O[k, "cdw10"]; c11 = O[k, "cdw11"]; c12 = O[k, "cdw12"]
	c13 = O[k, "cdw13"]; c14 = O[k, "cdw14"]; c15 = O[k, "cdw15"]
	if (key == "slba") return c10 + c11 * 4294967296
	if (key == "len") return c12 % 65536
	if (key == "ctrl") return int(c12 / 65536)
	if (key == "dsmgmt") return c13
	if (key == "reftag") return c14
	if (key == "cns") return c10 % 256
	if (key == "ctrlid") return int(c10 / 65536)
	if (key == "fid") return c10 % 256
	if (key == "sel") return int(c10 / 256) % 8
	if (key == "sv") return int(c10 / 2147483648)
	if (key == "cdw11") return c11
	# Queue creation and deletion (a controller reset does them)
	if (key == "sqid") return c10 % 65536
	if (key == "qsize") return int(c10 / 65536)
	if (key == "sq_flags" || key == "cq_flags") return c11 % 65536
	if (key == "irq_vector") return int(c11 / 65536)
	if (key == "cqid") return name == "nvme_admin_create_sq" ? int(c11 / 65536) : c10 % 65536
	if (key == "cdw10")
		return le_bytes(c10) " " le_bytes(c11) " " le_bytes(c12) " " \
		       le_bytes(c13) " " le_bytes(c14) " " le_bytes(c15)
	return "UNKNOWN"
}
BEGIN {
	NFK = split("slba nlb cns cntid fid sel sv fua lr prinfo deac stc piremap dtype dsm dspec " \
		    "qid qsize cqid qprio pc ien iv", FK, " ")
	# Kernel names (include/linux/nvme.h show_*_opcode_name) -> opcode.
	split("delete_sq=0 create_sq=1 get_log_page=2 delete_cq=4 create_cq=5 " \
	      "identify=6 abort_cmd=8 set_features=9 get_features=10 " \
	      "async_event=12 ns_mgmt=13 activate_fw=16 download_fw=17 " \
	      "dev_self_test=20 ns_attach=21 keep_alive=24 directive_send=25 " \
	      "directive_recv=26 virtual_mgmt=28 nvme_mi_send=29 nvme_mi_recv=30 " \
	      "dbbuf=124 format_nvm=128 security_send=129 security_recv=130 " \
	      "sanitize_nvm=132 get_lba_status=134", a, " ")
	for (i in a) { split(a[i], kv, "="); ADMIN["nvme_admin_" kv[1]] = kv[2] }
	split("flush=0 write=1 read=2 write_uncor=4 compare=5 write_zeroes=8 " \
	      "dsm=9 verify=12 resv_register=13 resv_report=14 resv_acquire=17 " \
	      "resv_release=21 copy=25 zone_mgmt_send=121 zone_mgmt_recv=122 " \
	      "zone_append=125", a, " ")
	for (i in a) { split(a[i], kv, "="); IO["nvme_cmd_" kv[1]] = kv[2] }
}
# --- file 1: our JSON Lines ---------------------------------------------------
FNR == NR {
	if ($0 !~ /^\{/)
		next
	# One controller in the VM: qid and cid identify a command; ctrl is
	# compared on its own (unknown on kernels without NVMe BTF).
	ctrl = jstr($0, "ctrl"); sub(/^nvme/, "", ctrl)
	key = jraw($0, "qid") " " jraw($0, "cid")
	n = ++ON[key]
	k = key SUBSEP n
	KEYS[k] = 1
	O[k, "line"] = $0
	O[k, "ctrl"] = ctrl
	O[k, "opcode"] = jraw($0, "opcode")
	O[k, "nsid"] = jraw($0, "nsid")
	O[k, "flags"] = jraw($0, "flags")
	O[k, "disk"] = jstr($0, "disk")
	O[k, "status"] = jraw($0, "status")
	O[k, "result"] = jraw($0, "result")
	O[k, "retries"] = jraw($0, "retries")
	O[k, "passthru"] = jraw($0, "passthru")
	O[k, "state"] = jstr($0, "state")
	# nvmetrace's decoded fields (the "fields" object), for the keys the
	# kernel's own decoders print.
	fpart = substr($0, index($0, "\"fields\":{"))
	fpart = substr(fpart, 1, index(fpart, "}"))
	for (i = 1; i <= NFK; i++) {
		v = jraw(fpart, FK[i])
		O[k, "f." FK[i]] = v == "?" ? 0 : v == "true" ? 1 : v
	}
	O[k, "has_fields"] = index($0, "\"fields\":{") > 0
	for (i = 10; i <= 15; i++)
		O[k, "cdw" i] = jraw($0, "cdw" i)
	next
}
# --- file 2: the kernel's trace -------------------------------------------------
/nvme_setup_cmd: / {
	s = substr($0, index($0, "nvme_setup_cmd: ") + 16)
	ctrl = substr(s, 5, index(s, ":") - 5)
	s = substr(s, index(s, ":") + 2)
	cmd = substr(s, index(s, "cmd=(") + 5)
	sub(/\)$/, "", cmd)
	s = substr(s, 1, index(s, "cmd=(") - 1)
	delete F
	F["disk"] = ""
	np = split(s, parts, ", ")
	for (i = 1; i <= np; i++) {
		if (parts[i] == "")
			continue
		split(parts[i], kv, "=")
		F[kv[1]] = kv[2]
	}
	tag = F["cmdid"] % 4096
	pk = ctrl " " F["qid"] " " tag
	# The tag set up again before its command completed: the driver
	# gave that command back and sends it anew (requeue).
	if (pk in P)
		unfinished(P[pk], "requeued")
	P[pk] = ctrl "|" F["qid"] "|" F["cmdid"] "|" F["nsid"] "|" F["flags"] "|" F["disk"] "|" cmd
	next
}
/nvme_complete_rq: / {
	s = substr($0, index($0, "nvme_complete_rq: ") + 18)
	ctrl = substr(s, 5, index(s, ":") - 5)
	s = substr(s, index(s, ":") + 2)
	delete C
	np = split(s, parts, ", ")
	for (i = 1; i <= np; i++) {
		split(parts[i], kv, "=")
		C[kv[1]] = kv[2]
	}
	pk = ctrl " " C["qid"] " " (C["cmdid"] % 4096)
	if (!(pk in P))
		next	# set up before the trace window
	split(P[pk], S, "|")
	delete P[pk]
	compare(S, C)
	next
}
function compare(S, C,    key, n, k, cmd, name, rest, want, np, parts, i, kv, got, want_v, what) {
	key = S[2] " " S[3]
	n = ++KN[key]
	k = key SUBSEP n
	what = "nvme" S[1] " qid=" S[2] " cid=" S[3] " cmd=(" S[7] ")"
	if (!(k in KEYS) || O[k, "state"] != "completed") {
		print "MISSING " what ((k in KEYS) ? " (nvmetrace: " O[k, "state"] ")" : "")
		bad++
		return
	}
	delete KEYS[k]
	cmd = S[7]
	name = cmd; sub(/ .*/, "", name)
	rest = substr(cmd, length(name) + 2)
	want = S[2] == 0 ? ADMIN[name] : IO[name]
	if (want == "" && name ~ /^0x/)
		want = hex2num(name)
	if (want == "") { print "UNKNOWN opcode name " name " in " what; bad++; return }
	if (O[k, "ctrl"] != "" && O[k, "ctrl"] != S[1]) { print "DIFF ctrl " O[k, "ctrl"] " != " S[1] " " what; bad++ }
	if (O[k, "opcode"] != want) { print "DIFF opcode " O[k, "opcode"] " != " want " " what; bad++ }
	if (O[k, "nsid"] != S[4]) { print "DIFF nsid " O[k, "nsid"] " != " S[4] " " what; bad++ }
	if (O[k, "flags"] != hex2num(S[5])) { print "DIFF flags " O[k, "flags"] " != " S[5] " " what; bad++ }
	if (O[k, "disk"] != S[6]) { print "DIFF disk '" O[k, "disk"] "' != '" S[6] "' " what; bad++ }
	if (O[k, "status"] != hex2num(C["status"])) { print "DIFF status " O[k, "status"] " != " C["status"] " " what; bad++ }
	if (O[k, "result"] != hex2num(C["res"])) { print "DIFF result " O[k, "result"] " != " C["res"] " " what; bad++ }
	if (O[k, "retries"] != C["retries"]) { print "DIFF retries " O[k, "retries"] " != " C["retries"] " " what; bad++ }
	if ((O[k, "passthru"] == "true") != (int(hex2num(C["flags"]) / 2) % 2 == 1)) {
		print "DIFF passthru " O[k, "passthru"] " vs req flags " C["flags"] " " what; bad++
	}
	# The command's decoded dwords: each field the kernel printed.
	if (rest ~ /^cdw10=/) {
		got = ours_field(k, "cdw10")
		if (got != substr(rest, 7)) { print "DIFF cdw10-15 [" got "] != [" substr(rest, 7) "] " what; bad++ }
	} else if (rest != "") {
		# "k=v, k=v"; some kernels (5.10) print "k=v k=v"
		np = split(rest, parts, /,? /)
		for (i = 1; i <= np; i++) {
			split(parts[i], kv, "=")
			want_v = hex2num(kv[2])
			got = ours_field(k, kv[1], name)
			if (got == "UNKNOWN") { print "UNKNOWN field " kv[1] " in " what; bad++ }
			else if (got != want_v) { print "DIFF " kv[1] " " got " != " want_v " " what; bad++ }
			got = decoded(k, kv[1], name)
			if (got != "SKIP" && got != want_v) {
				print "DIFF decoded " kv[1] " " got " != kernel " want_v " " what; bad++
			}
		}
	}
	matched++
	print "MATCH " what
}
# unfinished SETUP STATES: a kernel setup ("ctrl|qid|cid|...") that did not
# complete is one of nvmetrace's records in one of STATES ("a|b").
function unfinished(setup, states,    S, key, k, n, i, st) {
	split(setup, S, "|")
	key = S[2] " " S[3]
	k = key SUBSEP (++KN[key])
	n = split(states, st, "|")
	for (i = 1; i <= n; i++) {
		if ((k in KEYS) && O[k, "state"] == st[i]) {
			delete KEYS[k]
			print "MATCH " st[i] " nvme" S[1] " qid=" S[2] " cid=" S[3]
			matched++
			return
		}
	}
	print "MISSING " states " nvme" S[1] " qid=" S[2] " cid=" S[3] " cmd=(" S[7] ")" \
	      ((k in KEYS) ? " (nvmetrace: " O[k, "state"] ")" : "")
	bad++
}
END {
	# Set up in the window, never completed: nvmetrace lists them in flight
	# (or requeued, if they were sent again under another tag).
	for (pk in P)
		unfinished(P[pk], "inflight|requeued")
	for (k in KEYS) {
		split(k, kk, SUBSEP)
		print "EXTRA " O[k, "line"]
		bad++
	}
	print "SUMMARY matched=" matched + 0 " bad=" bad + 0
}
