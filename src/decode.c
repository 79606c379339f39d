// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "decode.h"

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

void nvme_sqe_decode(const uint8_t raw[64], struct nvme_sqe *sqe)
{
	/* Byte offsets from the specification's Common Command Format. */
	sqe->opcode = raw[0];
	sqe->flags = raw[1];
	sqe->command_id = (uint16_t)(raw[2] | raw[3] << 8);
	sqe->nsid = le32(raw + 4);
	sqe->cdw2 = le32(raw + 8);
	sqe->cdw3 = le32(raw + 12);
	sqe->mptr = le64(raw + 16);
	sqe->prp1 = le64(raw + 24);
	sqe->prp2 = le64(raw + 32);
	sqe->cdw10 = le32(raw + 40);
	sqe->cdw11 = le32(raw + 44);
	sqe->cdw12 = le32(raw + 48);
	sqe->cdw13 = le32(raw + 52);
	sqe->cdw14 = le32(raw + 56);
	sqe->cdw15 = le32(raw + 60);
}

void nvme_status_decode(uint16_t status, struct nvme_status *st)
{
	st->sc = status & 0xff;
	st->sct = (status >> 8) & 0x7;
	st->crd = (status >> 11) & 0x3;
	st->more = (status >> 13) & 0x1;
	st->dnr = (status >> 14) & 0x1;
}
