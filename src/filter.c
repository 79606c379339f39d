// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <endian.h>
#include <string.h>
#include "filter.h"

/* CDW1, the namespace id: SQE bytes 4-7, little endian. */
static uint32_t sqe_nsid(const struct nvmetrace_record *r)
{
	uint32_t v;

	memcpy(&v, r->sqe + 4, sizeof(v));
	return le32toh(v);
}

bool filter_keep(const struct filters *f, const struct nvmetrace_record *r)
{
	if (f->pid && r->pid != f->pid)
		return false;
	if (f->comm && strncmp(r->comm, f->comm, NVMETRACE_COMM_LEN))
		return false;
	if (f->ctrl >= 0 && (!(r->flags & NVMETRACE_F_CTRL) || r->ctrl != f->ctrl))
		return false;
	if (f->disk && strncmp(r->disk, f->disk, NVMETRACE_DISK_LEN))
		return false;
	if (f->qid >= 0 && (!(r->flags & NVMETRACE_F_QID) || r->qid != f->qid))
		return false;
	if (f->opcode >= 0) {
		if (r->sqe[0] != f->opcode)	/* CDW0 bits 07:00 */
			return false;
		if (f->opcode_qtype != NVME_QTYPE_ANY &&
		    !!(r->flags & NVMETRACE_F_IOQ) != (f->opcode_qtype == NVME_QTYPE_IO))
			return false;
	}
	if (f->nsid >= 0 && sqe_nsid(r) != (uint32_t)f->nsid)
		return false;
	if (!(r->flags & NVMETRACE_F_COMPLETED))
		return true;
	if (f->failed && r->status == 0)
		return false;
	if (f->min_ns && r->latency_ns < f->min_ns)
		return false;
	return true;
}
