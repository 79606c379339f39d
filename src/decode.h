/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Pure decoders over the raw 64-byte NVMe submission queue entry. */
#ifndef NVMETRACE_DECODE_H
#define NVMETRACE_DECODE_H

#include <stdint.h>

/* The common submission queue entry fields (NVMe Base Specification 2.0,
 * Figure 88: Common Command Format), host-endian.
 */
struct nvme_sqe {
	uint8_t opcode;		/* CDW0 bits 07:00 */
	uint8_t flags;		/* CDW0 bits 15:08: FUSE, PSDT */
	uint16_t command_id;	/* CDW0 bits 31:16 */
	uint32_t nsid;		/* CDW1 */
	uint32_t cdw2;
	uint32_t cdw3;
	uint64_t mptr;		/* CDW4-5: metadata pointer */
	uint64_t prp1;		/* CDW6-9: data pointer (PRP1/PRP2 or SGL) */
	uint64_t prp2;
	uint32_t cdw10;
	uint32_t cdw11;
	uint32_t cdw12;
	uint32_t cdw13;
	uint32_t cdw14;
	uint32_t cdw15;
};

/* Split a raw little-endian submission queue entry into its fields. */
void nvme_sqe_decode(const uint8_t raw[64], struct nvme_sqe *sqe);

#endif /* NVMETRACE_DECODE_H */
