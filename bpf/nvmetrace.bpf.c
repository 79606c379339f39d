// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* nvmetrace BPF side: capture NVMe submission queue entries.
 *
 * The command is read as the raw 64-byte submission queue entry whose layout
 * the NVMe specification fixes, so no kernel BTF for struct nvme_command is
 * needed (Debian's 5.10 kernels have none). The kprobe path uses the uapi
 * struct pt_regs for its arguments and needs no BTF at all; the fentry path
 * needs BTF only to find its target.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <asm/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "../src/record.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);	/* user space may resize before load */
} nvmetrace_rb SEC(".maps");

/* Records that did not fit in the ring buffer. */
__u64 lost_records = 0;

static __always_inline void emit_submit(const void *cmd)
{
	struct nvmetrace_record *r;
	__u64 id;

	r = bpf_ringbuf_reserve(&nvmetrace_rb, sizeof(*r), 0);
	if (!r) {
		__sync_fetch_and_add(&lost_records, 1);
		return;
	}
	id = bpf_get_current_pid_tgid();
	r->ts_ns = bpf_ktime_get_ns();
	r->pid = id >> 32;
	r->tid = (__u32)id;
	r->flags = 0;
	r->__pad = 0;
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	/* On failure the helper zero-fills the destination. */
	if (bpf_probe_read_kernel(r->sqe, sizeof(r->sqe), cmd))
		r->flags |= NVMETRACE_F_SQE_FAULT;
	bpf_ringbuf_submit(r, 0);
}

/* static int nvme_submit_user_cmd(struct request_queue *q,
 *				   struct nvme_command *cmd, ...);
 * cmd is the second argument on every kernel since the function appeared
 * (its other arguments changed in 5.18 and 6.13).
 */
SEC("kprobe/nvme_submit_user_cmd")
int BPF_KPROBE(nvmetrace_kp, void *q, void *cmd)
{
	emit_submit(cmd);
	return 0;
}

SEC("fentry/nvme_submit_user_cmd")
int BPF_PROG(nvmetrace_fe, void *q, void *cmd)
{
	emit_submit(cmd);
	return 0;
}
