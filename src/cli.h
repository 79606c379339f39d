/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Command line: every option nvmetrace takes, parsed into one struct env. */
#ifndef NVMETRACE_CLI_H
#define NVMETRACE_CLI_H

#include <stdbool.h>

enum attach_mode {
	ATTACH_AUTO,
	ATTACH_FENTRY,
	ATTACH_KPROBE,
};

struct env {
	enum attach_mode attach;
	bool verbose;
	bool list;
	const char *list_pattern;	/* glob for --list, NULL: default set */
	unsigned long ringbuf_bytes;	/* 0: the BPF object's default */
};

extern struct env env;

/* Parse argv into env. Bad arguments print one line and exit(2). */
void cli_parse(int argc, char **argv);

const char *attach_mode_name(enum attach_mode mode);

#endif /* NVMETRACE_CLI_H */
