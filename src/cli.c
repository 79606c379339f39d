// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <argp.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf_version.h>
#include "cli.h"

#ifndef NVMETRACE_VERSION
#define NVMETRACE_VERSION "0.0.0"
#endif

#define STR_(x) #x
#define STR(x) STR_(x)

struct env env = {
	.attach = ATTACH_AUTO,
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
"Without options, prints one line per passthrough command (nvme-cli, ioctls"
" on /dev/nvme*) as it is submitted, until Ctrl-C or SIGTERM.\n"
"\n"
"EXAMPLES:\n"
"  nvmetrace                  # trace passthrough commands\n"
"  nvmetrace --attach=kprobe  # force the kprobe attach method\n"
"  nvmetrace --list           # list the kernel's NVMe attach points\n";

enum {
	OPT_ATTACH = 0x100,
	OPT_LIST,
	OPT_RINGBUF,
};

static const struct argp_option options[] = {
	{ NULL, 0, NULL, 0, "Tracing:", 1 },
	{ "attach", OPT_ATTACH, "METHOD", 0,
	  "How to hook nvme_submit_user_cmd: auto (default: fentry where the "
	  "kernel allows it, else kprobe), fentry or kprobe", 0 },
	{ "ringbuf-size", OPT_RINGBUF, "KIB", 0,
	  "BPF ring buffer size in KiB, a power of two >= 4 (default 1024)", 0 },

	{ NULL, 0, NULL, 0, "Information:", 2 },
	{ "list", OPT_LIST, "GLOB", OPTION_ARG_OPTIONAL,
	  "List the NVMe attach points of the running kernel and exit; GLOB "
	  "filters them (default: functions matching *nvme*cmd* and all nvme "
	  "tracepoints)", 0 },
	{ "verbose", 'v', NULL, 0,
	  "Say which attach method is used and why; show libbpf's messages", 0 },

	{ NULL, 0, NULL, 0, "Help:", -1 },
	{},
};

const char *attach_mode_name(enum attach_mode mode)
{
	switch (mode) {
	case ATTACH_AUTO:	return "auto";
	case ATTACH_FENTRY:	return "fentry";
	case ATTACH_KPROBE:	return "kprobe";
	}
	return "?";
}

static bool parse_ulong(const char *s, unsigned long *out)
{
	char *end;

	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	*out = strtoul(s, &end, 0);
	return !errno && !*end;
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	unsigned long v = 0;

	switch (key) {
	case 'v':
		env.verbose = true;
		break;
	case OPT_ATTACH:
		if (!strcmp(arg, "auto"))
			env.attach = ATTACH_AUTO;
		else if (!strcmp(arg, "fentry"))
			env.attach = ATTACH_FENTRY;
		else if (!strcmp(arg, "kprobe"))
			env.attach = ATTACH_KPROBE;
		else
			argp_error(state, "invalid --attach '%s': expected auto, fentry or kprobe", arg);
		break;
	case OPT_RINGBUF:
		if (!parse_ulong(arg, &v) || v < 4 || v > (1ul << 21) || (v & (v - 1)))
			argp_error(state, "invalid --ringbuf-size '%s': expected a power of two from 4 to 2097152 (KiB)", arg);
		env.ringbuf_bytes = v * 1024;
		break;
	case OPT_LIST:
		env.list = true;
		env.list_pattern = arg;
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
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
