/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The submission queue entry from a BTF pointer to struct nvme_command
 * (a tp_btf argument), by direct loads: no helper call. The verifier
 * allows a direct load only within one member, so the entry is read member
 * by member (core_views.h: the specification's layout, not relocated) and
 * each value is stored at the same offset: sqe holds the bytes a 64-byte
 * copy would. sqe must be 8-byte aligned; cmd must not be NULL.
 *
 * Read through struct nvme_common_command, the union's member at offset 0
 * (nvme_cmd_common()); the verifier checks each load against the kernel's
 * struct nvme_command. Each member is one load of its own size: a wider
 * load spanning two members would be refused.
 */
static __always_inline const struct nvme_common_command *nvme_cmd_common(const void *cmd)
{
	return cmd;
}
#ifndef NVMETRACE_SQE_BTF_H
#define NVMETRACE_SQE_BTF_H

static __always_inline void read_sqe_btf(__u8 *sqe, const void *cmd)
{
	const struct nvme_common_command *c = nvme_cmd_common(cmd);

	sqe[0] = c->opcode;
	sqe[1] = c->flags;
	*(__u16 *)(sqe + 2) = c->command_id;
	*(__u32 *)(sqe + 4) = c->nsid;
	*(__u32 *)(sqe + 8) = c->cdw2[0];
	*(__u32 *)(sqe + 12) = c->cdw2[1];
	*(__u64 *)(sqe + 16) = c->metadata;
	*(__u64 *)(sqe + 24) = c->dptr.prp1;
	*(__u64 *)(sqe + 32) = c->dptr.prp2;
	*(__u32 *)(sqe + 40) = c->cdw10;
	*(__u32 *)(sqe + 44) = c->cdw11;
	*(__u32 *)(sqe + 48) = c->cdw12;
	*(__u32 *)(sqe + 52) = c->cdw13;
	*(__u32 *)(sqe + 56) = c->cdw14;
	*(__u32 *)(sqe + 60) = c->cdw15;
}

/* Its first 8 bytes only: opcode, flags, command id, nsid. */
static __always_inline void read_sqe_head_btf(__u8 *sqe, const void *cmd)
{
	const struct nvme_common_command *c = nvme_cmd_common(cmd);

	sqe[0] = c->opcode;
	sqe[1] = c->flags;
	*(__u16 *)(sqe + 2) = c->command_id;
	*(__u32 *)(sqe + 4) = c->nsid;
}

#endif /* NVMETRACE_SQE_BTF_H */
