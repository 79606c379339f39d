// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* nvmetrace: trace the NVMe commands the Linux kernel sends to its drives. */
#include <stdarg.h>
#include <stdio.h>
#include <bpf/libbpf.h>
#include "cli.h"
#include "list.h"
#include "replay.h"
#include "trace.h"

/* libbpf's own messages are shown with -v only. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	(void)level;
	return env.verbose ? vfprintf(stderr, fmt, args) : 0;
}

int main(int argc, char **argv)
{
	cli_parse(argc, argv);
	libbpf_set_print(libbpf_print);
	if (env.list)
		return list_run(env.list_pattern);
	if (env.read_file)
		return replay_run();
	return trace_run();
}
