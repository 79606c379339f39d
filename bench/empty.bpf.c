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
 * and, on both hooks, the least a latency histogram like nvmetrace -a -H's
 * (by device and opcode, with mean and error counts) must do there:
 *   floor_hist_setup	a timestamp, the opcode and the device (direct loads),
 *			kept in a pairing-table entry claimed by compare-and-swap;
 *   floor_hist_done	the entry, a timestamp, the status and, for the admin
 *			queue (no disk), the controller: nvme_request is the
 *			driver's data after struct request, no BTF pointer, so
 *			one read of its head (status, controller pointer) and
 *			one of the controller's instance, each a helper call on
 *			kernels before bpf_rdonly_cast (6.2), which cannot name
 *			a module's type even then; the group found by its
 *			one-word key in an open-addressed table, its slot, sum
 *			and errors counted with atomics; the entry given back.
 * and, on both hooks too, the least a tracer must do there that sends each
 * command to user space with what nvmetrace -a shows of it (time, latency,
 * status and result, submitter, the SQE, the device):
 *   floor_rec_setup	a pairing-table entry claimed by compare-and-swap,
 *			filled with a timestamp, the task (pid, tid, comm) and
 *			the SQE (direct loads), and the disk's address (a
 *			reader would name it once, not per command);
 *   floor_rec_done	the entry, a timestamp, the head of nvme_request
 *			(status, result, controller) and, for the admin
 *			queue, the controller's instance, as floor_hist_done;
 *			one ring-buffer record of the whole, submitted without
 *			a wakeup (bench-empty reads the ring every 100 ms);
 *			the entry given back.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "../src/record.h"
#include "../src/hist.h"
#include "../bpf/core_views.h"
#include "../bpf/sqe_btf.h"

/* nvmetrace's record (struct nvmetrace_record) throughout, so that copies
 * and records are the same size.
 */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} floor_rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct nvmetrace_record);
} floor_inflight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nvmetrace_record);
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

static __always_inline struct nvmetrace_record *scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&floor_scratch, &zero);
}

SEC("tp_btf/nvme_setup_cmd")
int BPF_PROG(floor_sqe, void *req, void *cmd)
{
	struct nvmetrace_record *r = scratch();

	if (r)
		bpf_probe_read_kernel(r->sqe, sizeof(r->sqe), cmd);
	return 0;
}

SEC("tp_btf/nvme_setup_cmd")
int BPF_PROG(floor_sqe_btf, void *req, void *cmd)
{
	struct nvmetrace_record *r = scratch();

	if (r && cmd)
		read_sqe_btf(r->sqe, cmd);
	return 0;
}

SEC("tp_btf/nvme_setup_cmd")
int BPF_PROG(floor_map, void *req, void *cmd)
{
	struct nvmetrace_record *r = scratch();
	__u64 key = (__u64)req;

	if (!r)
		return 0;
	if (bpf_map_update_elem(&floor_inflight, &key, r, BPF_NOEXIST))
		floor_lost++;
	bpf_map_delete_elem(&floor_inflight, &key);
	return 0;
}

/* A request's (or any id's) entry in a pairing table, as nvmetrace's. */
static __always_inline __u32 pair_index(__u64 id)
{
	return (__u32)((id * 0x9e3779b97f4a7c15ull) >> 32) & (NVMETRACE_PAIRS - 1);
}

static __always_inline struct nvmetrace_pair *pair_of(__u64 id)
{
	__u32 i = pair_index(id);

	return bpf_map_lookup_elem(&floor_pairs, &i);
}

SEC("tp_btf/nvme_setup_cmd")
int BPF_PROG(floor_table, void *req, void *cmd)
{
	struct nvmetrace_pair *p;
	__u64 id = (__u64)req;

	asm volatile("%0 -= %1" : "+r"(id) : "r"(&floor_anchor));
	p = pair_of(id);
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
	struct nvmetrace_record *r = bpf_ringbuf_reserve(&floor_rb, sizeof(*r), 0);

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
	struct nvmetrace_record *r = bpf_ringbuf_reserve(&floor_rb, sizeof(*r), 0);
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
	struct nvmetrace_record *r = scratch();
	__u64 key = (__u64)req;

	if (r && bpf_map_update_elem(&floor_inflight, &key, r, BPF_ANY))
		floor_lost++;
	return 0;
}

/* The least latency histogram: what one command keeps from its setup. */
struct hpair {
	__u64 req;	/* the request (minus floor_anchor); 0: free */
	__u64 ts;
	__u64 dev;	/* the disk's address; 0: the admin queue */
	__u64 opcode;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NVMETRACE_PAIRS);
	__type(key, __u32);
	__type(value, struct hpair);
} floor_hpairs SEC(".maps");

/* A group: its key (0: free), sum of latencies, errors, slots (the
 * count is their sum).
 */
struct hgroup {
	__u64 key;
	__u64 sum_ns;
	__u64 errors;
	__u64 slots[HIST_SLOTS];
};

#define FLOOR_GROUPS	512

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FLOOR_GROUPS);
	__type(key, __u32);
	__type(value, struct hgroup);
} floor_groups SEC(".maps");

static __always_inline struct hpair *hpair_of(__u64 id)
{
	__u32 i = pair_index(id);

	return bpf_map_lookup_elem(&floor_hpairs, &i);
}

SEC("tp_btf/nvme_setup_cmd")
int BPF_PROG(floor_hist_setup, struct request *req, void *cmd)
{
	struct hpair *p;
	__u64 id = (__u64)req;

	if (!req || !cmd)
		return 0;
	asm volatile("%0 -= %1" : "+r"(id) : "r"(&floor_anchor));
	p = hpair_of(id);
	if (!p)
		return 0;
	if (__sync_val_compare_and_swap(&p->req, 0, id)) {
		floor_lost++;
		return 0;
	}
	p->ts = bpf_ktime_get_ns();
	p->opcode = nvme_cmd_common(cmd)->opcode;
	p->dev = (__u64)req->q->disk;
	return 0;
}

/* nvme_request's head, as nvmetrace reads it: status and the controller
 * pointer are within its first 40 bytes in every layout with the type.
 */
#define HEAD_WORDS	5

SEC("tp_btf/nvme_complete_rq")
int BPF_PROG(floor_hist_done, struct request *req)
{
	__u64 id = (__u64)req, head[HEAD_WORDS] = {}, key, lat, slot;
	struct nvme_ctrl *ctrl;
	struct hgroup *g;
	struct hpair *p;
	__u32 i, idx;
	__u16 status;
	int inst = -1;

	if (!req)
		return 0;
	asm volatile("%0 -= %1" : "+r"(id) : "r"(&floor_anchor));
	p = hpair_of(id);
	if (!p || p->req != id)
		return 0;
	lat = bpf_ktime_get_ns() - p->ts;
	bpf_probe_read_kernel(head, sizeof(head), (void *)req + bpf_core_type_size(struct request));
	status = *(__u16 *)((__u8 *)head +
			    bpf_core_field_offset(((struct nvme_request *)0)->status));
	key = p->dev;
	if (!key) {
		ctrl = *(struct nvme_ctrl **)((__u8 *)head +
					      bpf_core_field_offset(((struct nvme_request *)0)->ctrl));
		if (ctrl)
			bpf_core_read(&inst, sizeof(inst), &ctrl->instance);
		key = (__u64)(__u32)inst << 1 | 1;
	}
	key ^= p->opcode << 56;
	__sync_lock_test_and_set(&p->req, 0);
	slot = hist_slot(lat);
	barrier_var(slot);
	if (slot >= HIST_SLOTS)
		slot = HIST_SLOTS - 1;
	barrier_var(slot);
	idx = (__u32)((key * 0x9e3779b97f4a7c15ull) >> 55);
	for (i = 0; i < 4; i++) {
		__u32 at = (idx + i) & (FLOOR_GROUPS - 1);

		__u64 held;

		g = bpf_map_lookup_elem(&floor_groups, &at);
		if (!g)
			return 0;
		held = g->key;
		if (!held)
			held = __sync_val_compare_and_swap(&g->key, 0, key);
		if (held && held != key)
			continue;
		__sync_fetch_and_add(&g->slots[slot], 1);
		__sync_fetch_and_add(&g->sum_ns, lat);
		if (status)
			__sync_fetch_and_add(&g->errors, 1);
		return 0;
	}
	floor_lost++;
	return 0;
}


SEC("tp_btf/nvme_setup_cmd")
int BPF_PROG(floor_rec_setup, struct request *req, void *cmd)
{
	struct nvmetrace_pair *p;
	struct task_struct *task;
	__u64 id = (__u64)req;

	if (!req || !cmd)
		return 0;
	asm volatile("%0 -= %1" : "+r"(id) : "r"(&floor_anchor));
	p = pair_of(id);
	if (!p)
		return 0;
	if (__sync_val_compare_and_swap(&p->req, 0, id)) {
		floor_lost++;
		return 0;
	}
	p->rec.ts_ns = bpf_ktime_get_ns();
	task = bpf_get_current_task_btf();
	p->rec.pid = task->tgid;
	p->rec.tid = task->pid;
	__builtin_memcpy(p->rec.comm, task->comm, sizeof(p->rec.comm));
	read_sqe_btf(p->rec.sqe, cmd);
	*(__u64 *)p->rec.disk = (__u64)req->q->disk;
	return 0;
}

SEC("tp_btf/nvme_complete_rq")
int BPF_PROG(floor_rec_done, struct request *req)
{
	__u64 id = (__u64)req, head[HEAD_WORDS] = {};
	struct nvmetrace_pair *p;
	struct nvme_ctrl *ctrl;
	struct nvmetrace_record *r;
	int inst = -1;

	if (!req)
		return 0;
	asm volatile("%0 -= %1" : "+r"(id) : "r"(&floor_anchor));
	p = pair_of(id);
	if (!p || p->req != id)
		return 0;
	r = bpf_ringbuf_reserve(&floor_rb, sizeof(*r), 0);
	if (!r) {
		floor_lost++;
		__sync_lock_test_and_set(&p->req, 0);
		return 0;
	}
	__builtin_memcpy(r, &p->rec, sizeof(*r));
	__sync_lock_test_and_set(&p->req, 0);
	r->latency_ns = bpf_ktime_get_ns() - r->ts_ns;
	bpf_probe_read_kernel(head, sizeof(head), (void *)req + bpf_core_type_size(struct request));
	r->status = *(__u16 *)((__u8 *)head +
			       bpf_core_field_offset(((struct nvme_request *)0)->status));
	r->result = *(__u64 *)((__u8 *)head +
			       bpf_core_field_offset(((struct nvme_request *)0)->result));
	if (!*(__u64 *)r->disk) {
		ctrl = *(struct nvme_ctrl **)((__u8 *)head +
					      bpf_core_field_offset(((struct nvme_request *)0)->ctrl));
		if (ctrl)
			bpf_core_read(&inst, sizeof(inst), &ctrl->instance);
	}
	r->ctrl = inst;
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
