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



/* A completion status as Linux keeps it in nvme_req(req)->status: the
 * completion queue entry's Status Field without the phase tag (shifted
 * right by one). NVMe Base Specification 2.0, Figure 93: SC bits 07:00,
 * SCT 10:08, CRD 12:11, More 13, DNR 14 (after the shift).
 */
struct nvme_status {
	uint8_t sc;	/* Status Code */
	uint8_t sct;	/* Status Code Type */
	uint8_t crd;	/* Command Retry Delay */
	uint8_t more;
	uint8_t dnr;	/* Do Not Retry */
};

void nvme_status_decode(uint16_t status, struct nvme_status *st);

#endif /* NVMETRACE_DECODE_H */
