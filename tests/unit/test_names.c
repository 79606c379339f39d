// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "names.h"
#include "unit.h"

/* Opcode names against the NVMe specifications (Base 2.0 Figure 138, NVM
 * Command Set 1.0 Figure 17, ZNS 1.1).
 */
static void test_opcode_names(void)
{
	static const struct {
		enum nvme_qtype q;
		unsigned op;
		const char *name, *short_name;
	} cases[] = {
		/* Base 2.0, Opcodes for Admin Commands: every one named. */
		{ NVME_QTYPE_ADMIN, 0x00, "Delete I/O Submission Queue", "delete_sq" },
		{ NVME_QTYPE_ADMIN, 0x01, "Create I/O Submission Queue", "create_sq" },
		{ NVME_QTYPE_ADMIN, 0x02, "Get Log Page", "get_log_page" },
		{ NVME_QTYPE_ADMIN, 0x04, "Delete I/O Completion Queue", "delete_cq" },
		{ NVME_QTYPE_ADMIN, 0x05, "Create I/O Completion Queue", "create_cq" },
		{ NVME_QTYPE_ADMIN, 0x06, "Identify", "identify" },
		{ NVME_QTYPE_ADMIN, 0x08, "Abort", "abort" },
		{ NVME_QTYPE_ADMIN, 0x09, "Set Features", "set_features" },
		{ NVME_QTYPE_ADMIN, 0x0a, "Get Features", "get_features" },
		{ NVME_QTYPE_ADMIN, 0x0c, "Asynchronous Event Request", "async_event" },
		{ NVME_QTYPE_ADMIN, 0x0d, "Namespace Management", "ns_mgmt" },
		{ NVME_QTYPE_ADMIN, 0x10, "Firmware Commit", "fw_commit" },
		{ NVME_QTYPE_ADMIN, 0x11, "Firmware Image Download", "fw_download" },
		{ NVME_QTYPE_ADMIN, 0x14, "Device Self-test", "dev_self_test" },
		{ NVME_QTYPE_ADMIN, 0x15, "Namespace Attachment", "ns_attach" },
		{ NVME_QTYPE_ADMIN, 0x18, "Keep Alive", "keep_alive" },
		{ NVME_QTYPE_ADMIN, 0x19, "Directive Send", "directive_send" },
		{ NVME_QTYPE_ADMIN, 0x1a, "Directive Receive", "directive_recv" },
		{ NVME_QTYPE_ADMIN, 0x1c, "Virtualization Management", "virtual_mgmt" },
		{ NVME_QTYPE_ADMIN, 0x1d, "NVMe-MI Send", "nvme_mi_send" },
		{ NVME_QTYPE_ADMIN, 0x1e, "NVMe-MI Receive", "nvme_mi_recv" },
		{ NVME_QTYPE_ADMIN, 0x20, "Capacity Management", "capacity_mgmt" },
		{ NVME_QTYPE_ADMIN, 0x21, "Discovery Information Management", "discovery_info_mgmt" },
		{ NVME_QTYPE_ADMIN, 0x22, "Fabric Zoning Receive", "fabric_zoning_recv" },
		{ NVME_QTYPE_ADMIN, 0x24, "Lockdown", "lockdown" },
		{ NVME_QTYPE_ADMIN, 0x25, "Fabric Zoning Lookup", "fabric_zoning_lookup" },
		{ NVME_QTYPE_ADMIN, 0x29, "Fabric Zoning Send", "fabric_zoning_send" },
		{ NVME_QTYPE_ADMIN, 0x7c, "Doorbell Buffer Config", "dbbuf" },
		{ NVME_QTYPE_ADMIN, 0x7f, "Fabrics Command", "fabrics" },
		{ NVME_QTYPE_ADMIN, 0x80, "Format NVM", "format_nvm" },
		{ NVME_QTYPE_ADMIN, 0x81, "Security Send", "security_send" },
		{ NVME_QTYPE_ADMIN, 0x82, "Security Receive", "security_recv" },
		{ NVME_QTYPE_ADMIN, 0x84, "Sanitize", "sanitize" },
		{ NVME_QTYPE_ADMIN, 0x86, "Get LBA Status", "get_lba_status" },
		/* Vendor specific range, and reserved values: no name. */
		{ NVME_QTYPE_ADMIN, 0xc0, "Vendor Specific", "vendor_specific" },
		{ NVME_QTYPE_ADMIN, 0xd7, "Vendor Specific", "vendor_specific" },
		{ NVME_QTYPE_ADMIN, 0xff, "Vendor Specific", "vendor_specific" },
		{ NVME_QTYPE_ADMIN, 0x03, NULL, NULL },
		{ NVME_QTYPE_ADMIN, 0x07, NULL, NULL },
		{ NVME_QTYPE_ADMIN, 0x0b, NULL, NULL },
		{ NVME_QTYPE_ADMIN, 0x0e, NULL, NULL },
		{ NVME_QTYPE_ADMIN, 0x0f, NULL, NULL },
		{ NVME_QTYPE_ADMIN, 0x12, NULL, NULL },
		{ NVME_QTYPE_ADMIN, 0x13, NULL, NULL },
		{ NVME_QTYPE_ADMIN, 0x16, NULL, NULL },
		{ NVME_QTYPE_ADMIN, 0x17, NULL, NULL },
		{ NVME_QTYPE_ADMIN, 0x1b, NULL, NULL },
		{ NVME_QTYPE_ADMIN, 0x1f, NULL, NULL },
		{ NVME_QTYPE_ADMIN, 0x23, NULL, NULL },
		{ NVME_QTYPE_ADMIN, 0x7b, NULL, NULL },
		{ NVME_QTYPE_ADMIN, 0x7e, NULL, NULL },
		{ NVME_QTYPE_ADMIN, 0x83, NULL, NULL },
		{ NVME_QTYPE_ADMIN, 0x85, NULL, NULL },
		{ NVME_QTYPE_ADMIN, 0x87, NULL, NULL },
		{ NVME_QTYPE_ADMIN, 0xbf, NULL, NULL },
		/* NVM Command Set 1.0 and ZNS 1.1 I/O opcodes. */
		{ NVME_QTYPE_IO, 0x00, "Flush", "flush" },
		{ NVME_QTYPE_IO, 0x01, "Write", "write" },
		{ NVME_QTYPE_IO, 0x02, "Read", "read" },
		{ NVME_QTYPE_IO, 0x04, "Write Uncorrectable", "write_uncor" },
		{ NVME_QTYPE_IO, 0x05, "Compare", "compare" },
		{ NVME_QTYPE_IO, 0x08, "Write Zeroes", "write_zeroes" },
		{ NVME_QTYPE_IO, 0x09, "Dataset Management", "dsm" },
		{ NVME_QTYPE_IO, 0x0c, "Verify", "verify" },
		{ NVME_QTYPE_IO, 0x0d, "Reservation Register", "resv_register" },
		{ NVME_QTYPE_IO, 0x0e, "Reservation Report", "resv_report" },
		{ NVME_QTYPE_IO, 0x11, "Reservation Acquire", "resv_acquire" },
		{ NVME_QTYPE_IO, 0x12, "I/O Management Receive", "io_mgmt_recv" },
		{ NVME_QTYPE_IO, 0x15, "Reservation Release", "resv_release" },
		{ NVME_QTYPE_IO, 0x19, "Copy", "copy" },
		{ NVME_QTYPE_IO, 0x1d, "I/O Management Send", "io_mgmt_send" },
		{ NVME_QTYPE_IO, 0x79, "Zone Management Send", "zone_mgmt_send" },
		{ NVME_QTYPE_IO, 0x7a, "Zone Management Receive", "zone_mgmt_recv" },
		{ NVME_QTYPE_IO, 0x7d, "Zone Append", "zone_append" },
		{ NVME_QTYPE_IO, 0x7f, "Fabrics Command", "fabrics" },
		{ NVME_QTYPE_IO, 0x80, "Vendor Specific", "vendor_specific" },
		{ NVME_QTYPE_IO, 0xa5, "Vendor Specific", "vendor_specific" },
		{ NVME_QTYPE_IO, 0xff, "Vendor Specific", "vendor_specific" },
		{ NVME_QTYPE_IO, 0x03, NULL, NULL },
		{ NVME_QTYPE_IO, 0x06, NULL, NULL },
		{ NVME_QTYPE_IO, 0x07, NULL, NULL },
		{ NVME_QTYPE_IO, 0x0a, NULL, NULL },
		{ NVME_QTYPE_IO, 0x0b, NULL, NULL },
		{ NVME_QTYPE_IO, 0x0f, NULL, NULL },
		{ NVME_QTYPE_IO, 0x10, NULL, NULL },
		{ NVME_QTYPE_IO, 0x13, NULL, NULL },
		{ NVME_QTYPE_IO, 0x14, NULL, NULL },
		{ NVME_QTYPE_IO, 0x16, NULL, NULL },
		{ NVME_QTYPE_IO, 0x18, NULL, NULL },
		{ NVME_QTYPE_IO, 0x1a, NULL, NULL },
		{ NVME_QTYPE_IO, 0x78, NULL, NULL },
		{ NVME_QTYPE_IO, 0x7b, NULL, NULL },
		{ NVME_QTYPE_IO, 0x7c, NULL, NULL },
		{ NVME_QTYPE_IO, 0x7e, NULL, NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_EQ_STR(nvme_opcode_name(cases[i].q, cases[i].op), cases[i].name,
			     "%s opcode %#x name", cases[i].q ? "io" : "admin", cases[i].op);
		CHECK_EQ_STR(nvme_opcode_short(cases[i].q, cases[i].op), cases[i].short_name,
			     "%s opcode %#x short name", cases[i].q ? "io" : "admin", cases[i].op);
	}
}

static void test_opcode_parse(void)
{
	static const struct {
		const char *s;
		int ret, op;
		enum nvme_qtype q;
	} cases[] = {
		{ "6", 0, 6, NVME_QTYPE_ANY },
		{ "0x14", 0, 0x14, NVME_QTYPE_ANY },
		{ "0xff", 0, 0xff, NVME_QTYPE_ANY },
		{ "identify", 0, 6, NVME_QTYPE_ADMIN },
		{ "Get Log Page", 0, 2, NVME_QTYPE_ADMIN },
		{ "read", 0, 2, NVME_QTYPE_IO },
		{ "READ", 0, 2, NVME_QTYPE_IO },
		{ "admin:0x2", 0, 2, NVME_QTYPE_ADMIN },
		{ "io:write", 0, 1, NVME_QTYPE_IO },
		{ "io:fabrics", 0, 0x7f, NVME_QTYPE_IO },
		{ "fabrics", -1, 0, 0 },	/* in both tables */
		{ "0x100", -1, 0, 0 },
		{ "-1", -1, 0, 0 },
		{ "bogus", -1, 0, 0 },
		{ "admin:", -1, 0, 0 },
		{ "admin:read", -1, 0, 0 },
		{ "", -1, 0, 0 },
		{ "6x", -1, 0, 0 },
	};
	enum nvme_qtype q;
	int op, ret;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		op = -2;
		q = -2;
		ret = nvme_opcode_parse(cases[i].s, &op, &q);
		if (cases[i].ret)
			CHECK(ret == -1, "opcode parse '%s' rejected", cases[i].s);
		else
			CHECK(ret == 0 && op == cases[i].op && q == cases[i].q,
			      "opcode parse '%s' -> %#x (%d)", cases[i].s, cases[i].op, cases[i].q);
	}
}

int main(void)
{
	test_opcode_names();
	test_opcode_parse();
	return UNIT_DONE();
}
