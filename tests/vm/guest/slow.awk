# MIN=US MARGIN=US: file 1 unfiltered, file 2 filtered by -m min.
BEGIN { min = ENVIRON["MIN"] + 0; margin = ENVIRON["MARGIN"] + 0 }
FNR == NR {
	if (jstr($0, "state") != "completed")
		next
	lat[cmdkey($0)] = jraw($0, "latency_us") + 0
	next
}
/^\{/ && jstr($0, "state") == "completed" {
	k = cmdkey($0)
	got[k] = 1
	if (jraw($0, "latency_us") + 0 < min) { print "BAD kept " jraw($0, "latency_us") " us: " k; bad++ }
}
END {
	for (k in lat) {
		if (lat[k] >= min + margin && !(k in got)) { print "BAD dropped " lat[k] " us: " k; bad++ }
		if (lat[k] < min - margin && (k in got)) { print "BAD kept (unfiltered " lat[k] " us): " k; bad++ }
		if (lat[k] >= min + margin) slow++
		if (lat[k] < min - margin) fast++
	}
	if (!bad)
		print "OK " slow + 0 " slower kept, " fast + 0 " faster dropped"
}
