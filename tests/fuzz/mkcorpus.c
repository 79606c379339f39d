// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Writes the fuzzers' seed corpus (make fuzz-corpus): capture files made
 * by nvmetrace's own writer, holding records shaped like those of the VM
 * tests (README: dd reads and writes, nvme-cli admin commands, a vendor
 * command QEMU rejects, passthrough calls, an interrupted call, a command
 * in flight), plus a header-only, a truncated and a corrupted file; and
 * the same commands in fuzz_decode's input layout (fuzz.h).
 *
 * usage: mkcorpus DIR    (writes DIR/capture/ and DIR/decode/)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "capture.h"
#include "fuzz.h"

#define MONO_TO_REAL	1795000000000000000ll	/* 2026-11-18, as a recording had */
#define START_NS	4000000000ull

struct cmd {
	const char *name;	/* decode seed's file name */
	const char *comm;
	const char *disk;
	unsigned pid, flags, data_len;
	int status, ctrl;
	unsigned qid, src;
	uint64_t latency_ns, result;
	/* SQE: opcode, command id, nsid, cdw10-12 */
	uint8_t opcode;
	uint16_t cid;
	uint32_t nsid, cdw10, cdw11, cdw12;
};

#define IOQ	(NVMETRACE_F_COMPLETED | NVMETRACE_F_QID | NVMETRACE_F_CTRL | \
		 NVMETRACE_F_QTYPE | NVMETRACE_F_IOQ | NVMETRACE_F_PTRS)
#define ADMINQ	(NVMETRACE_F_COMPLETED | NVMETRACE_F_QID | NVMETRACE_F_CTRL | \
		 NVMETRACE_F_QTYPE | NVMETRACE_F_PTRS)
#define USER	(NVMETRACE_F_COMPLETED | NVMETRACE_F_PASSTHRU)

/* -a records (README, "nvmetrace -a while dd ... and nvme-cli ..."). */
static const struct cmd all_cmds[] = {
	{ "read", "dd", "nvme0n1", 319, IOQ, 4096, 0, 0, 2, NVMETRACE_SRC_REQUEST,
	  3912200, 0, 0x02, 0x300, 1, 0x320, 0, 7 },
	{ "write", "dd", "nvme0n1", 320, IOQ, 4096, 0, 0, 1, NVMETRACE_SRC_REQUEST,
	  2748200, 0, 0x01, 0x7100, 1, 0x640, 0, 7 | 1u << 30 },
	{ "identify", "nvme", "", 321, ADMINQ | NVMETRACE_F_PASSTHRU, 4096, 0, 0, 0,
	  NVMETRACE_SRC_REQUEST, 1719700, 0, 0x06, 0, 0, 1, 0, 0 },
	{ "get-log", "nvme", "", 323, ADMINQ | NVMETRACE_F_PASSTHRU, 512, 0, 0, 0,
	  NVMETRACE_SRC_REQUEST, 419100, 0, 0x02, 2, 0xffffffff, 0x7f0002, 0, 0 },
	{ "get-features", "nvme", "", 324, ADMINQ | NVMETRACE_F_PASSTHRU, 0, 0, 0, 0,
	  NVMETRACE_SRC_REQUEST, 392000, 0x003f003f, 0x0a, 3, 0xffffffff, 7, 0, 0 },
	{ "set-features", "nvme", "", 325, ADMINQ | NVMETRACE_F_PASSTHRU, 0, 0, 0, 0,
	  NVMETRACE_SRC_REQUEST, 725300, 0, 0x09, 0x501a, 0xffffffff, 4, 0x17f, 0 },
	{ "vendor-failed", "nvme", "", 327, ADMINQ | NVMETRACE_F_PASSTHRU, 0, 0x4001, 0, 0,
	  NVMETRACE_SRC_REQUEST, 439700, 0, 0xc4, 0x501b, 0, 0, 0, 0 },
	{ "read-ns2-inflight", "dd", "nvme0n2", 329, NVMETRACE_F_INFLIGHT | NVMETRACE_F_QID |
	  NVMETRACE_F_CTRL | NVMETRACE_F_QTYPE | NVMETRACE_F_IOQ, 4096, 0, 0, 1,
	  NVMETRACE_SRC_REQUEST, 564600, 0, 0x02, 0x101, 2, 0x50, 0, 7 },
	{ "read-requeued", "dd", "nvme0n1", 330, NVMETRACE_F_REQUEUED | NVMETRACE_F_QID |
	  NVMETRACE_F_CTRL | NVMETRACE_F_QTYPE | NVMETRACE_F_IOQ, 4096, 0, 0, 2,
	  NVMETRACE_SRC_REQUEST, 81200, 0, 0x02, 0x21c0, 1, 0x410, 0, 7 },
};

/* Passthrough records (README, "In one terminal sudo nvmetrace ..."). */
static const struct cmd user_cmds[] = {
	{ "passthru-identify", "nvme", "", 168, USER, 0, 0, 0, 0, NVMETRACE_SRC_USER_CMD,
	  7027000, 0, 0x06, 0, 1, 0, 0, 0 },
	{ "passthru-self-test", "nvme", "", 170, USER, 0, 0x4001, 0, 0, NVMETRACE_SRC_USER_CMD,
	  511600, 0, 0x14, 0, 1, 1, 0, 0 },
	{ "passthru-eintr", "nvme", "", 171, USER, 0, -EINTR, 0, 0, NVMETRACE_SRC_USER_CMD,
	  1000, 0, 0x06, 0, 0, 1, 0, 0 },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void make_record(struct nvmetrace_record *r, const struct cmd *c, unsigned i)
{
	memset(r, 0, sizeof(*r));
	r->ts_ns = START_NS + 1000000ull * (i + 1);
	r->latency_ns = c->latency_ns;
	r->result = c->result;
	r->pid = r->tid = c->pid;
	r->flags = c->flags;
	r->status = c->status;
	r->ctrl = c->ctrl;
	r->qid = (uint16_t)c->qid;
	r->tag = (uint16_t)i;
	r->source = (uint8_t)c->src;
	r->data_len = c->data_len;
	snprintf(r->comm, sizeof(r->comm), "%s", c->comm);
	snprintf(r->disk, sizeof(r->disk), "%s", c->disk);
	r->sqe[0] = c->opcode;
	r->sqe[2] = (uint8_t)c->cid;
	r->sqe[3] = (uint8_t)(c->cid >> 8);
	put32(r->sqe + 4, c->nsid);
	if (c->flags & NVMETRACE_F_PTRS)
		put32(r->sqe + 24, 0x12345000);	/* PRP1: has data */
	put32(r->sqe + 40, c->cdw10);
	put32(r->sqe + 44, c->cdw11);
	put32(r->sqe + 48, c->cdw12);
}

static const char *dir;

static void die(const char *what, const char *path)
{
	fprintf(stderr, "mkcorpus: failed to %s %s: %s\n", what, path, strerror(errno));
	exit(1);
}

static const char *path_of(const char *sub, const char *name)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
	return path;
}

static FILE *create_capture(const char *name, bool all)
{
	struct capture_info info;
	FILE *f;

	capture_info_local(&info, all, MONO_TO_REAL, START_NS);
	/* The VM's, not this machine's, so the seeds do not depend on it. */
	snprintf(info.kernel_release, sizeof(info.kernel_release), "6.1.0-27-amd64");
	snprintf(info.hostname, sizeof(info.hostname), "nvmetrace-vm");
	f = capture_create(path_of("capture", name), &info);
	if (!f)
		die("create", path_of("capture", name));
	return f;
}

static void close_file(FILE *f, const char *path)
{
	if (fclose(f))
		die("write", path);
}

static void write_capture(const char *name, const struct cmd *cmds, size_t n, bool all)
{
	struct nvmetrace_record r;
	FILE *f = create_capture(name, all);

	for (size_t i = 0; i < n; i++) {
		make_record(&r, &cmds[i], (unsigned)i);
		if (capture_write_record(f, &r))
			die("write", path_of("capture", name));
	}
	close_file(f, path_of("capture", name));
}

/* A file cut or damaged after its first records. */
static void write_damaged(const char *name, size_t keep, long flip)
{
	size_t rec = 8 + sizeof(struct nvmetrace_record);
	const char *path = path_of("capture", name);
	uint8_t b = 0;
	FILE *f;

	write_capture(name, all_cmds, 3, true);
	if (truncate(path, (off_t)(CAPTURE_HEADER_SIZE + keep)))
		die("truncate", path);
	if (flip < 0)
		return;
	f = fopen(path, "r+b");
	if (!f || fseek(f, CAPTURE_HEADER_SIZE + (long)rec + flip, SEEK_SET) ||
	    fread(&b, 1, 1, f) != 1 || fseek(f, -1, SEEK_CUR) || fputc(b ^ 0x40, f) == EOF)
		die("damage", path);
	close_file(f, path);
}

static void write_decode(const struct cmd *c, unsigned i)
{
	struct nvmetrace_record r;
	uint8_t in[IN_SIZE] = {};
	int64_t m2r = MONO_TO_REAL;
	uint64_t start = START_NS;
	const char *path = path_of("decode", c->name);
	FILE *f = fopen(path, "wb");

	if (!f)
		die("create", path);
	make_record(&r, c, i);
	memcpy(in + IN_SQE, r.sqe, NVME_SQE_SIZE);
	memcpy(in + IN_STATUS, &r.status, 4);
	memcpy(in + IN_RESULT, &r.result, 8);
	memcpy(in + IN_MONO_TO_REAL, &m2r, 8);
	memcpy(in + IN_START, &start, 8);
	in[IN_STYLE] = (uint8_t)i;
	memcpy(in + IN_RECORD, &r, sizeof(r));
	if (fwrite(in, sizeof(in), 1, f) != 1)
		die("write", path);
	close_file(f, path);
}

int main(int argc, char **argv)
{
	size_t rec = 8 + sizeof(struct nvmetrace_record);
	unsigned i;

	if (argc != 2) {
		fprintf(stderr, "usage: mkcorpus DIR\n");
		return 2;
	}
	dir = argv[1];
	write_capture("all.nvmt", all_cmds, N(all_cmds), true);
	write_capture("passthru.nvmt", user_cmds, N(user_cmds), false);
	write_capture("header-only.nvmt", NULL, 0, true);
	write_damaged("truncated.nvmt", 2 * rec - 60, -1);	/* inside record 2 */
	write_damaged("corrupt.nvmt", 2 * rec, 8 + 40);		/* record 2's SQE */
	for (i = 0; i < N(all_cmds); i++)
		write_decode(&all_cmds[i], i);
	for (i = 0; i < N(user_cmds); i++)
		write_decode(&user_cmds[i], N(all_cmds) + i);
	return 0;
}
