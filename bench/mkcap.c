// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mkcap: write a large synthetic capture file for the replay benchmark.
 *
 * The records look like those `nvmetrace -a -w` writes on a busy host:
 * block reads and writes (and a few flushes and discards) on two disks of
 * two controllers, from a handful of processes and kernel threads, with
 * varying LBAs, lengths and latencies; now and then an admin passthrough
 * command from nvme-cli or smartctl, some of which fail; rarely a failed
 * read or write; and a few commands still in flight at the end. The PRNG
 * seed is fixed, so the same RECORDS always gives the same file.
 *
 * usage: mkcap RECORDS FILE     (FILE "-" is stdout)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "capture.h"

/* drivers/nvme/host/nvme.h: NVME_REQ_USERCMD, as the BPF side reads it. */
#define NVME_REQ_USERCMD	(1 << 1)
#define LBA_SIZE		512
#define NR_HW_QUEUES		8
/* An arbitrary but fixed recording: 2025-11-22 (UTC), 1000 s after boot. */
#define MONO_TO_REAL_NS		1763770000000000000ll
#define START_NS		1000000000000ull
#define INFLIGHT_AT_END		3

/* splitmix64: small, fast, and the same sequence everywhere. */
static uint64_t rng_state = 0x6e766d6574726163ull;	/* "nvmetrac" */

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [lo, hi). */
static uint64_t between(uint64_t lo, uint64_t hi)
{
	return lo + rnd() % (hi - lo);
}

/* True with probability per_million / 1e6. */
static int chance(unsigned per_million)
{
	return rnd() % 1000000 < per_million;
}

struct proc {
	const char *comm;
	uint32_t pid;
	uint32_t threads;	/* tids pid .. pid + threads - 1 */
};

/* Who submits block I/O: an application, a database, writeback, the
 * journal.
 */
static const struct proc io_procs[] = {
	{ "fio", 4211, 4 },
	{ "postgres", 1893, 1 },
	{ "postgres", 1907, 1 },
	{ "kworker/u16:3", 312, 1 },
	{ "jbd2/nvme0n1p2-", 521, 1 },
	{ "dd", 5120, 1 },
};

struct disk {
	const char *name;
	int ctrl;
	uint64_t blocks;	/* capacity in LBAs */
};

static const struct disk disks[] = {
	{ "nvme0n1", 0, 1000215216ull },	/* 512 GB */
	{ "nvme1n1", 1, 3907029168ull },	/* 2 TB */
};

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);	/* little-endian host, as the format is */
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

/* CDW0: opcode, PRP data transfer, command id = generation counter | tag
 * (Linux 5.14+ nvme_cid()).
 */
static void sqe_head(struct nvmetrace_record *r, uint8_t opcode, uint32_t nsid)
{
	uint16_t cid = (uint16_t)((rnd() & 0xf) << 12 | r->tag);

	r->sqe[0] = opcode;
	r->sqe[2] = (uint8_t)cid;
	r->sqe[3] = (uint8_t)(cid >> 8);
	put32(r->sqe + 4, nsid);
}

/* PRP1 (and PRP2 past one page) as the PCI driver maps them. */
static void sqe_data(struct nvmetrace_record *r)
{
	if (!r->data_len)
		return;
	put64(r->sqe + 24, 0x100000000ull + (rnd() & 0x3ffff) * 4096);
	if (r->data_len > 4096)
		put64(r->sqe + 32, 0x200000000ull + (rnd() & 0x3ffff) * 4096);
	r->flags |= NVMETRACE_F_PTRS;
}

/* Mostly fast flash, a slower tail, and rare stalls. */
static uint64_t io_latency(int write)
{
	unsigned p = (unsigned)between(0, 1000);

	if (p < 900)
		return write ? between(12000, 60000) : between(60000, 220000);
	if (p < 995)
		return between(220000, 2000000);
	return between(2000000, 25000000);
}

static void block_io(struct nvmetrace_record *r)
{
	static const uint32_t sizes[] = { 4096, 4096, 4096, 4096, 8192, 16384, 65536, 131072, 262144 };
	const struct disk *d = &disks[rnd() % 2];
	const struct proc *p = &io_procs[rnd() % (sizeof(io_procs) / sizeof(io_procs[0]))];
	unsigned kind = (unsigned)between(0, 1000);
	uint32_t nlb, cdw12;
	uint64_t slba;
	uint8_t opcode;

	r->pid = p->pid;
	r->tid = p->pid + (uint32_t)(rnd() % p->threads);
	snprintf(r->comm, sizeof(r->comm), "%s", p->comm);
	snprintf(r->disk, sizeof(r->disk), "%s", d->name);
	r->ctrl = d->ctrl;
	r->qid = (uint16_t)between(1, NR_HW_QUEUES + 1);
	r->tag = (uint16_t)between(0, 1023);
	r->flags |= NVMETRACE_F_IOQ;

	if (kind < 8) {				/* Flush: no data */
		sqe_head(r, 0x00, 1);
		r->latency_ns = between(300000, 3000000);
		return;
	}
	if (kind < 12) {			/* Dataset Management: discard */
		sqe_head(r, 0x09, 1);
		put32(r->sqe + 40, (uint32_t)between(0, 16));	/* NR, 0's based */
		put32(r->sqe + 44, 1u << 2);			/* AD */
		r->data_len = 4096;
		sqe_data(r);
		r->latency_ns = between(100000, 1500000);
		return;
	}
	opcode = kind < 620 ? 0x02 : 0x01;	/* Read : Write */
	r->data_len = sizes[rnd() % (sizeof(sizes) / sizeof(sizes[0]))];
	nlb = r->data_len / LBA_SIZE;
	slba = between(0, d->blocks - nlb) & ~7ull;	/* 4 KiB aligned */
	cdw12 = nlb - 1;
	if (opcode == 0x01 && chance(20000))
		cdw12 |= 1u << 30;			/* FUA */
	sqe_head(r, opcode, 1);
	put32(r->sqe + 40, (uint32_t)slba);
	put32(r->sqe + 44, (uint32_t)(slba >> 32));
	put32(r->sqe + 48, cdw12);
	sqe_data(r);
	r->latency_ns = io_latency(opcode == 0x01);
	if (chance(50)) {
		/* Media errors: Unrecovered Read Error / Write Fault, DNR. */
		r->status = opcode == 0x02 ? 0x4281 : 0x4280;
		r->retries = 0;
	} else if (chance(100)) {
		r->retries = 1;				/* succeeded on retry */
		r->latency_ns += 30000000;
	}
}

/* nvme-cli and smartctl: admin passthrough, a few rejected. */
static void admin_passthru(struct nvmetrace_record *r)
{
	static const struct proc tools[] = {
		{ "nvme", 7001, 1 }, { "smartctl", 7310, 1 },
	};
	const struct proc *p = &tools[rnd() % 2];
	unsigned kind = (unsigned)between(0, 6);

	r->pid = r->tid = p->pid + (uint32_t)between(0, 200);
	snprintf(r->comm, sizeof(r->comm), "%s", p->comm);
	r->ctrl = (int)(rnd() % 2);
	r->qid = 0;
	r->tag = (uint16_t)between(0, 32);
	r->flags |= NVMETRACE_F_PASSTHRU;
	r->nvme_flags = NVME_REQ_USERCMD;
	r->latency_ns = between(40000, 900000);
	switch (kind) {
	case 0:					/* id-ctrl: Identify CNS 1 */
		sqe_head(r, 0x06, 0);
		put32(r->sqe + 40, 0x1);
		r->data_len = 4096;
		break;
	case 1:					/* id-ns: Identify CNS 0 */
		sqe_head(r, 0x06, 1);
		r->data_len = 4096;
		break;
	case 2:					/* smart-log: LID 2, 128 dwords */
		sqe_head(r, 0x02, 0xffffffff);
		put32(r->sqe + 40, 0x7f0002);
		r->data_len = 512;
		break;
	case 3:					/* get-feature: Number of Queues */
		sqe_head(r, 0x0a, 0);
		put32(r->sqe + 40, 0x7);
		r->result = 0x003f003f;
		break;
	case 4:					/* a log page the drive lacks */
		sqe_head(r, 0x02, 0xffffffff);
		put32(r->sqe + 40, 0x00ff00ca);
		r->data_len = 1024;
		r->status = 0x4109;		/* Invalid Log Page, DNR */
		break;
	default:				/* vendor command, rejected */
		sqe_head(r, 0xc4, 0);
		r->status = 0x4001;		/* Invalid Command Opcode, DNR */
		break;
	}
	sqe_data(r);
}

static void make_record(struct nvmetrace_record *r, uint64_t *now)
{
	memset(r, 0, sizeof(*r));
	/* About 400k commands/s: a busy but ordinary pair of drives. */
	*now += between(500, 4500);
	r->ts_ns = *now;
	r->source = NVMETRACE_SRC_REQUEST;
	r->flags = NVMETRACE_F_COMPLETED | NVMETRACE_F_QID | NVMETRACE_F_QTYPE |
		   NVMETRACE_F_CTRL;
	if (chance(2000))
		admin_passthru(r);
	else
		block_io(r);
}

/* What the tracer writes at exit: no status, age as latency, no result. */
static void make_inflight(struct nvmetrace_record *r, uint64_t *now)
{
	make_record(r, now);
	r->flags = (r->flags & ~NVMETRACE_F_COMPLETED & ~NVMETRACE_F_PTRS) | NVMETRACE_F_INFLIGHT;
	memset(r->sqe + 16, 0, 24);
	r->status = 0;
	r->result = 0;
	r->retries = 0;
	r->latency_ns = between(1000, 500000);
}

int main(int argc, char **argv)
{
	struct capture_info info;
	struct nvmetrace_record r;
	uint64_t n, i, now = START_NS;
	char *end;
	FILE *f;
	int err = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: mkcap RECORDS FILE\n");
		return 2;
	}
	errno = 0;
	n = strtoull(argv[1], &end, 10);
	if (errno || *end || !*argv[1] || n < INFLIGHT_AT_END) {
		fprintf(stderr, "mkcap: invalid record count '%s'\n", argv[1]);
		return 2;
	}
	capture_info_local(&info, true, MONO_TO_REAL_NS, START_NS);
	/* Not this machine's: the same RECORDS gives the same bytes anywhere. */
	snprintf(info.kernel_release, sizeof(info.kernel_release), "6.1.0-synthetic");
	snprintf(info.hostname, sizeof(info.hostname), "mkcap");
	f = capture_create(argv[2], &info);
	if (!f) {
		fprintf(stderr, "mkcap: failed to create %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	for (i = 0; i < n && !err; i++) {
		if (i < n - INFLIGHT_AT_END)
			make_record(&r, &now);
		else
			make_inflight(&r, &now);
		err = capture_write_record(f, &r);
	}
	if (!err && fflush(f))
		err = -errno;
	if (f != stdout && fclose(f) && !err)
		err = -errno;
	if (err) {
		fprintf(stderr, "mkcap: failed to write %s: %s\n", argv[2], strerror(-err));
		return 1;
	}
	return 0;
}
