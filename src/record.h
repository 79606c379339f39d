/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The record the BPF side sends to user space: one per traced command.
 * Shared by bpf/ and src/; fixed-width types and explicit padding only.
 */
#ifndef NVMETRACE_RECORD_H
#define NVMETRACE_RECORD_H

#define NVMETRACE_COMM_LEN	16
/* NVMe Base Specification 2.0, 4.2: a submission queue entry is 64 bytes. */
#define NVME_SQE_SIZE		64

/* nvmetrace_record.flags */
enum {
	/* The SQE could not be read; sqe[] is zero-filled. */
	NVMETRACE_F_SQE_FAULT = 1u << 0,
};

struct nvmetrace_record {
	__u64 ts_ns;			/* CLOCK_MONOTONIC, at submission */
	__u32 pid;			/* submitter's thread group id */
	__u32 tid;			/* submitter's thread id */
	__u32 flags;			/* NVMETRACE_F_* */
	__u32 __pad;
	char comm[NVMETRACE_COMM_LEN];	/* submitter's command name */
	__u8 sqe[NVME_SQE_SIZE];	/* the submission queue entry, as built */
};

#endif /* NVMETRACE_RECORD_H */
