// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <time.h>
#include "decode.h"
#include "output.h"

void clock_ref_init(struct clock_ref *ref)
{
	struct timespec mono, real;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	ref->mono_to_real_ns = (real.tv_sec - mono.tv_sec) * 1000000000LL +
			       (real.tv_nsec - mono.tv_nsec);
}

/* Hex without a 0x prefix, as the seeds print it. */
#define TABLE_FMT "%-8s %-16s %-7s %-6s %-10s %-8s %s\n"
#define TABLE_REC "%-8s %-16s %-7u %-6x %-10x %-8x %x\n"

static void table_header(FILE *f)
{
	fprintf(f, TABLE_FMT, "TIME", "COMM", "PID", "OPCODE", "COMMAND-ID",
		"NSID", "CDW10");
}

static void table_record(FILE *f, const struct nvmetrace_record *r,
			 const struct clock_ref *clock)
{
	char comm[NVMETRACE_COMM_LEN + 1], ts[16];
	struct nvme_sqe sqe;
	struct tm tm;
	time_t sec;
	int i;

	sec = (time_t)(((int64_t)r->ts_ns + clock->mono_to_real_ns) / 1000000000LL);
	localtime_r(&sec, &tm);
	strftime(ts, sizeof(ts), "%H:%M:%S", &tm);
	/* The kernel's comm may hold anything; keep the table one line. */
	for (i = 0; i < NVMETRACE_COMM_LEN && r->comm[i]; i++)
		comm[i] = r->comm[i] > ' ' && r->comm[i] < 0x7f ? r->comm[i] : '?';
	comm[i] = '\0';
	nvme_sqe_decode(r->sqe, &sqe);
	fprintf(f, TABLE_REC, ts, comm, r->pid, sqe.opcode, sqe.command_id,
		sqe.nsid, sqe.cdw10);
}

const struct output output_table = {
	.header = table_header,
	.record = table_record,
};
