// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The user-space filters (-r) keep and drop what the kernel's would. */
#include "cli.h"
#include "filter.h"
#include "unit.h"

static struct nvmetrace_record rec(uint32_t pid, const char *comm, int ctrl, const char *disk,
				   uint16_t qid, uint8_t opcode, uint32_t nsid, int32_t status,
				   uint64_t lat_ns)
{
	struct nvmetrace_record r = {
		.pid = pid, .ctrl = ctrl, .qid = qid, .status = status, .latency_ns = lat_ns,
		.flags = NVMETRACE_F_COMPLETED | NVMETRACE_F_CTRL | NVMETRACE_F_QID |
			 NVMETRACE_F_QTYPE | (qid ? NVMETRACE_F_IOQ : 0),
	};

	snprintf(r.comm, sizeof(r.comm), "%s", comm);
	snprintf(r.disk, sizeof(r.disk), "%s", disk);
	r.sqe[0] = opcode;
	memcpy(&r.sqe[4], &nsid, 4);
	return r;
}

static struct filters none(void)
{
	return (struct filters){ .ctrl = -1, .nsid = -1, .qid = -1, .opcode = -1,
				 .opcode_qtype = NVME_QTYPE_ANY };
}

int main(void)
{
	struct nvmetrace_record rd = rec(10, "dd", 0, "nvme0n1", 1, 0x02, 1, 0, 500000);
	struct nvmetrace_record log = rec(20, "nvme", 0, "", 0, 0x02, 0xffffffff, 0, 900);
	struct nvmetrace_record bad = rec(20, "nvme", 1, "", 0, 0xc4, 0, 0x4001, 100);
	struct nvmetrace_record ns2 = rec(30, "fio", 1, "nvme1n2", 3, 0x01, 2, 0, 2000000);
	struct nvmetrace_record infl = ns2;
	struct filters f;

	infl.flags = (infl.flags & ~NVMETRACE_F_COMPLETED) | NVMETRACE_F_INFLIGHT;

	f = none();
	CHECK(filter_keep(&f, &rd) && filter_keep(&f, &log) && filter_keep(&f, &bad),
	      "filter: none keeps all");
	f = none(); f.pid = 20;
	CHECK(!filter_keep(&f, &rd) && filter_keep(&f, &log), "filter: pid");
	f = none(); f.comm = "dd";
	CHECK(filter_keep(&f, &rd) && !filter_keep(&f, &log), "filter: comm exact");
	f = none(); f.comm = "d";
	CHECK(!filter_keep(&f, &rd), "filter: comm is not a prefix match");
	f = none(); f.ctrl = 1;
	CHECK(!filter_keep(&f, &rd) && filter_keep(&f, &bad) && filter_keep(&f, &ns2),
	      "filter: controller");
	f = none(); f.disk = "nvme1n2";
	CHECK(filter_keep(&f, &ns2) && !filter_keep(&f, &rd) && !filter_keep(&f, &bad),
	      "filter: disk");
	f = none(); f.nsid = 2;
	CHECK(filter_keep(&f, &ns2) && !filter_keep(&f, &rd), "filter: nsid");
	f = none(); f.nsid = 0xffffffff;
	CHECK(filter_keep(&f, &log) && !filter_keep(&f, &rd), "filter: broadcast nsid");
	f = none(); f.qid = 0;
	CHECK(filter_keep(&f, &log) && filter_keep(&f, &bad) && !filter_keep(&f, &rd),
	      "filter: qid 0 = admin");
	f = none(); f.opcode = 2; f.opcode_qtype = NVME_QTYPE_IO;
	CHECK(filter_keep(&f, &rd) && !filter_keep(&f, &log), "filter: -o read is I/O only");
	f = none(); f.opcode = 2; f.opcode_qtype = NVME_QTYPE_ADMIN;
	CHECK(!filter_keep(&f, &rd) && filter_keep(&f, &log), "filter: -o get_log_page is admin only");
	f = none(); f.opcode = 2;
	CHECK(filter_keep(&f, &rd) && filter_keep(&f, &log) && !filter_keep(&f, &bad),
	      "filter: -o 2 matches both queues");
	f = none(); f.failed = true;
	CHECK(filter_keep(&f, &bad) && !filter_keep(&f, &rd), "filter: --failed");
	f = none(); f.min_ns = 500000;
	CHECK(filter_keep(&f, &rd) && filter_keep(&f, &ns2) && !filter_keep(&f, &log),
	      "filter: -m keeps >= threshold");
	f = none(); f.failed = true; f.min_ns = 1;
	CHECK(filter_keep(&f, &infl), "filter: in-flight commands pass --failed and -m");
	f = none(); f.pid = 10; f.comm = "dd"; f.qid = 1; f.opcode = 2; f.nsid = 1;
	CHECK(filter_keep(&f, &rd) && !filter_keep(&f, &ns2), "filter: combined");
	return UNIT_DONE();
}
