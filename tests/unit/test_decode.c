// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <linux/types.h>
#include "decode.h"
#include "kernel.h"
#include "output.h"
#include "unit.h"

/* Put a little-endian value at an SQE byte offset. */
static void put(uint8_t *raw, int off, uint64_t v, int size)
{
	for (int i = 0; i < size; i++)
		raw[off + i] = (uint8_t)(v >> (8 * i));
}

static void test_sqe_fields(void)
{
	uint8_t raw[64] = {};
	struct nvme_sqe s;

	/* Every field at its specification offset, with all bits used so a
	 * wrong offset or width shows. */
	put(raw, 0, 0x14, 1);
	put(raw, 1, 0xc1, 1);
	put(raw, 2, 0xbeef, 2);
	put(raw, 4, 0xffffffff, 4);
	put(raw, 8, 0x02020202, 4);
	put(raw, 12, 0x03030303, 4);
	put(raw, 16, 0x1122334455667788ull, 8);
	put(raw, 24, 0x8877665544332211ull, 8);
	put(raw, 32, 0xa5a5a5a5deadbeefull, 8);
	for (int i = 0; i < 6; i++)
		put(raw, 40 + 4 * i, 0x10100000u + i, 4);
	nvme_sqe_decode(raw, &s);
	CHECK_EQ_U64(s.opcode, 0x14, "sqe opcode @0");
	CHECK_EQ_U64(s.flags, 0xc1, "sqe flags @1");
	CHECK_EQ_U64(s.command_id, 0xbeef, "sqe command_id @2 (le16)");
	CHECK_EQ_U64(s.nsid, 0xffffffff, "sqe nsid @4 (broadcast)");
	CHECK_EQ_U64(s.cdw2, 0x02020202, "sqe cdw2 @8");
	CHECK_EQ_U64(s.cdw3, 0x03030303, "sqe cdw3 @12");
	CHECK_EQ_U64(s.mptr, 0x1122334455667788ull, "sqe metadata @16 (le64)");
	CHECK_EQ_U64(s.prp1, 0x8877665544332211ull, "sqe prp1 @24");
	CHECK_EQ_U64(s.prp2, 0xa5a5a5a5deadbeefull, "sqe prp2 @32");
	CHECK_EQ_U64(s.cdw10, 0x10100000, "sqe cdw10 @40");
	CHECK_EQ_U64(s.cdw11, 0x10100001, "sqe cdw11 @44");
	CHECK_EQ_U64(s.cdw12, 0x10100002, "sqe cdw12 @48");
	CHECK_EQ_U64(s.cdw13, 0x10100003, "sqe cdw13 @52");
	CHECK_EQ_U64(s.cdw14, 0x10100004, "sqe cdw14 @56");
	CHECK_EQ_U64(s.cdw15, 0x10100005, "sqe cdw15 @60");
}

/* The seeds' three commands as the table prints them. */
static void test_table_rows(void)
{
	static const struct {
		uint8_t opcode;
		uint32_t nsid, cdw10;
		int32_t status;
		const char *row;
	} cases[] = {
		{ 0x06, 1, 0, 0, "nvme             4242    6      0          1        0        0              12.3 "
				 "Identify cns=0 (Identify Namespace)\n" },
		{ 0x06, 1, 3, 0, "nvme             4242    6      0          1        3        0              12.3 "
				 "Identify cns=0x3 (Namespace Identification Descriptor list)\n" },
		{ 0x14, 1, 1, 0x4001, "nvme             4242    14     0          1        1        0x4001         12.3 "
				      "Device Self-test stc=0x1 (Short device self-test) -> Invalid Command Opcode, DNR\n" },
		{ 0x14, 1, 1, 0x3371, "nvme             4242    14     0          1        1        0x3371         12.3 "
				      "Device Self-test stc=0x1 (Short device self-test) -> Command Aborted By Host, More, CRD=2\n" },
		{ 0x14, 1, 1, -4, "nvme             4242    14     0          1        1        EINTR          12.3 "
				  "Device Self-test stc=0x1 (Short device self-test)\n" },
		{ 0x7f, 0xffffffff, 0xdeadbeef, 0,
		  "nvme             4242    7f     0          ffffffff deadbeef 0              12.3 "
		  "Fabrics Command fctype=0xff (Vendor Specific)\n" },
	};
	struct output_ctx ctx = { .time_style = TIME_WALL };
	struct nvmetrace_record r = { .pid = 4242, .comm = "nvme", .latency_ns = 12345,
				      .flags = NVMETRACE_F_COMPLETED };
	char buf[512], *row;
	size_t i, len;
	FILE *f;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(r.sqe, 0, sizeof(r.sqe));
		put(r.sqe, 0, cases[i].opcode, 1);
		put(r.sqe, 4, cases[i].nsid, 4);
		put(r.sqe, 40, cases[i].cdw10, 4);
		r.status = cases[i].status;
		f = fmemopen(buf, sizeof(buf), "w");
		output_table.record(f, &r, &ctx);
		fclose(f);
		/* Skip the local-time column. */
		row = strchr(buf, ' ');
		len = strspn(row, " ");
		CHECK_EQ_STR(row + len, cases[i].row, "table row opcode %#x cdw10 %#x",
			     cases[i].opcode, cases[i].cdw10);
	}

	/* A hostile comm must not break the table. */
	memcpy(r.comm, "a b\tc\n", 7);
	f = fmemopen(buf, sizeof(buf), "w");
	output_table.record(f, &r, &ctx);
	fclose(f);
	CHECK(strstr(buf, " a?b?c? ") != NULL, "table comm with blanks is one field");
}

static void test_status_split(void)
{
	static const struct {
		uint16_t status;
		struct nvme_status want;
	} cases[] = {
		{ 0x0000, { 0, 0, 0, 0, 0 } },
		/* QEMU's answer to an unknown opcode: DNR | Invalid Opcode */
		{ 0x4001, { .sc = 0x01, .sct = 0, .crd = 0, .more = 0, .dnr = 1 } },
		/* Linux's host-synthesised abort (NVME_SC_HOST_ABORTED_CMD) */
		{ 0x0371, { .sc = 0x71, .sct = 3 } },
		{ 0x7fff, { .sc = 0xff, .sct = 7, .crd = 3, .more = 1, .dnr = 1 } },
		{ 0x2800, { .crd = 1, .more = 1 } },
		{ 0x1000, { .crd = 2 } },
	};
	struct nvme_status st;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		nvme_status_decode(cases[i].status, &st);
		CHECK(st.sc == cases[i].want.sc && st.sct == cases[i].want.sct &&
		      st.crd == cases[i].want.crd && st.more == cases[i].want.more &&
		      st.dnr == cases[i].want.dnr,
		      "status %#06x splits into sct %u sc %#x crd %u more %u dnr %u",
		      cases[i].status, cases[i].want.sct, cases[i].want.sc,
		      cases[i].want.crd, cases[i].want.more, cases[i].want.dnr);
	}
}

static void test_time_styles(void)
{
	struct output_ctx ctx = { .mono_to_real_ns = 1700000000LL * 1000000000LL,
				  .start_ns = 5000000000ull };
	char buf[64];

	setenv("TZ", "UTC", 1);
	tzset();
	ctx.time_style = TIME_WALL;
	output_format_time(buf, sizeof(buf), 6500000000ull, &ctx);
	CHECK_EQ_STR(buf, "22:13:26", "time wall");
	ctx.time_style = TIME_ISO;
	output_format_time(buf, sizeof(buf), 6500123456ull, &ctx);
	CHECK_EQ_STR(buf, "2023-11-14T22:13:26.500123+0000", "time iso");
	ctx.time_style = TIME_REL;
	output_format_time(buf, sizeof(buf), 6500123456ull, &ctx);
	CHECK_EQ_STR(buf, "1.500123", "time rel");
	ctx.time_style = TIME_NS;
	output_format_time(buf, sizeof(buf), 6500123456ull, &ctx);
	CHECK_EQ_STR(buf, "6500123456", "time ns");
}

static void test_errno_names(void)
{
	CHECK_EQ_STR(errno_name(-524), "ENOTSUPP", "errno_name -524");
	CHECK_EQ_STR(errno_name(-ESRCH), "ESRCH", "errno_name -ESRCH");
	CHECK_EQ_STR(errno_name(EPERM), "EPERM", "errno_name EPERM");
	CHECK_EQ_STR(errno_name(4000), "unknown error", "errno_name unknown");
}

int main(void)
{
	test_sqe_fields();
	test_table_rows();
	test_errno_names();
	test_status_split();
	test_time_styles();
	return UNIT_DONE();
}
