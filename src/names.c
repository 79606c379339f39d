// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Opcode numbers come from libnvme's <nvme/types.h>; names follow the NVMe
 * Base Specification 2.0 (Figure 138: Opcodes for Admin Commands), the NVM
 * Command Set Specification 1.0 (Figure 17) and the Zoned Namespace Command
 * Set Specification 1.1, with libnvme's short forms.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <stdio.h>
#include <nvme/types.h>
#include <nvme/util.h>
#include "names.h"

struct opname {
	const char *name;
	const char *short_name;
};

static const struct opname admin_ops[256] = {
	[nvme_admin_delete_sq]		= { "Delete I/O Submission Queue", "delete_sq" },
	[nvme_admin_create_sq]		= { "Create I/O Submission Queue", "create_sq" },
	[nvme_admin_get_log_page]	= { "Get Log Page", "get_log_page" },
	[nvme_admin_delete_cq]		= { "Delete I/O Completion Queue", "delete_cq" },
	[nvme_admin_create_cq]		= { "Create I/O Completion Queue", "create_cq" },
	[nvme_admin_identify]		= { "Identify", "identify" },
	[nvme_admin_abort_cmd]		= { "Abort", "abort" },
	[nvme_admin_set_features]	= { "Set Features", "set_features" },
	[nvme_admin_get_features]	= { "Get Features", "get_features" },
	[nvme_admin_async_event]	= { "Asynchronous Event Request", "async_event" },
	[nvme_admin_ns_mgmt]		= { "Namespace Management", "ns_mgmt" },
	[nvme_admin_fw_commit]		= { "Firmware Commit", "fw_commit" },
	[nvme_admin_fw_download]	= { "Firmware Image Download", "fw_download" },
	[nvme_admin_dev_self_test]	= { "Device Self-test", "dev_self_test" },
	[nvme_admin_ns_attach]		= { "Namespace Attachment", "ns_attach" },
	[nvme_admin_keep_alive]		= { "Keep Alive", "keep_alive" },
	[nvme_admin_directive_send]	= { "Directive Send", "directive_send" },
	[nvme_admin_directive_recv]	= { "Directive Receive", "directive_recv" },
	[nvme_admin_virtual_mgmt]	= { "Virtualization Management", "virtual_mgmt" },
	[nvme_admin_nvme_mi_send]	= { "NVMe-MI Send", "nvme_mi_send" },
	[nvme_admin_nvme_mi_recv]	= { "NVMe-MI Receive", "nvme_mi_recv" },
	[nvme_admin_capacity_mgmt]	= { "Capacity Management", "capacity_mgmt" },
	[nvme_admin_discovery_info_mgmt] = { "Discovery Information Management", "discovery_info_mgmt" },
	[nvme_admin_fabric_zoning_recv]	= { "Fabric Zoning Receive", "fabric_zoning_recv" },
	[nvme_admin_lockdown]		= { "Lockdown", "lockdown" },
	[nvme_admin_fabric_zoning_lookup] = { "Fabric Zoning Lookup", "fabric_zoning_lookup" },
	[nvme_admin_fabric_zoning_send]	= { "Fabric Zoning Send", "fabric_zoning_send" },
	[nvme_admin_dbbuf]		= { "Doorbell Buffer Config", "dbbuf" },
	[nvme_admin_fabrics]		= { "Fabrics Command", "fabrics" },
	[nvme_admin_format_nvm]		= { "Format NVM", "format_nvm" },
	[nvme_admin_security_send]	= { "Security Send", "security_send" },
	[nvme_admin_security_recv]	= { "Security Receive", "security_recv" },
	[nvme_admin_sanitize_nvm]	= { "Sanitize", "sanitize" },
	[nvme_admin_get_lba_status]	= { "Get LBA Status", "get_lba_status" },
};

static const struct opname io_ops[256] = {
	[nvme_cmd_flush]		= { "Flush", "flush" },
	[nvme_cmd_write]		= { "Write", "write" },
	[nvme_cmd_read]			= { "Read", "read" },
	[nvme_cmd_write_uncor]		= { "Write Uncorrectable", "write_uncor" },
	[nvme_cmd_compare]		= { "Compare", "compare" },
	[nvme_cmd_write_zeroes]		= { "Write Zeroes", "write_zeroes" },
	[nvme_cmd_dsm]			= { "Dataset Management", "dsm" },
	[nvme_cmd_verify]		= { "Verify", "verify" },
	[nvme_cmd_resv_register]	= { "Reservation Register", "resv_register" },
	[nvme_cmd_resv_report]		= { "Reservation Report", "resv_report" },
	[nvme_cmd_resv_acquire]		= { "Reservation Acquire", "resv_acquire" },
	[nvme_cmd_io_mgmt_recv]		= { "I/O Management Receive", "io_mgmt_recv" },
	[nvme_cmd_resv_release]		= { "Reservation Release", "resv_release" },
	[nvme_cmd_copy]			= { "Copy", "copy" },
	[nvme_cmd_io_mgmt_send]		= { "I/O Management Send", "io_mgmt_send" },
	[nvme_admin_fabrics]		= { "Fabrics Command", "fabrics" },
	[nvme_zns_cmd_mgmt_send]	= { "Zone Management Send", "zone_mgmt_send" },
	[nvme_zns_cmd_mgmt_recv]	= { "Zone Management Receive", "zone_mgmt_recv" },
	[nvme_zns_cmd_append]		= { "Zone Append", "zone_append" },
};

/* Base 2.0 Figure 138 / NVM 1.0 Figure 17: the vendor specific ranges. */
static bool vendor_specific(enum nvme_qtype qtype, uint8_t opcode)
{
	return qtype == NVME_QTYPE_ADMIN ? opcode >= 0xc0 : opcode >= 0x80;
}

static const struct opname *lookup(enum nvme_qtype qtype, uint8_t opcode)
{
	static const struct opname vendor = { "Vendor Specific", "vendor_specific" };
	const struct opname *t = qtype == NVME_QTYPE_ADMIN ? admin_ops : io_ops;

	if (t[opcode].name)
		return &t[opcode];
	return vendor_specific(qtype, opcode) ? &vendor : NULL;
}

const char *nvme_opcode_name(enum nvme_qtype qtype, uint8_t opcode)
{
	const struct opname *o = lookup(qtype, opcode);

	return o ? o->name : NULL;
}

const char *nvme_opcode_short(enum nvme_qtype qtype, uint8_t opcode)
{
	const struct opname *o = lookup(qtype, opcode);

	return o ? o->short_name : NULL;
}

static int find_name(const struct opname *t, const char *s)
{
	for (int i = 0; i < 256; i++)
		if (t[i].name && (!strcasecmp(t[i].name, s) || !strcasecmp(t[i].short_name, s)))
			return i;
	return -1;
}

int nvme_opcode_parse(const char *s, int *opcode, enum nvme_qtype *qtype)
{
	enum nvme_qtype want = NVME_QTYPE_ANY;
	unsigned long v;
	char *end;
	int a, i;

	if (!strncasecmp(s, "admin:", 6)) {
		want = NVME_QTYPE_ADMIN;
		s += 6;
	} else if (!strncasecmp(s, "io:", 3)) {
		want = NVME_QTYPE_IO;
		s += 3;
	}
	if (!*s)
		return -1;
	if (*s >= '0' && *s <= '9') {
		errno = 0;
		v = strtoul(s, &end, 0);
		if (errno || *end || v > 0xff)
			return -1;
		*opcode = (int)v;
		*qtype = want;
		return 0;
	}
	a = want == NVME_QTYPE_IO ? -1 : find_name(admin_ops, s);
	i = want == NVME_QTYPE_ADMIN ? -1 : find_name(io_ops, s);
	if (a >= 0 && i >= 0)
		return -1;	/* "fabrics": say admin: or io: */
	if (a < 0 && i < 0)
		return -1;
	*opcode = a >= 0 ? a : i;
	*qtype = a >= 0 ? NVME_QTYPE_ADMIN : NVME_QTYPE_IO;
	return 0;
}

/* Base 2.0, Figure 534: Fabrics Command Types. */
const char *nvme_fabrics_type_name(uint8_t fctype)
{
	switch (fctype) {
	case nvme_fabrics_type_property_set:	return "Property Set";
	case nvme_fabrics_type_connect:		return "Connect";
	case nvme_fabrics_type_property_get:	return "Property Get";
	case nvme_fabrics_type_auth_send:	return "Authentication Send";
	case nvme_fabrics_type_auth_receive:	return "Authentication Receive";
	case nvme_fabrics_type_disconnect:	return "Disconnect";
	}
	return fctype >= 0xc0 ? "Vendor Specific" : NULL;
}

/* Base 2.0, Figure 94: Status Code Type values. */
static const char *const sct_names[8] = {
	[NVME_SCT_GENERIC]	= "Generic Command Status",
	[NVME_SCT_CMD_SPECIFIC]	= "Command Specific Status",
	[NVME_SCT_MEDIA]	= "Media and Data Integrity Errors",
	[NVME_SCT_PATH]		= "Path Related Status",
	[NVME_SCT_VS]		= "Vendor Specific",
};

const char *nvme_sct_name(uint8_t sct)
{
	return sct < 8 && sct_names[sct] ? sct_names[sct] : "Reserved";
}

void nvme_status_name(uint16_t status, bool fabrics, char *buf, size_t len)
{
	unsigned sct = (status >> 8) & 0x7, sc = status & 0xff;
	const char *s, *colon;

	/* libnvme knows the specification's codes by SCT << 8 | SC, and
	 * says "unrecognized" or "Unknown status" for the others.
	 */
	s = nvme_status_to_string((int)(status & 0x7ff), fabrics);
	if (s && strcmp(s, "unrecognized") && strcmp(s, "Unknown status")) {
		colon = strchr(s, ':');
		snprintf(buf, len, "%.*s", colon ? (int)(colon - s) : (int)strlen(s), s);
		return;
	}
	/* Base 2.0, 4.6.1.2: C0h-FFh of every type are vendor specific. */
	if (sct == NVME_SCT_VS || sc >= 0xc0)
		snprintf(buf, len, "Vendor Specific Status");
	else
		snprintf(buf, len, "Reserved (SCT %#x SC %#x)", sct, sc);
}
