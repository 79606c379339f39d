/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Latency histograms aggregated in the kernel (-H) and the summary (-S).
 * Shared by bpf/ and src/: the group key, the value, and the slot maths.
 * Include record.h first.
 */
#ifndef NVMETRACE_HIST_H
#define NVMETRACE_HIST_H

/* Log-linear slots: each power of two of nanoseconds is split in
 * 2^HIST_SUB_BITS equal parts, so a slot's midpoint is within 1/32 (3.1%)
 * of any value in it. Values from 2^HIST_MAX_SHIFT ns (18 minutes) up share
 * the last slot.
 */
#define HIST_SUB_BITS	4
#define HIST_SUBS	(1 << HIST_SUB_BITS)
#define HIST_MAX_SHIFT	40
#define HIST_SLOTS	((HIST_MAX_SHIFT - HIST_SUB_BITS + 1) * HIST_SUBS)

/* hist_key fields that take part in grouping (--by). */
enum {
	HIST_BY_DISK	= 1u << 0,	/* disk, or controller for admin */
	HIST_BY_CTRL	= 1u << 1,
	HIST_BY_QID	= 1u << 2,
	HIST_BY_OPCODE	= 1u << 3,
	HIST_BY_STATUS	= 1u << 4,
	HIST_BY_COMM	= 1u << 5,	/* process: pid and comm */
};

/* When -a's programs read a command's controller instance (ctrl_when on
 * the BPF side). Records and -S (in-flight commands, requeues, --ctrl)
 * need it at setup. Histograms need it only at completion, where the
 * completion program reads the request's driver data anyway: a command
 * whose controller is not in the BPF side's cache costs one read there
 * instead of two at setup. Histograms not grouped by device need none.
 */
enum {
	HIST_CTRL_AT_SETUP	= 0,
	HIST_CTRL_AT_COMPLETION	= 1,
	HIST_CTRL_NEVER		= 2,
};

struct hist_key {
	char disk[32];
	char comm[16];
	__s32 ctrl;
	__u32 pid;
	__u16 qid;
	__u16 status;
	__u8 opcode;
	__u8 ioq;		/* opcode's queue type: 1 I/O */
	__u8 by;		/* HIST_BY_* of this key */
	__u8 gen;		/* the kernel's hash map: its generation (hist_gen) */
} __attribute__((aligned(8)));	/* hashed and compared as eight words */

struct hist_val {
	__u64 count;		/* the BPF side leaves it 0: hist_val_count() */
	__u64 sum_ns;
	__u64 min_ns;		/* 0 until the first command */
	__u64 max_ns;
	__u64 bytes;
	__u64 errors;		/* non-zero status */
	__u64 slots[HIST_SLOTS];
};

/* The kernel's histogram table (-H, -S), where the programs have BPF
 * atomics: open addressing over HIST_TABLE groups, probed from the key's
 * hash, in two generations: the programs fill the one hist_gen names while
 * user space reads and clears the other. Without atomics, a hash map whose
 * keys carry the generation.
 */
#define HIST_TABLE_BITS	9
#define HIST_TABLE	(1u << HIST_TABLE_BITS)
#define HIST_PROBES	16

enum {
	HIST_FREE	= 0,
	HIST_CLAIMED	= 1,	/* a program is writing the key */
	HIST_READY	= 2,	/* key set: counts go to val */
};

struct hist_group {
	__u64 state;		/* HIST_FREE, HIST_CLAIMED, HIST_READY */
	struct hist_key key;
	struct hist_val val;
};

/* The count of a value the BPF side filled: the sum of its slots. */
static inline void hist_val_count(struct hist_val *v)
{
	unsigned int s;

	v->count = 0;
	for (s = 0; s < HIST_SLOTS; s++)
		v->count += v->slots[s];
}

#define HIST_KEY_WORDS	(sizeof(struct hist_key) / sizeof(__u64))

/* The first slot to probe for a key: Fibonacci hashing of its words. */
static inline __u32 hist_key_hash(const struct hist_key *key)
{
	const __u64 *w = (const __u64 *)key;
	__u64 h = 0;
	unsigned int i;

	for (i = 0; i < HIST_KEY_WORDS; i++)
		h = (h ^ w[i]) * 0x9e3779b97f4a7c15ull;
	return (__u32)(h >> (64 - HIST_TABLE_BITS));
}

/* Every word compared, one branch: a group's key is most often equal (the
 * words are all read then anyway), and in the BPF side's probe loop each
 * branch is one more path for the verifier to walk, sixteen times over.
 */
static inline int hist_key_eq(const struct hist_key *a, const struct hist_key *b)
{
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;
	__u64 diff = 0;
	unsigned int i;

	for (i = 0; i < HIST_KEY_WORDS; i++)
		diff |= x[i] ^ y[i];
	return diff == 0;
}

/* The group of a completed command (used by both the BPF side and -r). */
static inline void hist_key_init(struct hist_key *key, const struct nvmetrace_record *r,
				 __u8 by)
{
	__builtin_memset(key, 0, sizeof(*key));
	key->by = by;
	if (by & HIST_BY_DISK)
		__builtin_memcpy(key->disk, r->disk, sizeof(key->disk));
	if (by & (HIST_BY_DISK | HIST_BY_CTRL))
		key->ctrl = r->flags & NVMETRACE_F_CTRL ? r->ctrl : -1;
	if (by & HIST_BY_QID)
		key->qid = r->qid;
	if (by & HIST_BY_OPCODE) {
		key->opcode = r->sqe[0];
		key->ioq = !!(r->flags & NVMETRACE_F_IOQ);
	}
	if (by & HIST_BY_STATUS)
		key->status = (__u16)r->status;
	if (by & HIST_BY_COMM) {
		key->pid = r->pid;
		__builtin_memcpy(key->comm, r->comm, sizeof(key->comm));
	}
}

/* floor(log2(v)) for v > 0, without builtins the BPF target lacks, and
 * without branches: each step's (x + 0xffffffff) >> 32 is 1 for
 * 0 < x < 2^32, else 0. With a branch a step, the BPF verifier walked
 * the rest of the histogram update once for each of the 64 results.
 */
static inline int hist_log2(__u64 v)
{
	__u64 r, s;

	r = ((v >> 32) + 0xffffffffull) >> 32 << 5;
	v >>= r;
	s = ((v >> 16) + 0xffffffffull) >> 32 << 4;
	v >>= s;
	r |= s;
	s = ((v >> 8) + 0xffffffffull) >> 32 << 3;
	v >>= s;
	r |= s;
	s = ((v >> 4) + 0xffffffffull) >> 32 << 2;
	v >>= s;
	r |= s;
	s = ((v >> 2) + 0xffffffffull) >> 32 << 1;
	v >>= s;
	r |= s;
	return (int)(r | ((v >> 1) + 0xffffffffull) >> 32);
}

/* The slot of a latency in nanoseconds. Below 2^HIST_SUB_BITS the slots
 * are 1 ns wide; from there each power of two has HIST_SUBS slots.
 */
static inline __u32 hist_slot(__u64 ns)
{
	int msb;

	if (ns < HIST_SUBS)
		return (__u32)ns;
	msb = hist_log2(ns);
	if (msb >= HIST_MAX_SHIFT)
		return HIST_SLOTS - 1;
	return (__u32)((msb - HIST_SUB_BITS + 1) * HIST_SUBS +
		       ((ns >> (msb - HIST_SUB_BITS)) & (HIST_SUBS - 1)));
}

/* The smallest latency (ns) that falls in slot s, and the slot's width. */
static inline __u64 hist_slot_low(__u32 s)
{
	int msb;

	if (s < HIST_SUBS)
		return s;
	msb = (int)(s / HIST_SUBS) + HIST_SUB_BITS - 1;
	return (__u64)(HIST_SUBS + s % HIST_SUBS) << (msb - HIST_SUB_BITS);
}

static inline __u64 hist_slot_width(__u32 s)
{
	return s < HIST_SUBS ? 1 : 1ull << (s / HIST_SUBS - 1);
}

#endif /* NVMETRACE_HIST_H */
