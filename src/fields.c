// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Field splitting of submission queue entries.
 *
 * References: NVM Express Base Specification 2.0 (admin commands, section 5;
 * fabrics commands, section 6), NVM Command Set Specification 1.0 (I/O
 * commands, section 3.2), Zoned Namespace Command Set Specification 1.1.
 * Value constants come from libnvme's <nvme/types.h>; bit positions are
 * written as BITS(dword, high, low) after the specification's figures.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <nvme/types.h>
#include "digits.h"
#include "fields.h"

#define BITS(v, hi, lo) (((uint64_t)(v) >> (lo)) & ((1ull << ((hi) - (lo) + 1)) - 1))
#define BIT(v, b) BITS(v, b, b)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Bounds-checked name lookup in a designated-initializer table. */
#define NAME(table, v) ((uint64_t)(v) < ARRAY_SIZE(table) ? (table)[v] : NULL)

/* ---- value names ------------------------------------------------------------- */

/* Base 2.0: CNS values. */
static const char *const cns_names[] = {
	[NVME_IDENTIFY_CNS_NS]			= "Identify Namespace",
	[NVME_IDENTIFY_CNS_CTRL]		= "Identify Controller",
	[NVME_IDENTIFY_CNS_NS_ACTIVE_LIST]	= "Active Namespace ID list",
	[NVME_IDENTIFY_CNS_NS_DESC_LIST]	= "Namespace Identification Descriptor list",
	[NVME_IDENTIFY_CNS_NVMSET_LIST]		= "NVM Set List",
	[NVME_IDENTIFY_CNS_CSI_NS]		= "I/O Command Set specific Identify Namespace",
	[NVME_IDENTIFY_CNS_CSI_CTRL]		= "I/O Command Set specific Identify Controller",
	[NVME_IDENTIFY_CNS_CSI_NS_ACTIVE_LIST]	= "I/O Command Set specific Active Namespace ID list",
	[NVME_IDENTIFY_CNS_CSI_INDEPENDENT_ID_NS] = "I/O Command Set Independent Identify Namespace",
	[NVME_IDENTIFY_CNS_NS_USER_DATA_FORMAT]	= "Identify Namespace for a Format Index",
	[NVME_IDENTIFY_CNS_CSI_NS_USER_DATA_FORMAT] = "I/O Command Set specific Identify Namespace for a Format Index",
	[NVME_IDENTIFY_CNS_ALLOCATED_NS_LIST]	= "Allocated Namespace ID list",
	[NVME_IDENTIFY_CNS_ALLOCATED_NS]	= "Identify Namespace for an Allocated NSID",
	[NVME_IDENTIFY_CNS_NS_CTRL_LIST]	= "Attached Controller list",
	[NVME_IDENTIFY_CNS_CTRL_LIST]		= "Controller list",
	[NVME_IDENTIFY_CNS_PRIMARY_CTRL_CAP]	= "Primary Controller Capabilities",
	[NVME_IDENTIFY_CNS_SECONDARY_CTRL_LIST]	= "Secondary Controller list",
	[NVME_IDENTIFY_CNS_NS_GRANULARITY]	= "Namespace Granularity List",
	[NVME_IDENTIFY_CNS_UUID_LIST]		= "UUID List",
	[NVME_IDENTIFY_CNS_DOMAIN_LIST]		= "Domain List",
	[NVME_IDENTIFY_CNS_ENDURANCE_GROUP_ID]	= "Endurance Group List",
	[NVME_IDENTIFY_CNS_CSI_ALLOCATED_NS_LIST] = "I/O Command Set specific Allocated Namespace ID list",
	[NVME_IDENTIFY_CNS_CSI_ID_NS_DATA_STRUCTURE] = "I/O Command Set specific Identify Namespace for an Allocated NSID",
	[NVME_IDENTIFY_CNS_COMMAND_SET_STRUCTURE] = "Identify I/O Command Set data structure",
};

/* Base 2.0: Command Set Identifiers. */
static const char *const csi_names[] = {
	[NVME_CSI_NVM]	= "NVM Command Set",
	[NVME_CSI_KV]	= "Key Value Command Set",
	[NVME_CSI_ZNS]	= "Zoned Namespace Command Set",
};

/* Base 2.0: Log Page Identifiers (plus the NVM Command Set's
 * and ZNS's).
 */
static const char *const lid_names[] = {
	[NVME_LOG_LID_SUPPORTED_LOG_PAGES]	= "Supported Log Pages",
	[NVME_LOG_LID_ERROR]			= "Error Information",
	[NVME_LOG_LID_SMART]			= "SMART / Health Information",
	[NVME_LOG_LID_FW_SLOT]			= "Firmware Slot Information",
	[NVME_LOG_LID_CHANGED_NS]		= "Changed Namespace List",
	[NVME_LOG_LID_CMD_EFFECTS]		= "Commands Supported and Effects",
	[NVME_LOG_LID_DEVICE_SELF_TEST]		= "Device Self-test",
	[NVME_LOG_LID_TELEMETRY_HOST]		= "Telemetry Host-Initiated",
	[NVME_LOG_LID_TELEMETRY_CTRL]		= "Telemetry Controller-Initiated",
	[NVME_LOG_LID_ENDURANCE_GROUP]		= "Endurance Group Information",
	[NVME_LOG_LID_PREDICTABLE_LAT_NVMSET]	= "Predictable Latency Per NVM Set",
	[NVME_LOG_LID_PREDICTABLE_LAT_AGG]	= "Predictable Latency Event Aggregate",
	[NVME_LOG_LID_ANA]			= "Asymmetric Namespace Access",
	[NVME_LOG_LID_PERSISTENT_EVENT]		= "Persistent Event Log",
	[NVME_LOG_LID_LBA_STATUS]		= "LBA Status Information",
	[NVME_LOG_LID_ENDURANCE_GRP_EVT]	= "Endurance Group Event Aggregate",
	[NVME_LOG_LID_MEDIA_UNIT_STATUS]	= "Media Unit Status",
	[NVME_LOG_LID_SUPPORTED_CAP_CONFIG_LIST] = "Supported Capacity Configuration List",
	[NVME_LOG_LID_FID_SUPPORTED_EFFECTS]	= "Feature Identifiers Supported and Effects",
	[NVME_LOG_LID_MI_CMD_SUPPORTED_EFFECTS]	= "NVMe-MI Commands Supported and Effects",
	[0x14]					= "Command and Feature Lockdown",
	[NVME_LOG_LID_BOOT_PARTITION]		= "Boot Partition",
	[0x16]					= "Rotational Media Information",
	[NVME_LOG_LID_FDP_CONFIGS]		= "FDP Configurations",
	[NVME_LOG_LID_FDP_RUH_USAGE]		= "Reclaim Unit Handle Usage",
	[NVME_LOG_LID_FDP_STATS]		= "FDP Statistics",
	[NVME_LOG_LID_FDP_EVENTS]		= "FDP Events",
	[NVME_LOG_LID_DISCOVER]			= "Discovery",
	[0x71]					= "Host Discovery",
	[0x72]					= "AVE Discovery",
	[0x73]					= "Pull Model DDC Request",
	[NVME_LOG_LID_RESERVATION]		= "Reservation Notification",
	[NVME_LOG_LID_SANITIZE]			= "Sanitize Status",
	[NVME_LOG_LID_ZNS_CHANGED_ZONES]	= "Changed Zone List",
};

/* Base 2.0: Feature Identifiers. */
static const char *const fid_names[] = {
	[NVME_FEAT_FID_ARBITRATION]	= "Arbitration",
	[NVME_FEAT_FID_POWER_MGMT]	= "Power Management",
	[NVME_FEAT_FID_LBA_RANGE]	= "LBA Range Type",
	[NVME_FEAT_FID_TEMP_THRESH]	= "Temperature Threshold",
	[NVME_FEAT_FID_ERR_RECOVERY]	= "Error Recovery",
	[NVME_FEAT_FID_VOLATILE_WC]	= "Volatile Write Cache",
	[NVME_FEAT_FID_NUM_QUEUES]	= "Number of Queues",
	[NVME_FEAT_FID_IRQ_COALESCE]	= "Interrupt Coalescing",
	[NVME_FEAT_FID_IRQ_CONFIG]	= "Interrupt Vector Configuration",
	[NVME_FEAT_FID_WRITE_ATOMIC]	= "Write Atomicity Normal",
	[NVME_FEAT_FID_ASYNC_EVENT]	= "Asynchronous Event Configuration",
	[NVME_FEAT_FID_AUTO_PST]	= "Autonomous Power State Transition",
	[NVME_FEAT_FID_HOST_MEM_BUF]	= "Host Memory Buffer",
	[NVME_FEAT_FID_TIMESTAMP]	= "Timestamp",
	[NVME_FEAT_FID_KATO]		= "Keep Alive Timer",
	[NVME_FEAT_FID_HCTM]		= "Host Controlled Thermal Management",
	[NVME_FEAT_FID_NOPSC]		= "Non-Operational Power State Config",
	[NVME_FEAT_FID_RRL]		= "Read Recovery Level Config",
	[NVME_FEAT_FID_PLM_CONFIG]	= "Predictable Latency Mode Config",
	[NVME_FEAT_FID_PLM_WINDOW]	= "Predictable Latency Mode Window",
	[NVME_FEAT_FID_LBA_STS_INTERVAL] = "LBA Status Information Attributes",
	[NVME_FEAT_FID_HOST_BEHAVIOR]	= "Host Behavior Support",
	[NVME_FEAT_FID_SANITIZE]	= "Sanitize Config",
	[NVME_FEAT_FID_ENDURANCE_EVT_CFG] = "Endurance Group Event Configuration",
	[NVME_FEAT_FID_IOCS_PROFILE]	= "I/O Command Set Profile",
	[NVME_FEAT_FID_SPINUP_CONTROL]	= "Spinup Control",
	[NVME_FEAT_FID_FDP]		= "Flexible Data Placement",
	[NVME_FEAT_FID_FDP_EVENTS]	= "FDP Events",
	[NVME_FEAT_FID_ENH_CTRL_METADATA] = "Enhanced Controller Metadata",
	[NVME_FEAT_FID_CTRL_METADATA]	= "Controller Metadata",
	[NVME_FEAT_FID_NS_METADATA]	= "Namespace Metadata",
	[NVME_FEAT_FID_SW_PROGRESS]	= "Software Progress Marker",
	[NVME_FEAT_FID_HOST_ID]		= "Host Identifier",
	[NVME_FEAT_FID_RESV_MASK]	= "Reservation Notification Mask",
	[NVME_FEAT_FID_RESV_PERSIST]	= "Reservation Persistence",
	[NVME_FEAT_FID_WRITE_PROTECT]	= "Namespace Write Protection Config",
};

/* Base 2.0: Select. */
static const char *const sel_names[] = {
	[0] = "Current", [1] = "Default", [2] = "Saved", [3] = "Supported Capabilities",
};

/* Base 2.0: Self-test Code. */
static const char *const stc_names[] = {
	[NVME_DST_STC_SHORT]	= "Short device self-test",
	[NVME_DST_STC_LONG]	= "Extended device self-test",
	[NVME_DST_STC_VS]	= "Vendor specific",
	[NVME_DST_STC_ABORT]	= "Abort device self-test",
};

/* Base 2.0: Sanitize Action. */
static const char *const sanact_names[] = {
	[NVME_SANITIZE_SANACT_EXIT_FAILURE]		= "Exit Failure Mode",
	[NVME_SANITIZE_SANACT_START_BLOCK_ERASE]	= "Start a Block Erase sanitize operation",
	[NVME_SANITIZE_SANACT_START_OVERWRITE]		= "Start an Overwrite sanitize operation",
	[NVME_SANITIZE_SANACT_START_CRYPTO_ERASE]	= "Start a Crypto Erase sanitize operation",
};

/* NVM Command Set 1.0: Secure Erase Settings. */
static const char *const ses_names[] = {
	[0] = "No secure erase", [1] = "User Data Erase", [2] = "Cryptographic Erase",
};

/* Base 2.0: Commit Action. */
static const char *const ca_names[] = {
	[NVME_FW_COMMIT_CA_REPLACE]			= "Replace image, not activated",
	[NVME_FW_COMMIT_CA_REPLACE_AND_ACTIVATE]	= "Replace image, activate at next reset",
	[NVME_FW_COMMIT_CA_SET_ACTIVE]			= "Activate slot at next reset",
	[NVME_FW_COMMIT_CA_REPLACE_AND_ACTIVATE_IMMEDIATE] = "Replace image, activate immediately",
	[NVME_FW_COMMIT_CA_REPLACE_BOOT_PARTITION]	= "Replace boot partition",
	[NVME_FW_COMMIT_CA_ACTIVATE_BOOT_PARTITION]	= "Mark boot partition active",
};

static const char *const ns_mgmt_sel_names[] = { [0] = "Create", [1] = "Delete" };
static const char *const ns_attach_sel_names[] = {
	[0] = "Controller Attach", [1] = "Controller Detach",
};

/* Base 2.0: queue priority. */
static const char *const qprio_names[] = {
	[0] = "Urgent", [1] = "High", [2] = "Medium", [3] = "Low",
};

/* Base 2.0: Directive Types. */
static const char *const dtype_names[] = {
	[0] = "Identify", [1] = "Streams", [2] = "Data Placement",
};

/* Base 2.0: Virtualization Management actions and resources. */
static const char *const virt_act_names[] = {
	[NVME_VIRT_MGMT_ACT_PRIM_CTRL_FLEX_ALLOC]	= "Primary Controller Flexible Allocation",
	[NVME_VIRT_MGMT_ACT_OFFLINE_SEC_CTRL]		= "Secondary Controller Offline",
	[NVME_VIRT_MGMT_ACT_ASSIGN_SEC_CTRL]		= "Secondary Controller Assign",
	[NVME_VIRT_MGMT_ACT_ONLINE_SEC_CTRL]		= "Secondary Controller Online",
};
static const char *const virt_rt_names[] = {
	[0] = "VQ Resources", [1] = "VI Resources",
};

/* Base 2.0: Get LBA Status Action Type. */
static const char *const atype_names[] = {
	[NVME_LBA_STATUS_ATYPE_SCAN_UNTRACKED]	= "Untracked LBAs",
	[NVME_LBA_STATUS_ATYPE_SCAN_TRACKED]	= "Tracked LBAs",
};

/* NVM Command Set 1.0: reservations. */
static const char *const rtype_names[] = {
	[NVME_RESERVATION_RTYPE_WE]	= "Write Exclusive",
	[NVME_RESERVATION_RTYPE_EA]	= "Exclusive Access",
	[NVME_RESERVATION_RTYPE_WERO]	= "Write Exclusive - Registrants Only",
	[NVME_RESERVATION_RTYPE_EARO]	= "Exclusive Access - Registrants Only",
	[NVME_RESERVATION_RTYPE_WEAR]	= "Write Exclusive - All Registrants",
	[NVME_RESERVATION_RTYPE_EAAR]	= "Exclusive Access - All Registrants",
};
static const char *const racqa_names[] = {
	[0] = "Acquire", [1] = "Preempt", [2] = "Preempt and Abort",
};
static const char *const rrega_names[] = {
	[0] = "Register Reservation Key", [1] = "Unregister Reservation Key",
	[2] = "Replace Reservation Key",
};
static const char *const cptpl_names[] = {
	[0] = "No change to PTPL state", [2] = "Reservations are released on power loss",
	[3] = "Reservations persist across power loss",
};
static const char *const rrela_names[] = { [0] = "Release", [1] = "Clear" };

/* ZNS 1.1: Zone Send Action, Zone Receive Action and its filter. */
static const char *const zsa_names[] = {
	[NVME_ZNS_ZSA_CLOSE]		= "Close Zone",
	[NVME_ZNS_ZSA_FINISH]		= "Finish Zone",
	[NVME_ZNS_ZSA_OPEN]		= "Open Zone",
	[NVME_ZNS_ZSA_RESET]		= "Reset Zone",
	[NVME_ZNS_ZSA_OFFLINE]		= "Offline Zone",
	[NVME_ZNS_ZSA_SET_DESC_EXT]	= "Set Zone Descriptor Extension",
	[NVME_ZNS_ZSA_ZRWA_FLUSH]	= "Flush Explicit ZRWA Range",
};
static const char *const zra_names[] = {
	[NVME_ZNS_ZRA_REPORT_ZONES]		= "Report Zones",
	[NVME_ZNS_ZRA_EXTENDED_REPORT_ZONES]	= "Extended Report Zones",
};
static const char *const zrasf_names[] = {
	[0] = "List all zones", [1] = "Zones in ZSE:Empty", [2] = "Zones in ZSIO:Implicitly Opened",
	[3] = "Zones in ZSEO:Explicitly Opened", [4] = "Zones in ZSC:Closed",
	[5] = "Zones in ZSF:Full", [6] = "Zones in ZSRO:Read Only", [7] = "Zones in ZSO:Offline",
};

/* Base 2.0: Controller Properties (register offsets). */
static const char *register_name(uint32_t ofst)
{
	switch (ofst) {
	case NVME_REG_CAP:	return "CAP (Controller Capabilities)";
	case NVME_REG_VS:	return "VS (Version)";
	case NVME_REG_INTMS:	return "INTMS (Interrupt Mask Set)";
	case NVME_REG_INTMC:	return "INTMC (Interrupt Mask Clear)";
	case NVME_REG_CC:	return "CC (Controller Configuration)";
	case NVME_REG_CSTS:	return "CSTS (Controller Status)";
	case NVME_REG_NSSR:	return "NSSR (NVM Subsystem Reset)";
	case NVME_REG_AQA:	return "AQA (Admin Queue Attributes)";
	case NVME_REG_ASQ:	return "ASQ (Admin Submission Queue Base Address)";
	case NVME_REG_ACQ:	return "ACQ (Admin Completion Queue Base Address)";
	case NVME_REG_CMBLOC:	return "CMBLOC (Controller Memory Buffer Location)";
	case NVME_REG_CMBSZ:	return "CMBSZ (Controller Memory Buffer Size)";
	case NVME_REG_BPINFO:	return "BPINFO (Boot Partition Information)";
	case NVME_REG_BPRSEL:	return "BPRSEL (Boot Partition Read Select)";
	case NVME_REG_BPMBL:	return "BPMBL (Boot Partition Memory Buffer Location)";
	case NVME_REG_CMBMSC:	return "CMBMSC (Controller Memory Buffer Memory Space Control)";
	case NVME_REG_CMBSTS:	return "CMBSTS (Controller Memory Buffer Status)";
	case 0x5c:		return "CMBEBS (Controller Memory Buffer Elasticity Buffer Size)";
	case 0x60:		return "CMBSWTP (Controller Memory Buffer Sustained Write Throughput)";
	case 0x64:		return "NSSD (NVM Subsystem Shutdown)";
	case NVME_REG_CRTO:	return "CRTO (Controller Ready Timeouts)";
	case NVME_REG_PMRCAP:	return "PMRCAP (Persistent Memory Capabilities)";
	case NVME_REG_PMRCTL:	return "PMRCTL (Persistent Memory Region Control)";
	case NVME_REG_PMRSTS:	return "PMRSTS (Persistent Memory Region Status)";
	case NVME_REG_PMREBS:	return "PMREBS (Persistent Memory Region Elasticity Buffer Size)";
	case NVME_REG_PMRSWTP:	return "PMRSWTP (Persistent Memory Region Sustained Write Throughput)";
	case NVME_REG_PMRMSCL:	return "PMRMSCL (Persistent Memory Region Controller Memory Space Control Lower)";
	case NVME_REG_PMRMSCU:	return "PMRMSCU (Persistent Memory Region Controller Memory Space Control Upper)";
	}
	return NULL;
}

/* ---- building the list ------------------------------------------------------------ */

static void add(struct nvme_fields *out, const char *key, uint64_t value,
		enum nvme_field_kind kind, const char *name, int64_t bytes)
{
	struct nvme_field *f;

	if (out->n >= NVME_MAX_FIELDS)
		return;
	f = &out->f[out->n++];
	f->key = key;
	f->value = value;
	f->kind = kind;
	f->name = name;
	f->bytes = bytes;
}

static void num(struct nvme_fields *o, const char *key, uint64_t v)
{
	add(o, key, v, NVME_FIELD_NUM, NULL, -1);
}

static void hex(struct nvme_fields *o, const char *key, uint64_t v, const char *name)
{
	add(o, key, v, NVME_FIELD_HEX, name, -1);
}

/* A 0's based dword count: shown as the real count with its size. */
static void dwords(struct nvme_fields *o, const char *key, uint64_t zero_based)
{
	add(o, key, zero_based + 1, NVME_FIELD_NUM, NULL, (int64_t)(zero_based + 1) * 4);
}

static void flag(struct nvme_fields *o, const char *key, uint64_t set)
{
	if (set)
		add(o, key, 1, NVME_FIELD_FLAG, NULL, -1);
}

/* Only when non-zero: fields that are usually unused. */
static void num_nz(struct nvme_fields *o, const char *key, uint64_t v)
{
	if (v)
		num(o, key, v);
}

static void hex_nz(struct nvme_fields *o, const char *key, uint64_t v)
{
	if (v)
		hex(o, key, v, NULL);
}

/* CDW14 bits 06:00 of several admin commands: UUID Index. */
static void uuid_index(struct nvme_fields *o, const struct nvme_sqe *s)
{
	num_nz(o, "uidx", BITS(s->cdw14, 6, 0));
}

/* ---- admin commands ------------------------------------------------------------- */

static void identify(const struct nvme_sqe *s, struct nvme_fields *o)
{
	uint64_t cns = BITS(s->cdw10, 7, 0), csi = BITS(s->cdw11, 31, 24);

	/* CDW10 CNS 07:00, CNTID 31:16; CDW11 CNSSID 15:00,
	 * CSI 31:24.
	 */
	hex(o, "cns", cns, NAME(cns_names, cns));
	num_nz(o, "cntid", BITS(s->cdw10, 31, 16));
	num_nz(o, "cnssid", BITS(s->cdw11, 15, 0));
	if (csi || cns == NVME_IDENTIFY_CNS_CSI_NS || cns == NVME_IDENTIFY_CNS_CSI_CTRL ||
	    cns == NVME_IDENTIFY_CNS_CSI_NS_ACTIVE_LIST)
		hex(o, "csi", csi, NAME(csi_names, csi));
	uuid_index(o, s);
}

static void get_log_page(const struct nvme_sqe *s, struct nvme_fields *o)
{
	uint64_t lid = BITS(s->cdw10, 7, 0);
	uint64_t numd = BITS(s->cdw11, 15, 0) << 16 | BITS(s->cdw10, 31, 16);

	/* CDW10 LID 07:00, LSP 14:08, RAE 15, NUMDL 31:16;
	 * CDW11 NUMDU 15:00, LSI 31:16; CDW12-13 LPO; CDW14 UUID 06:00,
	 * OT 23, CSI 31:24.
	 */
	hex(o, "lid", lid, lid >= 0xc0 ? "Vendor Specific" : NAME(lid_names, lid));
	hex_nz(o, "lsp", BITS(s->cdw10, 14, 8));
	flag(o, "rae", BIT(s->cdw10, 15));
	dwords(o, "numd", numd);
	num_nz(o, "lsi", BITS(s->cdw11, 31, 16));
	num_nz(o, "lpo", (uint64_t)s->cdw13 << 32 | s->cdw12);
	uuid_index(o, s);
	flag(o, "ot", BIT(s->cdw14, 23));
	if (BITS(s->cdw14, 31, 24))
		hex(o, "csi", BITS(s->cdw14, 31, 24), NAME(csi_names, BITS(s->cdw14, 31, 24)));
}

/* The value of a feature, in CDW11 (and for a few, CDW12-15): split for
 * the common features. Set Features carries it; Get Features carries it
 * for the features whose CDW11 selects something (temperature threshold).
 */
static void feature_value(const struct nvme_sqe *s, uint64_t fid, bool set,
			  struct nvme_fields *o)
{
	uint32_t v = s->cdw11;

	switch (fid) {
	case NVME_FEAT_FID_ARBITRATION:
		if (!set)
			break;
		num(o, "ab", BITS(v, 2, 0));
		num(o, "lpw", BITS(v, 15, 8));
		num(o, "mpw", BITS(v, 23, 16));
		num(o, "hpw", BITS(v, 31, 24));
		break;
	case NVME_FEAT_FID_POWER_MGMT:
		if (!set)
			break;
		num(o, "ps", BITS(v, 4, 0));
		num_nz(o, "wh", BITS(v, 7, 5));
		break;
	case NVME_FEAT_FID_TEMP_THRESH:
		if (set)
			num(o, "tmpth", BITS(v, 15, 0));	/* Kelvin */
		num(o, "tmpsel", BITS(v, 19, 16));
		hex(o, "thsel", BITS(v, 21, 20), BITS(v, 21, 20) == 0 ? "Over Temperature Threshold" :
			BITS(v, 21, 20) == 1 ? "Under Temperature Threshold" : NULL);
		break;
	case NVME_FEAT_FID_ERR_RECOVERY:
		if (!set)
			break;
		num(o, "tler", BITS(v, 15, 0));		/* 100 ms units */
		flag(o, "dulbe", BIT(v, 16));
		break;
	case NVME_FEAT_FID_VOLATILE_WC:
		if (set)
			num(o, "wce", BIT(v, 0));
		break;
	case NVME_FEAT_FID_NUM_QUEUES:
		if (!set)
			break;
		num(o, "nsqr", BITS(v, 15, 0) + 1);
		num(o, "ncqr", BITS(v, 31, 16) + 1);
		break;
	case NVME_FEAT_FID_IRQ_COALESCE:
		if (!set)
			break;
		num(o, "thr", BITS(v, 7, 0) + 1);
		num(o, "time", BITS(v, 15, 8));		/* 100 us units */
		break;
	case NVME_FEAT_FID_IRQ_CONFIG:
		num(o, "iv", BITS(v, 15, 0));
		if (set)
			flag(o, "cd", BIT(v, 16));
		break;
	case NVME_FEAT_FID_WRITE_ATOMIC:
		if (set)
			flag(o, "dn", BIT(v, 0));
		break;
	case NVME_FEAT_FID_ASYNC_EVENT:
		if (!set)
			break;
		hex(o, "shcw", BITS(v, 7, 0), "SMART / Health Critical Warnings");
		flag(o, "nan", BIT(v, 8));
		flag(o, "fan", BIT(v, 9));
		flag(o, "tln", BIT(v, 10));
		flag(o, "anacn", BIT(v, 11));
		flag(o, "plealcn", BIT(v, 12));
		flag(o, "lsian", BIT(v, 13));
		flag(o, "egealcn", BIT(v, 14));
		flag(o, "nnsn", BIT(v, 15));
		flag(o, "dlpcn", BIT(v, 31));
		break;
	case NVME_FEAT_FID_AUTO_PST:
		if (set)
			num(o, "apste", BIT(v, 0));
		break;
	case NVME_FEAT_FID_HOST_MEM_BUF:
		if (!set)
			break;
		flag(o, "ehm", BIT(v, 0));
		flag(o, "mr", BIT(v, 1));
		num(o, "hsize", s->cdw12);		/* memory pages */
		num_nz(o, "hmdla", (uint64_t)s->cdw14 << 32 | s->cdw13);
		num_nz(o, "hmdlec", s->cdw15);
		break;
	case NVME_FEAT_FID_KATO:
		if (set)
			num(o, "kato", v);		/* ms */
		break;
	case NVME_FEAT_FID_HCTM:
		if (!set)
			break;
		num(o, "tmt1", BITS(v, 31, 16));
		num(o, "tmt2", BITS(v, 15, 0));
		break;
	case NVME_FEAT_FID_NOPSC:
		if (set)
			num(o, "noppme", BIT(v, 0));
		break;
	case NVME_FEAT_FID_SW_PROGRESS:
		if (set)
			num(o, "pbslc", BITS(v, 7, 0));
		break;
	case NVME_FEAT_FID_HOST_ID:
		flag(o, "exhid", BIT(v, 0));
		break;
	case NVME_FEAT_FID_RESV_MASK:		/* NVM 1.0 */
		if (!set)
			break;
		flag(o, "regpre", BIT(v, 1));
		flag(o, "resrel", BIT(v, 2));
		flag(o, "respre", BIT(v, 3));
		break;
	case NVME_FEAT_FID_RESV_PERSIST:	/* NVM 1.0 */
		if (set)
			num(o, "ptpl", BIT(v, 0));
		break;
	case NVME_FEAT_FID_WRITE_PROTECT:
		if (set)
			num(o, "wps", BITS(v, 2, 0));
		break;
	}
}

static void features(const struct nvme_sqe *s, bool set, struct nvme_fields *o)
{
	uint64_t fid = BITS(s->cdw10, 7, 0);


	hex(o, "fid", fid, fid >= 0xc0 ? "Vendor Specific" : NAME(fid_names, fid));
	if (set)
		flag(o, "sv", BIT(s->cdw10, 31));
	else
		add(o, "sel", BITS(s->cdw10, 10, 8), NVME_FIELD_NUM,
		    NAME(sel_names, BITS(s->cdw10, 10, 8)), -1);
	feature_value(s, fid, set, o);
	/* CDW14 is the UUID Index, except where the feature uses it. */
	if (fid != NVME_FEAT_FID_HOST_MEM_BUF)
		uuid_index(o, s);
}

static void admin_fields(const struct nvme_sqe *s, struct nvme_fields *o)
{
	switch (s->opcode) {
	case nvme_admin_identify:
		identify(s, o);
		break;
	case nvme_admin_get_log_page:
		get_log_page(s, o);
		break;
	case nvme_admin_get_features:
		features(s, false, o);
		break;
	case nvme_admin_set_features:
		features(s, true, o);
		break;
	case nvme_admin_dev_self_test:
		hex(o, "stc", BITS(s->cdw10, 3, 0), NAME(stc_names, BITS(s->cdw10, 3, 0)));
		break;
	case nvme_admin_format_nvm:		/* NVM 1.0 */
		num(o, "lbaf", BITS(s->cdw10, 13, 12) << 4 | BITS(s->cdw10, 3, 0));
		flag(o, "mset", BIT(s->cdw10, 4));
		num_nz(o, "pi", BITS(s->cdw10, 7, 5));
		flag(o, "pil", BIT(s->cdw10, 8));
		hex(o, "ses", BITS(s->cdw10, 11, 9), NAME(ses_names, BITS(s->cdw10, 11, 9)));
		break;
	case nvme_admin_sanitize_nvm:
		hex(o, "sanact", BITS(s->cdw10, 2, 0), NAME(sanact_names, BITS(s->cdw10, 2, 0)));
		flag(o, "ause", BIT(s->cdw10, 3));
		num_nz(o, "owpass", BITS(s->cdw10, 7, 4));
		flag(o, "oipbp", BIT(s->cdw10, 8));
		flag(o, "ndas", BIT(s->cdw10, 9));
		hex_nz(o, "ovrpat", s->cdw11);
		break;
	case nvme_admin_fw_download:
		dwords(o, "numd", s->cdw10);
		add(o, "ofst", s->cdw11, NVME_FIELD_NUM, NULL, (int64_t)s->cdw11 * 4);
		break;
	case nvme_admin_fw_commit:
		num(o, "fs", BITS(s->cdw10, 2, 0));
		hex(o, "ca", BITS(s->cdw10, 5, 3), NAME(ca_names, BITS(s->cdw10, 5, 3)));
		flag(o, "bpid", BIT(s->cdw10, 31));
		break;
	case nvme_admin_ns_mgmt:
		hex(o, "sel", BITS(s->cdw10, 3, 0), NAME(ns_mgmt_sel_names, BITS(s->cdw10, 3, 0)));
		if (BITS(s->cdw10, 3, 0) == 0)
			hex(o, "csi", BITS(s->cdw11, 31, 24), NAME(csi_names, BITS(s->cdw11, 31, 24)));
		break;
	case nvme_admin_ns_attach:
		hex(o, "sel", BITS(s->cdw10, 3, 0), NAME(ns_attach_sel_names, BITS(s->cdw10, 3, 0)));
		break;
	case nvme_admin_create_sq:
		num(o, "qid", BITS(s->cdw10, 15, 0));
		num(o, "qsize", BITS(s->cdw10, 31, 16) + 1);
		num(o, "cqid", BITS(s->cdw11, 31, 16));
		hex(o, "qprio", BITS(s->cdw11, 2, 1), NAME(qprio_names, BITS(s->cdw11, 2, 1)));
		flag(o, "pc", BIT(s->cdw11, 0));
		num_nz(o, "nvmsetid", BITS(s->cdw12, 15, 0));
		break;
	case nvme_admin_create_cq:
		num(o, "qid", BITS(s->cdw10, 15, 0));
		num(o, "qsize", BITS(s->cdw10, 31, 16) + 1);
		num(o, "iv", BITS(s->cdw11, 31, 16));
		flag(o, "ien", BIT(s->cdw11, 1));
		flag(o, "pc", BIT(s->cdw11, 0));
		break;
	case nvme_admin_delete_sq:
	case nvme_admin_delete_cq:
		num(o, "qid", BITS(s->cdw10, 15, 0));
		break;
	case nvme_admin_abort_cmd:
		num(o, "sqid", BITS(s->cdw10, 15, 0));
		num(o, "cid", BITS(s->cdw10, 31, 16));
		break;
	case nvme_admin_directive_send:
	case nvme_admin_directive_recv: {
		uint64_t dtype = BITS(s->cdw11, 15, 8), doper = BITS(s->cdw11, 7, 0);
		const char *op = NULL;
		bool send = s->opcode == nvme_admin_directive_send;

		if (dtype == 0)
			op = send ? (doper == 1 ? "Enable Directive" : NULL) :
				    (doper == 1 ? "Return Parameters" : NULL);
		else if (dtype == 1)
			op = send ? (doper == 1 ? "Release Identifier" : doper == 2 ? "Release Resources" : NULL) :
				    (doper == 1 ? "Return Parameters" : doper == 2 ? "Get Status" :
				     doper == 3 ? "Allocate Resources" : NULL);
		dwords(o, "numd", s->cdw10);
		hex(o, "dtype", dtype, NAME(dtype_names, dtype));
		hex(o, "doper", doper, op);
		num_nz(o, "dspec", BITS(s->cdw11, 31, 16));
		break;
	}
	case nvme_admin_security_send:
	case nvme_admin_security_recv:
		hex(o, "secp", BITS(s->cdw10, 31, 24), NULL);
		hex(o, "spsp", BITS(s->cdw10, 23, 8), NULL);
		hex_nz(o, "nssf", BITS(s->cdw10, 7, 0));
		add(o, s->opcode == nvme_admin_security_send ? "tl" : "al", s->cdw11,
		    NVME_FIELD_NUM, NULL, s->cdw11);
		break;
	case nvme_admin_get_lba_status:
		num(o, "slba", (uint64_t)s->cdw11 << 32 | s->cdw10);
		dwords(o, "mndw", s->cdw12);
		num(o, "rl", BITS(s->cdw13, 15, 0));
		hex(o, "atype", BITS(s->cdw13, 31, 24), NAME(atype_names, BITS(s->cdw13, 31, 24)));
		break;
	case nvme_admin_virtual_mgmt:
		hex(o, "act", BITS(s->cdw10, 3, 0), NAME(virt_act_names, BITS(s->cdw10, 3, 0)));
		hex(o, "rt", BITS(s->cdw10, 10, 8), NAME(virt_rt_names, BITS(s->cdw10, 10, 8)));
		num(o, "cntlid", BITS(s->cdw10, 31, 16));
		num(o, "nr", BITS(s->cdw11, 15, 0));
		break;
	case nvme_admin_dbbuf:
		hex(o, "shadow", s->prp1, "Shadow Doorbell buffer");
		hex(o, "eventidx", s->prp2, "EventIdx buffer");
		break;
	case nvme_admin_capacity_mgmt:
		num(o, "operation", BITS(s->cdw10, 3, 0));
		num_nz(o, "elid", BITS(s->cdw10, 31, 16));
		num_nz(o, "cap", (uint64_t)s->cdw12 << 32 | s->cdw11);
		break;
	case nvme_admin_lockdown:
		num(o, "ofi", BITS(s->cdw10, 15, 8));
		num(o, "ifc", BITS(s->cdw10, 6, 5));
		flag(o, "prhbt", BIT(s->cdw10, 4));
		num(o, "scp", BITS(s->cdw10, 3, 0));
		uuid_index(o, s);
		break;
	}
}

/* ---- fabrics commands (opcode 0x7f, admin or I/O queue) ---------------------------- */

static void fabrics_fields(const struct nvme_sqe *s, struct nvme_fields *o)
{
	uint8_t fctype = nvme_sqe_fctype(s);
	uint32_t ofst;

	/* Base 2.0, section 6: the command type is SQE byte 04; the command
	 * specific bytes start at byte 40 (CDW10).
	 */
	hex(o, "fctype", fctype, nvme_fabrics_type_name(fctype));
	switch (fctype) {
	case nvme_fabrics_type_connect:
		num(o, "recfmt", BITS(s->cdw10, 15, 0));
		num(o, "qid", BITS(s->cdw10, 31, 16));
		num(o, "sqsize", BITS(s->cdw11, 15, 0) + 1);
		hex_nz(o, "cattr", BITS(s->cdw11, 23, 16));
		num(o, "kato", s->cdw12);
		break;
	case nvme_fabrics_type_property_get:
	case nvme_fabrics_type_property_set:
		ofst = s->cdw11;
		num(o, "size", BITS(s->cdw10, 2, 0) == 1 ? 8 : 4);	/* bytes */
		hex(o, "ofst", ofst, register_name(ofst));
		if (fctype == nvme_fabrics_type_property_set)
			hex(o, "value", (uint64_t)s->cdw13 << 32 | s->cdw12, NULL);
		break;
	case nvme_fabrics_type_auth_send:
	case nvme_fabrics_type_auth_receive:
		hex(o, "secp", BITS(s->cdw10, 31, 24), NULL);
		hex(o, "spsp0", BITS(s->cdw10, 15, 8), NULL);
		hex(o, "spsp1", BITS(s->cdw10, 23, 16), NULL);
		add(o, fctype == nvme_fabrics_type_auth_send ? "tl" : "al", s->cdw11,
		    NVME_FIELD_NUM, NULL, s->cdw11);
		break;
	case nvme_fabrics_type_disconnect:
		num(o, "recfmt", BITS(s->cdw10, 15, 0));
		break;
	}
}

/* ---- I/O commands -------------------------------------------------------------- */

/* NVM 1.0: CDW12 of Read, Write, Compare, Verify,
 * Write Zeroes, Write Uncorrectable, Zone Append: NLB 15:00, DTYPE 23:20,
 * STC 24, DEAC/PIREMAP 25, PRINFO 29:26, FUA 30, LR 31.
 */
static void rw(const struct nvme_sqe *s, struct nvme_fields *o, bool dtype, bool deac,
	       bool piremap, bool dsm)
{
	num(o, "slba", (uint64_t)s->cdw11 << 32 | s->cdw10);
	num(o, "nlb", BITS(s->cdw12, 15, 0) + 1);
	flag(o, "fua", BIT(s->cdw12, 30));
	flag(o, "lr", BIT(s->cdw12, 31));
	hex_nz(o, "prinfo", BITS(s->cdw12, 29, 26));
	flag(o, "stc", BIT(s->cdw12, 24));
	if (deac)
		flag(o, "deac", BIT(s->cdw12, 25));
	if (piremap)
		flag(o, "piremap", BIT(s->cdw12, 25));
	if (dtype && BITS(s->cdw12, 23, 20)) {
		hex(o, "dtype", BITS(s->cdw12, 23, 20), NAME(dtype_names, BITS(s->cdw12, 23, 20)));
		num(o, "dspec", BITS(s->cdw13, 31, 16));
	}
	if (dsm)
		hex_nz(o, "dsm", BITS(s->cdw13, 7, 0));
	if (BITS(s->cdw12, 29, 26))
		hex(o, "ilbrt", s->cdw14, NULL);
}

static void io_fields(const struct nvme_sqe *s, struct nvme_fields *o)
{
	switch (s->opcode) {
	case nvme_cmd_read:
		rw(s, o, false, false, false, true);
		break;
	case nvme_cmd_write:
		rw(s, o, true, false, false, true);
		break;
	case nvme_cmd_compare:
	case nvme_cmd_verify:
		rw(s, o, false, false, false, false);
		break;
	case nvme_cmd_write_zeroes:
		rw(s, o, true, true, false, false);
		break;
	case nvme_cmd_write_uncor:
		num(o, "slba", (uint64_t)s->cdw11 << 32 | s->cdw10);
		num(o, "nlb", BITS(s->cdw12, 15, 0) + 1);
		break;
	case nvme_zns_cmd_append:		/* ZNS 1.1 */
		rw(s, o, false, false, true, false);
		o->f[0].key = "zslba";
		break;
	case nvme_cmd_dsm:			/* NVM 1.0 */
		num(o, "nr", BITS(s->cdw10, 7, 0) + 1);
		flag(o, "ad", BIT(s->cdw11, 2));
		flag(o, "idw", BIT(s->cdw11, 1));
		flag(o, "idr", BIT(s->cdw11, 0));
		break;
	case nvme_cmd_copy:			/* NVM 1.0 */
		num(o, "sdlba", (uint64_t)s->cdw11 << 32 | s->cdw10);
		num(o, "nr", BITS(s->cdw12, 7, 0) + 1);
		num(o, "desfmt", BITS(s->cdw12, 11, 8));
		hex_nz(o, "prinfor", BITS(s->cdw12, 15, 12));
		hex_nz(o, "prinfow", BITS(s->cdw12, 29, 26));
		flag(o, "fua", BIT(s->cdw12, 30));
		flag(o, "lr", BIT(s->cdw12, 31));
		if (BITS(s->cdw12, 23, 20)) {
			hex(o, "dtype", BITS(s->cdw12, 23, 20), NAME(dtype_names, BITS(s->cdw12, 23, 20)));
			num(o, "dspec", BITS(s->cdw13, 31, 16));
		}
		break;
	case nvme_cmd_resv_register:		/* NVM 1.0 */
		hex(o, "rrega", BITS(s->cdw10, 2, 0), NAME(rrega_names, BITS(s->cdw10, 2, 0)));
		flag(o, "iekey", BIT(s->cdw10, 3));
		hex(o, "cptpl", BITS(s->cdw10, 31, 30), NAME(cptpl_names, BITS(s->cdw10, 31, 30)));
		break;
	case nvme_cmd_resv_report:		/* NVM 1.0 */
		dwords(o, "numd", s->cdw10);
		flag(o, "eds", BIT(s->cdw11, 0));
		break;
	case nvme_cmd_resv_acquire:		/* NVM 1.0 */
		hex(o, "racqa", BITS(s->cdw10, 2, 0), NAME(racqa_names, BITS(s->cdw10, 2, 0)));
		flag(o, "iekey", BIT(s->cdw10, 3));
		hex(o, "rtype", BITS(s->cdw10, 15, 8), NAME(rtype_names, BITS(s->cdw10, 15, 8)));
		break;
	case nvme_cmd_resv_release:		/* NVM 1.0 */
		hex(o, "rrela", BITS(s->cdw10, 2, 0), NAME(rrela_names, BITS(s->cdw10, 2, 0)));
		flag(o, "iekey", BIT(s->cdw10, 3));
		hex(o, "rtype", BITS(s->cdw10, 15, 8), NAME(rtype_names, BITS(s->cdw10, 15, 8)));
		break;
	case nvme_zns_cmd_mgmt_send:		/* ZNS 1.1 */
		num(o, "slba", (uint64_t)s->cdw11 << 32 | s->cdw10);
		hex(o, "zsa", BITS(s->cdw13, 7, 0), NAME(zsa_names, BITS(s->cdw13, 7, 0)));
		flag(o, "select_all", BIT(s->cdw13, 8));
		flag(o, "zsaso", BIT(s->cdw13, 9));
		break;
	case nvme_zns_cmd_mgmt_recv:		/* ZNS 1.1 */
		num(o, "slba", (uint64_t)s->cdw11 << 32 | s->cdw10);
		dwords(o, "numd", s->cdw12);
		hex(o, "zra", BITS(s->cdw13, 7, 0), NAME(zra_names, BITS(s->cdw13, 7, 0)));
		hex(o, "zrasf", BITS(s->cdw13, 15, 8), NAME(zrasf_names, BITS(s->cdw13, 15, 8)));
		flag(o, "partial", BIT(s->cdw13, 16));
		break;
	}
}

void nvme_sqe_fields(const struct nvme_sqe *sqe, enum nvme_qtype qtype,
		     struct nvme_fields *out)
{
	out->n = 0;
	if (sqe->opcode == nvme_admin_fabrics)
		fabrics_fields(sqe, out);
	else if (qtype == NVME_QTYPE_IO)
		io_fields(sqe, out);
	else
		admin_fields(sqe, out);
}

size_t nvme_rw_fields_format(const struct nvme_sqe *sqe, enum nvme_qtype qtype, char *out)
{
	char *p = out;

	/* rw() shows nothing more (nvme_cmd_read, nvme_cmd_write). */
	if (!nvme_rw_plain(sqe, qtype))
		return 0;
	memcpy(p, "slba=", 5);
	p += 5;
	p += u64_write(p, (uint64_t)sqe->cdw11 << 32 | sqe->cdw10);
	memcpy(p, " nlb=", 5);
	p += 5;
	p += u64_write(p, nvme_rw_nlb(sqe));
	return (size_t)(p - out);
}

/* Digits of v ending at end[20], decimal or hex; returns where they
 * start.
 */
static char *digits(char end[20], uint64_t v, bool hex)
{
	return hex ? hex_digits_back(end + 20, v) : u64_digits_back(end + 20, v);
}

/* Append s[0..n) capped at max bytes, as snprintf into a buffer of
 * max + 1 would keep it. Returns the new end.
 */
static char *append(char *p, const char *s, size_t n, size_t max)
{
	memcpy(p, s, n < max ? n : max);
	return p + (n < max ? n : max);
}

/* One field as nvme_fields_format() prints it: "key", "key=12",
 * "key=0xc", then " (name)" or " (12 B)". Written by hand, not with
 * snprintf: replay formats millions of fields a second. The caps are the
 * sizes of the snprintf buffers this replaced (31 and 159 characters).
 */
static size_t format_field_capped(const struct nvme_field *f, char *out)
{
	char d[20], val[64], *v = val, *e, *p = out, *q;

	v = append(v, f->key, strlen(f->key), 31);
	if (f->kind != NVME_FIELD_FLAG) {
		*v++ = '=';
		if (f->kind == NVME_FIELD_HEX && f->value) {	/* %#x: 0 is "0" */
			*v++ = '0';
			*v++ = 'x';
		}
		q = digits(d, f->value, f->kind == NVME_FIELD_HEX);
		v = append(v, q, (size_t)(d + 20 - q), sizeof(d));
	}
	p = append(p, val, (size_t)(v - val), 31);
	if (f->name) {
		e = p;
		p = append(p, " (", 2, 159);
		p = append(p, f->name, strlen(f->name), 159 - (size_t)(p - e));
		p = append(p, ")", 1, 159 - (size_t)(p - e));
	} else if (f->bytes >= 0) {
		q = digits(d, (uint64_t)f->bytes, false);
		*p++ = ' ';
		*p++ = '(';
		p = append(p, q, (size_t)(d + 20 - q), sizeof(d));
		memcpy(p, " B)", 3);
		p += 3;
	}
	return (size_t)(p - out);
}

/* The same, straight into out where no cap applies (every field the
 * decoders make: short keys and names), else format_field_capped().
 */
static size_t format_field(const struct nvme_field *f, char *out)
{
	bool hex = f->kind == NVME_FIELD_HEX;
	size_t kn = strlen(f->key), vn = 0, nn = 0, n;
	char *p = out;

	if (f->kind != NVME_FIELD_FLAG)
		vn = 1 + (hex ? (f->value ? 2 : 0) + hex_len(f->value) : u64_len(f->value));
	if (f->name)
		nn = strlen(f->name);
	if (kn + vn > 31 || nn + 3 > 159)
		return format_field_capped(f, out);
	memcpy(p, f->key, kn);
	p += kn;
	if (f->kind != NVME_FIELD_FLAG) {
		*p++ = '=';
		if (!hex) {
			p += u64_write(p, f->value);
		} else {
			if (f->value) {
				memcpy(p, "0x", 2);
				p += 2;
			}
			p += hex_write(p, f->value);
		}
	}
	if (f->name) {
		memcpy(p, " (", 2);
		memcpy(p + 2, f->name, nn);
		p[2 + nn] = ')';
		p += 3 + nn;
	} else if (f->bytes >= 0) {
		memcpy(p, " (", 2);
		n = u64_write(p + 2, (uint64_t)f->bytes);
		memcpy(p + 2 + n, " B)", 3);
		p += 5 + n;
	}
	return (size_t)(p - out);
}

int nvme_fields_format(const struct nvme_fields *fs, char *buf, size_t len)
{
	char piece[1 + 31 + 159];
	size_t n = 0, w;
	int i;

	if (len)
		buf[0] = '\0';
	for (i = 0; i < fs->n; i++) {
		/* Where a whole piece fits, straight into buf. */
		if (n + sizeof(piece) < len) {
			if (i)
				buf[n++] = ' ';
			n += format_field(&fs->f[i], buf + n);
			buf[n] = '\0';
			continue;
		}
		w = 0;
		if (i)
			piece[w++] = ' ';
		w += format_field(&fs->f[i], piece + w);
		/* snprintf semantics: copy what fits, count it all. */
		if (n < len) {
			size_t fit = n + w < len ? w : len - 1 - n;

			memcpy(buf + n, piece, fit);
			buf[n + fit] = '\0';
		}
		n += w;
	}
	return (int)n;
}
