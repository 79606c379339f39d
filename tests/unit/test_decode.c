// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdint.h>
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
		const char *row;
	} cases[] = {
		{ 0x06, 1, 0, "nvme             4242    6      0          1        0\n" },
		{ 0x06, 1, 3, "nvme             4242    6      0          1        3\n" },
		{ 0x14, 1, 1, "nvme             4242    14     0          1        1\n" },
		{ 0x7f, 0xffffffff, 0xdeadbeef,
		  "nvme             4242    7f     0          ffffffff deadbeef\n" },
	};
	struct clock_ref clock = { .mono_to_real_ns = 0 };
	struct nvmetrace_record r = { .pid = 4242, .comm = "nvme" };
	char buf[256], *row;
	size_t i, len;
	FILE *f;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(r.sqe, 0, sizeof(r.sqe));
		put(r.sqe, 0, cases[i].opcode, 1);
		put(r.sqe, 4, cases[i].nsid, 4);
		put(r.sqe, 40, cases[i].cdw10, 4);
		f = fmemopen(buf, sizeof(buf), "w");
		output_table.record(f, &r, &clock);
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
	output_table.record(f, &r, &clock);
	fclose(f);
	CHECK(strstr(buf, " a?b?c? ") != NULL, "table comm with blanks is one field");
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
	return UNIT_DONE();
}
