/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Command-specific fields of a submission queue entry, split as the NVMe
 * specifications define them. Pure: no I/O, no state; usable on replayed
 * records.
 */
#ifndef NVMETRACE_FIELDS_H
#define NVMETRACE_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "decode.h"
#include "names.h"

enum nvme_field_kind {
	NVME_FIELD_NUM,		/* key=123 */
	NVME_FIELD_HEX,		/* key=0x7b */
	NVME_FIELD_FLAG,	/* "key" when set (only set flags are listed) */
};

struct nvme_field {
	const char *key;	/* snake_case; also the JSON key */
	uint64_t value;
	enum nvme_field_kind kind;
	const char *name;	/* what the value means, or NULL */
	int64_t bytes;		/* >= 0: the value amounts to this many bytes */
};

#define NVME_MAX_FIELDS 16

struct nvme_fields {
	int n;
	struct nvme_field f[NVME_MAX_FIELDS];
};

/* The fields of sqe for a command on a queue of type qtype. Unknown
 * commands get no fields (their dwords are in the record anyway).
 */
void nvme_sqe_fields(const struct nvme_sqe *sqe, enum nvme_qtype qtype,
		     struct nvme_fields *out);

/* "cns=0x1 (Identify Controller) cntid=0": the fields as one line.
 * Returns the length written (snprintf semantics).
 */
int nvme_fields_format(const struct nvme_fields *fs, char *buf, size_t len);

/* A Read or Write on an I/O queue that sets nothing else the decoder shows
 * (CDW12 bits 31:16: FUA, LR, PRINFO and ILBRT, STC, DTYPE and DSPEC;
 * CDW13's DSM byte): its only fields are slba and nlb. Most rows of -a.
 */
static inline bool nvme_rw_plain(const struct nvme_sqe *sqe, enum nvme_qtype qtype)
{
	return qtype == NVME_QTYPE_IO && (sqe->opcode == 0x01 || sqe->opcode == 0x02) &&
	       !(sqe->cdw12 >> 16) && !(sqe->cdw13 & 0xff);
}

/* The number of logical blocks of a read or write (NLB is 0's based). */
static inline uint32_t nvme_rw_nlb(const struct nvme_sqe *sqe)
{
	return (sqe->cdw12 & 0xffff) + 1;
}

/* The most a plain read's or write's fields take (nvme_rw_fields_format). */
#define NVME_RW_FIELDS_MAX	48

/* "slba=N nlb=M": what nvme_fields_format() makes of nvme_sqe_fields() for
 * a plain read or write (nvme_rw_plain()), without building the fields. At
 * out (NVME_RW_FIELDS_MAX bytes of room), no terminator; returns the
 * length, or 0 for any other command (then use the two).
 */
size_t nvme_rw_fields_format(const struct nvme_sqe *sqe, enum nvme_qtype qtype, char *out);

/* Fabrics command type (byte 4 of a fabrics SQE). */
static inline uint8_t nvme_sqe_fctype(const struct nvme_sqe *sqe)
{
	return (uint8_t)sqe->nsid;
}

#endif /* NVMETRACE_FIELDS_H */
