/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* CO-RE views of the kernel types nvmetrace reads: only the fields it uses.
 * libbpf relocates every access against the running kernel's BTF, so the
 * layouts below are placeholders, not assumptions. Hand-written so the build
 * never depends on the build machine's kernel.
 */
#ifndef NVMETRACE_CORE_VIEWS_H
#define NVMETRACE_CORE_VIEWS_H

#define DISK_NAME_LEN 32

struct gendisk {
	char disk_name[DISK_NAME_LEN];
	__u64 diskseq;			/* Linux 5.15+ */
} __attribute__((preserve_access_index));

struct task_struct {
	int pid;
	int tgid;
	char comm[16];			/* TASK_COMM_LEN */
} __attribute__((preserve_access_index));

struct request_queue {
	void *queuedata;
	struct gendisk *disk;		/* Linux 5.15+ */
} __attribute__((preserve_access_index));

struct blk_mq_hw_ctx {
	unsigned int queue_num;
} __attribute__((preserve_access_index));

struct request {
	struct request_queue *q;
	struct blk_mq_hw_ctx *mq_hctx;
	int tag;
	unsigned int __data_len;	/* blk_rq_bytes() */
	struct gendisk *rq_disk;	/* before Linux 5.16 */
	__u64 start_time_ns;		/* set at allocation, kept on requeue */
} __attribute__((preserve_access_index));

/* drivers/nvme/host/nvme.h: in module BTF (nvme_core) or vmlinux BTF when
 * the driver is built in. Kernels without either (Debian 5.10) get the
 * fixed fallback in nvmetrace.bpf.c.
 */
struct nvme_ctrl {
	int instance;
} __attribute__((preserve_access_index));

union nvme_result {
	__u16 u16;
	__u32 u32;
	__u64 u64;
} __attribute__((preserve_access_index));

struct nvme_request {
	void *cmd;
	union nvme_result result;
	__u8 genctr;
	__u8 retries;
	__u8 flags;
	__u16 status;
	struct nvme_ctrl *ctrl;
} __attribute__((preserve_access_index));

/* include/linux/nvme.h: the submission queue entry in its common view.
 * Not relocated: the NVMe specification fixes its layout, the same in
 * every kernel, and a relocated type costs libbpf a search of every BTF
 * at load (one more module-BTF search: a few ms under emulation). Read
 * member by member all the same (direct loads from a BTF pointer must
 * each stay within one member, which the verifier checks against the
 * kernel's struct nvme_command, where cdw10-cdw15 sit in a struct_group
 * since Linux 5.19: the same offsets).
 */
union nvme_data_ptr {
	struct {
		__u64 prp1;
		__u64 prp2;
	};
};

struct nvme_common_command {
	__u8 opcode;
	__u8 flags;
	__u16 command_id;
	__u32 nsid;
	__u32 cdw2[2];
	__u64 metadata;
	union nvme_data_ptr dptr;
	__u32 cdw10;
	__u32 cdw11;
	__u32 cdw12;
	__u32 cdw13;
	__u32 cdw14;
	__u32 cdw15;
};

#endif /* NVMETRACE_CORE_VIEWS_H */
