/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Command line: every option nvmetrace takes, parsed into one struct env. */
#ifndef NVMETRACE_CLI_H
#define NVMETRACE_CLI_H

#include <stdbool.h>

#include <stdint.h>
#include "names.h"

enum attach_mode {
	ATTACH_AUTO,
	ATTACH_FENTRY,	/* nvme_submit_user_cmd: fentry + fexit */
	ATTACH_KPROBE,	/* nvme_submit_user_cmd: kprobe + kretprobe */
	ATTACH_TP_BTF,	/* -a: tp_btf tracepoints */
	ATTACH_RAW_TP,	/* -a: raw tracepoints */
};

enum time_style {
	TIME_WALL,	/* HH:MM:SS, as the seeds print */
	TIME_ISO,	/* 2026-11-22T00:34:30.123456+0000 */
	TIME_REL,	/* seconds since tracing started */
	TIME_NS,	/* raw CLOCK_MONOTONIC nanoseconds */
};

struct filters {
	uint32_t pid;			/* 0: any */
	const char *comm;		/* NULL: any */
	int ctrl;			/* -1: any (from -d nvmeN) */
	const char *disk;		/* NULL: any (from -d nvmeNnM) */
	int64_t nsid;			/* -1: any */
	int qid;			/* -1: any */
	int opcode;			/* -1: any */
	enum nvme_qtype opcode_qtype;
	bool failed;
	uint64_t min_ns;
};

struct env {
	enum attach_mode attach;
	bool all;			/* -a: every command, not just passthrough */
	bool json;
	enum time_style time_style;
	int verbose;			/* -v: 1, -vv: 2 (libbpf's debug log) */
	bool list;
	const char *list_pattern;	/* glob for --list, NULL: default set */
	unsigned long ringbuf_bytes;	/* 0: the BPF object's default */
	const char *write_file;		/* -w: capture to this file, "-" stdout */
	const char *read_file;		/* -r: replay this capture, "-" stdin */
	bool hist;			/* -H: latency histograms */
	bool summary;			/* -S: per device and opcode summary */
	int hist_by;			/* HIST_BY_* for -H */
	double interval;		/* -i: seconds between reports, 0: at exit */
	long count;			/* reports to print with -i, 0: unlimited */
	struct filters filter;
};

extern struct env env;

/* Parse argv into env. Bad arguments print one line and exit(2). */
void cli_parse(int argc, char **argv);

const char *attach_mode_name(enum attach_mode mode);

#endif /* NVMETRACE_CLI_H */
