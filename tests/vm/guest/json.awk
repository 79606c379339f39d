# JSON Lines helpers for the guest checks (busybox awk). nvmetrace writes
# flat objects with scalar values only, which is all these handle.
function jraw(line, key,    re) {
	re = "\"" key "\":(\"[^\"]*\"|[-0-9.]+|true|false|null)"
	if (!match(line, re))
		return "?"
	return substr(line, RSTART + length(key) + 3, RLENGTH - length(key) - 3)
}
function jstr(line, key,    v) {
	v = jraw(line, key)
	if (v == "null")
		return ""
	gsub(/"/, "", v)
	return v
}
function hex2num(s,    i, c, n) {
	s = tolower(s)
	if (substr(s, 1, 2) != "0x")
		return s + 0
	n = 0
	for (i = 3; i <= length(s); i++) {
		c = index("0123456789abcdef", substr(s, i, 1))
		if (c == 0)
			return -1
		n = n * 16 + c - 1
	}
	return n
}
# "k=v k=v": does the record match every pair? io=1: an I/O queue;
# failed=1: a non-zero status.
function matches(line, pred,    n, p, i, kv) {
	n = split(pred, p, " ")
	for (i = 1; i <= n; i++) {
		split(p[i], kv, "=")
		if (kv[1] == "io") {
			if ((jraw(line, "qid") + 0 > 0) != (kv[2] == 1))
				return 0
		} else if (kv[1] == "failed") {
			if ((jraw(line, "status") + 0 != 0) != (kv[2] == 1))
				return 0
		} else if (jstr(line, kv[1]) != kv[2]) {
			return 0
		}
	}
	return 1
}
function cmdkey(line) {
	return jraw(line, "qid") " " jraw(line, "cid") " " jraw(line, "opcode") " " \
	       jraw(line, "nsid") " " jraw(line, "cdw10") " " jraw(line, "cdw12") " " \
	       jraw(line, "status")
}
