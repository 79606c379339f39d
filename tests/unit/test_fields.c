// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Field splits of every decoded command, with boundary values, against the
 * bit positions of the NVMe Base 2.0, NVM Command Set 1.0 and ZNS 1.1
 * specifications.
 */
#include <stdbool.h>
#include <stdint.h>
#include "fields.h"
#include "unit.h"

#define A NVME_QTYPE_ADMIN
#define IO NVME_QTYPE_IO

static const struct {
	const char *what;
	enum nvme_qtype q;
	struct nvme_sqe sqe;
	const char *want;
} cases[] = {
	/* ---- Identify: CNS 07:00, CNTID 31:16; CNSSID, CSI in CDW11 */
	{ "identify controller", A, { .opcode = 0x06, .cdw10 = 0x1 },
	  "cns=0x1 (Identify Controller)" },
	{ "identify namespace", A, { .opcode = 0x06, .nsid = 1, .cdw10 = 0x0 },
	  "cns=0 (Identify Namespace)" },
	{ "identify ns descriptors", A, { .opcode = 0x06, .cdw10 = 0x3 },
	  "cns=0x3 (Namespace Identification Descriptor list)" },
	{ "identify csi ns, all fields max", A,
	  { .opcode = 0x06, .cdw10 = 0xffff0005, .cdw11 = 0x0200ffff, .cdw14 = 0x7f },
	  "cns=0x5 (I/O Command Set specific Identify Namespace) cntid=65535 cnssid=65535 "
	  "csi=0x2 (Zoned Namespace Command Set) uidx=127" },
	{ "identify unknown cns", A, { .opcode = 0x06, .cdw10 = 0xff }, "cns=0xff" },
	/* ---- Get Log Page: LID, LSP, RAE, NUMDL/NUMDU, LSI, LPO, UUID, OT, CSI */
	{ "get log smart 512 B", A, { .opcode = 0x02, .nsid = 0xffffffff, .cdw10 = 0x007f0002 },
	  "lid=0x2 (SMART / Health Information) numd=128 (512 B)" },
	{ "get log numd minimum", A, { .opcode = 0x02, .cdw10 = 0x00000001 },
	  "lid=0x1 (Error Information) numd=1 (4 B)" },
	{ "get log all fields max", A,
	  { .opcode = 0x02, .cdw10 = 0xffffffff, .cdw11 = 0xffffffff, .cdw12 = 0xffffffff,
	    .cdw13 = 0xffffffff, .cdw14 = 0xff80007f },
	  "lid=0xff (Vendor Specific) lsp=0x7f rae numd=4294967296 (17179869184 B) lsi=65535 "
	  "lpo=18446744073709551615 uidx=127 ot csi=0xff" },
	{ "get log sanitize", A, { .opcode = 0x02, .cdw10 = 0x00ff0081 },
	  "lid=0x81 (Sanitize Status) numd=256 (1024 B)" },
	{ "get log telemetry lsp", A, { .opcode = 0x02, .cdw10 = 0x01ff8107 },
	  "lid=0x7 (Telemetry Host-Initiated) lsp=0x1 rae numd=512 (2048 B)" },
	/* ---- Get/Set Features */
	{ "get features queues", A, { .opcode = 0x0a, .cdw10 = 0x7 },
	  "fid=0x7 (Number of Queues) sel=0 (Current)" },
	{ "get features supported caps", A, { .opcode = 0x0a, .cdw10 = 0x306 },
	  "fid=0x6 (Volatile Write Cache) sel=3 (Supported Capabilities)" },
	{ "get features temp threshold under", A, { .opcode = 0x0a, .cdw10 = 0x204, .cdw11 = 0x1f0000 },
	  "fid=0x4 (Temperature Threshold) sel=2 (Saved) tmpsel=15 thsel=0x1 (Under Temperature Threshold)" },
	{ "set features queues 0's based", A, { .opcode = 0x09, .cdw10 = 0x7, .cdw11 = 0x003f003f },
	  "fid=0x7 (Number of Queues) nsqr=64 ncqr=64" },
	{ "set features queues max", A, { .opcode = 0x09, .cdw10 = 0x80000007, .cdw11 = 0xffffffff },
	  "fid=0x7 (Number of Queues) sv nsqr=65536 ncqr=65536" },
	{ "set features temp threshold", A, { .opcode = 0x09, .cdw10 = 0x4, .cdw11 = 0x17f },
	  "fid=0x4 (Temperature Threshold) tmpth=383 tmpsel=0 thsel=0 (Over Temperature Threshold)" },
	{ "set features write cache", A, { .opcode = 0x09, .cdw10 = 0x6, .cdw11 = 0x1 },
	  "fid=0x6 (Volatile Write Cache) wce=1" },
	{ "set features arbitration", A, { .opcode = 0x09, .cdw10 = 0x1, .cdw11 = 0x04030207 },
	  "fid=0x1 (Arbitration) ab=7 lpw=2 mpw=3 hpw=4" },
	{ "set features power", A, { .opcode = 0x09, .cdw10 = 0x2, .cdw11 = 0x5f },
	  "fid=0x2 (Power Management) ps=31 wh=2" },
	{ "set features irq coalescing", A, { .opcode = 0x09, .cdw10 = 0x8, .cdw11 = 0x0a09 },
	  "fid=0x8 (Interrupt Coalescing) thr=10 time=10" },
	{ "set features async events", A, { .opcode = 0x09, .cdw10 = 0xb, .cdw11 = 0x800001ff },
	  "fid=0xb (Asynchronous Event Configuration) shcw=0xff (SMART / Health Critical Warnings) nan dlpcn" },
	{ "set features hmb", A, { .opcode = 0x09, .cdw10 = 0xd, .cdw11 = 0x1, .cdw12 = 8192,
				    .cdw13 = 0x1000, .cdw14 = 0x1, .cdw15 = 4 },
	  "fid=0xd (Host Memory Buffer) ehm hsize=8192 hmdla=4294971392 hmdlec=4" },
	{ "set features keep alive", A, { .opcode = 0x09, .cdw10 = 0xf, .cdw11 = 120000 },
	  "fid=0xf (Keep Alive Timer) kato=120000" },
	{ "set features timestamp", A, { .opcode = 0x09, .cdw10 = 0xe },
	  "fid=0xe (Timestamp)" },
	{ "set features vendor", A, { .opcode = 0x09, .cdw10 = 0xc1 },
	  "fid=0xc1 (Vendor Specific)" },
	{ "set features reserved fid", A, { .opcode = 0x09, .cdw10 = 0x30 }, "fid=0x30" },
	/* ---- Device Self-test, Format, Sanitize */
	{ "self-test short", A, { .opcode = 0x14, .nsid = 1, .cdw10 = 0x1 },
	  "stc=0x1 (Short device self-test)" },
	{ "self-test abort", A, { .opcode = 0x14, .cdw10 = 0xf },
	  "stc=0xf (Abort device self-test)" },
	{ "self-test reserved", A, { .opcode = 0x14, .cdw10 = 0x3 }, "stc=0x3" },
	{ "format lbaf upper bits", A, { .opcode = 0x80, .cdw10 = 0x1000 | 0x400 | 0x20 | 0x10 | 0x2 },
	  "lbaf=18 mset pi=1 ses=0x2 (Cryptographic Erase)" },
	{ "format defaults", A, { .opcode = 0x80 }, "lbaf=0 ses=0 (No secure erase)" },
	{ "sanitize block erase", A, { .opcode = 0x84, .cdw10 = 0x2 | 0x8 | 0x200 },
	  "sanact=0x2 (Start a Block Erase sanitize operation) ause ndas" },
	{ "sanitize overwrite", A, { .opcode = 0x84, .cdw10 = 0x3 | 0xf0 | 0x100, .cdw11 = 0xdeadbeef },
	  "sanact=0x3 (Start an Overwrite sanitize operation) owpass=15 oipbp ovrpat=0xdeadbeef" },
	/* ---- Firmware */
	{ "fw download", A, { .opcode = 0x11, .cdw10 = 0x3ff, .cdw11 = 0x400 },
	  "numd=1024 (4096 B) ofst=1024 (4096 B)" },
	{ "fw commit", A, { .opcode = 0x10, .cdw10 = 0x1 | (3 << 3) },
	  "fs=1 ca=0x3 (Replace image, activate immediately)" },
	{ "fw commit boot partition", A, { .opcode = 0x10, .cdw10 = (7 << 3) | 0x80000000 },
	  "fs=0 ca=0x7 (Mark boot partition active) bpid" },
	/* ---- Namespace management and attachment */
	{ "ns create", A, { .opcode = 0x0d, .cdw10 = 0, .cdw11 = 0x02000000 },
	  "sel=0 (Create) csi=0x2 (Zoned Namespace Command Set)" },
	{ "ns delete", A, { .opcode = 0x0d, .nsid = 3, .cdw10 = 1 }, "sel=0x1 (Delete)" },
	{ "ns detach", A, { .opcode = 0x15, .cdw10 = 1 }, "sel=0x1 (Controller Detach)" },
	/* ---- Queues, Abort */
	{ "create sq", A, { .opcode = 0x01, .cdw10 = 0x03ff0001, .cdw11 = 0x00010005, .cdw12 = 0 },
	  "qid=1 qsize=1024 cqid=1 qprio=0x2 (Medium) pc" },
	{ "create cq", A, { .opcode = 0x05, .cdw10 = 0xffff0002, .cdw11 = 0x00030003 },
	  "qid=2 qsize=65536 iv=3 ien pc" },
	{ "delete sq", A, { .opcode = 0x00, .cdw10 = 0x7 }, "qid=7" },
	{ "delete cq", A, { .opcode = 0x04, .cdw10 = 0xffff }, "qid=65535" },
	{ "abort", A, { .opcode = 0x08, .cdw10 = 0x12340001 }, "sqid=1 cid=4660" },
	/* ---- Directives, Security, LBA status, Virtualization, dbbuf */
	{ "directive send streams release", A, { .opcode = 0x19, .cdw10 = 0, .cdw11 = 0x00050101 },
	  "numd=1 (4 B) dtype=0x1 (Streams) doper=0x1 (Release Identifier) dspec=5" },
	{ "directive recv identify params", A, { .opcode = 0x1a, .cdw10 = 0x3ff, .cdw11 = 0x0001 },
	  "numd=1024 (4096 B) dtype=0 (Identify) doper=0x1 (Return Parameters)" },
	{ "security send", A, { .opcode = 0x81, .cdw10 = 0xea000100, .cdw11 = 512 },
	  "secp=0xea spsp=0x1 tl=512 (512 B)" },
	{ "security receive", A, { .opcode = 0x82, .cdw10 = 0x01000001, .cdw11 = 2048 },
	  "secp=0x1 spsp=0 nssf=0x1 al=2048 (2048 B)" },
	{ "get lba status", A, { .opcode = 0x86, .cdw10 = 0x100, .cdw11 = 0x1, .cdw12 = 0xff,
				  .cdw13 = 0x10000008 },
	  "slba=4294967552 mndw=256 (1024 B) rl=8 atype=0x10 (Untracked LBAs)" },
	{ "virtualization", A, { .opcode = 0x1c, .cdw10 = 0x00020108, .cdw11 = 4 },
	  "act=0x8 (Secondary Controller Assign) rt=0x1 (VI Resources) cntlid=2 nr=4" },
	{ "doorbell buffer", A, { .opcode = 0x7c, .prp1 = 0x1000, .prp2 = 0x2000 },
	  "shadow=0x1000 (Shadow Doorbell buffer) eventidx=0x2000 (EventIdx buffer)" },
	{ "keep alive: no fields", A, { .opcode = 0x18 }, "" },
	{ "vendor admin: no fields", A, { .opcode = 0xc4, .cdw10 = 0xffffffff }, "" },
	/* ---- Fabrics (byte 4 = fctype) */
	{ "fabrics connect", A, { .opcode = 0x7f, .nsid = 0x01, .cdw10 = 0x00010000,
				   .cdw11 = 0x0000007f, .cdw12 = 120000 },
	  "fctype=0x1 (Connect) recfmt=0 qid=1 sqsize=128 kato=120000" },
	{ "fabrics property get CAP", A, { .opcode = 0x7f, .nsid = 0x04, .cdw10 = 1, .cdw11 = 0 },
	  "fctype=0x4 (Property Get) size=8 ofst=0 (CAP (Controller Capabilities))" },
	{ "fabrics property set CC", IO, { .opcode = 0x7f, .nsid = 0x00, .cdw10 = 0, .cdw11 = 0x14,
					    .cdw12 = 0x460001 },
	  "fctype=0 (Property Set) size=4 ofst=0x14 (CC (Controller Configuration)) value=0x460001" },
	{ "fabrics property unknown register", A, { .opcode = 0x7f, .nsid = 0x04, .cdw11 = 0x1000 },
	  "fctype=0x4 (Property Get) size=4 ofst=0x1000" },
	{ "fabrics auth send", A, { .opcode = 0x7f, .nsid = 0x05, .cdw10 = 0xe9010100, .cdw11 = 64 },
	  "fctype=0x5 (Authentication Send) secp=0xe9 spsp0=0x1 spsp1=0x1 tl=64 (64 B)" },
	{ "fabrics disconnect", A, { .opcode = 0x7f, .nsid = 0x08 },
	  "fctype=0x8 (Disconnect) recfmt=0" },
	/* ---- NVM I/O */
	{ "read", IO, { .opcode = 0x02, .nsid = 1, .cdw10 = 2048, .cdw12 = 7 | 0x40000000 },
	  "slba=2048 nlb=8 fua" },
	{ "read slba and nlb max", IO, { .opcode = 0x02, .cdw10 = 0xffffffff, .cdw11 = 0xffffffff,
					  .cdw12 = 0x8000ffff, .cdw13 = 0x7 },
	  "slba=18446744073709551615 nlb=65536 lr dsm=0x7" },
	{ "write streams pi", IO, { .opcode = 0x01, .cdw10 = 1, .cdw12 = 0x3c100000, .cdw13 = 0x30000,
				     .cdw14 = 0xabc },
	  "slba=1 nlb=1 prinfo=0xf dtype=0x1 (Streams) dspec=3 ilbrt=0xabc" },
	{ "write storage tag check", IO, { .opcode = 0x01, .cdw12 = 0x01000000 }, "slba=0 nlb=1 stc" },
	{ "write zeroes deallocate", IO, { .opcode = 0x08, .cdw10 = 100, .cdw12 = 0x020000ff },
	  "slba=100 nlb=256 deac" },
	{ "write uncorrectable", IO, { .opcode = 0x04, .cdw10 = 5, .cdw12 = 0xffff0000 },
	  "slba=5 nlb=1" },
	{ "compare", IO, { .opcode = 0x05, .cdw10 = 8, .cdw12 = 15 }, "slba=8 nlb=16" },
	{ "verify", IO, { .opcode = 0x0c, .cdw11 = 1, .cdw12 = 0 }, "slba=4294967296 nlb=1" },
	{ "flush: no fields", IO, { .opcode = 0x00, .nsid = 1 }, "" },
	{ "dsm deallocate 256 ranges", IO, { .opcode = 0x09, .cdw10 = 0xff, .cdw11 = 0x7 },
	  "nr=256 ad idw idr" },
	{ "copy", IO, { .opcode = 0x19, .cdw10 = 64, .cdw12 = 0xc01f0100 | 0x3 | 0x1000, .cdw13 = 0x20000 },
	  "sdlba=64 nr=4 desfmt=1 prinfor=0x1 fua lr dtype=0x1 (Streams) dspec=2" },
	{ "reservation register", IO, { .opcode = 0x0d, .cdw10 = 0xc000000a },
	  "rrega=0x2 (Replace Reservation Key) iekey cptpl=0x3 (Reservations persist across power loss)" },
	{ "reservation report", IO, { .opcode = 0x0e, .cdw10 = 0x3ff, .cdw11 = 1 },
	  "numd=1024 (4096 B) eds" },
	{ "reservation acquire", IO, { .opcode = 0x11, .cdw10 = 0x0602 },
	  "racqa=0x2 (Preempt and Abort) rtype=0x6 (Exclusive Access - All Registrants)" },
	{ "reservation release", IO, { .opcode = 0x15, .cdw10 = 0x0109 },
	  "rrela=0x1 (Clear) iekey rtype=0x1 (Write Exclusive)" },
	{ "reservation unknown rtype", IO, { .opcode = 0x15, .cdw10 = 0x0700 },
	  "rrela=0 (Release) rtype=0x7" },
	{ "zone reset all", IO, { .opcode = 0x79, .cdw13 = 0x104 },
	  "slba=0 zsa=0x4 (Reset Zone) select_all" },
	{ "zone report full", IO, { .opcode = 0x7a, .cdw10 = 0x80000, .cdw12 = 0x3ff, .cdw13 = 0x10501 },
	  "slba=524288 numd=1024 (4096 B) zra=0x1 (Extended Report Zones) zrasf=0x5 (Zones in ZSF:Full) partial" },
	{ "zone append", IO, { .opcode = 0x7d, .cdw10 = 0x80000, .cdw12 = 0x02000007 },
	  "zslba=524288 nlb=8 piremap" },
	{ "vendor io: no fields", IO, { .opcode = 0x80 }, "" },
	/* The queue type decides: opcode 0x02 is Get Log Page on the admin
	 * queue and Read on an I/O queue.
	 */
	{ "opcode 2 on admin queue", A, { .opcode = 0x02, .cdw10 = 2048 },
	  "lid=0 (Supported Log Pages) lsp=0x8 numd=1 (4 B)" },
};

static void test_fields(void)
{
	struct nvme_fields fs;
	char buf[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		nvme_sqe_fields(&cases[i].sqe, cases[i].q, &fs);
		nvme_fields_format(&fs, buf, sizeof(buf));
		CHECK_EQ_STR(buf, cases[i].want, "fields: %s", cases[i].what);
	}
}

/* A truncated buffer still ends in a NUL and reports the full length. */
static void test_format_truncation(void)
{
	struct nvme_fields fs;
	char small[8], full[256];
	int n;

	nvme_sqe_fields(&cases[0].sqe, cases[0].q, &fs);
	n = nvme_fields_format(&fs, full, sizeof(full));
	CHECK(nvme_fields_format(&fs, small, sizeof(small)) == n && small[7] == '\0' &&
	      !strncmp(small, full, 7), "fields format truncates safely");
}

static void test_status_names(void)
{
	static const struct {
		uint16_t status;
		const char *want;
	} st[] = {
		{ 0x0000, "Successful Completion" },
		{ 0x0001, "Invalid Command Opcode" },
		{ 0x4001, "Invalid Command Opcode" },	/* DNR is not part of the name */
		{ 0x0002, "Invalid Field in Command" },
		{ 0x0006, "Internal Error" },
		{ 0x0007, "Command Abort Requested" },
		{ 0x000b, "Invalid Namespace or Format" },
		{ 0x001d, "Sanitize In Progress" },
		{ 0x0080, "LBA Out of Range" },
		{ 0x0083, "Reservation Conflict" },
		{ 0x0101, "Invalid Queue Identifier" },
		{ 0x0106, "Invalid Firmware Slot" },
		{ 0x0109, "Invalid Log Page" },
		{ 0x010a, "Invalid Format" },
		{ 0x0180, "Conflicting Attributes" },
		{ 0x01b9, "Zone Is Full" },
		{ 0x0280, "Write Fault" },
		{ 0x0281, "Unrecovered Read Error" },
		{ 0x0285, "Compare Failure" },
		{ 0x0287, "Deallocated or Unwritten Logical Block" },
		{ 0x0300, "Internal Path Error" },
		{ 0x0303, "Asymmetric Access Transition" },
		{ 0x0360, "Controller Pathing Error" },
		{ 0x0370, "Host Pathing Error" },	/* Linux: nvme_host_path_error() */
		{ 0x0371, "Command Aborted By Host" },	/* Linux: cancelled requests */
		{ 0x00c0, "Vendor Specific Status" },
		{ 0x02ff, "Vendor Specific Status" },
		{ 0x0712, "Vendor Specific Status" },
		{ 0x0017, "Reserved (SCT 0 SC 0x17)" },
		{ 0x0455, "Reserved (SCT 0x4 SC 0x55)" },
	};
	char buf[96];

	for (size_t i = 0; i < sizeof(st) / sizeof(st[0]); i++) {
		nvme_status_name(st[i].status, false, buf, sizeof(buf));
		CHECK_EQ_STR(buf, st[i].want, "status %#06x name", st[i].status);
	}
	CHECK_EQ_STR(nvme_sct_name(0), "Generic Command Status", "sct 0 name");
	CHECK_EQ_STR(nvme_sct_name(1), "Command Specific Status", "sct 1 name");
	CHECK_EQ_STR(nvme_sct_name(2), "Media and Data Integrity Errors", "sct 2 name");
	CHECK_EQ_STR(nvme_sct_name(3), "Path Related Status", "sct 3 name");
	CHECK_EQ_STR(nvme_sct_name(7), "Vendor Specific", "sct 7 name");
	CHECK_EQ_STR(nvme_sct_name(5), "Reserved", "sct 5 name");
}

/* nvme_rw_fields_format() against the general decoder: the same text for
 * every SQE it takes, and it takes exactly the plain reads and writes.
 * SQEs from a fixed xorshift sequence, with opcodes, CDW12's high half and
 * CDW13's low byte drawn so that every case comes up often.
 */
static void test_rw_fast(void)
{
	uint64_t x = 0x6e766d6574726163ull;
	struct nvme_fields fs;
	struct nvme_sqe sqe;
	char fast[NVME_RW_FIELDS_MAX + 8], want[512];
	int i, taken = 0, bad = 0, wrong_take = 0;
	size_t n;
	bool plain;

	for (i = 0; i < 200000; i++) {
		uint64_t r[4];

		for (int k = 0; k < 4; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			r[k] = x;
		}
		memset(&sqe, 0, sizeof(sqe));
		sqe.opcode = (uint8_t)(r[0] % 4 ? 1 + r[0] % 2 : r[0] >> 8);
		sqe.cdw10 = (uint32_t)r[1];
		sqe.cdw11 = (uint32_t)(r[1] >> 32) >> (r[0] >> 16) % 32;
		sqe.cdw12 = (uint32_t)r[2] & (r[0] >> 24 & 1 ? 0xffffffff : 0xffff);
		if (r[0] >> 25 & 1)	/* one bit of the high half */
			sqe.cdw12 |= 1u << (16 + (r[0] >> 26) % 16);
		sqe.cdw13 = (uint32_t)r[3] & (r[0] >> 30 & 1 ? 0xff : 0xffffff00);
		sqe.cdw14 = (uint32_t)(r[3] >> 32);
		for (int q = 0; q < 2; q++) {
			enum nvme_qtype qt = q ? NVME_QTYPE_IO : NVME_QTYPE_ADMIN;

			plain = qt == NVME_QTYPE_IO && (sqe.opcode == 1 || sqe.opcode == 2) &&
				!(sqe.cdw12 >> 16) && !(sqe.cdw13 & 0xff);
			memset(fast, 'x', sizeof(fast));
			n = nvme_rw_fields_format(&sqe, qt, fast);
			if (!n != !plain || n > NVME_RW_FIELDS_MAX || fast[n] != 'x') {
				wrong_take++;
				continue;
			}
			if (!n)
				continue;
			taken++;
			nvme_sqe_fields(&sqe, qt, &fs);
			nvme_fields_format(&fs, want, sizeof(want));
			if (strlen(want) != n || memcmp(fast, want, n)) {
				if (!bad)
					printf("sqe %d: fast '%.*s', decoder '%s'\n", i, (int)n, fast,
					       want);
				bad++;
			}
		}
	}
	CHECK(wrong_take == 0 && taken > 10000,
	      "plain read/write fields: taken for exactly the plain ones, nothing written past "
	      "them (%d of 400000 taken, %d wrong)", taken, wrong_take);
	CHECK(bad == 0, "plain read/write fields: as the decoder formats them (%d differ)", bad);
	/* The widest: 64-bit SLBA, 65536 blocks. */
	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = 2;
	sqe.cdw10 = sqe.cdw11 = 0xffffffff;
	sqe.cdw12 = 0xffff;
	n = nvme_rw_fields_format(&sqe, NVME_QTYPE_IO, fast);
	CHECK(n == strlen("slba=18446744073709551615 nlb=65536") &&
	      !memcmp(fast, "slba=18446744073709551615 nlb=65536", n),
	      "plain read/write fields: the widest (%.*s)", (int)n, fast);
}

int main(void)
{
	test_fields();
	test_format_truncation();
	test_rw_fast();
	test_status_names();
	return UNIT_DONE();
}
