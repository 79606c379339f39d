// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* nvmetrace BPF side.
 *
 * Two ways to see commands, chosen by user space with autoload:
 *  - passthrough calls: nvme_submit_user_cmd() entry and return, by fentry/
 *    fexit or kprobe/kretprobe (the default mode, as in the seeds);
 *  - every command: the nvme:nvme_setup_cmd and nvme:nvme_complete_rq
 *    tracepoints, by tp_btf or raw_tp (-a), paired by request.
 *
 * The command is kept as the raw 64-byte submission queue entry whose layout
 * the NVMe specification fixes: copied whole by a helper, or, in tp_btf
 * programs, loaded member by member from its BTF pointer; block-layer types
 * come from vmlinux BTF by CO-RE. Filters are applied here so filtered-out
 * commands cost no record.
 */
#include <stdbool.h>
#include <linux/types.h>
#include <linux/bpf.h>
#include <asm/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "core_views.h"
#include "sqe_btf.h"
#include "../src/record.h"
#include "../src/hist.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* drivers/nvme/host/nvme.h: NVME_REQ_USERCMD = 1 << 1 since Linux 4.x. */
#define NVME_REQ_USERCMD	(1 << 1)

/* ---- knobs, set by user space before load -------------------------------- */
const volatile __u32 filter_pid = 0;		/* 0: any */
const volatile bool filter_comm_on = false;
const volatile char filter_comm[NVMETRACE_COMM_LEN] = {};
const volatile __s32 filter_ctrl = -1;		/* -1: any */
const volatile bool filter_disk_on = false;
const volatile char filter_disk[NVMETRACE_DISK_LEN] = {};
const volatile __s64 filter_nsid = -1;
const volatile __s32 filter_qid = -1;
const volatile __s32 filter_opcode = -1;
const volatile __s32 filter_opcode_qtype = -1;	/* 0 admin, 1 I/O, -1 any */
const volatile bool filter_failed = false;
const volatile __u64 filter_min_ns = 0;
/* Whether any of the filters above known at submission (filter_on_setup)
 * or at completion (filter_on_done) is set. The verifier knows a knob's
 * value and drops the branches it rules out, but each knob tested still
 * costs a load, and the code around it is compiled for any value: without
 * filters, one test each instead of one a filter. With -a -H, a storm
 * command ran 61 instructions fewer (of 1,307) with every filter a
 * compile-time constant, about half of that with these two knobs
 * (make bench-ab BENCH_ICOUNT=0, docs/design.md).
 */
const volatile bool filter_on_setup = false;
const volatile bool filter_on_done = false;
/* -H/-S: aggregate here instead of sending records; group by these. */
const volatile bool hist_mode = false;
const volatile __u8 hist_by = 0;
/* HIST_CTRL_*: when to read the controller instance (hist.h). */
const volatile __u8 ctrl_when = HIST_CTRL_AT_SETUP;
/* block:block_rq_insert lost its request_queue argument in Linux 5.11
 * (commit a54895fa057c); user space tells which prototype BTF shows.
 */
const volatile bool rq_insert_has_q = false;
/* Wake the reader once this much is waiting, not for every record: it
 * polls on its own every 100 ms, and a wakeup per record cost more than
 * the record (0: the kernel's default, a wakeup when the reader caught up).
 */
const volatile __u64 wakeup_bytes = 0;
/* nvmetrace_pairs' max_entries - 1. */
const volatile __u32 pairs_mask = NVMETRACE_PAIRS - 1;
/* nvmetrace_submitter_table's max_entries - 1. */
const volatile __u32 submitters_mask = NVMETRACE_PAIRS - 1;
/* Tests only (NVMETRACE_TEST_SKIP_SETUP=N): the first setup program leaves
 * about one setup in N to the second, as if the kernel had skipped it.
 */
const volatile __u32 test_skip_setup = 0;

/* ---- maps ------------------------------------------------------------------ */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);	/* user space may resize before load */
} nvmetrace_rb SEC(".maps");

/* Commands between setup and completion, by struct request pointer.
 * Preallocated (tracing programs need that before Linux 6.0), so sized for
 * typical outstanding commands rather than the NVMe maximum; a full map is
 * counted and reported, never silent.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct nvmetrace_record);
} nvmetrace_inflight SEC(".maps");

/* The first place a command waits for its completion (-a, tp_btf): an
 * entry chosen by the request's address, claimed with compare-and-swap and
 * given back with an exchange (BPF atomics, Linux 5.12). No lock, no
 * allocation: a hash map update and delete cost several times the rest of
 * the setup program. A command whose entry another command holds goes to
 * nvmetrace_inflight above. User space may resize it (a power of two).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NVMETRACE_PAIRS);
	__type(key, __u32);
	__type(value, struct nvmetrace_pair);
} nvmetrace_pairs SEC(".maps");

/* Who queued a request that the driver may dispatch from another context
 * (kblockd, requeue work): recorded at block:block_rq_insert, consumed at
 * setup. LRU: an entry that is never consumed ages out.
 */
struct submitter {
	__u32 pid;
	__u32 tid;
	char comm[NVMETRACE_COMM_LEN];
	/* The request's start_time_ns (tp_btf only, else 0): set when the
	 * block layer allocates it, kept across a requeue. An entry left by
	 * a request that was never set up (merged into another at insert)
	 * has another stamp than a later request at the same address.
	 */
	__u64 stamp;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct submitter);
} nvmetrace_submitters SEC(".maps");

/* The same where the kernel has BPF atomics (with the pairing table):
 * first a direct-mapped table, an entry claimed with a compare-and-swap at
 * insert and given back at setup, in place of the LRU hash's update,
 * lookup and delete (a third of -a's BPF work on a read through an I/O
 * scheduler). A request whose entry another request holds goes to the
 * hash. User space sizes it like the pairing table.
 */
struct submitter_entry {
	__u64 req;			/* request holding it; 0: free */
	__u64 ready;			/* == req once who is written */
	struct submitter who;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NVMETRACE_PAIRS);
	__type(key, __u32);
	__type(value, struct submitter_entry);
} nvmetrace_submitter_table SEC(".maps");

/* Passthrough calls between entry and return, by thread id. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct nvmetrace_record);
} nvmetrace_calls SEC(".maps");

/* Per-CPU scratch records: too big for the 512-byte BPF stack with room
 * left. One for each program that may be running on a CPU while another
 * interrupts it (SCRATCH_*), and for the first setup program one for each
 * depth it may run at (kernels without the kernel's recursion check, see
 * setup_first()).
 */
#define SCRATCH_CALL	0	/* passthrough call entry */
#define SCRATCH_SETUP	1	/* first setup program, then SETUP_DEPTH nested */
#define SETUP_DEPTH	2
#define SCRATCH_SETUP2	(SCRATCH_SETUP + SETUP_DEPTH)	/* second setup program */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SCRATCH_SETUP2 + 1);
	__type(key, __u32);
	__type(value, struct nvmetrace_record);
} nvmetrace_scratch SEC(".maps");

/* Latency histograms by group (-H, -S): the table where the programs have
 * BPF atomics, two generations of HIST_TABLE groups (hist.h); the hash map
 * where they do not. Each is one entry until user space sizes it for
 * histogram mode: preallocated maps cost memory even when unused.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hist_group);
} nvmetrace_hist_table SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, struct hist_key);
	__type(value, struct hist_val);
} nvmetrace_hist SEC(".maps");

/* A zeroed value to create histogram entries from (too big for the stack). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hist_val);
} nvmetrace_hist_zero SEC(".maps");

/* How deep the raw_tp completion program is on each CPU (see
 * done_first()).
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} nvmetrace_done_depth SEC(".maps");

/* The first setup program on each CPU: the request it took last (see
 * setup_second()) and how deep it is running.
 */
struct setup_cpu {
	__u64 seen;
	__u64 depth;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct setup_cpu);
} nvmetrace_setup_cpu SEC(".maps");

/* ---- counters (read by user space at exit) ---------------------------------- */
__u64 lost_records = 0;		/* ring buffer full */
__u64 lost_inflight = 0;	/* pairing map full: command not traced */
__u64 replaced_inflight = 0;	/* set up again before completion (requeued) */
__u64 unpaired_completions = 0;	/* completion without a traced setup */
__u64 lost_hist = 0;		/* histogram map full: command not counted */
/* The table's generation the programs count into (0 or 1); user space
 * switches it at each report.
 */
__u32 hist_gen = 0;
/* Completions the kernel skipped for the completion program (nested on its
 * CPU) that the second program took instead.
 */
__u64 covered_completions = 0;
/* Likewise for setups and the second setup program. */
__u64 covered_setups = 0;
/* Setups the first program left on purpose (test_skip_setup). */
__u64 test_skipped_setups = 0;
/* Setups the first program found itself SETUP_DEPTH deep for on their CPU
 * (kernels without the recursion check): not traced.
 */
__u64 nested_setups = 0;
/* At least the number of entries in nvmetrace_inflight (raised before an
 * insert, lowered after a delete): while it is 0, neither setup nor
 * completion needs to look there.
 */
__u64 hashed_inflight = 0;
/* Commands paired through a hash map: by programs without the pairing
 * table, or when their table entry was taken (reported by -v).
 */
__u64 hashed_total = 0;
/* Passthrough calls whose return was not seen: the same thread entered
 * again (a kretprobe keeps a fixed number of calls at once, as few as one
 * per CPU on kernels without CONFIG_PREEMPTION, and skips the others).
 */
__u64 missed_returns = 0;
/* Likewise for nvmetrace_calls, where the table is used. */
__u64 calls_hashed = 0;
/* Likewise for nvmetrace_submitters (LRU evictions are not subtracted). */
__u64 submitters_live = 0;
/* Set by the first insert into nvmetrace_submitter_table: until then
 * (passthrough commands on the admin queue only, which no I/O scheduler
 * queues) setup does not look there.
 */
__u32 submitter_table_used = 0;

/* ---- helpers ------------------------------------------------------------------- */
static __always_inline struct nvmetrace_record *scratch(__u32 slot)
{
	return bpf_map_lookup_elem(&nvmetrace_scratch, &slot);
}

static __always_inline bool str_eq(const char *a, const volatile char *b, int len)
{
	for (int i = 0; i < len; i++) {
		if (a[i] != b[i])
			return false;
		if (!a[i])
			return true;
	}
	return true;
}

/* Static filters: everything known at submission. */
static __always_inline bool keep_submission(const struct nvmetrace_record *r)
{
	__u8 opcode = r->sqe[0];
	__u32 nsid;

	if (!filter_on_setup)
		return true;
	if (filter_pid && r->pid != filter_pid)
		return false;
	if (filter_comm_on && !str_eq(r->comm, filter_comm, NVMETRACE_COMM_LEN))
		return false;
	if (filter_ctrl >= 0 && ((r->flags & NVMETRACE_F_CTRL) == 0 || r->ctrl != filter_ctrl))
		return false;
	if (filter_disk_on && !str_eq(r->disk, filter_disk, NVMETRACE_DISK_LEN))
		return false;
	if (filter_qid >= 0 && ((r->flags & NVMETRACE_F_QID) == 0 || r->qid != filter_qid))
		return false;
	if (filter_opcode >= 0) {
		if (opcode != filter_opcode)
			return false;
		if (filter_opcode_qtype >= 0 &&
		    !!(r->flags & NVMETRACE_F_IOQ) != filter_opcode_qtype)
			return false;
	}
	if (filter_nsid >= 0) {
		__builtin_memcpy(&nsid, &r->sqe[4], sizeof(nsid));
		if (nsid != (__u32)filter_nsid)
			return false;
	}
	return true;
}

/* Dynamic filters: known at completion. */
static __always_inline bool keep_completion(const struct nvmetrace_record *r)
{
	if (!filter_on_done)
		return true;
	if (filter_failed && r->status == 0)
		return false;
	if (filter_min_ns && r->latency_ns < filter_min_ns)
		return false;
	return true;
}

/* The current task's pid (thread group), tid and comm (NVMETRACE_COMM_LEN
 * bytes, two words); id is its bpf_get_current_pid_tgid(), or 0 if not
 * taken yet. btf (a constant: tp_btf, fentry): direct loads from its BTF
 * pointer (Linux 5.11) instead of the comm helper's string copy.
 */
static __always_inline void current_task(__u32 *pid, __u32 *tid, char *comm, __u64 id, bool btf)
{
	struct task_struct *task;

	if (btf) {
		task = bpf_get_current_task_btf();
		*pid = task->tgid;
		*tid = task->pid;
		((__u64 *)comm)[0] = *(__u64 *)&task->comm[0];
		((__u64 *)comm)[1] = *(__u64 *)&task->comm[8];
		comm[NVMETRACE_COMM_LEN - 1] = 0;
		return;
	}
	if (!id)
		id = bpf_get_current_pid_tgid();
	*pid = id >> 32;
	*tid = (__u32)id;
	bpf_get_current_comm(comm, NVMETRACE_COMM_LEN);
}

static __always_inline void set_current(struct nvmetrace_record *r, __u64 id, bool btf)
{
	_Static_assert(sizeof(r->comm) == 2 * sizeof(__u64), "comm: two words");
	current_task(&r->pid, &r->tid, r->comm, id, btf);
}

/* The SQE, 64 bytes. btf (a constant: tp_btf): cmd is a BTF pointer, read
 * member by member (sqe_btf.h), without a helper call. Else one
 * bpf_probe_read_kernel(). Histograms need only the first 8 bytes (opcode,
 * command id, nsid): the rest stays 0.
 */
static __always_inline void read_sqe(struct nvmetrace_record *r, const void *cmd, bool btf,
				     bool hist)
{
	__u32 len = hist ? 8 : sizeof(r->sqe);

	if (!btf) {
		/* On failure the helper zero-fills the destination. */
		if (bpf_probe_read_kernel(r->sqe, len, cmd))
			r->flags |= NVMETRACE_F_SQE_FAULT;
		return;
	}
	/* tp_btf arguments may be NULL to the verifier (Linux 6.12+). */
	if (!cmd) {
		r->flags |= NVMETRACE_F_SQE_FAULT;
		return;
	}
	if (hist)
		read_sqe_head_btf(r->sqe, cmd);
	else
		read_sqe_btf(r->sqe, cmd);
}

/* The disk's name: DISK_NAME_LEN bytes, NUL-padded (the gendisk is zeroed
 * when allocated). With a BTF pointer, four direct loads; else one
 * fixed-size read, cheaper than a string read's byte loop.
 */
static __always_inline void disk_name(struct nvmetrace_record *r, struct gendisk *disk, bool btf)
{
	__u64 *dst = (__u64 *)r->disk;

	_Static_assert(sizeof(r->disk) == 4 * sizeof(__u64), "disk name: four words");
	if (btf) {
		dst[0] = *(__u64 *)&disk->disk_name[0];
		dst[1] = *(__u64 *)&disk->disk_name[8];
		dst[2] = *(__u64 *)&disk->disk_name[16];
		dst[3] = *(__u64 *)&disk->disk_name[24];
	} else {
		bpf_probe_read_kernel(r->disk, sizeof(r->disk), &disk->disk_name);
	}
	r->disk[sizeof(r->disk) - 1] = 0;
}

static __always_inline void emit(const struct nvmetrace_record *src)
{
	struct nvmetrace_record *r;

	r = bpf_ringbuf_reserve(&nvmetrace_rb, sizeof(*r), 0);
	if (!r) {
		__sync_fetch_and_add(&lost_records, 1);
		return;
	}
	__builtin_memcpy(r, src, sizeof(*r));
	if (!wakeup_bytes)
		bpf_ringbuf_submit(r, 0);
	else if (bpf_ringbuf_query(&nvmetrace_rb, BPF_RB_AVAIL_DATA) + sizeof(*r) >= wakeup_bytes)
		bpf_ringbuf_submit(r, BPF_RB_FORCE_WAKEUP);
	else
		bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
}

/* The group's value in the table (a free slot is claimed for a new key),
 * or NULL if none of the key's HIST_PROBES slots can take it. A slot that
 * another CPU is claiming is passed over: if it was for the same key, the
 * group has two slots, which user space adds up.
 */
static __always_inline struct hist_val *table_group(const struct hist_key *key, __u32 gen)
{
	__u32 h = hist_key_hash(key), i, idx;
	struct hist_group *g;

	for (i = 0; i < HIST_PROBES; i++) {
		idx = (gen & 1) * HIST_TABLE + ((h + i) & (HIST_TABLE - 1));
		g = bpf_map_lookup_elem(&nvmetrace_hist_table, &idx);
		if (!g)
			return NULL;
		if (g->state == HIST_READY) {
			if (hist_key_eq(&g->key, key))
				return &g->val;
			continue;
		}
		if (g->state != HIST_FREE ||
		    __sync_val_compare_and_swap(&g->state, HIST_FREE, HIST_CLAIMED) != HIST_FREE)
			continue;
		__builtin_memcpy(&g->key, key, sizeof(g->key));
		/* The key before the state (a barrier on the ports where the
		 * exchange is one).
		 */
		__sync_lock_test_and_set(&g->state, HIST_READY);
		return &g->val;
	}
	return NULL;
}

/* The group's value in the hash map, created if new (no BPF atomics). */
static __always_inline struct hist_val *hash_group(const struct hist_key *key)
{
	struct hist_val *v, *z;
	__u32 zero = 0;

	v = bpf_map_lookup_elem(&nvmetrace_hist, key);
	if (v)
		return v;
	z = bpf_map_lookup_elem(&nvmetrace_hist_zero, &zero);
	if (!z)
		return NULL;
	bpf_map_update_elem(&nvmetrace_hist, key, z, BPF_NOEXIST);
	return bpf_map_lookup_elem(&nvmetrace_hist, key);
}

/* What a completed command adds to its histogram, read from its record
 * before the record's entry is given back.
 */
struct hist_add {
	struct hist_key key;
	__u64 lat;
	__u64 bytes;
	bool error;
	bool keep;	/* to be counted (histograms, past the completion filters) */
};

static __always_inline void hist_count(struct hist_val *v, const struct hist_add *a)
{
	__u64 lat = a->lat, slot = hist_slot(lat);

	/* Bound the very register used as the index (clang may otherwise
	 * check a copy and index with the original).
	 */
	barrier_var(slot);
	if (slot >= HIST_SLOTS)
		slot = HIST_SLOTS - 1;
	barrier_var(slot);
	/* No count: user space sums the slots (one atomic less). */
	__sync_fetch_and_add(&v->slots[slot], 1);
	__sync_fetch_and_add(&v->sum_ns, lat);
	__sync_fetch_and_add(&v->bytes, a->bytes);
	if (a->error)
		__sync_fetch_and_add(&v->errors, 1);
	/* Racy across CPUs: a concurrent update can lose an extreme; the
	 * slots cannot.
	 */
	if (!v->min_ns || lat < v->min_ns)
		v->min_ns = lat;
	if (lat > v->max_ns)
		v->max_ns = lat;
}

/* Raise this CPU's completion depth (the raw_tp completion program's, see
 * done_first()): a pointer to it, or NULL.
 */
static __always_inline __u64 *depth_enter(void)
{
	__u32 zero = 0;
	__u64 *depth = bpf_map_lookup_elem(&nvmetrace_done_depth, &zero);

	if (depth)
		(*depth)++;
	return depth;
}

static __always_inline void depth_leave(__u64 *depth)
{
	if (depth)
		(*depth)--;
}

/* Count a completed command in its group's histogram. table (a constant:
 * programs with BPF atomics): in the table, else in the hash map, under
 * the generation in the key.
 *
 * User space switches the generation, then waits for an RCU grace period
 * (the kernel's wait for running BPF programs, see trace.c): a program
 * runs in an RCU read-side critical section, so it either reads the new
 * generation or has ended when the wait does, and nothing counts into the
 * generation user space reads and clears.
 */
static __always_inline void aggregate(struct hist_add *a, bool table)
{
	struct hist_val *v;

	if (!table) {
		a->key.gen = *(volatile __u32 *)&hist_gen & 1;
		v = hash_group(&a->key);
	} else {
		v = table_group(&a->key, *(volatile __u32 *)&hist_gen);
	}
	if (v)
		hist_count(v, a);
	else
		__sync_fetch_and_add(&lost_hist, 1);
}

/* A completed command, in two steps around giving its entry back: the
 * record to user space, or what its histogram needs read into *a; then
 * the count. No pointer to the entry is live across the count, so the
 * verifier walks it fewer times (the paths here differ in which map the
 * entry is in): 4,600 instructions instead of 5,000 on 6.1.
 */
static __always_inline void complete_record(const struct nvmetrace_record *r, struct hist_add *a,
					    bool hist)
{
	bool keep = keep_completion(r);

	a->keep = false;
	if (!hist) {
		if (keep)
			emit(r);
		return;
	}
	if (!keep)
		return;
	hist_key_init(&a->key, r, hist_by);
	a->lat = r->latency_ns;
	a->bytes = r->data_len;
	a->error = r->status != 0;
	a->keep = true;
}

/* *a is read from memory by the count, only where keep says so: without
 * this, the compiler may carry its fields in registers past the entry's
 * release on every path, unset on those that did not fill them, and the
 * verifier refuses the program ("R5 !read_ok").
 */
#define hist_add_in_memory(a)	asm volatile("" : : "r"(a) : "memory")

static __always_inline void complete_count(struct hist_add *a, bool table)
{
	if (a->keep)
		aggregate(a, table);
}

/* A request's address as a number: tp_btf hands a typed pointer, on which
 * the verifier allows no arithmetic but the subtraction of another pointer
 * (for programs allowed to see addresses, as these are). The other is a
 * global's address, fixed for the session; the difference is never 0.
 */
__u64 pairs_anchor = 0;

static __always_inline __u64 req_id(struct request *req)
{
	__u64 id = (__u64)req;

	asm volatile("%0 -= %1" : "+r"(id) : "r"(&pairs_anchor));
	return id;
}

/* The pairing table's entry for an id (a request's, a thread's). */
static __always_inline struct nvmetrace_pair *pair_of(__u64 id)
{
	/* Fibonacci hashing: the product's high half mixes every bit of
	 * the address (requests sit at a fixed stride).
	 */
	__u32 i = (__u32)((id * 0x9e3779b97f4a7c15ull) >> 32) & pairs_mask;

	return bpf_map_lookup_elem(&nvmetrace_pairs, &i);
}

/* Claim id's entry of the pairing table. NULL if another id holds it;
 * *again if id held it already (its record is the earlier one's).
 */
static __always_inline struct nvmetrace_pair *pair_claim(__u64 id, bool *again)
{
	struct nvmetrace_pair *p = pair_of(id);
	__u64 held;

	*again = false;
	if (!p)
		return NULL;
	held = __sync_val_compare_and_swap(&p->req, 0, id);
	if (held && held != id)
		return NULL;
	*again = held == id;
	p->ready = 0;
	return p;
}

/* Give an entry of the pairing table back, after its record was read. */
static __always_inline void pair_free(struct nvmetrace_pair *p)
{
	p->ready = 0;
	/* An exchange, not a store: a full barrier, so no later claimant's
	 * writes can pass the reads of the record before it.
	 */
	__sync_lock_test_and_set(&p->req, 0);
}

/* ---- passthrough calls: nvme_submit_user_cmd() ------------------------------ */
/* static int nvme_submit_user_cmd(struct request_queue *q,
 *				   struct nvme_command *cmd, ...);
 * cmd is the second argument on every kernel since the function appeared
 * (its other arguments changed in 5.18 and 6.13). It returns the NVMe status
 * (positive), 0, or a negative errno.
 */
/* pairs (a constant): pair through the table, by thread (a thread is in
 * one call at a time), before the hash map; only in programs for kernels
 * with BPF atomics.
 */
/* A call of this thread whose return was not seen: sent as in flight,
 * with its age as latency, and counted.
 */
static __always_inline void missed_return(struct nvmetrace_record *old, __u64 now)
{
	old->latency_ns = now - old->ts_ns;
	old->flags |= NVMETRACE_F_INFLIGHT;
	__sync_fetch_and_add(&missed_returns, 1);
	emit(old);
}

/* btf (a constant: fentry): q is a BTF pointer, read by direct loads. */
static __always_inline void user_cmd_entry(struct request_queue *q, const void *cmd, bool pairs,
					   bool btf)
{
	__u64 id = bpf_get_current_pid_tgid(), now = bpf_ktime_get_ns();
	struct nvmetrace_record *r, *old;
	struct nvmetrace_pair *p = NULL;
	struct gendisk *disk = NULL;
	__u32 tid = (__u32)id;
	bool again;

	if (pairs) {
		/* Held by another thread: the hash map. */
		p = pair_claim(id, &again);
		if (p && again)
			missed_return(&p->rec, now);
		/* A call of this thread left in the hash map. */
		if (p && calls_hashed) {
			old = bpf_map_lookup_elem(&nvmetrace_calls, &tid);
			if (old) {
				missed_return(old, now);
				if (!bpf_map_delete_elem(&nvmetrace_calls, &tid))
					__sync_fetch_and_add(&calls_hashed, -1);
			}
		}
	}
	r = p ? &p->rec : scratch(SCRATCH_CALL);
	if (!r)
		return;
	__builtin_memset(r, 0, sizeof(*r));
	r->source = NVMETRACE_SRC_USER_CMD;
	r->flags = NVMETRACE_F_PASSTHRU | NVMETRACE_F_QTYPE;
	r->ts_ns = now;
	set_current(r, id, btf);
	/* The helper's copy even under fentry: direct loads would make libbpf
	 * look for the command's type in every module's BTF at load (the
	 * fentry programs otherwise relocate against vmlinux types only),
	 * which cost a fifth of a second of start-up under emulation, for
	 * one helper call a passthrough command.
	 */
	read_sqe(r, cmd, false, hist_mode);
	/* The admin queue has no queuedata; a namespace's queue has the
	 * namespace, and (Linux 5.15+) its disk.
	 */
	if (q && (btf ? q->queuedata : BPF_CORE_READ(q, queuedata))) {
		r->flags |= NVMETRACE_F_IOQ;
		if (bpf_core_field_exists(q->disk))
			disk = btf ? q->disk : BPF_CORE_READ(q, disk);
		if (disk)
			disk_name(r, disk, btf);
	}
	if (!keep_submission(r)) {
		if (p)
			pair_free(p);
		return;
	}
	if (p) {
		barrier();
		p->ready = id;
		return;
	}
	__sync_fetch_and_add(&hashed_total, 1);
	/* Raised first: whoever finds the entry finds the count above 0. */
	__sync_fetch_and_add(&calls_hashed, 1);
	if (bpf_map_update_elem(&nvmetrace_calls, &tid, r, BPF_NOEXIST)) {
		__sync_fetch_and_add(&calls_hashed, -1);
		/* A call of this thread whose return was missed: replaced. */
		old = bpf_map_lookup_elem(&nvmetrace_calls, &tid);
		if (old)
			missed_return(old, now);
		if (bpf_map_update_elem(&nvmetrace_calls, &tid, r, BPF_ANY))
			__sync_fetch_and_add(&lost_inflight, 1);
	}
}

static __always_inline void user_cmd_return(long ret, bool pairs)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct nvmetrace_pair *p = NULL;
	struct nvmetrace_record *r = NULL;
	__u32 tid = (__u32)id;
	struct hist_add add;

	if (pairs) {
		p = pair_of(id);
		if (p && p->req == id)
			r = &p->rec;
		else
			p = NULL;
	}
	if (!r && (!pairs || calls_hashed))
		r = bpf_map_lookup_elem(&nvmetrace_calls, &tid);
	if (!r)
		return;
	r->latency_ns = bpf_ktime_get_ns() - r->ts_ns;
	r->status = (__s32)ret;
	r->flags |= NVMETRACE_F_COMPLETED;
	complete_record(r, &add, hist_mode);
	hist_add_in_memory(&add);
	if (p)
		pair_free(p);
	else if (!bpf_map_delete_elem(&nvmetrace_calls, &tid))
		__sync_fetch_and_add(&calls_hashed, -1);
	complete_count(&add, pairs);
}

/* Kernels without BPF atomics (before Linux 5.12): the hash map alone. */
SEC("kprobe/nvme_submit_user_cmd")
int BPF_KPROBE(nvmetrace_kp, struct request_queue *q, void *cmd)
{
	user_cmd_entry(q, cmd, false, false);
	return 0;
}

SEC("kretprobe/nvme_submit_user_cmd")
int BPF_KRETPROBE(nvmetrace_krp, long ret)
{
	user_cmd_return(ret, false);
	return 0;
}

/* The same with the pairing table, where the kernel has BPF atomics. */
SEC("kprobe/nvme_submit_user_cmd")
int BPF_KPROBE(nvmetrace_kp_t, struct request_queue *q, void *cmd)
{
	user_cmd_entry(q, cmd, true, false);
	return 0;
}

SEC("kretprobe/nvme_submit_user_cmd")
int BPF_KRETPROBE(nvmetrace_krp_t, long ret)
{
	user_cmd_return(ret, true);
	return 0;
}

/* fentry on the NVMe module needs its BTF (Linux 5.11+): the table always
 * (5.11 alone lacks BPF atomics; the load fails and kprobes take over).
 */
SEC("fentry/nvme_submit_user_cmd")
int BPF_PROG(nvmetrace_fe, struct request_queue *q, void *cmd)
{
	user_cmd_entry(q, cmd, true, true);
	return 0;
}

SEC("fexit/nvme_submit_user_cmd")
int nvmetrace_fx(void *ctx)
{
	__u64 ret = 0;

	/* The return value's slot depends on the argument count, which
	 * changed across kernels; the helper finds it (Linux 5.17).
	 */
	bpf_get_func_ret(ctx, &ret);
	user_cmd_return((long)(int)ret, true);
	return 0;
}

/* ---- every command: nvme:nvme_setup_cmd / nvme:nvme_complete_rq --------------- */

/* Kernels without BTF for the NVMe driver (no module BTF before Linux 5.11)
 * get struct nvme_request at fixed offsets: cmd @0, result @8, then
 *  - before the generation counter (commit e7006de6c238, Linux 5.14, also
 *    backported to stable kernels such as Debian's 5.10): retries @16,
 *    flags @17, status @18;
 *  - with it: genctr @16, retries @17, flags @18, status @20.
 * The first setup that shows a generation counter (detect_genctr()) selects
 * the second layout for the rest of the session.
 */
#define NVME_REQ_OLD_RESULT	8
#define NVME_REQ_OLD_RETRIES	16
#define NVME_REQ_GEN_RETRIES	17

__u32 seen_genctr = 0;

/* The first bytes of struct nvme_request, read at once at completion: up
 * to status in every layout (22 bytes with the generation counter), and
 * the controller pointer after it (with multipath's start time, 40 bytes).
 */
#define NR_HEAD_WORDS	5
#define NR_HEAD_HAS(field, size)						\
	(bpf_core_field_size(((struct nvme_request *)0)->field) == (size) &&	\
	 bpf_core_field_offset(((struct nvme_request *)0)->field) + (size) <=	\
	 sizeof(__u64) * NR_HEAD_WORDS)
#define NR_HEAD_GET(field, type)						\
	(*(type *)((__u8 *)head + bpf_core_field_offset(((struct nvme_request *)0)->field)))

static __always_inline void *nvme_req(struct request *req)
{
	/* The driver's per-request data follows struct request. */
	return (void *)req + bpf_core_type_size(struct request);
}

/* nvme-pci keeps the SQE in its per-request data right after struct
 * nvme_request (struct nvme_iod: req, then cmd). Seen so at setup, the
 * completion reads the head of nvme_request and the SQE's pointers in one
 * helper call instead of two: a helper call cost more than 100
 * instructions a command. The SQE's first bytes past the head, up to its
 * byte 40 (the pointers end there), fit in NR_SPAN_WORDS with a head of
 * up to 56 bytes.
 */
#define NR_SPAN_WORDS	12
#define SQE_PTRS_END	40

static __always_inline bool sqe_after_head(struct request *req, const void *cmd)
{
	__u64 off = (__u64)cmd;

	if (!cmd || !bpf_core_type_exists(struct nvme_request) ||
	    bpf_core_type_size(struct nvme_request) + SQE_PTRS_END > sizeof(__u64) * NR_SPAN_WORDS)
		return false;
	/* Two pointers' difference: a number (the verifier allows it to
	 * programs that may see addresses, as these are).
	 */
	asm volatile("%0 -= %1" : "+r"(off) : "r"(req));
	return off == bpf_core_type_size(struct request) + bpf_core_type_size(struct nvme_request);
}

/* latency_ns, until completion, when the SQE follows the head. */
#define SQE_AFTER_HEAD	1

/* At setup, which layout: a command id above 0xfff, or a byte at offset 16
 * that is a generation counter: its low 4 bits are the command id's top 4
 * (nvme_cid()), and it is 16 or more. Without the counter that byte is the
 * retry count, which setup has just cleared (a requeued command keeps it,
 * a handful at most). Left undecided (counter 0: one use of a tag in 256),
 * the first layout is read.
 */
static __always_inline void detect_genctr(struct request *req, const struct nvmetrace_record *r)
{
	__u8 b16 = 0, top = r->sqe[3] >> 4;

	bpf_probe_read_kernel(&b16, 1, nvme_req(req) + NVME_REQ_OLD_RETRIES);
	if (top || (b16 >= 16 && (b16 & 0xf) == top))
		seen_genctr = 1;
}

/* Controller instances by disk, for setup: a disk's diskseq (Linux 5.15)
 * is never reused, and the disk's requests go to one controller (under
 * multipath, each path has a disk of its own). An entry is diskseq << 20 |
 * instance, one 64-bit word, so concurrent updates cannot tear it; a
 * slot holding another disk is a miss. It saves the two dependent reads
 * of nvme_req(req)->ctrl->instance (helper calls: nvme_req() is no BTF
 * pointer) for every block I/O command.
 */
#define CTRL_CACHE		64
#define CTRL_CACHE_SHIFT	20
__u64 ctrl_cache[CTRL_CACHE] = {};
/* ctrl_instance(): not cached, and read at completion (ctrl_at_completion()). */
#define CTRL_LATER		(-2)

static __always_inline int ctrl_instance(struct request *req, struct gendisk *disk, bool btf)
{
	__u64 seq = 0, *slot = NULL;
	int inst;

	if (btf && disk && bpf_core_field_exists(disk->diskseq)) {
		seq = disk->diskseq;
		if (seq && seq < 1ull << (64 - CTRL_CACHE_SHIFT)) {
			slot = &ctrl_cache[seq & (CTRL_CACHE - 1)];
			if (*slot >> CTRL_CACHE_SHIFT == seq)
				return *slot & ((1u << CTRL_CACHE_SHIFT) - 1);
		}
	}
	if (!slot && ctrl_when == HIST_CTRL_AT_COMPLETION)
		return CTRL_LATER;
	inst = BPF_CORE_READ((struct nvme_request *)nvme_req(req), ctrl, instance);
	if (slot && inst >= 0 && inst < 1 << CTRL_CACHE_SHIFT)
		*slot = seq << CTRL_CACHE_SHIFT | inst;
	return inst;
}

/* The controller instance of a command whose setup left it for now
 * (HIST_CTRL_AT_COMPLETION): its pointer from head, nvme_request's first
 * words, when the layout has it there, then one read.
 */
static __always_inline void ctrl_at_completion(struct nvmetrace_record *r, struct nvme_request *nr,
					       const __u64 *head)
{
	struct nvme_ctrl *ctrl;
	int inst;

	if (NR_HEAD_HAS(ctrl, 8))
		ctrl = NR_HEAD_GET(ctrl, struct nvme_ctrl *);
	else
		ctrl = BPF_CORE_READ(nr, ctrl);
	if (ctrl && !bpf_core_read(&inst, sizeof(inst), &ctrl->instance)) {
		r->ctrl = inst;
		r->flags |= NVMETRACE_F_CTRL;
	}
}

/* Where the request goes. btf (a constant: tp_btf, not raw_tp): req is a
 * BTF pointer, whose fields the program loads directly (the verifier makes
 * them fault-safe loads) instead of a bpf_probe_read_kernel() call each.
 */
static __always_inline void request_where(struct request *req, struct nvmetrace_record *r,
					  bool btf, bool hist)
{
	struct request_queue *q = btf ? req->q : BPF_CORE_READ(req, q);
	struct gendisk *disk = NULL;
	void *queuedata = btf ? q->queuedata : BPF_CORE_READ(q, queuedata);

	/* Histograms read the queue only when grouped or filtered by it,
	 * and never the tag; the controller, see HIST_CTRL_*.
	 */
	bool qid = !hist || (hist_by & HIST_BY_QID) || (filter_on_setup && filter_qid >= 0);

	/* nvme_req_qid(): I/O queues carry the namespace in queuedata. */
	if (queuedata) {
		if (qid)
			r->qid = (btf ? req->mq_hctx->queue_num :
					BPF_CORE_READ(req, mq_hctx, queue_num)) + 1;
		r->flags |= NVMETRACE_F_IOQ;
	} else {
		r->qid = 0;
	}
	r->flags |= NVMETRACE_F_QTYPE;
	if (qid)
		r->flags |= NVMETRACE_F_QID;
	if (!hist)
		r->tag = btf ? req->tag : BPF_CORE_READ(req, tag);
	r->data_len = btf ? req->__data_len : BPF_CORE_READ(req, __data_len);
	if (bpf_core_field_exists(q->disk))
		disk = btf ? q->disk : BPF_CORE_READ(q, disk);
	else if (bpf_core_field_exists(req->rq_disk))
		disk = btf ? req->rq_disk : BPF_CORE_READ(req, rq_disk);
	/* Histograms not grouped or filtered by disk skip its name. */
	if (disk && (!hist || (hist_by & HIST_BY_DISK) || (filter_on_setup && filter_disk_on)))
		disk_name(r, disk, btf);
	r->ctrl = -1;
	if (bpf_core_type_exists(struct nvme_request) && ctrl_when != HIST_CTRL_NEVER) {
		int inst = ctrl_instance(req, disk, btf);

		if (inst != CTRL_LATER) {
			r->ctrl = inst;
			r->flags |= NVMETRACE_F_CTRL;
		}
	}
}

/* A request set up again before its completion was seen: the driver gave
 * it back to the block layer after nvme_setup_cmd (queue_rq failed while a
 * controller reset or removal was under way) and it is being sent anew with
 * a new command id, so the earlier setup never completes. Report it as
 * requeued (in -H/-S mode too, where -S counts them: they are rare).
 */
static __always_inline void report_requeued(struct nvmetrace_record *old, __u64 now)
{
	old->latency_ns = now - old->ts_ns;
	old->result = 0;
	old->flags |= NVMETRACE_F_REQUEUED;
	__sync_fetch_and_add(&replaced_inflight, 1);
	emit(old);
}

/* An earlier setup of key in the hash map: reported as requeued, and
 * removed if drop. Returns whether there was one.
 */
static __always_inline bool requeued(__u64 key, __u64 now, bool drop)
{
	struct nvmetrace_record *old;

	if (!hashed_inflight)
		return false;
	old = bpf_map_lookup_elem(&nvmetrace_inflight, &key);
	if (!old)
		return false;
	report_requeued(old, now);
	if (drop && !bpf_map_delete_elem(&nvmetrace_inflight, &key))
		__sync_fetch_and_add(&hashed_inflight, -1);
	return true;
}

/* Keep r (built in scratch) in the hash map until its completion. */
static __always_inline void hash_put(__u64 key, struct nvmetrace_record *r)
{
	__sync_fetch_and_add(&hashed_total, 1);
	/* Raised first: whoever finds the entry finds the count above 0. */
	__sync_fetch_and_add(&hashed_inflight, 1);
	if (!bpf_map_update_elem(&nvmetrace_inflight, &key, r, BPF_NOEXIST))
		return;
	__sync_fetch_and_add(&hashed_inflight, -1);
	/* An existing entry is a requeue: replaced in place. */
	requeued(key, r->ts_ns, false);
	if (bpf_map_update_elem(&nvmetrace_inflight, &key, r, BPF_ANY))
		__sync_fetch_and_add(&lost_inflight, 1);
}

/* The current task into w, as the submitter of a request stamped stamp.
 * btf (a constant: tp_btf): by direct loads, as the setup program reads it
 * (two helper calls cost a read 36 instructions more).
 */
static __always_inline void note_task(struct submitter *w, __u64 stamp, bool btf)
{
	_Static_assert(sizeof(w->comm) == NVMETRACE_COMM_LEN, "comm: as the record's");
	w->stamp = stamp;
	current_task(&w->pid, &w->tid, w->comm, 0, btf);
}

static __always_inline void copy_submitter(struct nvmetrace_record *r, const struct submitter *w)
{
	r->pid = w->pid;
	r->tid = w->tid;
	__builtin_memcpy(r->comm, w->comm, sizeof(r->comm));
}

/* The submitters' table entry for a request's id. */
static __always_inline struct submitter_entry *submitter_of(__u64 id)
{
	__u32 i = (__u32)((id * 0x9e3779b97f4a7c15ull) >> 32) & submitters_mask;

	return bpf_map_lookup_elem(&nvmetrace_submitter_table, &i);
}

/* Who queued req, as block:block_rq_insert noted it (see on_insert()):
 * into r and taken off, or false. table (a constant, with the pairing
 * table): the submitters' table first, id req's, and an entry whose stamp
 * is not req's is a dead request's, dropped.
 */
static __always_inline bool take_submitter(struct request *req, __u64 id,
					   struct nvmetrace_record *r, bool table)
{
	const struct submitter *who = NULL;
	struct submitter_entry *e;
	__u64 key = (__u64)req;
	bool ok;

	if (table && submitter_table_used) {
		e = submitter_of(id);
		if (e && e->ready == id) {
			ok = e->who.stamp == req->start_time_ns;
			if (ok)
				copy_submitter(r, &e->who);
			e->ready = 0;
			__sync_lock_test_and_set(&e->req, 0);
			return ok;
		}
	}
	if (submitters_live)
		who = bpf_map_lookup_elem(&nvmetrace_submitters, &key);
	if (!who)
		return false;
	ok = !table || who->stamp == req->start_time_ns;
	if (ok)
		copy_submitter(r, who);
	if (!bpf_map_delete_elem(&nvmetrace_submitters, &key))
		__sync_fetch_and_add(&submitters_live, -1);
	return ok;
}

/* Build the record of a setup in r: the table entry p (claimed for id), or
 * a scratch record (p NULL), kept in the hash map until its completion.
 * Returns whether the command is kept; one the filters leave out gives its
 * table entry back.
 */
static __always_inline bool setup_record(struct request *req, const void *cmd, bool btf,
					 bool pairs, struct nvmetrace_pair *p,
					 struct nvmetrace_record *r, __u64 now, __u64 id, bool hist)
{
	__u64 key = (__u64)req;

	__builtin_memset(r, 0, sizeof(*r));
	r->source = NVMETRACE_SRC_REQUEST;
	r->ts_ns = now;
	if (take_submitter(req, id, r, pairs)) {
		/* r->pid, tid and comm are the submitter's. */
	} else if (!hist || (hist_by & HIST_BY_COMM) ||
		   (filter_on_setup && (filter_pid || filter_comm_on))) {
		/* Histograms without a process dimension skip it. */
		set_current(r, 0, btf);
	}
	read_sqe(r, cmd, btf, hist);
	/* Until completion, result holds where the SQE is, and latency_ns
	 * whether it sits right after the head of nvme_request (see
	 * on_complete).
	 */
	r->result = (__u64)cmd;
	if (!hist && sqe_after_head(req, cmd))
		r->latency_ns = SQE_AFTER_HEAD;
	if (!bpf_core_type_exists(struct nvme_request) && !seen_genctr)
		detect_genctr(req, r);
	request_where(req, r, btf, hist);
	if (!keep_submission(r)) {
		if (p)
			pair_free(p);
		/* A requeued command may have been kept before. */
		requeued(key, now, true);
		return false;
	}
	if (p) {
		/* An earlier setup may wait in the hash map (its entry here
		 * was taken then).
		 */
		requeued(key, now, true);
		barrier();
		p->ready = id;
		return true;
	}
	hash_put(key, r);
	return true;
}

/* Claim id's table entry for a setup at now; a setup of id there before
 * (never completed) is reported as requeued. NULL if another id holds it.
 */
static __always_inline struct nvmetrace_pair *setup_claim(__u64 id, __u64 now)
{
	struct nvmetrace_pair *p;
	bool again;

	p = pair_claim(id, &again);
	if (p && again)	/* set up before, never completed */
		report_requeued(&p->rec, now);
	return p;
}

/* A setup, start to end. pairs (a constant): use the pairing table
 * (tp_btf programs only: raw_tp is the fallback for kernels whose verifier
 * predates BPF atomics), else the scratch record slot (SCRATCH_*) and the
 * hash map. hist (a constant, see A_PROGS): for a histogram, not a record.
 * Returns whether the command is kept until its completion.
 */
static __always_inline bool on_setup(struct request *req, const void *cmd, bool btf,
				     bool pairs, __u32 slot, bool hist)
{
	struct nvmetrace_pair *p = NULL;
	struct nvmetrace_record *r;
	__u64 now, id = 0;

	/* tp_btf arguments are trusted_ptr_or_null on newer kernels (6.12):
	 * no pointer arithmetic before a NULL check.
	 */
	if (!req)
		return false;
	now = bpf_ktime_get_ns();
	if (pairs) {
		/* Held by another command: the hash map. */
		id = req_id(req);
		p = setup_claim(id, now);
	}
	r = p ? &p->rec : scratch(slot);
	if (!r)
		return false;
	return setup_record(req, cmd, btf, pairs, p, r, now, id, hist);
}

static __always_inline void on_complete(struct request *req, bool second, bool pairs, bool hist)
{
	struct nvme_request *nr;
	struct nvmetrace_record *r = NULL;
	struct nvmetrace_pair *p = NULL;
	__u64 key = (__u64)req, head[NR_SPAN_WORDS];
	__u32 nr_size = 0;
	struct hist_add add;
	__u16 status = 0;
	bool after;

	if (!req)
		return;
	nr = nvme_req(req);
	if (pairs) {
		/* Only this command's completion gives its entry back. */
		__u64 id = req_id(req);

		p = pair_of(id);
		if (p && p->req == id)
			r = &p->rec;
		else
			p = NULL;
	}
	if (!r && hashed_inflight)
		r = bpf_map_lookup_elem(&nvmetrace_inflight, &key);
	if (!r) {
		if (!second && !filter_on_setup)
			__sync_fetch_and_add(&unpaired_completions, 1);
		return;
	}
	if (second)
		__sync_fetch_and_add(&covered_completions, 1);
	/* The head of struct nvme_request in one read: cmd, result, and
	 * (genctr,) retries, flags, status, in every layout (a helper call
	 * each cost more than the rest of the reads); with the SQE up to its
	 * byte 40 where it follows (SQE_AFTER_HEAD).
	 */
	after = false;
	if (!hist && r->latency_ns == SQE_AFTER_HEAD && bpf_core_type_exists(struct nvme_request)) {
		nr_size = bpf_core_type_size(struct nvme_request);
		after = nr_size + SQE_PTRS_END <= sizeof(head);
	}
	r->latency_ns = bpf_ktime_get_ns() - r->ts_ns;
	if (!after || bpf_probe_read_kernel(head, nr_size + SQE_PTRS_END, nr)) {
		after = false;
		/* On failure the helper zero-fills. */
		bpf_probe_read_kernel(head, sizeof(__u64) * NR_HEAD_WORDS, nr);
	}
	/* Drivers map the data after nvme_setup_cmd (PCI: nvme_map_data), so
	 * the metadata and data pointers (SQE bytes 16-39) are read again
	 * from the command now, if it is still where setup saw it:
	 * nvme_req(req)->cmd (the first member in every layout) is the SQE
	 * the driver built since Linux 5.17; before, block I/O built it on
	 * the stack and the pointer may be stale. Histograms do not show
	 * them: no read.
	 */
	if (!hist && head[0] && head[0] == r->result) {
		if (after) {
			const __u64 *ptrs = (const __u64 *)((__u8 *)head + nr_size + 16);

			*(__u64 *)&r->sqe[16] = ptrs[0];
			*(__u64 *)&r->sqe[24] = ptrs[1];
			*(__u64 *)&r->sqe[32] = ptrs[2];
			r->flags |= NVMETRACE_F_PTRS;
		} else if (!bpf_probe_read_kernel(&r->sqe[16], 24, (void *)head[0] + 16)) {
			r->flags |= NVMETRACE_F_PTRS;
		}
	}
	if (bpf_core_type_exists(struct nvme_request)) {
		if (NR_HEAD_HAS(result.u64, 8) && NR_HEAD_HAS(retries, 1) &&
		    NR_HEAD_HAS(flags, 1) && NR_HEAD_HAS(status, 2)) {
			r->result = NR_HEAD_GET(result.u64, __u64);
			r->retries = NR_HEAD_GET(retries, __u8);
			r->nvme_flags = NR_HEAD_GET(flags, __u8);
			status = NR_HEAD_GET(status, __u16);
		} else {
			r->result = BPF_CORE_READ(nr, result.u64);
			r->retries = BPF_CORE_READ(nr, retries);
			r->nvme_flags = BPF_CORE_READ(nr, flags);
			status = BPF_CORE_READ(nr, status);
		}
		if (ctrl_when == HIST_CTRL_AT_COMPLETION && !(r->flags & NVMETRACE_F_CTRL))
			ctrl_at_completion(r, nr, head);
	} else {
		/* retries, flags, then status at the next even offset */
		int off = seen_genctr || r->sqe[3] >= 0x10 ?
			  NVME_REQ_GEN_RETRIES : NVME_REQ_OLD_RETRIES;
		__u8 *b = (__u8 *)head;

		r->result = head[NVME_REQ_OLD_RESULT / 8];
		r->retries = b[off];
		r->nvme_flags = b[off + 1];
		status = *(__u16 *)(b + ((off + 3) & ~1));
	}
	r->status = status;
	r->flags |= NVMETRACE_F_COMPLETED;
	if (r->nvme_flags & NVME_REQ_USERCMD)
		r->flags |= NVMETRACE_F_PASSTHRU;
	complete_record(r, &add, hist);
	hist_add_in_memory(&add);
	if (p)
		pair_free(p);
	else if (!bpf_map_delete_elem(&nvmetrace_inflight, &key))
		__sync_fetch_and_add(&hashed_inflight, -1);
	complete_count(&add, pairs);
}

/* Note the current task as key's submitter in the hash, stamped stamp.
 * The first insert is the submitter's; a requeue re-inserts from a worker
 * and must not take its place. Counted first: whoever finds the entry
 * finds the count above 0.
 */
static __always_inline void hash_submitter(__u64 key, __u64 stamp, bool btf)
{
	struct submitter who = {};

	note_task(&who, stamp, btf);
	__sync_fetch_and_add(&submitters_live, 1);
	if (bpf_map_update_elem(&nvmetrace_submitters, &key, &who, BPF_NOEXIST))
		__sync_fetch_and_add(&submitters_live, -1);
}

/* raw_tp (kernels without BPF atomics): the hash alone, no stamp. */
static __always_inline void on_insert(struct request *req)
{
	hash_submitter((__u64)req, 0, false);
}

/* The same with the submitters' table (tp_btf, BPF atomics). The first
 * insert of a request is its submitter's: one with the same stamp is a
 * requeue, left alone; one with another stamp is a new request at a dead
 * one's address, which takes the entry over.
 */
static __always_inline void on_insert_table(struct request *req)
{
	struct submitter_entry *e;
	struct submitter *who = NULL;
	__u64 key = (__u64)req, id, held, stamp;

	if (!req)
		return;
	id = req_id(req);
	stamp = req->start_time_ns;
	/* A collision earlier may have put this request in the hash. */
	if (submitters_live)
		who = bpf_map_lookup_elem(&nvmetrace_submitters, &key);
	if (!who) {
		e = submitter_of(id);
		if (!e)
			return;
		held = __sync_val_compare_and_swap(&e->req, 0, id);
		if (held == id) {
			if (e->ready != id || e->who.stamp == stamp)
				return;
			/* A dead request's entry: written over below. */
			e->ready = 0;
			barrier();
		} else if (held) {
			goto hash;	/* held by another request */
		}
		note_task(&e->who, stamp, true);
		if (!submitter_table_used)
			submitter_table_used = 1;
		barrier();
		e->ready = id;
		return;
	}
	/* A dead request's entry in the hash is written over. */
	if (who->stamp != stamp)
		note_task(who, stamp, true);
	return;
hash:
	hash_submitter(key, stamp, true);
}

/* Setups, like completions (see done_first() below), can find their
 * program already running on the CPU: blk-mq dispatches from a completion's
 * softirq (a queue restarted when tags free up), and tracepoints on recent
 * kernels (7.2) run preemptible, so another task's setup on the same CPU
 * can come while the program is mid-run. The kernel then skips it and the
 * command would go untraced (1 read in 1000 under a storm on 7.2). A second
 * program on the same tracepoint, run right after the first, takes what
 * the first did not:
 * - with the pairing table, the common case: the first program kept the
 *   command in its table entry, where the second finds it ready, with this
 *   command id (a few loads, no helper call);
 * - else the first program notes the setup in a per-CPU word (the request
 *   and its command id): always without the table (raw_tp), at its end,
 *   with the command id its record read; with the table, only when the
 *   command is not left ready in the table (the entry is held by another,
 *   or the filters left the command out). The second finds it there and
 *   clears it;
 * - else the first was skipped for this setup, or a setup on the same CPU
 *   came between the two programs (preemption) and noted its own. Then, if
 *   the hash map holds the command with this command id, the first took
 *   it; otherwise the second sets it up. A command the first program left
 *   out by the filters is left out again.
 * Kept commands the second took are counted (covered_setups); user space
 * reports the skips they leave uncovered.
 */
static __always_inline __u64 setup_mark(struct request *req, __u16 cid, bool pairs)
{
	/* The command id: a note left by a setup of the same request
	 * whose second program was skipped does not pass for a later one's
	 * (its generation counter differs). The id differs from another
	 * request's in far more than its top 16 bits.
	 */
	return (pairs ? req_id(req) : (__u64)req) ^ (__u64)cid << 48;
}

/* The command id of a tp_btf setup's SQE (0 if the verifier's NULL). */
static __always_inline __u16 btf_cid(const void *cmd)
{
	return cmd ? nvme_cmd_common(cmd)->command_id : 0;
}

/* Kernels without the recursion check (before 6.1, unless backported)
 * run the first program again for a setup that interrupts it on its CPU
 * (a softirq's dispatch): each depth builds its record in a scratch record
 * of its own, and a setup deeper than SETUP_DEPTH is counted and reported
 * as not traced. A table entry is the setup's own and needs no depth.
 */
static __always_inline void setup_first(struct request *req, const void *cmd, bool btf,
					bool pairs, bool hist)
{
	struct nvmetrace_pair *p = NULL;
	struct nvmetrace_record *r;
	struct setup_cpu *c = NULL;
	__u64 now, id = 0, depth = 0;
	__u32 zero = 0;
	__u16 cid = 0;
	bool kept;

	if (!req)
		return;
	if (test_skip_setup && bpf_get_prandom_u32() % test_skip_setup == 0) {
		__sync_fetch_and_add(&test_skipped_setups, 1);
		return;
	}
	if (!pairs) {
		c = bpf_map_lookup_elem(&nvmetrace_setup_cpu, &zero);
		if (!c)
			return;
	}
	now = bpf_ktime_get_ns();
	if (pairs) {
		id = req_id(req);
		p = setup_claim(id, now);
	}
	if (p) {
		r = &p->rec;
	} else {
		if (!c) {
			c = bpf_map_lookup_elem(&nvmetrace_setup_cpu, &zero);
			if (!c)
				return;
			c->seen = setup_mark(req, btf_cid(cmd), pairs);
		}
		depth = c->depth;
		if (depth >= SETUP_DEPTH) {
			if (!pairs)
				bpf_probe_read_kernel(&cid, sizeof(cid), cmd + 2);
			c->seen = setup_mark(req, pairs ? btf_cid(cmd) : cid, pairs);
			__sync_fetch_and_add(&nested_setups, 1);
			return;
		}
		c->depth = depth + 1;
		r = scratch(SCRATCH_SETUP + (__u32)depth);
	}
	kept = r && setup_record(req, cmd, btf, pairs, p, r, now, id, hist);
	if (c) {
		c->depth = depth;
		/* raw_tp: the note, with the command id the record read, comes
		 * last, after any setup that interrupted this one noted its own.
		 */
		if (!pairs && r)
			c->seen = setup_mark(req, *(__u16 *)&r->sqe[2], pairs);
	} else if (!kept) {
		/* Left out by the filters: say so to the second program. */
		c = bpf_map_lookup_elem(&nvmetrace_setup_cpu, &zero);
		if (c)
			c->seen = setup_mark(req, btf_cid(cmd), pairs);
	}
}

/* Whether the table entry of req holds this setup (command id cid), ready. */
static __always_inline bool kept_in_table(struct request *req, __u16 cid)
{
	__u64 id = req_id(req);
	struct nvmetrace_pair *p = pair_of(id);

	return p && p->req == id && p->ready == id && *(__u16 *)&p->rec.sqe[2] == cid;
}

static __always_inline void setup_second(struct request *req, const void *cmd, bool btf,
					 bool pairs, bool hist)
{
	struct nvmetrace_record *r;
	struct setup_cpu *c;
	__u64 key = (__u64)req;
	__u32 zero = 0;
	__u16 cid = 0;
	bool have_cid;

	if (!req)
		return;
	if (btf) {
		have_cid = cmd;
		if (cmd)
			cid = nvme_cmd_common(cmd)->command_id;
	} else {
		have_cid = !bpf_probe_read_kernel(&cid, sizeof(cid), cmd + 2);
	}
	if (pairs && have_cid && kept_in_table(req, cid))
		return;
	c = bpf_map_lookup_elem(&nvmetrace_setup_cpu, &zero);
	if (!c)
		return;
	if (c->seen == setup_mark(req, cid, pairs)) {
		c->seen = 0;
		return;
	}
	if (have_cid && hashed_inflight) {
		r = bpf_map_lookup_elem(&nvmetrace_inflight, &key);
		if (r && *(__u16 *)&r->sqe[2] == cid)
			return;
	}
	if (on_setup(req, cmd, btf, pairs, SCRATCH_SETUP2, hist))
		__sync_fetch_and_add(&covered_setups, 1);
}

/* Since Linux 6.1 (commit 05b24ff9b2cf, also in older stable kernels) the
 * kernel skips a raw tracepoint program that is already running on the
 * CPU (bpf_trace_run*: prog->active), and counts a miss. A completion that
 * interrupts the completion program (a queue's interrupt while the admin
 * queue's completions run in a softirq, or while a controller reset reaps
 * completions in a task) would go unseen. A second program on the same
 * tracepoint runs right after the first and takes what the first did not:
 * - pairs (the table, BPF atomics): every time. A command the first
 *   program took is no longer paired, so the second finds nothing (one
 *   table load); one the kernel skipped the first program for is still
 *   paired and is taken here. The kernel raises prog->active before the
 *   first program starts and lowers it after it ends: a depth count kept by
 *   the program itself would leave both ends uncovered, and did (10 of
 *   1000 reads under an Identify storm in the agg suite).
 * - else (raw_tp, kernels before 5.12): only while the first program is
 *   mid-run on its CPU (the depth below), since a miss there is a hash-map
 *   lookup.
 * User space reports first-program misses that it did not cover as lost.
 */
static __always_inline void done_first(struct request *req, bool pairs, bool hist)
{
	__u64 *depth;

	if (pairs) {
		on_complete(req, false, true, hist);
		return;
	}
	depth = depth_enter();
	if (!depth)
		return;
	on_complete(req, false, false, hist);
	depth_leave(depth);
}

static __always_inline void done_second(struct request *req, bool pairs, bool hist)
{
	__u32 zero = 0;
	__u64 *depth;

	if (!pairs) {
		depth = bpf_map_lookup_elem(&nvmetrace_done_depth, &zero);
		if (!depth || !*depth)
			return;
	}
	on_complete(req, true, pairs, hist);
}

/* -a's programs, each in two builds: for records (nvmetrace_tp_*: tp_btf,
 * nvmetrace_rt_*: raw_tp) and for histograms and the summary
 * (nvmetrace_tph_*, nvmetrace_rth_*), hist a constant in each, so that
 * neither carries the other's code nor tests the mode (hist_mode, a knob,
 * remains for the passthrough programs). User space loads one set.
 */
#define A_PROGS(tp, rt, hist)							\
SEC("tp_btf/nvme_setup_cmd")							\
int BPF_PROG(tp##_setup, struct request *req, void *cmd)			\
{										\
	setup_first(req, cmd, true, true, hist);				\
	return 0;								\
}										\
SEC("tp_btf/nvme_setup_cmd")							\
int BPF_PROG(tp##_setup2, struct request *req, void *cmd)			\
{										\
	setup_second(req, cmd, true, true, hist);				\
	return 0;								\
}										\
SEC("tp_btf/nvme_complete_rq")							\
int BPF_PROG(tp##_done, struct request *req)					\
{										\
	done_first(req, true, hist);						\
	return 0;								\
}										\
SEC("tp_btf/nvme_complete_rq")							\
int BPF_PROG(tp##_done2, struct request *req)					\
{										\
	done_second(req, true, hist);						\
	return 0;								\
}										\
SEC("raw_tp/nvme_setup_cmd")							\
int BPF_PROG(rt##_setup, struct request *req, void *cmd)			\
{										\
	setup_first(req, cmd, false, false, hist);				\
	return 0;								\
}										\
SEC("raw_tp/nvme_setup_cmd")							\
int BPF_PROG(rt##_setup2, struct request *req, void *cmd)			\
{										\
	setup_second(req, cmd, false, false, hist);				\
	return 0;								\
}										\
SEC("raw_tp/nvme_complete_rq")							\
int BPF_PROG(rt##_done, struct request *req)					\
{										\
	done_first(req, false, hist);						\
	return 0;								\
}										\
SEC("raw_tp/nvme_complete_rq")							\
int BPF_PROG(rt##_done2, struct request *req)					\
{										\
	done_second(req, false, hist);						\
	return 0;								\
}

A_PROGS(nvmetrace_tp, nvmetrace_rt, false)
A_PROGS(nvmetrace_tph, nvmetrace_rth, true)

/* block:block_rq_insert: (struct request *rq), or before Linux 5.11
 * (struct request_queue *q, struct request *rq). Raw arguments either way.
 */
SEC("raw_tp/block_rq_insert")
int nvmetrace_rt_ins(struct bpf_raw_tracepoint_args *ctx)
{
	on_insert((struct request *)(rq_insert_has_q ? ctx->args[1] : ctx->args[0]));
	return 0;
}

/* With -a's tp_btf programs (Linux 5.12 and later: (struct request *rq)). */
SEC("tp_btf/block_rq_insert")
int BPF_PROG(nvmetrace_tp_ins, struct request *rq)
{
	on_insert_table(rq);
	return 0;
}
