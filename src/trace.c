// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <linux/btf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "cli.h"
#include "feature.h"
#include "kernel.h"
#include "output.h"
#include "report.h"
#include "trace.h"
#include "nvmetrace.skel.h"

/* How long one ring_buffer__poll() may sleep before we look at the signal
 * flag again (signals interrupt it earlier anyway), and so how late a record
 * waiting for its batch's wakeup is printed.
 */
#define POLL_TIMEOUT_MS 100

/* How often the loops look whether what is traced still exists. */
#define GONE_CHECK_NS 1000000000ull

/* Exit status when the traced device (or every controller) went away. */
#define EXIT_GONE 3

/* Histogram groups in the kernel's hash map (-H/-S on kernels without BPF
 * atomics): ~5 KiB each, preallocated.
 */
#define HIST_MAX_GROUPS 1024

static volatile sig_atomic_t exiting;
static bool gone;		/* what we trace was removed: stop, exit EXIT_GONE */

static void on_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

static __u64 now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (__u64)t.tv_sec * 1000000000ull + (__u64)t.tv_nsec;
}

struct session {
	struct nvmetrace_bpf *skel;
	struct ring_buffer *rb;
	struct sink sink;
	struct report requeued;		/* -S: requeued commands, by device */
	struct hist_group *hist_table;	/* -H/-S: the BPF table, mapped */
	size_t hist_table_len;
	int sync_fd, sync_inner_fd;	/* -H/-S: see wait_programs(); -1 unused */
	enum attach_mode method;
	char module[KSYM_MODULE_LEN];	/* module holding the hooks, "" vmlinux */
	bool nvme_btf;			/* BTF has the NVMe driver's types */
	int submit_nargs;		/* SUBMIT_FUNC's arguments in BTF, or -errno */
	bool found_by_module;		/* found without BTF: see find_driver() */
	const char *target;		/* what we hook, for messages */
	bool watched;			/* the device (-d) or a controller existed */
	int btf_fd;			/* BTF for CO-RE without CAP_SYS_ADMIN, or -1 */
	bool fallback_loaded;		/* session_load() loaded the other method's too */
	int btf_refused;		/* its BTF method's attach failed the probe: -errno */
	__u64 next_gone_check;
};

/* The verifier takes BPF atomics (Linux 5.12): the kprobes pair through
 * the table too (the fentry and tp_btf programs always do; raw_tp never).
 */
static bool have_atomics;

/* Whether the programs of method m pair through the table. */
static bool method_pairs(enum attach_mode m)
{
	return m == ATTACH_TP_BTF || m == ATTACH_FENTRY || (m == ATTACH_KPROBE && have_atomics);
}

/* -a's programs are built twice (see the BPF side): for records, and for
 * histograms and the summary, each without the other's code.
 */
#define A_PROG(skel, tp, hist, name)							\
	((hist) ? (skel)->progs.nvmetrace_##tp##h_##name : (skel)->progs.nvmetrace_##tp##_##name)
#define A_LINK(skel, tp, hist, name)							\
	((hist) ? &(skel)->links.nvmetrace_##tp##h_##name : &(skel)->links.nvmetrace_##tp##_##name)
#define A_SET(i, skel, tp, hist, name)							\
	(progs[i] = A_PROG(skel, tp, hist, name), links[i] = A_LINK(skel, tp, hist, name))

/* The programs each method attaches, in attach order. */
#define MAX_PROGS	5
static int method_progs(struct nvmetrace_bpf *skel, enum attach_mode m,
			struct bpf_program **progs, struct bpf_link ***links)
{
	bool hist = env.hist || env.summary;

	switch (m) {
	case ATTACH_FENTRY:
		progs[0] = skel->progs.nvmetrace_fe;	links[0] = &skel->links.nvmetrace_fe;
		progs[1] = skel->progs.nvmetrace_fx;	links[1] = &skel->links.nvmetrace_fx;
		return 2;
	case ATTACH_KPROBE:
		if (have_atomics) {
			progs[0] = skel->progs.nvmetrace_kp_t;	links[0] = &skel->links.nvmetrace_kp_t;
			progs[1] = skel->progs.nvmetrace_krp_t;	links[1] = &skel->links.nvmetrace_krp_t;
			return 2;
		}
		progs[0] = skel->progs.nvmetrace_kp;	links[0] = &skel->links.nvmetrace_kp;
		progs[1] = skel->progs.nvmetrace_krp;	links[1] = &skel->links.nvmetrace_krp;
		return 2;
	case ATTACH_TP_BTF:
		/* Completion first: a setup seen must find its completion hook;
		 * each second program right after its first (see the BPF side).
		 */
		A_SET(0, skel, tp, hist, done);
		A_SET(1, skel, tp, hist, done2);
		progs[2] = skel->progs.nvmetrace_tp_ins;	links[2] = &skel->links.nvmetrace_tp_ins;
		A_SET(3, skel, tp, hist, setup);
		A_SET(4, skel, tp, hist, setup2);
		return 5;
	case ATTACH_RAW_TP:
		A_SET(0, skel, rt, hist, done);
		A_SET(1, skel, rt, hist, done2);
		progs[2] = skel->progs.nvmetrace_rt_ins;	links[2] = &skel->links.nvmetrace_rt_ins;
		A_SET(3, skel, rt, hist, setup);
		A_SET(4, skel, rt, hist, setup2);
		return 5;
	case ATTACH_AUTO:
		break;
	}
	return 0;
}

/* How many times the kernel skipped a program because it was already
 * running on that CPU (bpf_prog_info.recursion_misses, Linux 5.12; 0
 * before, and for programs not loaded).
 */
static __u64 prog_misses(const struct bpf_program *p)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	int fd = bpf_program__fd(p);

	memset(&info, 0, sizeof(info));
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.recursion_misses;
}

/* Events the kernel did not give nvmetrace's programs: never silent. */
static void report_misses(const struct session *s)
{
	struct nvmetrace_bpf *skel = s->skel;
	__u64 setup, done, covered, covered_setups, tested, nested, user;

	/* Setups the first program left on purpose count as skipped. */
	tested = skel->bss->test_skipped_setups;
	setup = prog_misses(skel->progs.nvmetrace_tp_setup) + prog_misses(skel->progs.nvmetrace_tph_setup) +
		prog_misses(skel->progs.nvmetrace_rt_setup) + prog_misses(skel->progs.nvmetrace_rth_setup) +
		tested;
	/* Nested too deep where the kernel does not skip: not covered. */
	nested = skel->bss->nested_setups;
	covered_setups = skel->bss->covered_setups;
	/* Those the second program took, unless it set up again a command
	 * the first one kept (the hash map full): never below 0.
	 */
	setup = (setup > covered_setups ? setup - covered_setups : 0) + nested;
	done = prog_misses(skel->progs.nvmetrace_tp_done) + prog_misses(skel->progs.nvmetrace_tph_done) +
	       prog_misses(skel->progs.nvmetrace_rt_done) + prog_misses(skel->progs.nvmetrace_rth_done);
	covered = skel->bss->covered_completions;
	/* Where nested runs are not skipped (kernels without commit
	 * 05b24ff9b2cf) the second program also sees the first one's depth:
	 * done < covered.
	 */
	done = done > covered ? done - covered : 0;
	if (skel->rodata->test_skip_setup)
		fprintf(stderr, "nvmetrace: test: %llu setups left to the second setup program\n",
			(unsigned long long)tested);
	user = prog_misses(skel->progs.nvmetrace_fe) + prog_misses(skel->progs.nvmetrace_fx) +
	       prog_misses(skel->progs.nvmetrace_kp) + prog_misses(skel->progs.nvmetrace_krp) +
	       prog_misses(skel->progs.nvmetrace_kp_t) + prog_misses(skel->progs.nvmetrace_krp_t);
	if (setup)
		fprintf(stderr, "nvmetrace: up to %llu commands not traced: nvmetrace's "
			"nvme_setup_cmd program was already running on that CPU\n",
			(unsigned long long)setup);
	if (done)
		fprintf(stderr, "nvmetrace: up to %llu completions missed: the kernel skipped "
			"nvmetrace's nvme_complete_rq programs, already running on that CPU "
			"(those commands show as requeued or inflight)\n",
			(unsigned long long)done);
	if (user)
		fprintf(stderr, "nvmetrace: up to %llu passthrough calls missed: the kernel "
			"skipped nvmetrace's %s programs, already running on that CPU\n",
			(unsigned long long)user, SUBMIT_FUNC);
	if (env.verbose && covered)
		fprintf(stderr, "nvmetrace: %llu completions taken by the second completion "
			"program\n", (unsigned long long)covered);
	if (env.verbose && covered_setups)
		fprintf(stderr, "nvmetrace: %llu commands taken by the second setup program\n",
			(unsigned long long)covered_setups);
}

/* Once a second: is what we trace still there (the -d device, else any
 * controller)? Hot-unplug or unbinding the driver removes it. Only a device
 * seen present can go, so tracing may start before a controller appears.
 */
static void check_gone(struct session *s)
{
	__u64 t = now_ns();

	if (t < s->next_gone_check)
		return;
	s->next_gone_check = t + GONE_CHECK_NS;
	if (nvme_device_present(env.filter.ctrl, env.filter.disk))
		s->watched = true;
	else if (s->watched)
		gone = true;
}

static void report_gone(void)
{
	if (env.filter.disk)
		fprintf(stderr, "nvmetrace: %s was removed; nothing left to trace\n",
			env.filter.disk);
	else if (env.filter.ctrl >= 0)
		fprintf(stderr, "nvmetrace: nvme%d was removed; nothing left to trace\n",
			env.filter.ctrl);
	else
		fprintf(stderr, "nvmetrace: every NVMe controller was removed; "
			"nothing left to trace\n");
}

/* A requeued command, for -S to count. Apart from handle_record(): its
 * struct hist_val (4.7 KiB with the slots) was zeroed there for every
 * record, 600 of the live reader's 1,000 instructions a record under -w
 * (perf in the -icount VM; callgrind counts a rep stos once).
 */
static __attribute__((noinline)) void count_requeued(struct session *s,
							const struct nvmetrace_record *r)
{
	struct hist_val one = { .count = 1 };
	struct hist_key key;

	hist_key_init(&key, r, HIST_BY_DISK);
	report_merge(&s->requeued, &key, &one);
}

static int handle_record(void *ctx, void *data, size_t size)
{
	struct session *s = ctx;
	const struct nvmetrace_record *r = data;

	if (size < sizeof(*r))
		return 0;
	if (env.hist || env.summary) {
		/* Histograms are made in the kernel; only requeued commands
		 * come here, for -S to count.
		 */
		if (r->flags & NVMETRACE_F_REQUEUED)
			count_requeued(s, r);
		return 0;
	}
	sink_record(&s->sink, r);
	return 0;
}

/* A test setting read from the environment variable name: a number from
 * 1 to max (a power of two if pow2), else dflt, with a warning if it is
 * set but not such a number. Not for users (docs/testing.md).
 */
static __u32 test_setting(const char *name, unsigned long max, bool pow2, __u32 dflt)
{
	const char *v = getenv(name);
	char *end;
	unsigned long n;

	if (!v || !*v)
		return dflt;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || *end || !n || n > max || (pow2 && (n & (n - 1)))) {
		fprintf(stderr, "nvmetrace: ignoring %s=%s: not a %s from 1 to %lu\n", name, v,
			pow2 ? "power of two" : "number", max);
		return dflt;
	}
	return (__u32)n;
}

/* Whether block:block_rq_insert must tell who submitted each command (a
 * worker may dispatch it): records show the process; histograms and the
 * summary only when grouped or filtered by it. Otherwise its program (two
 * helper calls and a table entry, or a hash-map update, for every command
 * inserted into a queue, then a lookup at setup) is not loaded.
 */
static bool need_submitter(void)
{
	if (!env.hist && !env.summary)
		return true;
	return (!env.summary && (env.hist_by & HIST_BY_COMM)) || env.filter.pid || env.filter.comm;
}

/* pairs: programs that pair through the table (and have BPF atomics) may
 * run; plain: programs that do not.
 */
static void configure(struct session *s, bool pairs, bool plain)
{
	struct nvmetrace_bpf__rodata *ro = s->skel->rodata;
	const struct filters *f = &env.filter;
	int n;

	ro->filter_pid = f->pid;
	if (f->comm) {
		ro->filter_comm_on = true;
		strncpy((char *)ro->filter_comm, f->comm, sizeof(ro->filter_comm) - 1);
	}
	ro->filter_ctrl = f->ctrl;
	if (f->disk) {
		ro->filter_disk_on = true;
		strncpy((char *)ro->filter_disk, f->disk, sizeof(ro->filter_disk) - 1);
	}
	ro->filter_nsid = f->nsid;
	ro->filter_qid = f->qid;
	ro->filter_opcode = f->opcode;
	ro->filter_opcode_qtype = f->opcode_qtype;
	ro->filter_failed = f->failed;
	ro->filter_min_ns = f->min_ns;
	ro->filter_on_setup = f->pid || f->comm || f->ctrl >= 0 || f->disk || f->nsid >= 0 ||
			      f->qid >= 0 || f->opcode >= 0;
	ro->filter_on_done = f->failed || f->min_ns;
	/* Maps no loaded program uses: one entry each (preallocated, 16,384
	 * records of nvmetrace_inflight cost a few MB, and 15-30 ms of the
	 * start under emulation to create).
	 */
	if (!env.all) {
		bpf_map__set_max_entries(s->skel->maps.nvmetrace_inflight, 1);
		bpf_map__set_max_entries(s->skel->maps.nvmetrace_submitters, 1);
	} else {
		bpf_map__set_max_entries(s->skel->maps.nvmetrace_calls, 1);
		if (!need_submitter())
			bpf_map__set_max_entries(s->skel->maps.nvmetrace_submitters, 1);
	}
	if (bpf_program__autoload(s->skel->progs.nvmetrace_rt_ins)) {
		/* block_rq_insert(q, rq) lost q in Linux 5.11 (commit
		 * a54895fa057c). Only the raw_tp program needs to know: the
		 * tp_btf one is for kernels with BPF atomics (5.12).
		 */
		n = kernel_tp_nargs("block_rq_insert", NULL);
		ro->rq_insert_has_q = n == 2;
	}
	if (env.hist || env.summary) {
		ro->hist_mode = true;
		/* The summary names errors by status. */
		ro->hist_by = env.summary ? HIST_BY_DISK | HIST_BY_OPCODE | HIST_BY_STATUS :
					    (__u8)env.hist_by;
		if (pairs)
			bpf_map__set_max_entries(s->skel->maps.nvmetrace_hist_table,
						 2 * HIST_TABLE);
		if (plain)
			bpf_map__set_max_entries(s->skel->maps.nvmetrace_hist, HIST_MAX_GROUPS);
		if (!env.summary && f->ctrl < 0)
			ro->ctrl_when = ro->hist_by & (HIST_BY_DISK | HIST_BY_CTRL) ?
					HIST_CTRL_AT_COMPLETION : HIST_CTRL_NEVER;
	}
	/* The pairing table's size is a power of two, for the BPF side's
	 * mask: commands in flight (-a), or threads in a passthrough call at
	 * once. Unused, it is one entry: maps cost memory (charged to
	 * RLIMIT_MEMLOCK before Linux 5.11) even when idle.
	 */
	n = !pairs ? 1 : test_setting("NVMETRACE_TEST_PAIRS", 1ul << 20, true,
				      env.all ? NVMETRACE_PAIRS : NVMETRACE_PAIRS_CALLS);
	bpf_map__set_max_entries(s->skel->maps.nvmetrace_pairs, n);
	ro->pairs_mask = n - 1;
	/* The submitters' table beside it, where -a's tp_btf programs note
	 * who queued each request; one entry unused.
	 */
	if (!pairs || !env.all || !need_submitter())
		n = 1;
	bpf_map__set_max_entries(s->skel->maps.nvmetrace_submitter_table, n);
	ro->submitters_mask = n - 1;
	/* Tests of the second setup program: the first leaves it about one
	 * setup in N.
	 */
	if (env.all)
		ro->test_skip_setup = test_setting("NVMETRACE_TEST_SKIP_SETUP", 1000, false, 0);
	if (env.ringbuf_bytes)
		bpf_map__set_max_entries(s->skel->maps.nvmetrace_rb, env.ringbuf_bytes);
	/* The reader wakes for a batch of a sixteenth of the buffer instead
	 * of for every record; the poll timeout bounds how late one shows.
	 */
	ro->wakeup_bytes = bpf_map__max_entries(s->skel->maps.nvmetrace_rb) / 16;
}

static void session_close(struct session *s)
{
	ring_buffer__free(s->rb);
	s->rb = NULL;
	if (s->hist_table)
		munmap(s->hist_table, s->hist_table_len);
	s->hist_table = NULL;
	if (s->sync_fd >= 0)
		close(s->sync_fd);
	if (s->sync_inner_fd >= 0)
		close(s->sync_inner_fd);
	s->sync_fd = s->sync_inner_fd = -1;
	nvmetrace_bpf__destroy(s->skel);
	s->skel = NULL;
}

/* What libbpf 1.1 would spend most of the start on, done once, in a
 * thread beside the object's open (btf_job_start()), and handed to it:
 *
 * - The BTF-typed programs' attach targets. libbpf looks each program's up
 *   on its own, through all of vmlinux BTF and then every module's split
 *   BTF from id 1. Here each section gets a libbpf handler that gives the
 *   load the ids found in one pass.
 * - CO-RE's target BTF: libbpf searches all of vmlinux, then every module,
 *   for each relocated type. Here a BTF with only those types
 *   (kernel_core_btf_fd()) is its btf_custom_path.
 * - With both, libbpf needs vmlinux BTF for nothing, but parses it for any
 *   tracing program not attached to another BPF program: each is given a
 *   stand-in attach_prog_fd until its load, where the handler clears it.
 *
 * All under emulation: a third of the start. Without CAP_SYS_ADMIN (a
 * module's BTF fd by id) or a module, libbpf does it all itself.
 */
static const struct {
	const char *sec;
	enum bpf_attach_type type;
} btf_secs[] = {
	{ "fentry/" SUBMIT_FUNC, BPF_TRACE_FENTRY },
	{ "fexit/" SUBMIT_FUNC, BPF_TRACE_FEXIT },
	{ "tp_btf/nvme_setup_cmd", BPF_TRACE_RAW_TP },
	{ "tp_btf/nvme_complete_rq", BPF_TRACE_RAW_TP },
	{ "tp_btf/block_rq_insert", BPF_TRACE_RAW_TP },
};
#define NR_BTF_SECS (int)(sizeof(btf_secs) / sizeof(btf_secs[0]))

static struct kernel_btf_id btf_ids[NR_BTF_SECS] = {
	{ .name = SUBMIT_FUNC, .kind = BTF_KIND_FUNC },
	{ .name = SUBMIT_FUNC, .kind = BTF_KIND_FUNC },
	{ .name = "btf_trace_nvme_setup_cmd", .kind = BTF_KIND_TYPEDEF },
	{ .name = "btf_trace_nvme_complete_rq", .kind = BTF_KIND_TYPEDEF },
	{ .name = "btf_trace_block_rq_insert", .kind = BTF_KIND_TYPEDEF, .vmlinux = true },
};

/* The structs bpf/core_views.h relocates: in vmlinux, in the driver. */
static const char *const core_vmlinux_roots[] = {
	"request", "request_queue", "gendisk", "blk_mq_hw_ctx", "task_struct", NULL
};
static const char *const core_module_roots[] = { "nvme_request", "nvme_ctrl", NULL };

static struct {
	pthread_t thread;
	bool pending;		/* btf_job_wait() has work */
	bool joinable;		/* the thread runs */
	bool fails;		/* tests: as if the thread had failed */
	bool core;		/* CO-RE against the thread's BTF, no vmlinux BTF */
	bool probe_fentry;	/* try to attach an empty fentry program */
	int fentry;		/* what it found (feature_fentry_id()), 1 if not tried */
	int core_fd;		/* the thread's BTF (memfd), or -errno */
	__u32 core_types;
	int path_fd;		/* what btf_custom_path names, or -1 */
	char module[KSYM_MODULE_LEN];
} btf_job = { .path_fd = -1, .fentry = 1 };

static void *btf_job_run(void *arg)
{
	bool loaded;
	int err;

	(void)arg;
	btf_job.core_fd = btf_job.fails ? -ENODATA :
			  kernel_core_btf_fd(btf_job.module, core_vmlinux_roots,
					     core_module_roots, btf_ids, NR_BTF_SECS,
					     &btf_job.core_types);
	/* With the target's id at hand, whether fentry attaches, for a few
	 * milliseconds: the load then verifies one method's programs, not
	 * both (session_load()). A probe that did not load tells nothing.
	 */
	if (btf_job.core_fd >= 0 && btf_job.probe_fentry && btf_ids[0].id > 0) {
		err = feature_fentry_id(btf_ids[0].obj_fd, btf_ids[0].id, &loaded);
		btf_job.fentry = loaded ? err : 1;
	}
	return NULL;
}

/* The thread's result, once, before the load: its BTF where btf_custom_path
 * points. If it failed, vmlinux's and the module's BTF merged there
 * instead, and the ids from libbpf's parse: as libbpf would have done.
 */
static void btf_job_wait(void)
{
	const char *module = btf_job.module;
	int i, fd, n = 0;

	if (!btf_job.pending)
		return;
	btf_job.pending = false;
	if (btf_job.joinable)
		pthread_join(btf_job.thread, NULL);
	btf_job.joinable = false;
	fd = btf_job.core_fd;
	if (fd >= 0) {
		btf_job.core = true;
		if (env.verbose > 1)
			fprintf(stderr, "nvmetrace: CO-RE against %u types taken from the "
				"kernel's BTF\n", btf_job.core_types);
		for (i = 0; i < NR_BTF_SECS; i++)
			n += btf_ids[i].id > 0;
	} else {
		if (env.verbose > 1)
			fprintf(stderr, "nvmetrace: CO-RE's types not taken from the kernel's BTF "
				"(%s): merging vmlinux's and %s's\n", errno_name(fd), module);
		fd = kernel_merged_btf_fd(module);
		if (fd < 0)
			fd = open("/sys/kernel/btf/vmlinux", O_RDONLY | O_CLOEXEC);
		n = kernel_module_btf_ids_parsed(module, btf_ids, NR_BTF_SECS);
	}
	/* Where btf_custom_path already points (read at the load). */
	if (fd >= 0) {
		if (dup3(fd, btf_job.path_fd, O_CLOEXEC) < 0 && env.verbose)
			fprintf(stderr, "nvmetrace: failed to hand libbpf the BTF: %s\n",
				strerror(errno));
		close(fd);
	}
	for (i = 0; env.verbose > 1 && n > 0 && i < NR_BTF_SECS; i++)
		fprintf(stderr, "nvmetrace: %s: %s [%d] in %s's BTF\n", btf_secs[i].sec,
			btf_ids[i].name, btf_ids[i].id, btf_ids[i].vmlinux ? "vmlinux" : module);
	if (env.verbose > 1 && btf_job.fentry <= 0)
		fprintf(stderr, "nvmetrace: an empty fentry program on %s %s%s%s\n", SUBMIT_FUNC,
			btf_job.fentry ? "failed to attach (" : "attached",
			btf_job.fentry ? errno_name(btf_job.fentry) : "",
			btf_job.fentry ? ")" : "");
}

/* Whether fentry attaches, as btf_job_run() found by trying: 0 yes, a
 * negative errno no, 1 not known.
 */
static int btf_job_fentry(void)
{
	btf_job_wait();
	return btf_job.core ? btf_job.fentry : 1;
}

static int btf_sec_prepare(struct bpf_program *prog, struct bpf_prog_load_opts *opts,
			   long cookie)
{
	btf_job_wait();
	if (btf_ids[cookie].id <= 0) {
		if (env.verbose)
			fprintf(stderr, "nvmetrace: %s: %s not found in %s's BTF\n",
				bpf_program__name(prog), btf_ids[cookie].name,
				btf_ids[cookie].vmlinux ? "vmlinux" : btf_job.module);
		return -ESRCH;
	}
	/* The stand-in (btf_job_load()): no BPF program is the target. */
	opts->attach_prog_fd = 0;
	opts->attach_btf_obj_fd = btf_ids[cookie].obj_fd;
	opts->attach_btf_id = btf_ids[cookie].id;
	return 0;
}

static int btf_sec_attach(const struct bpf_program *prog, long cookie, struct bpf_link **link)
{
	(void)cookie;
	*link = bpf_program__attach_trace(prog);
	return *link ? 0 : -errno;
}

/* Once, before the first open (libbpf picks a section's handler there,
 * and reads btf_custom_path's name). The thread takes no signal. Returns
 * the fd btf_custom_path is to name, or -1: libbpf does it all.
 */
static int btf_job_start(const struct session *s)
{
	LIBBPF_OPTS(libbpf_prog_handler_opts, opts,
		    .prog_prepare_load_fn = btf_sec_prepare,
		    .prog_attach_fn = btf_sec_attach);
	sigset_t all, old;
	static bool done;
	int i, err;

	if (done)
		return btf_job.path_fd;
	done = true;
	if (!s->module[0] || s->btf_fd >= 0 || !have_sys_admin() || !have_kernel_btf(s->module))
		return -1;
	btf_job.path_fd = memfd_create("nvmetrace-btf", MFD_CLOEXEC);
	if (btf_job.path_fd < 0)
		return -1;
	snprintf(btf_job.module, sizeof(btf_job.module), "%s", s->module);
	btf_job.probe_fentry = env.attach == ATTACH_AUTO && !env.all;
	/* Tests of the fallback (NVMETRACE_TEST_CORE_BTF_FAILS=1). */
	btf_job.fails = test_setting("NVMETRACE_TEST_CORE_BTF_FAILS", 1, false, 0);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&btf_job.thread, NULL, btf_job_run, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	btf_job.joinable = !err;
	if (err)		/* then here and now */
		btf_job_run(NULL);
	btf_job.pending = true;
	for (i = 0; i < NR_BTF_SECS; i++) {
		opts.cookie = i;
		if (libbpf_register_prog_handler(btf_secs[i].sec, BPF_PROG_TYPE_TRACING,
						 btf_secs[i].type, &opts) < 0 && env.verbose)
			fprintf(stderr, "nvmetrace: failed to register a handler for %s: %s\n",
				btf_secs[i].sec, errno_name(errno));
	}
	return btf_job.path_fd;
}

/* Just before the load: the thread's result in place and, where its BTF
 * is CO-RE's, each tracing program given the stand-in attach_prog_fd that
 * keeps libbpf from parsing vmlinux BTF (its handler clears it).
 */
static void btf_job_load(struct bpf_object *obj)
{
	struct bpf_program *p;

	btf_job_wait();
	if (!btf_job.core)
		return;
	bpf_object__for_each_program(p, obj)
		if (bpf_program__autoload(p) && bpf_program__type(p) == BPF_PROG_TYPE_TRACING)
			bpf_program__set_attach_target(p, btf_job.path_fd, NULL);
}

/* Open, configure and load the programs of method and, unless also is
 * ATTACH_AUTO, those of the method to fall back to, so that a kernel that
 * refuses to attach the first (fentry: BPF trampolines) needs no second
 * load: libbpf's BTF and the verifier are most of the start-up time. On
 * failure the session is left closed and a negative errno is returned.
 */
static int session_load(struct session *s, enum attach_mode method, enum attach_mode also)
{
	struct bpf_program *progs[MAX_PROGS], *p;
	struct bpf_link **links[MAX_PROGS];
	int i, n, err, fd = s->btf_fd;

	LIBBPF_OPTS(bpf_object_open_opts, opts);
	char btf_path[64];

	if (fd < 0)
		fd = btf_job_start(s);
	if (fd >= 0) {
		snprintf(btf_path, sizeof(btf_path), "/proc/self/fd/%d", fd);
		opts.btf_custom_path = btf_path;
	}
	s->skel = nvmetrace_bpf__open_opts(&opts);
	if (!s->skel) {
		err = -errno;
		btf_job_wait();
		return err;
	}
	bpf_object__for_each_program(p, s->skel->obj)
		bpf_program__set_autoload(p, false);
	n = method_progs(s->skel, method, progs, links);
	for (i = 0; i < n; i++)
		bpf_program__set_autoload(progs[i], true);
	n = method_progs(s->skel, also, progs, links);
	for (i = 0; i < n; i++)
		bpf_program__set_autoload(progs[i], true);
	/* Where the thread learnt whether fentry attaches, one method's. */
	s->btf_refused = 0;
	if (method == ATTACH_FENTRY && also != ATTACH_AUTO && (err = btf_job_fentry()) <= 0) {
		n = method_progs(s->skel, err ? method : also, progs, links);
		for (i = 0; i < n; i++)
			bpf_program__set_autoload(progs[i], false);
		if (err) {
			s->btf_refused = err;
			method = also;
		}
		also = ATTACH_AUTO;
	}
	s->fallback_loaded = also != ATTACH_AUTO || s->btf_refused;
	if (!need_submitter()) {
		bpf_program__set_autoload(s->skel->progs.nvmetrace_rt_ins, false);
		bpf_program__set_autoload(s->skel->progs.nvmetrace_tp_ins, false);
	}
	configure(s, method_pairs(method) || method_pairs(also),
		  !method_pairs(method) || (also != ATTACH_AUTO && !method_pairs(also)));
	btf_job_load(s->skel->obj);
	/* Nothing more is looked up (the fallback in btf_job_load() may have
	 * parsed BTF): freed before libbpf loads.
	 */
	kernel_btf_release();
	err = nvmetrace_bpf__load(s->skel);
	if (err) {
		session_close(s);
		return err;
	}
	return 0;
}

/* Attach the loaded programs of method. On failure none of them stays
 * attached (the session stays loaded) and a negative errno is returned.
 */
static int session_attach(struct session *s, enum attach_mode method)
{
	struct bpf_program *progs[MAX_PROGS];
	struct bpf_link **links[MAX_PROGS];
	int i, n, err;

	n = method_progs(s->skel, method, progs, links);
	for (i = 0; i < n; i++) {
		/* block:block_rq_insert only sharpens who submitted. */
		if (progs[i] == s->skel->progs.nvmetrace_rt_ins ||
		    progs[i] == s->skel->progs.nvmetrace_tp_ins) {
			if (!need_submitter()) {
				if (env.verbose)
					fprintf(stderr, "nvmetrace: block:block_rq_insert not attached: "
						"no process to tell (not grouped or filtered by it)\n");
				continue;
			}
			*links[i] = bpf_program__attach(progs[i]);
			if (!*links[i] && env.verbose)
				fprintf(stderr, "nvmetrace: block:block_rq_insert not attached (%s): "
					"commands dispatched by a worker show the worker\n",
					errno_name(errno));
			continue;
		}
		*links[i] = bpf_program__attach(progs[i]);
		if (!*links[i]) {
			err = -errno;
			while (i--) {
				bpf_link__destroy(*links[i]);
				*links[i] = NULL;
			}
			return err ? err : -EINVAL;
		}
	}
	s->method = method;
	return 0;
}

/* Where SUBMIT_FUNC is, asking BTF, then kallsyms. */
static int find_submit_func(struct session *s)
{
	/* BTF answers where kallsyms would take a second under emulation;
	 * kallsyms where there is no BTF for the driver.
	 */
	if (kernel_btf_home(SUBMIT_FUNC, BTF_KIND_FUNC, s->module)) {
		/* For the reason fentry cannot attach, read now from the
		 * BTF at hand: not parsed again then.
		 */
		s->submit_nargs = kernel_func_nargs(SUBMIT_FUNC, s->module);
		return 0;
	}
	s->submit_nargs = -ENOENT;
	if (!ksym_find(SUBMIT_FUNC, true, s->module)) {
		fprintf(stderr, "nvmetrace: %s not found: is the nvme driver loaded?\n",
			SUBMIT_FUNC);
		return 1;
	}
	return 0;
}

/* Where nvme:nvme_setup_cmd is, asking BTF, then kallsyms. */
static int find_tracepoint(struct session *s)
{
	if (!kernel_btf_home("btf_trace_nvme_setup_cmd", BTF_KIND_TYPEDEF, s->module) &&
	    !ksym_find("__tracepoint_nvme_setup_cmd", false, s->module)) {
		fprintf(stderr, "nvmetrace: tracepoint nvme:nvme_setup_cmd not found: "
			"is the nvme driver loaded?\n");
		return 1;
	}
	return 0;
}

/* Where the NVMe driver is, and whether its types are in BTF. */
static int find_driver(struct session *s)
{
	s->target = env.all ? "nvme:nvme_setup_cmd/nvme_complete_rq" : SUBMIT_FUNC;
	/* The driver's core loaded as a module holds the hooks, and its
	 * types where the module has BTF: libbpf finds them while loading,
	 * and only a failure asks more (driver_missing()). Parsing vmlinux
	 * BTF here as well took a fifth of the start under emulation.
	 * Without CAP_SYS_ADMIN, -a needs the lookups below all the same.
	 */
	if (kernel_module_loaded(NVME_CORE_MODULE) && (!env.all || have_sys_admin())) {
		snprintf(s->module, sizeof(s->module), "%s", NVME_CORE_MODULE);
		s->found_by_module = true;
		s->nvme_btf = have_kernel_btf(s->module);
	} else if (!env.all) {
		return find_submit_func(s);
	} else if (find_tracepoint(s)) {
		return 1;
	}
	if (!env.all)
		return 0;
	/* struct request's size, and so where the driver's data is, comes
	 * from vmlinux BTF: -a cannot work without it.
	 */
	if (!have_kernel_btf(NULL)) {
		fprintf(stderr, "nvmetrace: failed to trace every command (-a): the kernel "
			"has no BTF (/sys/kernel/btf/vmlinux); use a kernel built with "
			"CONFIG_DEBUG_INFO_BTF\n");
		return 1;
	}
	if (!s->found_by_module)
		s->nvme_btf = kernel_has_struct("nvme_request", s->module[0] ? s->module : NULL);
	/* Without CAP_SYS_ADMIN libbpf cannot look at module BTF (it would
	 * fail the load while looking for the NVMe types there): hand it one
	 * BTF that has everything there is, so it never looks.
	 */
	if (!have_sys_admin()) {
		if (s->nvme_btf && s->module[0]) {
			s->btf_fd = kernel_merged_btf_fd(s->module);
			if (s->btf_fd < 0 && env.verbose)
				fprintf(stderr, "nvmetrace: failed to merge the BTF of module %s: %s\n",
					s->module, strerror(-s->btf_fd));
		} else if (!s->nvme_btf) {
			s->btf_fd = open("/sys/kernel/btf/vmlinux", O_RDONLY | O_CLOEXEC);
		}
	}
	if (!s->nvme_btf) {
		if (env.filter.ctrl >= 0) {
			fprintf(stderr, "nvmetrace: cannot filter by controller: this kernel has "
				"no BTF for the NVMe driver (module %s); use -d nvmeNnM\n",
				s->module[0] ? s->module : "vmlinux");
			return 1;
		}
		if (env.verbose)
			fprintf(stderr, "nvmetrace: no BTF for the NVMe driver's types "
				"(module %s): using the pre-5.14 struct nvme_request layout; "
				"the controller of admin commands is unknown\n",
				s->module[0] ? s->module : "vmlinux");
	}
	return 0;
}

/* After a failed attach of a driver found by its module: if the hook is
 * not there after all (the driver renamed it), say so as find_driver()
 * would have; true if it was said.
 */
static bool driver_missing(struct session *s)
{
	if (!s->found_by_module)
		return false;
	return env.all ? find_tracepoint(s) : find_submit_func(s);
}

static const char *errstr(int err)
{
	err = err < 0 ? -err : err;
	return err < 512 ? strerror(err) : errno_name(err);
}

/* Explain why a BTF-based method (fentry, tp_btf) could not work. */
static void btf_method_reason(const struct session *s, enum attach_mode m, int err,
			      char *buf, size_t len)
{
	int nargs;

	if (!have_kernel_btf(NULL)) {
		snprintf(buf, len, "the kernel has no BTF (/sys/kernel/btf/vmlinux)");
		return;
	}
	if (s->module[0] && !have_kernel_btf(s->module)) {
		snprintf(buf, len, "module %s has no BTF", s->module);
		return;
	}
	if (s->module[0] && !have_sys_admin()) {
		snprintf(buf, len, "attaching to module %s's BTF needs CAP_SYS_ADMIN", s->module);
		return;
	}
	if (m == ATTACH_TP_BTF) {
		snprintf(buf, len, "%s (%s)", errstr(err), errno_name(err));
		return;
	}
	/* From the BTF thread's pass where it ran: no parse here. */
	if (btf_ids[0].id > 0 && btf_ids[0].nargs >= 0)
		nargs = btf_ids[0].nargs;
	else
		nargs = s->found_by_module ? kernel_func_nargs(SUBMIT_FUNC, s->module) :
					     s->submit_nargs;
	kernel_btf_release();
	if (err == -ESRCH || nargs == -ENOENT) {
		snprintf(buf, len, "no BTF for %s", SUBMIT_FUNC);
		return;
	}
	/* x86 BPF trampolines take at most 6 arguments before Linux 6.6
	 * (commit 473e3150e30a); the attach fails with ENOTSUPP.
	 */
	if (err == -524 && nargs > 6) {
		snprintf(buf, len, "%s has %d arguments, more than this kernel's "
			 "BPF trampolines take (%s)", SUBMIT_FUNC, nargs, errno_name(err));
		return;
	}
	snprintf(buf, len, "%s (%s)", errstr(err), errno_name(err));
}

static int attach_error(int err, const char *method, const char *target)
{
	/* Every program reads block-layer types with CO-RE: no vmlinux BTF,
	 * no relocation, no load.
	 */
	if (!have_kernel_btf(NULL))
		fprintf(stderr, "nvmetrace: failed to load the %s programs: the kernel has no "
			"BTF (/sys/kernel/btf/vmlinux); use a kernel built with "
			"CONFIG_DEBUG_INFO_BTF\n", method);
	/* Debian's kernels add perf_event_paranoid=3 (their default), which
	 * gives perf_event_open(), and so kprobes, to CAP_SYS_ADMIN only.
	 */
	else if ((err == -EPERM || err == -EACCES) && !have_sys_admin() &&
		 !strcmp(method, "kprobe") &&
		 kernel_sysctl_int("/proc/sys/kernel/perf_event_paranoid") > 2)
		fprintf(stderr, "nvmetrace: failed to attach kprobe to %s: permission denied: "
			"kernel.perf_event_paranoid=%d lets only CAP_SYS_ADMIN open perf events "
			"(kprobes); set it to 2 for CAP_BPF and CAP_PERFMON to suffice, or run as root\n",
			target, kernel_sysctl_int("/proc/sys/kernel/perf_event_paranoid"));
	else if (err == -EPERM || err == -EACCES)
		fprintf(stderr, "nvmetrace: failed to attach %s to %s: permission denied "
			"(needs root, or CAP_BPF and CAP_PERFMON; is kernel lockdown on?)\n",
			method, target);
	else
		fprintf(stderr, "nvmetrace: failed to attach %s to %s: %s (%s)\n",
			method, target, errstr(err), errno_name(err));
	return 1;
}

/* Pick and attach: the BTF-based method (fentry, tp_btf) where the kernel
 * allows it, the other (kprobe, raw_tp) otherwise. Decided by trying,
 * never from the kernel version.
 */
static int session_start(struct session *s)
{
	enum attach_mode btf_m = env.all ? ATTACH_TP_BTF : ATTACH_FENTRY;
	enum attach_mode plain_m = env.all ? ATTACH_RAW_TP : ATTACH_KPROBE;
	/* fentry loads but may not attach (trampolines took at most 6
	 * arguments before Linux 6.6): load the kprobes with it, unless the
	 * BTF thread's probe has told which of the two will attach
	 * (session_load()). tp_btf attaches wherever it loads.
	 */
	enum attach_mode also = env.attach == ATTACH_AUTO && !env.all ? plain_m : ATTACH_AUTO;
	char why[256] = "";
	int err, btf_err = 0;

	have_atomics = feature_bpf_atomics();
	if (env.verbose)
		fprintf(stderr, "nvmetrace: BPF atomics %s: pairing %s\n",
			have_atomics ? "available" : "unavailable (Linux 5.12+)",
			have_atomics ? "through a table first" : "through hash maps");
	if (env.attach != plain_m) {
		if (!have_kernel_btf(NULL) || (s->module[0] && !have_kernel_btf(s->module)))
			err = -ESRCH;	/* don't let libbpf fail noisily */
		else if (s->module[0] && !have_sys_admin())
			err = -EPERM;	/* attach_btf_obj_fd: a module BTF by id */
		else if (!(err = session_load(s, btf_m, also)) &&
			 (err = s->btf_refused ? s->btf_refused : session_attach(s, btf_m)) &&
			 !s->fallback_loaded)
			session_close(s);
		if (!err) {
			if (env.verbose)
				fprintf(stderr, "nvmetrace: attached to %s by %s\n",
					s->target, attach_mode_name(btf_m));
			return 0;
		}
		/* A signal while trying: stop before the next attempt. */
		if (exiting) {
			session_close(s);
			return 0;
		}
		if (env.attach == btf_m) {
			if (!driver_missing(s)) {
				btf_method_reason(s, btf_m, err, why, sizeof(why));
				fprintf(stderr, "nvmetrace: failed to attach %s to %s: %s\n",
					attach_mode_name(btf_m), s->target, why);
			}
			return 1;
		}
		btf_err = err;
	}
	/* Loaded with the first method's programs, or on its own. */
	err = s->skel ? 0 : session_load(s, plain_m, ATTACH_AUTO);
	if (!err && (err = session_attach(s, plain_m)))
		session_close(s);
	if (err)
		return driver_missing(s) ? 1 : attach_error(err, attach_mode_name(plain_m), s->target);
	if (env.verbose) {
		if (env.attach == plain_m) {
			fprintf(stderr, "nvmetrace: attached to %s by %s (--attach=%s)\n",
				s->target, attach_mode_name(plain_m), attach_mode_name(plain_m));
		} else {
			/* Tracing already: the reason may have to parse BTF. */
			fprintf(stderr, "nvmetrace: attached to %s by %s\n",
				s->target, attach_mode_name(plain_m));
			btf_method_reason(s, btf_m, btf_err, why, sizeof(why));
			fprintf(stderr, "nvmetrace: %s unavailable: %s\n",
				attach_mode_name(btf_m), why);
		}
	}
	return 0;
}

static int cmp_ts(const void *a, const void *b)
{
	const struct nvmetrace_record *ra = a, *rb = b;

	return ra->ts_ns < rb->ts_ns ? -1 : ra->ts_ns > rb->ts_ns;
}

/* Room for one more record in *recs (of *cap); false if out of memory. */
static bool recs_room(struct nvmetrace_record **recs, int n, int *cap)
{
	struct nvmetrace_record *tmp;

	if (n < *cap)
		return true;
	tmp = realloc(*recs, (*cap ? *cap * 2 : 64) * sizeof(**recs));
	if (!tmp)
		return false;
	*recs = tmp;
	*cap = *cap ? *cap * 2 : 64;
	return true;
}

/* The commands in flight now (the pairing maps), oldest first, marked as
 * such with their age as latency. Returns the count; *out is malloc'ed.
 */
static int collect_inflight(struct session *s, struct nvmetrace_record **out)
{
	struct bpf_map *map = env.all ? s->skel->maps.nvmetrace_inflight :
					s->skel->maps.nvmetrace_calls;
	int fd = bpf_map__fd(map), n = 0, cap = 0, i;
	struct nvmetrace_record *recs = NULL;
	/* Keys are u64 (request) or u32 (thread id); u64 holds either. */
	__u64 key = 0, next = 0, *prev = NULL;
	struct nvmetrace_pair pair;
	struct timespec now;
	__u64 now_ns;
	__u32 idx, entries;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		if (!recs_room(&recs, n, &cap))
			break;
		if (!bpf_map_lookup_elem(fd, &next, &recs[n]))
			n++;
		key = next;
		prev = &key;
	}
	/* An entry of the pairing table being claimed or given back (not
	 * ready) is a command starting or done.
	 */
	if (method_pairs(s->method)) {
		fd = bpf_map__fd(s->skel->maps.nvmetrace_pairs);
		entries = bpf_map__max_entries(s->skel->maps.nvmetrace_pairs);
		for (idx = 0; idx < entries; idx++) {
			if (bpf_map_lookup_elem(fd, &idx, &pair) || !pair.req ||
			    pair.ready != pair.req)
				continue;
			if (!recs_room(&recs, n, &cap))
				break;
			recs[n++] = pair.rec;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	now_ns = (__u64)now.tv_sec * 1000000000ull + (__u64)now.tv_nsec;
	if (n)
		qsort(recs, n, sizeof(*recs), cmp_ts);
	for (i = 0; i < n; i++) {
		recs[i].flags |= NVMETRACE_F_INFLIGHT;
		recs[i].result = 0;	/* the BPF side's scratch until completion */
		recs[i].latency_ns = now_ns > recs[i].ts_ns ? now_ns - recs[i].ts_ns : 0;
	}
	*out = recs;
	return n;
}

/* The init PID namespace's inode number (PROC_PID_INIT_INO): only there
 * do /proc's thread ids match the ones the BPF side records.
 */
#define PID_INIT_INO	0xEFFFFFFCu

/* Whether the thread that made passthrough call r has exited: then the
 * call returned, and its return was not seen (a thread cannot exit inside
 * an ioctl). A thread still there, or one we cannot tell about, is taken
 * to be in the call.
 */
static bool call_thread_gone(const struct nvmetrace_record *r)
{
	static int init_ns = -1;
	char path[64];
	struct stat st;

	if (init_ns < 0)
		init_ns = !stat("/proc/self/ns/pid", &st) && st.st_ino == PID_INIT_INO;
	if (!init_ns)
		return false;
	snprintf(path, sizeof(path), "/proc/%u/task/%u", r->pid, r->tid);
	return stat(path, &st) && errno == ENOENT;
}

/* Commands still in flight when tracing stopped: printed, so none is
 * silently dropped. Returns how many are in flight; *returned counts the
 * passthrough calls among them whose thread has exited (return not seen).
 */
static int report_inflight(struct session *s, int *returned)
{
	struct nvmetrace_record *recs;
	int i, n = collect_inflight(s, &recs);

	*returned = 0;
	for (i = 0; i < n; i++) {
		if (!env.all && call_thread_gone(&recs[i]))
			(*returned)++;
		sink_record(&s->sink, &recs[i]);
	}
	free(recs);
	return n - *returned;
}

/* Waiting for the programs that are running: the kernel updates an entry
 * of a map of maps only after an RCU grace period (maybe_wait_bpf_programs()
 * in kernel/bpf/syscall.c, there for this use), and every program nvmetrace
 * attaches runs inside an RCU read-side critical section (tracepoint and
 * trampoline programs under rcu_read_lock(), kprobes with preemption off).
 * So once the update returns, every program that started before it has
 * ended, and every later one sees what user space stored before it. The
 * outer map is one entry, updated with the same inner map each time.
 */
static int sync_open(struct session *s)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts);

	s->sync_inner_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "nvmetrace_sync1", sizeof(__u32),
					  sizeof(__u32), 1, NULL);
	if (s->sync_inner_fd < 0)
		return -errno;
	opts.inner_map_fd = s->sync_inner_fd;
	s->sync_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "nvmetrace_sync", sizeof(__u32),
				    sizeof(__u32), 1, &opts);
	return s->sync_fd < 0 ? -errno : 0;
}

static int wait_programs(struct session *s)
{
	__u32 zero = 0;

	return bpf_map_update_elem(s->sync_fd, &zero, &s->sync_inner_fd, BPF_ANY) ? -errno : 0;
}

/* Switch the programs to the other generation of the kernel's histograms
 * and wait until none counts into the one they left, which it returns: no
 * program writes there while user space reads and clears it.
 */
static __u32 switch_generation(struct session *s)
{
	volatile __u32 *gen = &s->skel->bss->hist_gen;
	__u32 old = *gen & 1;
	int err;

	__atomic_store_n(gen, old ^ 1, __ATOMIC_SEQ_CST);
	err = wait_programs(s);
	if (err)
		fprintf(stderr, "nvmetrace: cannot wait for the running programs (%s); "
			"a count landing now may be lost\n", errstr(err));
	return old;
}

/* Add generation old of the table to rep and clear it for its next turn. */
static void drain_table(struct session *s, __u32 old, struct report *rep)
{
	struct hist_group *g;
	__u32 i;

	for (i = 0; i < HIST_TABLE; i++) {
		g = &s->hist_table[old * HIST_TABLE + i];
		if (__atomic_load_n(&g->state, __ATOMIC_ACQUIRE) == HIST_FREE)
			continue;
		if (g->state == HIST_READY) {
			hist_val_count(&g->val);
			report_merge(rep, &g->key, &g->val);
		}
		memset(&g->key, 0, sizeof(g->key));
		memset(&g->val, 0, sizeof(g->val));
		__atomic_store_n(&g->state, HIST_FREE, __ATOMIC_RELEASE);
	}
}

/* The same for the hash map (no BPF atomics): its groups of generation
 * old, added to rep, then deleted.
 */
static void drain_hash(struct session *s, __u32 old, struct report *rep)
{
	int fd = bpf_map__fd(s->skel->maps.nvmetrace_hist);
	struct hist_key key, next, *prev = NULL, *done = NULL;
	static struct hist_val val;
	size_t n = 0, cap = 0, i;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (next.gen != old || bpf_map_lookup_elem(fd, &next, &val))
			continue;
		if (n == cap) {
			struct hist_key *d = realloc(done, (cap = cap ? 2 * cap : 64) * sizeof(*d));

			if (!d)
				break;
			done = d;
		}
		done[n++] = next;
		next.gen = 0;
		hist_val_count(&val);
		report_merge(rep, &next, &val);
	}
	for (i = 0; i < n; i++)
		bpf_map_delete_elem(fd, &done[i]);
	free(done);
}

/* -H/-S: read the kernel's histograms (and, for -S, what is in flight),
 * print them, and reset them for the next interval.
 */
static void print_report(struct session *s, double seconds)
{
	struct report rep = {}, infl = { .by = HIST_BY_DISK };
	struct nvmetrace_record *recs;
	struct hist_key key;
	static struct hist_val val;
	__u32 old;
	char ts[16];
	time_t t = time(NULL);
	struct tm tm;
	int i, n;

	/* Requeued commands below the wakeup threshold wait in the ring. */
	if (env.summary)
		ring_buffer__consume(s->rb);
	old = switch_generation(s);
	if (s->hist_table)
		drain_table(s, old, &rep);
	drain_hash(s, old, &rep);
	localtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%H:%M:%S", &tm);
	if (env.interval && !env.json)
		printf("%s\n", ts);
	if (env.summary) {
		n = collect_inflight(s, &recs);
		for (i = 0; i < n; i++) {
			hist_key_init(&key, &recs[i], HIST_BY_DISK);
			memset(&val, 0, sizeof(val));
			val.count = 1;
			report_merge(&infl, &key, &val);
		}
		free(recs);
		report_print_summary(stdout, &rep, seconds > 0 ? seconds : 1, env.json, &infl,
				     &s->requeued, env.interval ? ts : NULL);
		report_clear(&s->requeued);
	} else {
		report_print_hist(stdout, &rep, env.json, env.interval ? ts : NULL);
	}
	if (!env.json)
		putchar('\n');
	fflush(stdout);
	report_free(&rep);
	report_free(&infl);
}

/* The aggregation loop: print every interval (or once at the end). */
static int hist_loop(struct session *s)
{
	__u64 start = now_ns(), last = start, next = start + (__u64)(env.interval * 1e9);
	long printed = 0;
	int err, timeout;

	if (bpf_map__max_entries(s->skel->maps.nvmetrace_hist_table) == 2 * HIST_TABLE) {
		size_t len = 2 * HIST_TABLE * sizeof(struct hist_group);
		long page = sysconf(_SC_PAGESIZE);
		void *t;

		len = (len + page - 1) / page * page;
		t = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
			 bpf_map__fd(s->skel->maps.nvmetrace_hist_table), 0);
		if (t == MAP_FAILED) {
			fprintf(stderr, "nvmetrace: failed to map the histogram table: %s\n",
				strerror(errno));
			return 1;
		}
		s->hist_table = t;
		s->hist_table_len = len;
	}
	err = sync_open(s);
	if (err) {
		fprintf(stderr, "nvmetrace: cannot create the map that waits for running programs: %s\n",
			errstr(err));
		return 1;
	}
	fprintf(stderr, "nvmetrace: aggregating in the kernel; %s\n", env.interval ?
		"printing every interval (Ctrl-C to stop)" : "Ctrl-C prints the report");
	while (!exiting && !gone) {
		check_gone(s);
		timeout = POLL_TIMEOUT_MS;
		if (env.interval) {
			__u64 t = now_ns();

			if (t >= next) {
				print_report(s, (t - last) / 1e9);
				last = t;
				next += (__u64)(env.interval * 1e9);
				if (env.count && ++printed >= env.count)
					return 0;
				continue;
			}
			if ((next - t) / 1000000 < (__u64)timeout)
				timeout = (int)((next - t) / 1000000) + 1;
		}
		err = ring_buffer__poll(s->rb, timeout);
		if (err < 0 && err != -EINTR) {
			fprintf(stderr, "nvmetrace: failed to read ring buffer: %s\n", strerror(-err));
			return 1;
		}
	}
	/* Stopped by a signal (or the device went): what was counted since
	 * the last report.
	 */
	nvmetrace_bpf__detach(s->skel);
	print_report(s, (now_ns() - last) / 1e9);
	return gone ? EXIT_GONE : 0;
}

int trace_run(void)
{
	struct session s = { .btf_fd = -1, .sync_fd = -1, .sync_inner_fd = -1, .requeued = { .by = HIST_BY_DISK } };
	struct sigaction sa = { .sa_handler = on_signal };
	struct nvmetrace_bpf__bss *bss;
	struct output_ctx clock;
	char lockdown[32];
	bool sink_ready = false;
	int err, inflight = 0, returned = 0, ret = 1;
	unsigned long long missed_returns;

	/* No SA_RESTART: a signal must wake ring_buffer__poll() at once. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (!have_trace_privilege()) {
		/* 1 (not Debian's default 2) is a deliberate, locked choice. */
		if (kernel_sysctl_int("/proc/sys/kernel/unprivileged_bpf_disabled") == 1)
			fprintf(stderr, "nvmetrace: permission denied: tracing needs root, "
				"or CAP_BPF and CAP_PERFMON; kernel.unprivileged_bpf_disabled=1 "
				"also refuses bpf() to users without CAP_BPF (try sudo)\n");
		else
			fprintf(stderr, "nvmetrace: permission denied: tracing needs root, "
				"or CAP_BPF and CAP_PERFMON (try sudo)\n");
		return 1;
	}
	/* Confidentiality lockdown (LOCKDOWN_BPF_READ_KERNEL, LOCKDOWN_KPROBES)
	 * takes away bpf_probe_read_kernel() and kprobes: no mode can work,
	 * and the verifier's error would not say why.
	 */
	if (kernel_lockdown(lockdown, sizeof(lockdown)) && !strcmp(lockdown, "confidentiality")) {
		fprintf(stderr, "nvmetrace: failed to load the tracing programs: the kernel is "
			"locked down (confidentiality), which forbids BPF from reading kernel "
			"memory (see /sys/kernel/security/lockdown; only a reboot lifts it)\n");
		return 1;
	}
	if (find_driver(&s))
		return 1;
	/* A signal during start-up stops it between steps (the handlers are
	 * in place before anything is loaded); nothing stays attached.
	 */
	if (exiting)
		return 0;
	if (session_start(&s))
		return 1;
	/* A signal before anything was attached: nothing to report. One
	 * that comes once the programs are attached (-v has said so, and
	 * may still be working out why a method was unavailable) stops it
	 * as any stop does: what they recorded is printed first.
	 */
	if (!s.skel)
		return 0;

	s.rb = ring_buffer__new(bpf_map__fd(s.skel->maps.nvmetrace_rb),
				handle_record, &s, NULL);
	if (!s.rb) {
		fprintf(stderr, "nvmetrace: failed to create ring buffer: %s\n",
			strerror(errno));
		goto out;
	}
	if (env.hist || env.summary) {
		ret = hist_loop(&s);
		goto out;
	}
	output_ctx_init_clock(&clock);
	if (sink_open(&s.sink, env.all, clock.mono_to_real_ns, clock.start_ns))
		goto out;
	sink_ready = true;

	while (!exiting && !gone) {
		check_gone(&s);
		err = ring_buffer__poll(s.rb, POLL_TIMEOUT_MS);
		if (err == -EINTR)
			continue;
		/* Records below the wakeup threshold raise no epoll event:
		 * take them when the poll times out.
		 */
		if (err == 0)
			err = ring_buffer__consume(s.rb);
		if (err < 0) {
			fprintf(stderr, "nvmetrace: failed to read ring buffer: %s\n",
				strerror(-err));
			goto out;
		}
		if (err > 0 && sink_flush(&s.sink))
			goto out;
	}
	ret = gone ? EXIT_GONE : 0;
out:
	/* Detach first so the counts are final, then drain what is left. */
	nvmetrace_bpf__detach(s.skel);
	if (sink_ready) {
		ring_buffer__consume(s.rb);
		inflight = report_inflight(&s, &returned);
		if (sink_flush(&s.sink))
			ret = 1;
		sink_close(&s.sink);
	}
	bss = s.skel->bss;
	if (inflight)
		fprintf(stderr, "nvmetrace: %d command%s still in flight at exit (listed as inflight)\n",
			inflight, inflight == 1 ? "" : "s");
	if (bss->lost_records)
		fprintf(stderr, "nvmetrace: lost %llu events\n",
			(unsigned long long)bss->lost_records);
	if (bss->lost_hist)
		fprintf(stderr, "nvmetrace: %llu commands not counted: too many histogram groups\n",
			(unsigned long long)bss->lost_hist);
	if (bss->lost_inflight)
		fprintf(stderr, "nvmetrace: %llu commands not traced: too many in flight\n",
			(unsigned long long)bss->lost_inflight);
	if (env.verbose && bss->unpaired_completions)
		fprintf(stderr, "nvmetrace: %llu completions of commands submitted before tracing started\n",
			(unsigned long long)bss->unpaired_completions);
	/* Records and -S show requeued commands; -H only counts completions. */
	if (bss->replaced_inflight && (env.verbose || env.hist))
		fprintf(stderr, "nvmetrace: %llu command%s set up again before completing (requeued)%s\n",
			(unsigned long long)bss->replaced_inflight,
			bss->replaced_inflight == 1 ? " was" : "s were",
			env.hist ? ", not in the histograms" : "");
	missed_returns = bss->missed_returns + returned;
	if (missed_returns)
		fprintf(stderr, "nvmetrace: %llu passthrough call%s whose return was not seen "
			"(%s); listed as inflight\n", missed_returns,
			missed_returns == 1 ? "" : "s", s.method == ATTACH_KPROBE ?
			"more threads in " SUBMIT_FUNC " at once than the kernel's kretprobe follows" :
			"the kernel skipped the return probe");
	if (env.verbose && method_pairs(s.method) && bss->hashed_total)
		fprintf(stderr, "nvmetrace: %llu command%s paired through the hash map "
			"(pairing table entry taken)\n", (unsigned long long)bss->hashed_total,
			bss->hashed_total == 1 ? "" : "s");
	report_misses(&s);
	if (gone)
		report_gone();
	session_close(&s);
	report_free(&s.requeued);
	if (s.btf_fd >= 0)
		close(s.btf_fd);
	return ret;
}
