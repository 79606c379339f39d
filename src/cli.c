// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <argp.h>
#include <ctype.h>
#include <stdint.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf_version.h>
#include "cli.h"
#include "report.h"

#ifndef NVMETRACE_VERSION
#define NVMETRACE_VERSION "0.0.0"
#endif

#define STR_(x) #x
#define STR(x) STR_(x)

struct env env = {
	.attach = ATTACH_AUTO,
	.hist_by = HIST_BY_DISK | HIST_BY_OPCODE,
	.filter = {
		.ctrl = -1,
		.nsid = -1,
		.qid = -1,
		.opcode = -1,
		.opcode_qtype = NVME_QTYPE_ANY,
	},
};

static void print_version(FILE *f, struct argp_state *state)
{
	(void)state;
	fprintf(f, "nvmetrace %s (libbpf %s)\n", NVMETRACE_VERSION,
		STR(LIBBPF_MAJOR_VERSION) "." STR(LIBBPF_MINOR_VERSION));
}

void (*argp_program_version_hook)(FILE *, struct argp_state *) = print_version;

static const char doc[] =
"Trace the NVMe commands the Linux kernel sends to its drives.\n"
"\n"
"Without -a, prints one line per passthrough command (nvme-cli, ioctls on"
" /dev/nvme*) when it returns; with -a, every command the driver sends,"
" admin and I/O, when it completes. Runs until Ctrl-C or SIGTERM.\n"
"\n"
"EXAMPLES:\n"
"  nvmetrace                  # passthrough commands, as the seeds\n"
"  nvmetrace -a               # every command, with status and latency\n"
"  nvmetrace -a -d nvme0n1 -o read -m 1000   # reads slower than 1 ms\n"
"  nvmetrace -a --failed -j   # failed commands as JSON Lines\n"
"  nvmetrace -a -H            # latency histograms per device and opcode\n"
"  nvmetrace -a -S -i 1       # a summary every second\n"
"  nvmetrace -a -w cap.nvmt   # record to a capture file\n"
"  nvmetrace -r cap.nvmt -o read   # replay it, anywhere, no root\n"
"  nvmetrace --list           # the kernel's NVMe attach points\n";

enum {
	OPT_ATTACH = 0x100,
	OPT_LIST,
	OPT_RINGBUF,
	OPT_FAILED,
	OPT_BY,
};

static const struct argp_option options[] = {
	{ NULL, 0, NULL, 0, "Tracing:", 1 },
	{ "all", 'a', NULL, 0,
	  "Trace every NVMe command (admin and I/O, kernel and user), not just "
	  "passthrough commands", 0 },
	{ "attach", OPT_ATTACH, "METHOD", 0,
	  "auto (default), or force one: fentry or kprobe (passthrough), "
	  "tp_btf or raw_tp (-a)", 0 },
	{ "ringbuf-size", OPT_RINGBUF, "KIB", 0,
	  "BPF ring buffer size in KiB, a power of two >= 4 (default 1024)", 0 },

	{ NULL, 0, NULL, 0, "Filters (applied in the kernel):", 2 },
	{ "pid", 'p', "PID", 0, "Only commands submitted by process PID", 0 },
	{ "comm", 'c', "COMM", 0, "Only commands submitted by a process named COMM", 0 },
	{ "device", 'd', "DEV", 0,
	  "Only commands to controller nvmeN or namespace disk nvmeNnM (with -a)", 0 },
	{ "nsid", 'n', "NSID", 0, "Only commands for namespace id NSID", 0 },
	{ "qid", 'q', "QID", 0, "Only commands on queue QID, 0 = admin (with -a)", 0 },
	{ "opcode", 'o', "OPCODE", 0,
	  "Only this opcode: a number, or a name such as identify, read, "
	  "admin:0x6 or io:write", 0 },
	{ "failed", OPT_FAILED, NULL, 0, "Only commands that completed with an error", 0 },
	{ "min-latency", 'm', "US", 0, "Only commands slower than US microseconds", 0 },

	{ NULL, 0, NULL, 0, "Output:", 3 },
	{ "json", 'j', NULL, 0, "JSON Lines: one object per command (docs/json.md)", 0 },
	{ "write", 'w', "FILE", 0,
	  "Record raw records to capture FILE (created 0600; - for stdout) "
	  "instead of printing them", 0 },
	{ "read", 'r', "FILE", 0,
	  "Replay capture FILE (- for stdin) into any output, with the same "
	  "filters; needs no privileges", 0 },
	{ "time", 'T', "STYLE", 0,
	  "Timestamps: wall (HH:MM:SS, default), iso (date and microseconds), "
	  "rel (seconds since start) or ns (raw monotonic nanoseconds)", 0 },

	{ NULL, 0, NULL, 0, "Aggregation (in the kernel; with -r, from the capture):", 4 },
	{ "hist", 'H', NULL, 0,
	  "Latency histograms with count, min, mean, max, p50, p90, p99, p99.9 "
	  "per group, instead of one line per command", 0 },
	{ "by", OPT_BY, "LIST", 0,
	  "Group histograms by a comma list of disk, ctrl, qid, opcode, status, "
	  "comm (default disk,opcode)", 0 },
	{ "summary", 'S', NULL, 0,
	  "Per device and opcode: commands/s, MB/s, latency, errors by status, "
	  "commands in flight", 0 },
	{ "interval", 'i', "SECONDS", 0,
	  "Print and reset every SECONDS (then an optional COUNT argument stops "
	  "after COUNT reports); default: once, at exit", 0 },

	{ NULL, 0, NULL, 0, "Information:", 5 },
	{ "list", OPT_LIST, "GLOB", OPTION_ARG_OPTIONAL,
	  "List the NVMe attach points of the running kernel and exit; GLOB "
	  "filters them (default: functions matching *nvme*cmd* and all nvme "
	  "tracepoints)", 0 },
	{ "verbose", 'v', NULL, 0,
	  "Say which attach method is used and why, and show libbpf's warnings; "
	  "twice (-vv), libbpf's debug log as well", 0 },

	{ NULL, 0, NULL, 0, "Help:", -1 },
	{},
};

const char *attach_mode_name(enum attach_mode mode)
{
	switch (mode) {
	case ATTACH_AUTO:	return "auto";
	case ATTACH_FENTRY:	return "fentry";
	case ATTACH_KPROBE:	return "kprobe";
	case ATTACH_TP_BTF:	return "tp_btf";
	case ATTACH_RAW_TP:	return "raw_tp";
	}
	return "?";
}

static bool parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	errno = 0;
	*out = strtoul(s, &end, 0);
	return !errno && !*end && *out <= max;
}

/* "nvme0" -> controller 0; "nvme0n1" (or /dev/nvme0n1) -> disk name. */
static bool parse_device(const char *s)
{
	unsigned long v;
	const char *p;
	char *end;

	if (!strncmp(s, "/dev/", 5))
		s += 5;
	if (strncmp(s, "nvme", 4) || !isdigit((unsigned char)s[4]))
		return false;
	errno = 0;
	v = strtoul(s + 4, &end, 10);
	if (errno || v > INT_MAX)
		return false;
	if (!*end) {
		env.filter.ctrl = (int)v;
		return true;
	}
	/* nvmeNnM, or a multipath path device nvmeNcCnM */
	for (p = end; *p; p++)
		if (!isalnum((unsigned char)*p))
			return false;
	if ((*end != 'n' && *end != 'c') || strlen(s) >= 32)
		return false;
	env.filter.disk = s;
	return true;
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	unsigned long v = 0;
	double d;
	char *end;

	switch (key) {
	case 'a':
		env.all = true;
		break;
	case 'v':
		env.verbose++;
		break;
	case 'j':
		env.json = true;
		break;
	case OPT_ATTACH:
		if (!strcmp(arg, "auto"))
			env.attach = ATTACH_AUTO;
		else if (!strcmp(arg, "fentry"))
			env.attach = ATTACH_FENTRY;
		else if (!strcmp(arg, "kprobe"))
			env.attach = ATTACH_KPROBE;
		else if (!strcmp(arg, "tp_btf"))
			env.attach = ATTACH_TP_BTF;
		else if (!strcmp(arg, "raw_tp"))
			env.attach = ATTACH_RAW_TP;
		else
			argp_error(state, "invalid --attach '%s': expected auto, fentry, kprobe, tp_btf or raw_tp", arg);
		break;
	case OPT_RINGBUF:
		if (!parse_ulong(arg, 1ul << 21, &v) || v < 4 || (v & (v - 1)))
			argp_error(state, "invalid --ringbuf-size '%s': expected a power of two from 4 to 2097152 (KiB)", arg);
		env.ringbuf_bytes = v * 1024;
		break;
	case 'p':
		if (!parse_ulong(arg, INT_MAX, &v) || !v)
			argp_error(state, "invalid --pid '%s': expected a process id", arg);
		env.filter.pid = (uint32_t)v;
		break;
	case 'c':
		if (!*arg || strlen(arg) > 15)
			argp_error(state, "invalid --comm '%s': expected 1 to 15 characters", arg);
		env.filter.comm = arg;
		break;
	case 'd':
		if (!parse_device(arg))
			argp_error(state, "invalid --device '%s': expected nvmeN or nvmeNnM", arg);
		break;
	case 'n':
		if (!parse_ulong(arg, UINT32_MAX, &v))
			argp_error(state, "invalid --nsid '%s': expected 0 to 0xffffffff", arg);
		env.filter.nsid = (int64_t)v;
		break;
	case 'q':
		if (!parse_ulong(arg, UINT16_MAX, &v))
			argp_error(state, "invalid --qid '%s': expected 0 to 65535", arg);
		env.filter.qid = (int)v;
		break;
	case 'o':
		if (nvme_opcode_parse(arg, &env.filter.opcode, &env.filter.opcode_qtype))
			argp_error(state, "invalid --opcode '%s': expected 0 to 0xff or an opcode name (admin:NAME or io:NAME if ambiguous)", arg);
		break;
	case OPT_FAILED:
		env.filter.failed = true;
		break;
	case 'm':
		errno = 0;
		d = strtod(arg, &end);
		if (errno || end == arg || *end || !(d >= 0) || d > 1e12)
			argp_error(state, "invalid --min-latency '%s': expected microseconds >= 0", arg);
		env.filter.min_ns = (uint64_t)(d * 1000.0);
		break;
	case 'T':
		if (!strcmp(arg, "wall") || !strcmp(arg, "clock"))
			env.time_style = TIME_WALL;
		else if (!strcmp(arg, "iso"))
			env.time_style = TIME_ISO;
		else if (!strcmp(arg, "rel") || !strcmp(arg, "relative"))
			env.time_style = TIME_REL;
		else if (!strcmp(arg, "ns") || !strcmp(arg, "raw"))
			env.time_style = TIME_NS;
		else
			argp_error(state, "invalid --time '%s': expected wall, iso, rel or ns", arg);
		break;
	case 'H':
		env.hist = true;
		break;
	case 'S':
		env.summary = true;
		break;
	case OPT_BY:
		env.hist_by = report_parse_by(arg);
		if (env.hist_by < 0)
			argp_error(state, "invalid --by '%s': expected a comma list of disk, ctrl, qid, opcode, status, comm", arg);
		break;
	case 'i':
		errno = 0;
		d = strtod(arg, &end);
		if (errno || end == arg || *end || !(d >= 0.01) || d > 86400)
			argp_error(state, "invalid --interval '%s': expected seconds from 0.01 to 86400", arg);
		env.interval = d;
		break;
	case 'w':
		if (!*arg)
			argp_error(state, "invalid --write '': expected a file name or -");
		env.write_file = arg;
		break;
	case 'r':
		if (!*arg)
			argp_error(state, "invalid --read '': expected a file name or -");
		env.read_file = arg;
		break;
	case OPT_LIST:
		env.list = true;
		env.list_pattern = arg;
		break;
	case ARGP_KEY_ARG:
		/* iostat style: -i SECONDS COUNT */
		if (env.interval && !env.count && state->arg_num == 0 &&
		    parse_ulong(arg, LONG_MAX, &v) && v)
			env.count = (long)v;
		else
			argp_error(state, "unexpected argument '%s'", arg);
		break;
	case ARGP_KEY_END:
		if (env.hist && env.summary)
			argp_error(state, "-H and -S are two views: choose one");
		if (env.interval && !env.hist && !env.summary)
			argp_error(state, "--interval needs -H or -S");
		if ((env.hist || env.summary) && env.write_file)
			argp_error(state, "--write records raw records: -H and -S do not apply (use them when reading)");
		if (env.read_file && env.interval)
			argp_error(state, "--interval does not apply to --read: a capture is reported once");
		if (env.read_file && (env.attach != ATTACH_AUTO || env.ringbuf_bytes || env.list))
			argp_error(state, "--read replays a capture: --attach, --ringbuf-size and --list do not apply");
		if (env.read_file && env.all)
			argp_error(state, "--read replays what was recorded: -a does not apply");
		if (env.write_file && env.json)
			argp_error(state, "--write records raw records: -j does not apply (use -j when reading)");
		if (env.read_file)
			break;
		if (!env.all && (env.attach == ATTACH_TP_BTF || env.attach == ATTACH_RAW_TP))
			argp_error(state, "--attach=%s needs -a (passthrough calls use fentry or kprobe)",
				   attach_mode_name(env.attach));
		if (env.all && (env.attach == ATTACH_FENTRY || env.attach == ATTACH_KPROBE))
			argp_error(state, "--attach=%s cannot be used with -a (use tp_btf or raw_tp)",
				   attach_mode_name(env.attach));
		if (!env.all && env.filter.qid >= 0)
			argp_error(state, "--qid needs -a (passthrough calls are seen before the driver picks a queue)");
		if (!env.all && (env.filter.ctrl >= 0 || env.filter.disk))
			argp_error(state, "--device needs -a (passthrough calls are seen before the driver resolves the device)");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

void cli_parse(int argc, char **argv)
{
	static const struct argp argp = {
		.options = options,
		.parser = parse_opt,
		.doc = doc,
	};

	argp_err_exit_status = 2;
	/* getopt names the program after argv[0] in its messages. */
	if (argc > 0)
		argv[0] = (char *)"nvmetrace";
	argp_parse(&argp, argc, argv, 0, NULL, NULL);
}
