// SPDX-License-Identifier: GPL-2.0
/*
 * The floor `make bench` measures nvmetrace's per-event costs against: an
 * empty program on each hook nvmetrace uses (what the kernel charges to run
 * any program there), and on nvme:nvme_setup_cmd a ladder of programs that
 * each do one thing every NVMe tracer has to do, so that the cost of each
 * step is measured rather than guessed:
 *   floor_ktime	a timestamp;
 *   floor_sqe		the 64-byte submission entry copied out of the kernel
 *			(bpf_probe_read_kernel, as kprobe and raw_tp programs must);
 *   floor_sqe_btf	the same bytes by direct loads from the BTF pointer, member
 *			by member (as nvmetrace's tp_btf and fentry programs do);
 *   floor_lookup	a hash-map lookup (of a key that is not there);
 *   floor_delete	a hash-map delete (of a key that is not there);
 *   floor_update	a record-sized hash-map update (replacing the entry);
 *   floor_map		a record-sized entry put into and taken out of a hash map
 *			(what pairing a setup with its completion costs);
 *   floor_table	an entry of a pairing table claimed with compare-and-swap
 *			and given back with an exchange (nvmetrace -a's pairing;
 *			the hash map above is its fallback);
 *   floor_ringbuf	a record-sized ring-buffer record, reserved and submitted;
 *   floor_record	the least a tracer that shows the command must do:
 *			timestamp, task, SQE and one ring-buffer record, no pairing
 *			(task and SQE by direct loads, the cheapest way there is).
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "../src/record.h"
#include "../bpf/core_views.h"
#include "../bpf/sqe_btf.h"

/* nvmetrace's record, so that copies and records are the same size. */
#define rec nvmetrace_record

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} floor_rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct rec);
} floor_inflight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rec);
} floor_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NVMETRACE_PAIRS);
	__type(key, __u32);
	__type(value, struct nvmetrace_pair);
} floor_pairs SEC(".maps");

__u64 floor_sink = 0;	/* keeps results live */
__u64 floor_anchor = 0;	/* the request's address minus this: a number */
__u64 floor_lost = 0;

SEC("kprobe/nvme_submit_user_cmd")
int empty_kprobe(void *ctx)
{
	return 0;
}

SEC("tp_btf/nvme_setup_cmd")
int empty_tp_btf(void *ctx)
{
	return 0;
}

/* With empty_tp_btf, empty programs on every hook nvmetrace -a uses (two
 * on nvme_setup_cmd, two on nvme_complete_rq): what attaching there costs
 * the workload before a tracer does anything.
 */
SEC("tp_btf/nvme_setup_cmd")
int empty_tp_setup2(void *ctx)
{
	return 0;
}

SEC("tp_btf/nvme_complete_rq")
int empty_tp_done(void *ctx)
{
	return 0;
}

SEC("tp_btf/nvme_complete_rq")
int empty_tp_done2(void *ctx)
{
	return 0;
}

SEC("tp_btf/nvme_setup_cmd")
int BPF_PROG(floor_ktime, void *req, void *cmd)
{
	floor_sink = bpf_ktime_get_ns();
	return 0;
}

static __always_inline struct rec *scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&floor_scratch, &zero);
}

SEC("tp_btf/nvme_setup_cmd")
int BPF_PROG(floor_sqe, void *req, void *cmd)
{
	struct rec *r = scratch();

	if (r)
		bpf_probe_read_kernel(r->sqe, sizeof(r->sqe), cmd);
	return 0;
}

SEC("tp_btf/nvme_setup_cmd")
int BPF_PROG(floor_sqe_btf, void *req, void *cmd)
{
	struct rec *r = scratch();

	if (r && cmd)
		read_sqe_btf(r->sqe, cmd);
	return 0;
}

SEC("tp_btf/nvme_setup_cmd")
int BPF_PROG(floor_map, void *req, void *cmd)
{
	struct rec *r = scratch();
	__u64 key = (__u64)req;

	if (!r)
		return 0;
	if (bpf_map_update_elem(&floor_inflight, &key, r, BPF_NOEXIST))
		floor_lost++;
	bpf_map_delete_elem(&floor_inflight, &key);
	return 0;
}

SEC("tp_btf/nvme_setup_cmd")
int BPF_PROG(floor_table, void *req, void *cmd)
{
	struct nvmetrace_pair *p;
	__u64 id = (__u64)req;
	__u32 i;

	asm volatile("%0 -= %1" : "+r"(id) : "r"(&floor_anchor));
	i = (__u32)((id * 0x9e3779b97f4a7c15ull) >> 32) & (NVMETRACE_PAIRS - 1);
	p = bpf_map_lookup_elem(&floor_pairs, &i);
	if (!p)
		return 0;
	if (__sync_val_compare_and_swap(&p->req, 0, id))
		floor_lost++;
	else
		__sync_lock_test_and_set(&p->req, 0);
	return 0;
}

SEC("tp_btf/nvme_setup_cmd")
int BPF_PROG(floor_ringbuf, void *req, void *cmd)
{
	struct rec *r = bpf_ringbuf_reserve(&floor_rb, sizeof(*r), 0);

	if (!r) {
		floor_lost++;
		return 0;
	}
	r->ts_ns = 0;
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
	return 0;
}

SEC("tp_btf/nvme_setup_cmd")
int BPF_PROG(floor_record, void *req, void *cmd)
{
	struct rec *r = bpf_ringbuf_reserve(&floor_rb, sizeof(*r), 0);
	struct task_struct *task;

	if (!r) {
		floor_lost++;
		return 0;
	}
	r->ts_ns = bpf_ktime_get_ns();
	task = bpf_get_current_task_btf();
	r->pid = task->tgid;
	r->tid = task->pid;
	__builtin_memcpy(r->comm, task->comm, sizeof(r->comm));
	if (cmd)
		read_sqe_btf(r->sqe, cmd);
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
	return 0;
}

SEC("tp_btf/nvme_setup_cmd")
int BPF_PROG(floor_lookup, void *req, void *cmd)
{
	__u64 key = (__u64)req;

	if (bpf_map_lookup_elem(&floor_inflight, &key))
		floor_sink++;
	return 0;
}

SEC("tp_btf/nvme_setup_cmd")
int BPF_PROG(floor_delete, void *req, void *cmd)
{
	__u64 key = (__u64)req;

	if (!bpf_map_delete_elem(&floor_inflight, &key))
		floor_sink++;
	return 0;
}

SEC("tp_btf/nvme_setup_cmd")
int BPF_PROG(floor_update, void *req, void *cmd)
{
	struct rec *r = scratch();
	__u64 key = (__u64)req;

	if (r && bpf_map_update_elem(&floor_inflight, &key, r, BPF_ANY))
		floor_lost++;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
