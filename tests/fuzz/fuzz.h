/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Shared by the libFuzzer targets: print a record through every output
 * backend, the way -r does, so the formatters see hostile records.
 */
#ifndef NVMETRACE_FUZZ_H
#define NVMETRACE_FUZZ_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "decode.h"
#include "filter.h"
#include "output.h"
#include "record.h"

/* fuzz_decode's input (and mkcorpus's decode seeds), little-endian,
 * zero-padded when short: the SQE, status and result, then the clock
 * reference and the time style, then struct nvmetrace_record from its
 * start (ts_ns, latency_ns, ...) whose own status, result and sqe are
 * replaced by those before it.
 */
enum {
	IN_SQE		= 0,	/* u8[64] submission queue entry */
	IN_STATUS	= 64,	/* s32 nvme_req(req)->status, or -errno */
	IN_RESULT	= 68,	/* u64 */
	IN_MONO_TO_REAL	= 76,	/* s64 CLOCK_REALTIME - CLOCK_MONOTONIC, ns */
	IN_START	= 84,	/* u64 recording start, ns */
	IN_STYLE	= 92,	/* u8 time style, modulo 4 */
	IN_RECORD	= 93,	/* struct nvmetrace_record */
	IN_SIZE		= IN_RECORD + sizeof(struct nvmetrace_record),
};

/* A broken property: abort, so libFuzzer keeps the input as a crash. */
#define FUZZ_ASSERT(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		abort();						\
	}								\
} while (0)

/* Where the headers go: nothing is kept, but every byte is formatted. */
static inline FILE *fuzz_null(void)
{
	static FILE *f;

	if (!f && !(f = fopen("/dev/null", "w")))
		abort();
	return f;
}

/* One record through one backend: whatever the record holds, it prints
 * as exactly one line (a name with a newline must not forge a row).
 */
static inline void fuzz_line(const struct output *out, const struct nvmetrace_record *r,
			     const struct output_ctx *ctx)
{
	static char buf[16384];
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	long n;

	FUZZ_ASSERT(f);
	out->record(f, r, ctx);
	FUZZ_ASSERT(!fflush(f));
	n = ftell(f);
	fclose(f);
	FUZZ_ASSERT(n > 0 && (size_t)n < sizeof(buf) - 1);
	FUZZ_ASSERT(buf[n - 1] == '\n' && !memchr(buf, '\n', (size_t)n - 1));
}

/* The table (with and without the -a columns) and JSON Lines, in the time
 * style chosen by the caller (TIME_WALL .. TIME_NS, taken modulo 4).
 */
static inline void fuzz_print(const struct nvmetrace_record *r, int64_t mono_to_real_ns,
			      uint64_t start_ns, unsigned style)
{
	struct output_ctx ctx = {
		.mono_to_real_ns = mono_to_real_ns,
		.start_ns = start_ns,
		.time_style = (enum time_style)(style % 4),
	};

	ctx.all = false;
	output_table.header(fuzz_null(), &ctx);
	fuzz_line(&output_table, r, &ctx);
	ctx.all = true;
	output_table.header(fuzz_null(), &ctx);
	fuzz_line(&output_table, r, &ctx);
	output_json.header(fuzz_null(), &ctx);
	fuzz_line(&output_json, r, &ctx);
}

/* A record passes the filters built from its own values (-p -c -d -n -q
 * -o --failed -m as -r would apply them), and the empty filter.
 */
static inline void fuzz_filter_self(const struct nvmetrace_record *r)
{
	struct filters any = { .ctrl = -1, .nsid = -1, .qid = -1, .opcode = -1 };
	char comm[NVMETRACE_COMM_LEN + 1], disk[NVMETRACE_DISK_LEN + 1];
	struct filters self;
	struct nvme_sqe sqe;

	FUZZ_ASSERT(filter_keep(&any, r));
	nvme_sqe_decode(r->sqe, &sqe);
	memcpy(comm, r->comm, NVMETRACE_COMM_LEN);
	comm[NVMETRACE_COMM_LEN] = '\0';
	memcpy(disk, r->disk, NVMETRACE_DISK_LEN);
	disk[NVMETRACE_DISK_LEN] = '\0';
	self = (struct filters){
		.pid = r->pid,
		.comm = comm,
		.ctrl = r->flags & NVMETRACE_F_CTRL && r->ctrl >= 0 ? r->ctrl : -1,
		.disk = disk,
		.nsid = sqe.nsid,
		.qid = r->flags & NVMETRACE_F_QID ? r->qid : -1,
		.opcode = sqe.opcode,
		.opcode_qtype = r->flags & NVMETRACE_F_IOQ ? NVME_QTYPE_IO : NVME_QTYPE_ADMIN,
		.failed = r->status != 0,
		.min_ns = r->latency_ns,
	};
	FUZZ_ASSERT(filter_keep(&self, r));
}

/* Everything -r does with a record it read. */
static inline void fuzz_record(const struct nvmetrace_record *r, int64_t mono_to_real_ns,
			       uint64_t start_ns, unsigned style)
{
	fuzz_filter_self(r);
	fuzz_print(r, mono_to_real_ns, start_ns, style);
}

#endif /* NVMETRACE_FUZZ_H */
