// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* nvmetrace: trace the NVMe commands the Linux kernel sends to its drives. */
#include <stdarg.h>
#include <stdio.h>
#include <bpf/libbpf.h>
#include "cli.h"
#include "list.h"
#include "replay.h"
#include "trace.h"

/* libbpf's warnings are shown with -v; its debug log, a thousand lines
 * and more (every CO-RE relocation) whose printing slows the start, with
 * -vv only.
 */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (!env.verbose || (level == LIBBPF_DEBUG && env.verbose < 2))
		return 0;
	return vfprintf(stderr, fmt, args);
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
