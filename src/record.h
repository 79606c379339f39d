/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The record the BPF side sends to user space: one per traced command,
 * emitted when the command completes or is set up again before completing
 * (requeued), or, for commands still in flight when tracing stops, built by
 * user space from the pairing map.
 * Shared by bpf/ and src/; fixed-width types and explicit padding only.
 */
#ifndef NVMETRACE_RECORD_H
#define NVMETRACE_RECORD_H

#define NVMETRACE_COMM_LEN	16
#define NVMETRACE_DISK_LEN	32	/* DISK_NAME_LEN */
/* NVMe Base Specification 2.0, 4.2: a submission queue entry is 64 bytes. */
#define NVME_SQE_SIZE		64

/* nvmetrace_record.source: which hook produced the record. */
enum {
	/* nvme_submit_user_cmd() entry and return (the default mode):
	 * status is its return value, an NVMe status or a negative errno.
	 */
	NVMETRACE_SRC_USER_CMD = 1,
	/* nvme:nvme_setup_cmd paired with nvme:nvme_complete_rq (-a):
	 * status is nvme_req(req)->status.
	 */
	NVMETRACE_SRC_REQUEST = 2,
};

/* nvmetrace_record.flags */
enum {
	NVMETRACE_F_SQE_FAULT	= 1u << 0,	/* SQE unreadable: zero-filled */
	NVMETRACE_F_COMPLETED	= 1u << 1,	/* status, result, latency valid */
	NVMETRACE_F_PASSTHRU	= 1u << 2,	/* a user (passthrough) command */
	NVMETRACE_F_INFLIGHT	= 1u << 3,	/* still in flight at exit */
	NVMETRACE_F_METADATA	= 1u << 4,	/* has a metadata buffer */
	NVMETRACE_F_QID		= 1u << 5,	/* qid valid */
	NVMETRACE_F_CTRL	= 1u << 6,	/* ctrl valid */
	NVMETRACE_F_QTYPE	= 1u << 7,	/* queue type known: */
	NVMETRACE_F_IOQ		= 1u << 8,	/*   an I/O queue (else admin) */
	NVMETRACE_F_PTRS	= 1u << 9,	/* sqe[16..39] read at completion */
	NVMETRACE_F_REQUEUED	= 1u << 10,	/* set up again before it completed;
						 * latency_ns: until then */
};

struct nvmetrace_record {
	__u64 ts_ns;			/* CLOCK_MONOTONIC, at submission */
	__u64 latency_ns;		/* completion - submission */
	__u64 result;			/* completion DW0 (and DW1) */
	__u32 pid;			/* submitter's thread group id */
	__u32 tid;			/* submitter's thread id */
	__u32 flags;			/* NVMETRACE_F_* */
	__s32 status;			/* see NVMETRACE_SRC_* */
	__s32 ctrl;			/* controller instance (nvmeN) */
	__u16 qid;			/* 0: admin queue */
	__u16 tag;			/* block layer tag */
	__u8 source;			/* NVMETRACE_SRC_* */
	__u8 retries;			/* nvme_req(req)->retries */
	__u8 nvme_flags;		/* nvme_req(req)->flags */
	__u8 __pad;
	__u32 data_len;			/* bytes the request transfers (-a) */
	char comm[NVMETRACE_COMM_LEN];	/* submitter's command name */
	char disk[NVMETRACE_DISK_LEN];	/* "nvme0n1"; "" for admin commands */
	__u8 sqe[NVME_SQE_SIZE];	/* the submission queue entry, as built */
};

/* A command's setup is paired with its completion (-a), or a passthrough
 * call's entry with its return, first in a table indexed by a hash of the
 * request's address or the thread id (a power of two entries), claimed by
 * compare-and-swap; one whose entry another holds goes to a hash map
 * instead. User space reads entries still in flight.
 */
#define NVMETRACE_PAIRS		4096
/* The default mode's table pairs calls by thread: threads in a call. */
#define NVMETRACE_PAIRS_CALLS	256

struct nvmetrace_pair {
	__u64 req;			/* request (-a) or pid_tgid holding it; 0: free */
	__u64 ready;			/* == req once rec is whole */
	struct nvmetrace_record rec;
};

#endif /* NVMETRACE_RECORD_H */
